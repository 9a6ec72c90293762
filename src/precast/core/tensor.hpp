// tensor<T, Shape>: a fixed-size tensor value over xt::xtensor_fixed, and traits to read its shape back.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <xtensor/xfixed.hpp>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>

namespace precast
{
    // The elements live inside the object, like std::array: right for small tensors. A large tensor held by a
    // local variable can overflow the stack; hold those in a tensor_buffer (storage.hpp) instead.
    //
    // It is an xt::xtensor_fixed (every xtensor function takes it) that also takes its values flat, in C order, at
    // any rank: tensor<float, shape<2, 3>> t{1, 2, 3, 4, 5, 6} is t{{1, 2, 3}, {4, 5, 6}}. A flat list of another
    // length is a std::invalid_argument naming both counts.
    PRECAST_EXPORT template <scalar T, static_shape S>
    class tensor : public xt::xtensor_fixed<T, typename S::xshape>
    {
        using base = xt::xtensor_fixed<T, typename S::xshape>;

    public:
        using base::base;
        using base::operator=;
        tensor() = default;
        tensor(const base& other) : base(other) {}

        tensor(std::initializer_list<T> flat)
            requires(S::rank > 1)
        {
            if (flat.size() != S::size)
            {
                std::string extents;
                for (std::size_t a = 0; a < S::rank; ++a)
                {
                    extents += std::to_string(S::extents[a]) + (a + 1 < S::rank ? ", " : "");
                }
                throw std::invalid_argument("precast::tensor: " + std::to_string(flat.size()) + " values for a tensor of shape [" + extents +
                                            "], which holds " + std::to_string(S::size) + " (list them flat in C order, or nested row by row)");
            }
            std::copy(flat.begin(), flat.end(), this->data());
        }
    };

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

        template <class T, class S>
        struct tensor_traits<tensor<T, S>> : tensor_traits<xt::xtensor_fixed<T, typename S::xshape>>
        {
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

// xtensor reads a container's types from these traits: precast::tensor's are its base's.
namespace xt
{
    template <class T, class S>
    struct xcontainer_inner_types<precast::tensor<T, S>> : xcontainer_inner_types<xtensor_fixed<T, typename S::xshape>>
    {
    };
    template <class T, class S>
    struct xiterable_inner_types<precast::tensor<T, S>> : xiterable_inner_types<xtensor_fixed<T, typename S::xshape>>
    {
    };
}
