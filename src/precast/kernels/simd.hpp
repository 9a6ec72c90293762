// The SIMD vocabulary every kernel shares: the target architecture xsimd chose from the build's -march, and
// batch types of that width.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include <precast/config.hpp>
#include <precast/core/scalar.hpp>
#include <precast/export.hpp>
#include <precast/kernels/arch/avx512.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        PRECAST_EXPORT using simd_arch = xsimd::default_arch;

        PRECAST_EXPORT template <scalar T>
        using simd_batch = xsimd::batch<T, simd_arch>;

        // Lanes in one register for T: 16 floats under AVX-512, 8 under AVX2, 4 under SSE2.
        PRECAST_EXPORT template <scalar T>
        inline constexpr std::size_t simd_width = simd_batch<T>::size;

        // The size of a buffer that holds n values as whole registers (batch-1 frozen forms work on such buffers).
        PRECAST_EXPORT template <scalar T>
        constexpr std::size_t padded_size(std::size_t n) noexcept
        {
            return (n + simd_width<T> - 1) / simd_width<T> * simd_width<T>;
        }

        // The instruction set the kernels were compiled for, e.g. "avx512bw" or "fma3+avx2".
        PRECAST_EXPORT [[nodiscard]] constexpr std::string_view simd_arch_name() noexcept
        {
            return simd_arch::name();
        }

        // a * b + c in one rounding (kernels/arch/: xsimd 8.1's AVX-512 fma rounds twice).
        template <scalar T>
        [[nodiscard]] inline simd_batch<T> fused_multiply_add(const simd_batch<T>& a, const simd_batch<T>& b, const simd_batch<T>& c) noexcept
        {
            return arch::fma<T>(a, b, c);
        }

        // f(integral_constant<I>) for each I, written out: register arrays indexed by constants stay in registers.
        template <class F, std::size_t... I>
        [[gnu::always_inline]] inline void unroll(F&& f, std::index_sequence<I...>)
        {
            (f(std::integral_constant<std::size_t, I>{}), ...);
        }
    }

    // span_elements_of_one_scalar<A, B>: spans over A and B may meet in one kernel call: the same scalar, either side const.
    PRECAST_EXPORT template <class A, class B>
    concept span_elements_of_one_scalar = scalar<std::remove_const_t<A>> && std::same_as<std::remove_const_t<A>, std::remove_const_t<B>>;

    // Not in a nested `detail`: inside the inline ABI namespace, `detail::` would find that namespace's own detail.
    namespace span_checks
    {
        // Static extents were matched by the type system; dynamic ones are compared here.
        template <class A, class B, std::size_t N>
        void require_same_length(const char* what, std::span<A, N> a, std::span<B, N> b)
        {
            if constexpr (N == std::dynamic_extent)
            {
                if (a.size() != b.size())
                {
                    throw std::invalid_argument(std::string(what) + ": the spans differ in length (" + std::to_string(a.size()) + " and " +
                                                std::to_string(b.size()) + " elements)");
                }
            }
        }
    }
}
