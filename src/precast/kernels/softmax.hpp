// Softmax and log-sum-exp over a row, vectorized: the softmax layer's forward pass and the softmax cross-entropy
// losses' value and gradient.
//
// The layer computes in its own element type, as its scalar form did. The losses compute in double, as their
// scalar form did (a loss is a sum over a batch, and their gradients are rounded to T once, at the end), on
// whole registers of doubles: the same numbers as std::exp's to the last bit of T but in rare ties.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include <precast/core/scalar.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        // The largest of z[0, n), n > 0.
        PRECAST_EXPORT template <scalar T>
        [[nodiscard]] inline T max_of(const T* z, std::size_t n) noexcept
        {
            using batch = simd_batch<T>;
            constexpr std::size_t width = batch::size;
            const std::size_t whole = n / width * width;
            T largest = z[0];
            if (whole > 0)
            {
                batch m = batch::load_unaligned(z);
                for (std::size_t i = width; i < whole; i += width)
                {
                    m = xsimd::max(m, batch::load_unaligned(z + i));
                }
                alignas(64) T lanes[width];
                m.store_aligned(lanes);
                largest = *std::max_element(lanes, lanes + width);
            }
            for (std::size_t i = whole; i < n; ++i)
            {
                largest = std::max(largest, z[i]);
            }
            return largest;
        }

        // log sum_j e^(z_j) over z[0, n), n > 0, in double, without overflow (the largest value is taken out first).
        PRECAST_EXPORT template <scalar T>
        [[nodiscard]] inline double log_sum_exp(const T* z, std::size_t n) noexcept
        {
            using batch = simd_batch<double>;
            constexpr std::size_t width = batch::size;
            const double largest = static_cast<double>(max_of(z, n));
            const batch shift(largest);
            batch sum(0.0);
            const std::size_t whole = n / width * width;
            for (std::size_t i = 0; i < whole; i += width)
            {
                sum += xsimd::exp(batch::load_unaligned(z + i) - shift);
            }
            double total = xsimd::hadd(sum);
            for (std::size_t i = whole; i < n; ++i)
            {
                total += std::exp(static_cast<double>(z[i]) - largest);
            }
            return largest + std::log(total);
        }

        // out[j] = T(scale * e^(z_j - shift)) for j < n, in double (a softmax row times a scale, given its log-sum-exp).
        PRECAST_EXPORT template <scalar T>
        inline void scaled_exp(const T* z, std::size_t n, double shift, double scale, T* out) noexcept
        {
            using batch = simd_batch<double>;
            constexpr std::size_t width = batch::size;
            const batch s(shift);
            const batch k(scale);
            const std::size_t whole = n / width * width;
            for (std::size_t i = 0; i < whole; i += width)
            {
                (k * xsimd::exp(batch::load_unaligned(z + i) - s)).store_unaligned(out + i);
            }
            for (std::size_t i = whole; i < n; ++i)
            {
                out[i] = static_cast<T>(scale * std::exp(static_cast<double>(z[i]) - shift));
            }
        }

        // out = softmax(in) over [0, n), in T: e^(in_j - max) / sum_k e^(in_k - max).
        PRECAST_EXPORT template <scalar T>
        inline void softmax(const T* in, T* out, std::size_t n) noexcept
        {
            using batch = simd_batch<T>;
            constexpr std::size_t width = batch::size;
            const T largest = max_of(in, n);
            const batch shift(largest);
            batch sum(T(0));
            const std::size_t whole = n / width * width;
            for (std::size_t i = 0; i < whole; i += width)
            {
                const batch e = xsimd::exp(batch::load_unaligned(in + i) - shift);
                e.store_unaligned(out + i);
                sum += e;
            }
            T total = xsimd::hadd(sum);
            for (std::size_t i = whole; i < n; ++i)
            {
                out[i] = std::exp(in[i] - largest);
                total += out[i];
            }
            const T inverse = T(1) / total;
            const batch scale(inverse);
            for (std::size_t i = 0; i < whole; i += width)
            {
                (batch::load_unaligned(out + i) * scale).store_unaligned(out + i);
            }
            for (std::size_t i = whole; i < n; ++i)
            {
                out[i] *= inverse;
            }
        }
    }
}
