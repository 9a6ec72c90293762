// Epilogues: what a product does with each finished value of its output besides storing it, while the value is
// still in a register. The GEMM (kernels/gemm.hpp) and the dense layer's few-row path run them; a fusable
// activation (concepts.hpp) makes them. This header is what the contract stands on, not the GEMM.
#pragma once

#include <concepts>
#include <cstddef>

#include <precast/core/scalar.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        // What a GEMM does with each finished value of C besides storing it. An epilogue e is called once per
        // element, after the last K block, while the value is still in a register: e(value, at) for a whole
        // register of C values stored at `at`, e.partial(at, count) for the last count < width values of a row
        // (read back from C, still in L1). The dense layer uses it to apply the next activation (forward) or the
        // previous activation's derivative (backward) without another pass over memory.
        PRECAST_EXPORT struct no_epilogue
        {
        };

        PRECAST_EXPORT template <class E, class T>
        concept gemm_epilogue = std::same_as<E, no_epilogue> || requires(const E& e, const simd_batch<T>& value, const T* at, std::size_t count) {
            e(value, at);
            e.partial(at, count);
        };

        // Runs an epilogue over count values of C stored contiguously at c (for products computed another way).
        PRECAST_EXPORT template <scalar T, class Epilogue>
            requires gemm_epilogue<Epilogue, T>
        inline void apply_epilogue(const Epilogue& epilogue, const T* c, std::size_t count) noexcept
        {
            if constexpr (!std::same_as<Epilogue, no_epilogue>)
            {
                constexpr std::size_t width = simd_width<T>;
                std::size_t i = 0;
                for (; i + width <= count; i += width)
                {
                    epilogue(simd_batch<T>::load_unaligned(c + i), c + i);
                }
                if (i < count)
                {
                    epilogue.partial(c + i, count - i);
                }
            }
        }

        // register_epilogue<E, B>: an epilogue that also takes a register of any width B (narrower than the kernels'
        // own, for a row of few outputs): e.on_register(values, at, count) for the first count values of `values`,
        // stored at `at`. The dense layer's few-row path uses it where the epilogue has it.
        PRECAST_EXPORT template <class E, class B>
        concept register_epilogue =
            requires(const E& e, const B& values, const typename B::value_type* at, std::size_t count) { e.on_register(values, at, count); };
    }
}
