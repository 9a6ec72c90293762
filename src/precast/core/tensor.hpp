// tensor<T, Shape>: a fixed-size tensor value over xt::xtensor_fixed, and traits to read its shape back.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xtensor/xfixed.hpp>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>

namespace precast
{
    // The elements live inside the object, like std::array: right for small tensors. A large tensor held by a
    // local variable can overflow the stack; hold those in a tensor_buffer (storage.hpp) instead.
    PRECAST_EXPORT template <scalar T, static_shape S>
    using tensor = xt::xtensor_fixed<T, typename S::xshape>;

    namespace detail
    {
        template <class Tensor>
        struct tensor_traits
        {
            static constexpr bool is_tensor = false;
        };

        template <class T, std::size_t... Dims>
        struct tensor_traits<xt::xtensor_fixed<T, xt::xshape<Dims...>>>
        {
            static constexpr bool is_tensor = scalar<T>;
            using value_type = T;
            using shape_type = shape<Dims...>;
        };
    }

    // static_tensor: a precast::tensor<T, S> for some scalar T and static_shape S.
    PRECAST_EXPORT template <class Tensor>
    concept static_tensor = detail::tensor_traits<std::remove_cvref_t<Tensor>>::is_tensor;

    PRECAST_EXPORT template <static_tensor Tensor>
    using shape_of = typename detail::tensor_traits<std::remove_cvref_t<Tensor>>::shape_type;

    PRECAST_EXPORT template <static_tensor Tensor>
    using element_of = typename detail::tensor_traits<std::remove_cvref_t<Tensor>>::value_type;
}
