// dot(a, b): the inner product of two vectors, and sum(x), vectorized with xsimd, any length.
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
        // Sum of a[i] * b[i] for i < n. Pointers need no particular alignment.
        // Four independent accumulators hide the FMA latency; the tail shorter than one register is scalar.
        PRECAST_EXPORT template <scalar T>
        [[nodiscard]] inline T dot(const T* a, const T* b, std::size_t n) noexcept
        {
            using batch = simd_batch<T>;
            constexpr std::size_t width = batch::size;

            batch acc0(T(0));
            batch acc1(T(0));
            batch acc2(T(0));
            batch acc3(T(0));
            std::size_t i = 0;
            for (; i + 4 * width <= n; i += 4 * width)
            {
                acc0 = fused_multiply_add<T>(batch::load_unaligned(a + i), batch::load_unaligned(b + i), acc0);
                acc1 = fused_multiply_add<T>(batch::load_unaligned(a + i + width), batch::load_unaligned(b + i + width), acc1);
                acc2 = fused_multiply_add<T>(batch::load_unaligned(a + i + 2 * width), batch::load_unaligned(b + i + 2 * width), acc2);
                acc3 = fused_multiply_add<T>(batch::load_unaligned(a + i + 3 * width), batch::load_unaligned(b + i + 3 * width), acc3);
            }
            for (; i + width <= n; i += width)
            {
                acc0 = fused_multiply_add<T>(batch::load_unaligned(a + i), batch::load_unaligned(b + i), acc0);
            }
            T sum = xsimd::hadd((acc0 + acc1) + (acc2 + acc3));
            // Fewer than `width` elements remain; counting them down keeps g++ 12 from misjudging the trip count.
            for (std::size_t remaining = n - i; remaining > 0; --remaining, ++i)
            {
                sum += a[i] * b[i];
            }
            return sum;
        }

        // Sum of x[i] for i < n, vectorized as dot (the order of the additions differs from a plain loop's).
        PRECAST_EXPORT template <scalar T>
        [[nodiscard]] inline T sum(const T* x, std::size_t n) noexcept
        {
            using batch = simd_batch<T>;
            constexpr std::size_t width = batch::size;
            batch acc0(T(0));
            batch acc1(T(0));
            std::size_t i = 0;
            for (; i + 2 * width <= n; i += 2 * width)
            {
                acc0 += batch::load_unaligned(x + i);
                acc1 += batch::load_unaligned(x + i + width);
            }
            for (; i + width <= n; i += width)
            {
                acc0 += batch::load_unaligned(x + i);
            }
            T total = xsimd::hadd(acc0 + acc1);
            for (std::size_t remaining = n - i; remaining > 0; --remaining, ++i)
            {
                total += x[i];
            }
            return total;
        }

        // Spans of equal static extent (a mismatch does not compile), or of dynamic extent: then a length
        // mismatch throws std::invalid_argument naming both lengths.
        template <class A, class B, std::size_t N>
            requires span_elements_of_one_scalar<A, B>
        [[nodiscard]] inline std::remove_const_t<A> dot(std::span<A, N> a, std::span<B, N> b) noexcept(N != std::dynamic_extent)
        {
            span_checks::require_same_length("precast::kernels::dot", a, b);
            return dot<std::remove_const_t<A>>(a.data(), b.data(), a.size());
        }

        template <scalar T, std::size_t N>
        [[nodiscard]] inline T dot(const xt::xtensor_fixed<T, xt::xshape<N>>& a, const xt::xtensor_fixed<T, xt::xshape<N>>& b) noexcept
        {
            return dot<T>(a.data(), b.data(), N);
        }
    }
}
