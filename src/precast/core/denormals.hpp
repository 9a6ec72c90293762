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
                saved_ = _mm_getcsr();
                if ((saved_ & flags) != flags)
                {
                    _mm_setcsr(saved_ | flags);
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
                _mm_setcsr(saved_);
            }
#endif
        }
        denormal_scope(const denormal_scope&) = delete;
        denormal_scope& operator=(const denormal_scope&) = delete;

    private:
#if PRECAST_HAS_MXCSR
        static constexpr unsigned flags = 0x8040u;  // FTZ (bit 15) | DAZ (bit 6)
        unsigned saved_ = 0;
#endif
        bool changed_ = false;
    };
}
