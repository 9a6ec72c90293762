// The element-wise loop every kernel of one value per element shares (activations, their fused epilogues, the
// optimizers' updates, the recurrent cells' gates): whole registers, then the last n % width elements through
// zero-padded registers, so every element gets the same vector code and no load reads past an array.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

#include <precast/core/scalar.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        // The lanes [at, at + width) of arrays of the same layout, one whole register: loads and stores in place.
        template <scalar T>
        struct whole_register
        {
            using batch = simd_batch<T>;
            std::size_t at;

            [[nodiscard]] batch load(const T* p) const noexcept { return batch::load_unaligned(p + at); }
            void store(T* p, const batch& v) const noexcept { v.store_unaligned(p + at); }
        };

        // The last count < width lanes, through a zero-padded copy.
        template <scalar T>
        struct partial_register
        {
            using batch = simd_batch<T>;
            std::size_t at;
            std::size_t count;

            [[nodiscard]] batch load(const T* p) const noexcept
            {
                alignas(64) T padded[batch::size] = {};
                std::copy_n(p + at, count, padded);
                return batch::load_aligned(padded);
            }
            void store(T* p, const batch& v) const noexcept
            {
                alignas(64) T padded[batch::size];
                v.store_aligned(padded);
                std::copy_n(padded, count, p + at);
            }
        };

        // f(lanes) over [0, n), a register at a time: f(whole_register) for each whole one, f(partial_register) for
        // the rest. f is a generic lambda, so each kind gets its own code and the whole one has no branches; it
        // loads and stores through lanes.load(p + offset) and lanes.store(p + offset, value).
        template <scalar T, class F>
        [[gnu::always_inline]] inline void for_each_register(std::size_t n, F&& f) noexcept
        {
            constexpr std::size_t width = simd_width<T>;
            std::size_t i = 0;
            for (; i + width <= n; i += width)
            {
                f(whole_register<T>{i});
            }
            if (i < n)
            {
                f(partial_register<T>{i, n - i});
            }
        }

        // out[i] = op(registers of in_0, in_1, ...) for i < n.
        template <scalar T, class Op, class... In>
        inline void elementwise(std::size_t n, T* out, Op&& op, const In*... in) noexcept
        {
            for_each_register<T>(n, [&](const auto& r) { r.store(out, op(r.load(in)...)); });
        }
    }
}
