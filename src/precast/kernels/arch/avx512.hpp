// The raw AVX-512 intrinsics of precast's kernels, in one place: everything else goes through xsimd. Each piece has
// a portable fallback here too (available = false, or xsimd's), chosen by the build's -march.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include <precast/config.hpp>
#include <precast/core/scalar.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        namespace arch
        {
            // transpose_block<T>::run(source, source_stride, target, target_stride): target[c * target_stride + r] =
            // source[r * source_stride + c] for r, c < width, in registers. AVX-512 only (unpack, shuffle, then two
            // rounds of 128-bit lane shuffles); elsewhere available is false and packing stays scalar.
            template <scalar T>
            struct transpose_block
            {
                static constexpr bool available = false;
                static constexpr std::size_t width = 1;
                static void run(const T*, std::size_t, T*, std::size_t) noexcept {}
            };
#if XSIMD_WITH_AVX512F
            template <>
            struct transpose_block<float>
            {
                static constexpr bool available = true;
                static constexpr std::size_t width = 16;
                static void run(const float* source, std::size_t source_stride, float* target, std::size_t target_stride) noexcept
                {
                    __m512 r[16];
                    __m512 t[16];
                    for (std::size_t i = 0; i < 16; ++i)
                    {
                        r[i] = _mm512_loadu_ps(source + i * source_stride);
                    }
                    // t[2i], t[2i+1]: rows 2i and 2i+1 interleaved within each 128-bit lane.
                    for (std::size_t i = 0; i < 8; ++i)
                    {
                        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
                        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
                    }
                    // r[4g + c], lane L: rows 4g..4g+3 of column 4L + c.
                    for (std::size_t g = 0; g < 4; ++g)
                    {
                        r[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(1, 0, 1, 0));
                        r[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(3, 2, 3, 2));
                        r[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(1, 0, 1, 0));
                        r[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(3, 2, 3, 2));
                    }
                    for (std::size_t c = 0; c < 4; ++c)
                    {
                        t[c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
                        t[4 + c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);
                        t[8 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
                        t[12 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
                    }
                    for (std::size_t c = 0; c < 4; ++c)
                    {
                        _mm512_storeu_ps(target + c * target_stride, _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88));
                        _mm512_storeu_ps(target + (8 + c) * target_stride, _mm512_shuffle_f32x4(t[c], t[8 + c], 0xdd));
                        _mm512_storeu_ps(target + (4 + c) * target_stride, _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0x88));
                        _mm512_storeu_ps(target + (12 + c) * target_stride, _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0xdd));
                    }
                }
            };
            template <>
            struct transpose_block<double>
            {
                static constexpr bool available = true;
                static constexpr std::size_t width = 8;
                static void run(const double* source, std::size_t source_stride, double* target, std::size_t target_stride) noexcept
                {
                    __m512d r[8];
                    __m512d t[8];
                    for (std::size_t i = 0; i < 8; ++i)
                    {
                        r[i] = _mm512_loadu_pd(source + i * source_stride);
                    }
                    // t[2g + c], lane L: rows 2g and 2g+1 of column 2L + c.
                    for (std::size_t g = 0; g < 4; ++g)
                    {
                        t[2 * g] = _mm512_unpacklo_pd(r[2 * g], r[2 * g + 1]);
                        t[2 * g + 1] = _mm512_unpackhi_pd(r[2 * g], r[2 * g + 1]);
                    }
                    for (std::size_t c = 0; c < 2; ++c)
                    {
                        const __m512d even_lanes_low = _mm512_shuffle_f64x2(t[c], t[2 + c], 0x88);
                        const __m512d odd_lanes_low = _mm512_shuffle_f64x2(t[c], t[2 + c], 0xdd);
                        const __m512d even_lanes_high = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0x88);
                        const __m512d odd_lanes_high = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0xdd);
                        _mm512_storeu_pd(target + c * target_stride, _mm512_shuffle_f64x2(even_lanes_low, even_lanes_high, 0x88));
                        _mm512_storeu_pd(target + (4 + c) * target_stride, _mm512_shuffle_f64x2(even_lanes_low, even_lanes_high, 0xdd));
                        _mm512_storeu_pd(target + (2 + c) * target_stride, _mm512_shuffle_f64x2(odd_lanes_low, odd_lanes_high, 0x88));
                        _mm512_storeu_pd(target + (6 + c) * target_stride, _mm512_shuffle_f64x2(odd_lanes_low, odd_lanes_high, 0xdd));
                    }
                }
            };
#endif

            // a * b + c in one rounding. xsimd 8.1 has no AVX-512 override of fma and falls back to a multiply and an
            // add (half the throughput, two roundings), so AVX-512 calls the intrinsic directly.
            template <scalar T>
            [[nodiscard]] inline xsimd::batch<T, xsimd::default_arch> fma(const xsimd::batch<T, xsimd::default_arch>& a,
                                                                          const xsimd::batch<T, xsimd::default_arch>& b,
                                                                          const xsimd::batch<T, xsimd::default_arch>& c) noexcept
            {
#if XSIMD_WITH_AVX512F
                if constexpr (std::is_same_v<T, float>)
                {
                    return _mm512_fmadd_ps(a, b, c);
                }
                else
                {
                    return _mm512_fmadd_pd(a, b, c);
                }
#else
                return xsimd::fma(a, b, c);
#endif
            }
        }
    }
}
