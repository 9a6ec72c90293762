// Subnormal floats ("denormals") slow arithmetic several-fold on x86 when activations or gradients drift towards
// zero. precast therefore sets flush-to-zero (FTZ: subnormal results become 0) and denormals-are-zero (DAZ:
// subnormal inputs read as 0) for the duration of each network forward/backward pass and training step, and
// restores the caller's setting afterwards. set_flush_denormals(false) turns this off (process-wide); on targets
// other than x86 the scope does nothing.
#pragma once

#include <atomic>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <xmmintrin.h>

#include <precast/export.hpp>
#define PRECAST_HAS_MXCSR 1
#else
#define PRECAST_HAS_MXCSR 0
#endif

namespace precast
{
    namespace detail
    {
        inline std::atomic<bool>& flush_denormals_setting() noexcept
        {
            static std::atomic<bool> enabled{true};
            return enabled;
        }
    }

    // Whether precast's computations flush subnormals to zero (default: yes).
    PRECAST_EXPORT inline void set_flush_denormals(bool enabled) noexcept
    {
        detail::flush_denormals_setting().store(enabled, std::memory_order_relaxed);
    }
    PRECAST_EXPORT [[nodiscard]] inline bool flush_denormals() noexcept
    {
        return detail::flush_denormals_setting().load(std::memory_order_relaxed);
    }

    // For its lifetime, FTZ and DAZ are on (if flush_denormals()); the previous state comes back at the end.
    PRECAST_EXPORT class denormal_scope
    {
    public:
        denormal_scope() noexcept
        {
#if PRECAST_HAS_MXCSR
            if (flush_denormals())
            {
                store_csr(saved_);
                if ((saved_ & flags) != flags)
                {
                    // The caller's mode with FTZ and DAZ, kept per thread: stored once, loaded on every call after.
                    thread_local unsigned caller = ~0u, flushed = 0;
                    if (caller != saved_)
                    {
                        caller = saved_;
                        flushed = saved_ | flags;
                    }
                    load_csr(flushed);
                    changed_ = true;
                }
                // Compilers do not order floating-point work against the control register; a memory barrier
                // keeps the scope's loads after the switch (and, below, its stores before the switch back).
                std::atomic_signal_fence(std::memory_order_seq_cst);
            }
#endif
        }
        ~denormal_scope()
        {
#if PRECAST_HAS_MXCSR
            std::atomic_signal_fence(std::memory_order_seq_cst);
            if (changed_)
            {
                load_csr(saved_);
            }
#endif
        }
        denormal_scope(const denormal_scope&) = delete;
        denormal_scope& operator=(const denormal_scope&) = delete;

    private:
#if PRECAST_HAS_MXCSR
        static constexpr unsigned flags = 0x8040u;  // FTZ (bit 15) | DAZ (bit 6)
        // The register is loaded from memory written well before, not from a copy the compiler stores just before
        // (what _mm_setcsr(value) compiles to): that load waited for the store, and so for all work in flight,
        // costing 30-60 ns per call in some builds (a frozen 2-8-8-1 network, 88 ns a call against 26 ns).
        static void store_csr(unsigned& to) noexcept
        {
#if defined(__GNUC__)
            __asm__ __volatile__("stmxcsr %0" : "=m"(to) : : "memory");
#else
            to = _mm_getcsr();
#endif
        }
        static void load_csr(const unsigned& from) noexcept
        {
#if defined(__GNUC__)
            __asm__ __volatile__("ldmxcsr %0" : : "m"(from) : "memory");
#else
            _mm_setcsr(from);
#endif
        }
        unsigned saved_ = 0;
#endif
        bool changed_ = false;
    };
}
