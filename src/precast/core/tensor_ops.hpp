// Operations on tensor<T, S> values whose result shapes are computed, and whose shape errors are reported,
// at compile time: matmul, multiply (elementwise), reduce_mean over an axis, argmax over an axis, reshape.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include <xtensor/xfixed.hpp>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/tensor.hpp>
#include <precast/export.hpp>

namespace precast
{
    namespace detail
    {
        // shape<Dims...> without extent Axis; a rank-1 shape reduces to shape<1>.
        template <std::size_t Axis, class S, class Kept = std::index_sequence<>, std::size_t I = 0>
        struct remove_axis;

        template <std::size_t Axis, std::size_t... Kept, std::size_t I>
        struct remove_axis<Axis, shape<>, std::index_sequence<Kept...>, I>
        {
            using type = std::conditional_t<sizeof...(Kept) == 0, shape<1>, shape<Kept...>>;
        };

        template <std::size_t Axis, std::size_t First, std::size_t... Rest, std::size_t... Kept, std::size_t I>
        struct remove_axis<Axis, shape<First, Rest...>, std::index_sequence<Kept...>, I>
        {
            using type = typename remove_axis<Axis, shape<Rest...>,
                                              std::conditional_t<I == Axis, std::index_sequence<Kept...>, std::index_sequence<Kept..., First>>, I + 1>::type;
        };

        template <class S, std::size_t Axis>
        struct axis_split
        {
            static constexpr std::size_t outer = [] {
                std::size_t n = 1;
                for (std::size_t i = 0; i < Axis; ++i)
                {
                    n *= S::extents[i];
                }
                return n;
            }();
            static constexpr std::size_t length = S::extents[Axis];
            static constexpr std::size_t inner = S::size / (outer * length);
        };
    }

    // shape<Dims...> minus the extent at Axis.
    PRECAST_EXPORT template <std::size_t Axis, static_shape S>
    using reduced_shape = typename detail::remove_axis<Axis, S>::type;

    // Matrix product: [M][K] x [K][N] -> [M][N]. Inner extents that differ are a compile error.
    PRECAST_EXPORT template <scalar T, std::size_t M, std::size_t K, std::size_t K2, std::size_t N>
    [[nodiscard]] tensor<T, shape<M, N>> matmul(const xt::xtensor_fixed<T, xt::xshape<M, K>>& a, const xt::xtensor_fixed<T, xt::xshape<K2, N>>& b)
    {
        static_assert(K == K2, "precast::matmul: the number of columns of a must equal the number of rows of b");
        tensor<T, shape<M, N>> c;
        for (std::size_t i = 0; i < M; ++i)
        {
            for (std::size_t j = 0; j < N; ++j)
            {
                T sum = 0;
                for (std::size_t k = 0; k < K; ++k)
                {
                    sum += a(i, k) * b(k, j);
                }
                c(i, j) = sum;
            }
        }
        return c;
    }

    // Elementwise product of two tensors of one shape (a different shape is a compile error).
    PRECAST_EXPORT template <scalar T, std::size_t... A, std::size_t... B>
    [[nodiscard]] tensor<T, shape<A...>> multiply(const xt::xtensor_fixed<T, xt::xshape<A...>>& a, const xt::xtensor_fixed<T, xt::xshape<B...>>& b)
    {
        static_assert(std::is_same_v<shape<A...>, shape<B...>>, "precast::multiply: elementwise multiplication needs two tensors of the same shape");
        tensor<T, shape<A...>> c;
        std::transform(a.data(), a.data() + shape<A...>::size, b.data(), c.data(), [](T x, T y) { return x * y; });
        return c;
    }

    // Mean over one axis: the result has that extent removed (reduce_mean<1> of [2][3] is [2]).
    template <std::size_t Axis, scalar T, std::size_t... Dims>
    [[nodiscard]] tensor<T, reduced_shape<Axis, shape<Dims...>>> reduce_mean(const xt::xtensor_fixed<T, xt::xshape<Dims...>>& t)
    {
        static_assert(Axis < sizeof...(Dims), "precast::reduce_mean<Axis>: Axis must be less than the rank of the tensor");
        using split = detail::axis_split<shape<Dims...>, Axis>;
        tensor<T, reduced_shape<Axis, shape<Dims...>>> result;
        for (std::size_t o = 0; o < split::outer; ++o)
        {
            for (std::size_t i = 0; i < split::inner; ++i)
            {
                T sum = 0;
                for (std::size_t k = 0; k < split::length; ++k)
                {
                    sum += t.data()[(o * split::length + k) * split::inner + i];
                }
                result.data()[o * split::inner + i] = sum / static_cast<T>(split::length);
            }
        }
        return result;
    }

    // Mean of all elements.
    PRECAST_EXPORT template <scalar T, std::size_t... Dims>
    [[nodiscard]] T reduce_mean(const xt::xtensor_fixed<T, xt::xshape<Dims...>>& t)
    {
        T sum = 0;
        for (std::size_t i = 0; i < shape<Dims...>::size; ++i)
        {
            sum += t.data()[i];
        }
        return sum / static_cast<T>(shape<Dims...>::size);
    }

    // Index of the largest element along an axis (the first one on ties).
    template <std::size_t Axis, scalar T, std::size_t... Dims>
    [[nodiscard]] xt::xtensor_fixed<std::size_t, typename reduced_shape<Axis, shape<Dims...>>::xshape> argmax(const xt::xtensor_fixed<T, xt::xshape<Dims...>>& t)
    {
        static_assert(Axis < sizeof...(Dims), "precast::argmax<Axis>: Axis must be less than the rank of the tensor");
        using split = detail::axis_split<shape<Dims...>, Axis>;
        xt::xtensor_fixed<std::size_t, typename reduced_shape<Axis, shape<Dims...>>::xshape> result;
        for (std::size_t o = 0; o < split::outer; ++o)
        {
            for (std::size_t i = 0; i < split::inner; ++i)
            {
                std::size_t best = 0;
                for (std::size_t k = 1; k < split::length; ++k)
                {
                    if (t.data()[(o * split::length + k) * split::inner + i] > t.data()[(o * split::length + best) * split::inner + i])
                    {
                        best = k;
                    }
                }
                result.data()[o * split::inner + i] = best;
            }
        }
        return result;
    }

    // The same elements, row-major, in another shape of the same size (another size is a compile error).
    PRECAST_EXPORT template <static_shape To, scalar T, std::size_t... Dims>
    [[nodiscard]] tensor<T, To> reshape(const xt::xtensor_fixed<T, xt::xshape<Dims...>>& t)
    {
        static_assert(To::size == shape<Dims...>::size, "precast::reshape<To>: the new shape must have as many elements as the tensor");
        tensor<T, To> result;
        std::copy_n(t.data(), To::size, result.data());
        return result;
    }
}
