// Build-wide facts every precast header agrees on: version and the SIMD ABI tag.
#pragma once

#include <xsimd/xsimd.hpp>

#include <precast/export.hpp>

#define PRECAST_VERSION_MAJOR 0
#define PRECAST_VERSION_MINOR 1
#define PRECAST_VERSION_PATCH 0

// Code that depends on the SIMD instruction set lives in an inline namespace named after it, so two
// translation units compiled for different -march values can never silently share one definition
// (an ODR violation that would otherwise pick one width at link time). See README, "SIMD target".
#if XSIMD_WITH_AVX512BW
#define PRECAST_SIMD_ABI simd_avx512bw
#elif XSIMD_WITH_AVX512DQ
#define PRECAST_SIMD_ABI simd_avx512dq
#elif XSIMD_WITH_AVX512CD
#define PRECAST_SIMD_ABI simd_avx512cd
#elif XSIMD_WITH_AVX512F
#define PRECAST_SIMD_ABI simd_avx512f
#elif XSIMD_WITH_FMA3_AVX2
#define PRECAST_SIMD_ABI simd_fma3_avx2
#elif XSIMD_WITH_AVX2
#define PRECAST_SIMD_ABI simd_avx2
#elif XSIMD_WITH_FMA3_AVX
#define PRECAST_SIMD_ABI simd_fma3_avx
#elif XSIMD_WITH_AVX
#define PRECAST_SIMD_ABI simd_avx
#elif XSIMD_WITH_SSE4_2
#define PRECAST_SIMD_ABI simd_sse4_2
#elif XSIMD_WITH_SSE4_1
#define PRECAST_SIMD_ABI simd_sse4_1
#elif XSIMD_WITH_SSSE3
#define PRECAST_SIMD_ABI simd_ssse3
#elif XSIMD_WITH_SSE3
#define PRECAST_SIMD_ABI simd_sse3
#elif XSIMD_WITH_SSE2
#define PRECAST_SIMD_ABI simd_sse2
#elif XSIMD_WITH_NEON64
#define PRECAST_SIMD_ABI simd_neon64
#elif XSIMD_WITH_NEON
#define PRECAST_SIMD_ABI simd_neon
#else
#error "precast: xsimd found no SIMD instruction set for this target; build for x86-64 (SSE2 or later) or ARM NEON"
#endif

namespace precast
{
    PRECAST_EXPORT struct version_info
    {
        int major;
        int minor;
        int patch;
    };

    PRECAST_EXPORT inline constexpr version_info version{PRECAST_VERSION_MAJOR, PRECAST_VERSION_MINOR, PRECAST_VERSION_PATCH};
}
