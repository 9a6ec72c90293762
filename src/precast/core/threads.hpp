// How many threads precast's large products may use. One by default: small networks lose more to
// synchronisation than they gain. set_threads(n) applies process-wide; it takes effect only in builds with
// OpenMP (the CMake option PRECAST_OPENMP, on by default when the compiler has it), and only for products of at
// least parallel_work_threshold multiply-adds. Results do not depend on the thread count: the columns of a
// product are divided between threads, and each column is computed exactly as by one thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>

#include <precast/export.hpp>

namespace precast
{
    // Below this many multiply-adds (about 18 microseconds of work for one core) a product stays on one thread.
    // 2^20, not 2^22: the 256 x 256 layer of a batch of 32 then splits too (training step at B = 32 on 2 threads:
    // 1.27x -> 1.46x its 1-thread time; a fork-join costs a few microseconds).
    PRECAST_EXPORT inline constexpr std::size_t parallel_work_threshold = std::size_t{1} << 20;

    namespace detail
    {
        inline std::atomic<int>& thread_setting() noexcept
        {
            static std::atomic<int> threads{1};
            return threads;
        }
    }

    // Whether this build can run products on several threads.
    PRECAST_EXPORT [[nodiscard]] constexpr bool threading_available() noexcept
    {
#if defined(_OPENMP)
        return true;
#else
        return false;
#endif
    }

    PRECAST_EXPORT inline void set_threads(int count)
    {
        if (count < 1)
        {
            throw std::invalid_argument("precast::set_threads: the thread count must be at least 1, not " + std::to_string(count));
        }
        detail::thread_setting().store(count, std::memory_order_relaxed);
    }

    PRECAST_EXPORT [[nodiscard]] inline int threads() noexcept
    {
        return detail::thread_setting().load(std::memory_order_relaxed);
    }

    namespace detail
    {
        // Threads to use for a product of `work` multiply-adds.
        [[nodiscard]] inline int threads_for(std::size_t work) noexcept
        {
            return threading_available() && work >= parallel_work_threshold ? threads() : 1;
        }
    }
}
