// lanes<T, N>: the N values of one sample held in registers, for batch-1 inference (frozen_network). Narrow
// layers use narrow registers: 8 floats take one 256-bit register, not half of a 512-bit one, because a 512-bit
// operation costs twice a 256-bit one on cores that split it (AMD Zen 4) and no less elsewhere. Lanes past N hold
// zeros or whatever the layer's function makes of zero; no stage reads them as values.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include <precast/core/scalar.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        namespace lanes_detail
        {
            // The narrowest instruction set of the build's target whose registers hold `bytes`, with fused
            // multiply-add where the target has it.
            template <std::size_t bytes>
            constexpr auto narrow_arch() noexcept
            {
#if (XSIMD_WITH_AVX512F || XSIMD_WITH_AVX) && XSIMD_WITH_FMA3_SSE
                if constexpr (bytes <= 16)
                {
                    return std::type_identity<xsimd::fma3<xsimd::sse4_2>>{};
                }
                else
#endif
#if XSIMD_WITH_AVX512F && XSIMD_WITH_FMA3_AVX2
                    if constexpr (bytes <= 32)
                {
                    return std::type_identity<xsimd::fma3<xsimd::avx2>>{};
                }
                else
#endif
                {
                    return std::type_identity<simd_arch>{};
                }
            }
        }

        // The register type that carries N values of T at batch 1.
        PRECAST_EXPORT template <scalar T, std::size_t N>
        using lane_batch = xsimd::batch<T, typename decltype(lanes_detail::narrow_arch<std::min(N, simd_width<T>) * sizeof(T)>())::type>;

        PRECAST_EXPORT template <scalar T, std::size_t N>
        struct lanes
        {
            using batch = lane_batch<T, N>;
            static constexpr std::size_t width = batch::size;
            static constexpr std::size_t count = (N + width - 1) / width;
            // Values a buffer holding these lanes must have room for.
            static constexpr std::size_t padded = count * width;

            batch reg[count];

            // From padded, aligned storage (at least `padded` values).
            static lanes load(const T* values) noexcept
            {
                lanes l;
                for (std::size_t r = 0; r < count; ++r)
                {
                    l.reg[r] = batch::load_aligned(values + r * width);
                }
                return l;
            }
            void store(T* values) const noexcept
            {
                for (std::size_t r = 0; r < count; ++r)
                {
                    reg[r].store_aligned(values + r * width);
                }
            }

            // From exactly N values anywhere (a workspace's row, a caller's array); the rest of the lanes zero. Up
            // to 4 values in one register are read one by one: a caller that wrote them one at a time has them forwarded from its
            // stores (a wider load of several small stores waits for them to reach the cache).
            static lanes load_values(const T* values) noexcept
            {
                if constexpr (N <= 4 && count == 1)
                {
                    lanes l;
                    l.reg[0] = [&]<std::size_t... L>(std::index_sequence<L...>) {
                        return batch{(L < N ? values[L] : T(0))...};
                    }(std::make_index_sequence<width>{});
                    return l;
                }
                else
                {
                    alignas(64) T padded_values[padded] = {};
                    std::copy_n(values, N, padded_values);
                    return load(padded_values);
                }
            }
            // The first N values into a run of exactly N values.
            void store_values(T* values) const noexcept
            {
                for (std::size_t r = 0; r < N / width; ++r)
                {
                    reg[r].store_unaligned(values + r * width);
                }
                if constexpr (N % width != 0)
                {
                    alignas(64) T last[width];
                    reg[N / width].store_aligned(last);
                    std::copy_n(last, N % width, values + (N / width) * width);
                }
            }
        };

        // The lanes of a 512-bit register folded onto 256 bits (the upper half added to the lower). xsimd 8.1's
        // haddp on 512-bit registers returns its sums in a permuted lane order (rows 0, 1, 4, 5, 2, 3, ...;
        // dense_layer.few_rows_match_a_plain_loop caught it), so sums across outputs go through 256-bit
        // registers (and sum_of_lanes starts with it). Narrower registers are returned as they are.
        template <class B>
        [[nodiscard]] inline auto fold_to_256_bits(const B& v) noexcept
        {
            using T [[maybe_unused]] = typename B::value_type;
#if XSIMD_WITH_AVX512F
            if constexpr (B::size * sizeof(T) == 64)
            {
                using half = lane_batch<T, 32 / sizeof(T)>;
                if constexpr (std::is_same_v<T, float>)
                {
                    const __m512 x = v;
                    return half(_mm256_add_ps(_mm512_castps512_ps256(x), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1))));
                }
                else
                {
                    const __m512d x = v;
                    return half(_mm256_add_pd(_mm512_castpd512_pd256(x), _mm512_extractf64x4_pd(x, 1)));
                }
            }
            else
#endif
            {
                return v;
            }
        }

        // Two 256-bit registers as the lower and upper halves of one 512-bit register (AVX-512 builds only).
        template <class B>
        [[nodiscard]] inline auto join_256_bit_halves([[maybe_unused]] const B& low, [[maybe_unused]] const B& high) noexcept
        {
            using T = typename B::value_type;
            static_assert(B::size * sizeof(T) == 32, "precast::kernels::join_256_bit_halves: takes two 256-bit registers");
#if XSIMD_WITH_AVX512F
            using wide = lane_batch<T, 64 / sizeof(T)>;
            if constexpr (std::is_same_v<T, float>)
            {
                const __m256 l = low;
                const __m256 h = high;
                return wide(_mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(l)), _mm256_castps_pd(h), 1)));
            }
            else
            {
                const __m256d l = low;
                const __m256d h = high;
                return wide(_mm512_insertf64x4(_mm512_castpd256_pd512(l), h, 1));
            }
#else
            return low;
#endif
        }

        // The sum of a register's lanes by halving shuffles (a dependency chain of one shuffle and one add per
        // halving; xsimd 8.1's hadd goes through two slow horizontal-add instructions).
        PRECAST_EXPORT template <class B>
        [[nodiscard]] inline typename B::value_type sum_of_lanes(const B& v) noexcept
        {
            using T [[maybe_unused]] = typename B::value_type;
#if XSIMD_WITH_SSE2
            if constexpr (std::is_same_v<T, float> && B::size == 4)
            {
                const __m128 x = v;
                const __m128 pairs = _mm_add_ps(x, _mm_movehl_ps(x, x));
                return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1)));
            }
            else if constexpr (std::is_same_v<T, double> && B::size == 2)
            {
                const __m128d x = v;
                return _mm_cvtsd_f64(_mm_add_sd(x, _mm_unpackhi_pd(x, x)));
            }
            else
#endif
#if XSIMD_WITH_AVX
                if constexpr (std::is_same_v<T, float> && B::size == 8)
            {
                const __m256 x = v;
                return sum_of_lanes(xsimd::batch<float, xsimd::sse2>(_mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1))));
            }
            else if constexpr (std::is_same_v<T, double> && B::size == 4)
            {
                const __m256d x = v;
                return sum_of_lanes(xsimd::batch<double, xsimd::sse2>(_mm_add_pd(_mm256_castpd256_pd128(x), _mm256_extractf128_pd(x, 1))));
            }
            else
#endif
#if XSIMD_WITH_AVX512F
                if constexpr (B::size * sizeof(T) == 64)
            {
                return sum_of_lanes(fold_to_256_bits(v));
            }
            else
#endif
            {
                return xsimd::hadd(v);
            }
        }

        // a * b + c in one rounding on any lane width (xsimd's own fma for the narrow instruction sets).
        PRECAST_EXPORT template <class B>
        [[nodiscard]] inline B lane_fma(const B& a, const B& b, const B& c) noexcept
        {
            if constexpr (std::is_same_v<B, simd_batch<typename B::value_type>>)
            {
                return fused_multiply_add<typename B::value_type>(a, b, c);
            }
            else
            {
                return xsimd::fma(a, b, c);
            }
        }
    }
}
