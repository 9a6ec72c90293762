// Operations on tensor<T, S> values whose result shapes are computed, and whose shape errors are reported,
// at compile time: matmul, multiply (elementwise), reduce_mean over an axis, argmax over an axis, reshape. Each
// takes tensors, tensor_buffers and batch_views (a network's outputs) alike.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include <xtensor/xfixed.hpp>

#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
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

        // A tensor<T, S> as tensor.hpp describes it; the other operands below.
        template <class X>
        struct operand_traits : tensor_traits<X>
        {
            static constexpr bool is_operand = tensor_traits<X>::is_tensor;
        };
        template <class T, static_shape S, class P>
        struct operand_traits<tensor_buffer<T, S, P>>
        {
            static constexpr bool is_operand = true;
            using value_type = T;
            using shape_type = S;
        };
        template <class T, std::size_t B, static_shape S>
        struct operand_traits<batch_view<T, B, S>>
        {
            static constexpr bool is_operand = true;
            using value_type = std::remove_const_t<T>;
            using shape_type = batched_shape<B, S>;
        };
    }

    // tensor_operand: what the operations below accept: a tensor<T, S>, a tensor_buffer<T, S>, or a batch_view
    // <T, B, S> such as a network's output (shape [B, S...]: the batch is axis 0).
    PRECAST_EXPORT template <class X>
    concept tensor_operand = detail::operand_traits<std::remove_cvref_t<X>>::is_operand;

    PRECAST_EXPORT template <tensor_operand X>
    using operand_shape = typename detail::operand_traits<std::remove_cvref_t<X>>::shape_type;
    PRECAST_EXPORT template <tensor_operand X>
    using operand_element = typename detail::operand_traits<std::remove_cvref_t<X>>::value_type;

    // shape<Dims...> minus the extent at Axis.
    PRECAST_EXPORT template <std::size_t Axis, static_shape S>
    using reduced_shape = typename detail::remove_axis<Axis, S>::type;

    // Matrix product: [M][K] x [K][N] -> [M][N]. Inner extents that differ are a compile error.
    PRECAST_EXPORT template <tensor_operand A, tensor_operand B>
    [[nodiscard]] auto matmul(const A& a, const B& b)
    {
        using T = operand_element<A>;
        using SA = operand_shape<A>;
        using SB = operand_shape<B>;
        static_assert(std::is_same_v<T, operand_element<B>>, "precast::matmul: both operands must have the same element type");
        static_assert(SA::rank == 2 && SB::rank == 2, "precast::matmul: both operands must be matrices (rank 2)");
        constexpr std::size_t M = SA::extents[0];
        constexpr std::size_t K = SA::extents[SA::rank - 1];
        constexpr std::size_t N = SB::extents[SB::rank - 1];
        static_assert(K == SB::extents[0], "precast::matmul: the number of columns of a must equal the number of rows of b");
        tensor<T, shape<M, N>> c;
        const T* pa = a.data();
        const T* pb = b.data();
        for (std::size_t i = 0; i < M; ++i)
        {
            for (std::size_t j = 0; j < N; ++j)
            {
                T sum = 0;
                for (std::size_t k = 0; k < K; ++k)
                {
                    sum += pa[i * K + k] * pb[k * N + j];
                }
                c(i, j) = sum;
            }
        }
        return c;
    }

    // Elementwise product of two tensors of one shape (a different shape is a compile error).
    PRECAST_EXPORT template <tensor_operand A, tensor_operand B>
    [[nodiscard]] tensor<operand_element<A>, operand_shape<A>> multiply(const A& a, const B& b)
    {
        using T = operand_element<A>;
        static_assert(std::is_same_v<operand_shape<A>, operand_shape<B>>, "precast::multiply: elementwise multiplication needs two tensors of the same shape");
        static_assert(std::is_same_v<T, operand_element<B>>, "precast::multiply: both operands must have the same element type");
        tensor<T, operand_shape<A>> c;
        std::transform(a.data(), a.data() + operand_shape<A>::size, b.data(), c.data(), [](T x, T y) { return x * y; });
        return c;
    }

    // Mean over one axis: the result has that extent removed (reduce_mean<1> of [2][3] is [2]).
    PRECAST_EXPORT template <std::size_t Axis, tensor_operand X>
    [[nodiscard]] auto reduce_mean(const X& t)
    {
        using T = operand_element<X>;
        using S = operand_shape<X>;
        static_assert(Axis < S::rank, "precast::reduce_mean<Axis>: Axis must be less than the rank of the tensor");
        using split = detail::axis_split<S, Axis>;
        tensor<T, reduced_shape<Axis, S>> result;
        const T* data = t.data();
        for (std::size_t o = 0; o < split::outer; ++o)
        {
            for (std::size_t i = 0; i < split::inner; ++i)
            {
                T sum = 0;
                for (std::size_t k = 0; k < split::length; ++k)
                {
                    sum += data[(o * split::length + k) * split::inner + i];
                }
                result.data()[o * split::inner + i] = sum / static_cast<T>(split::length);
            }
        }
        return result;
    }

    // Mean of all elements.
    PRECAST_EXPORT template <tensor_operand X>
    [[nodiscard]] operand_element<X> reduce_mean(const X& t)
    {
        using T = operand_element<X>;
        T sum = 0;
        for (std::size_t i = 0; i < operand_shape<X>::size; ++i)
        {
            sum += t.data()[i];
        }
        return sum / static_cast<T>(operand_shape<X>::size);
    }

    // Index of the largest element along an axis (the first one on ties; NaN is never the largest). For a
    // network's output y of B samples, argmax<1>(y) is each sample's predicted class.
    PRECAST_EXPORT template <std::size_t Axis, tensor_operand X>
    [[nodiscard]] auto argmax(const X& t)
    {
        using S = operand_shape<X>;
        static_assert(Axis < S::rank, "precast::argmax<Axis>: Axis must be less than the rank of the tensor");
        using split = detail::axis_split<S, Axis>;
        xt::xtensor_fixed<std::size_t, typename reduced_shape<Axis, S>::xshape> result;
        const auto* data = t.data();
        for (std::size_t o = 0; o < split::outer; ++o)
        {
            for (std::size_t i = 0; i < split::inner; ++i)
            {
                std::size_t best = 0;
                for (std::size_t k = 1; k < split::length; ++k)
                {
                    if (data[(o * split::length + k) * split::inner + i] > data[(o * split::length + best) * split::inner + i])
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
    PRECAST_EXPORT template <static_shape To, tensor_operand X>
    [[nodiscard]] tensor<operand_element<X>, To> reshape(const X& t)
    {
        static_assert(To::size == operand_shape<X>::size, "precast::reshape<To>: the new shape must have as many elements as the tensor");
        tensor<operand_element<X>, To> result;
        std::copy_n(t.data(), To::size, result.data());
        return result;
    }
}
