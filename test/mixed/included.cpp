#include <typeinfo>

#include "mixed.hpp"

#include <precast/precast.hpp>

precast_view view_from_included_headers()
{
    const float a[5] = {1, 2, 3, 4, 5};
    using fn = float (*)(const float*, const float*, std::size_t) noexcept;
    const fn dot = &precast::kernels::dot<float>;
    return {reinterpret_cast<const void*>(dot), &precast::version, typeid(precast::tensor_buffer<float, precast::shape<3, 4>>).name(),
            precast::kernels::dot(a, a, 5)};
}
