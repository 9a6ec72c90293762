// axpy(alpha, x, y): y <- alpha * x + y, vectorized with xsimd, any length. The update step of gradient descent.
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>

#include <precast/core/scalar.hpp>
#include <precast/core/tensor.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        // y[i] += alpha * x[i] for i < n; y[n] and beyond are never touched. x and y may not overlap partially.
        PRECAST_EXPORT template <scalar T>
        inline void axpy(T alpha, const T* x, T* y, std::size_t n) noexcept
        {
            using batch = simd_batch<T>;
            constexpr std::size_t width = batch::size;

            const batch alpha_batch(alpha);
            std::size_t i = 0;
            for (; i + width <= n; i += width)
            {
                fused_multiply_add<T>(alpha_batch, batch::load_unaligned(x + i), batch::load_unaligned(y + i)).store_unaligned(y + i);
            }
            // Fewer than `width` elements remain; counting them down keeps g++ 12 from misjudging the trip count.
            for (std::size_t remaining = n - i; remaining > 0; --remaining, ++i)
            {
                y[i] += alpha * x[i];
            }
        }

        // Spans of equal static extent (a mismatch does not compile), or of dynamic extent: then a length
        // mismatch throws std::invalid_argument naming both lengths.
        template <class X, std::size_t N>
            requires scalar<std::remove_const_t<X>>
        inline void axpy(std::remove_const_t<X> alpha, std::span<X, N> x, std::span<std::remove_const_t<X>, N> y) noexcept(N != std::dynamic_extent)
        {
            span_checks::require_same_length("precast::kernels::axpy", x, y);
            axpy<std::remove_const_t<X>>(alpha, x.data(), y.data(), x.size());
        }

        template <scalar T, std::size_t N>
        inline void axpy(T alpha, const xt::xtensor_fixed<T, xt::xshape<N>>& x, xt::xtensor_fixed<T, xt::xshape<N>>& y) noexcept
        {
            axpy<T>(alpha, x.data(), y.data(), N);
        }
    }
}
