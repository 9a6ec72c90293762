// Shared by the benchmark files: the machine's measured FMA peak, and GFLOP/s counters.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <benchmark/benchmark.h>
#include <xsimd/xsimd.hpp>

#include <precast/kernels/simd.hpp>

namespace precast_bench
{
    // Single-thread float FMA throughput: 16 independent accumulator chains (enough to cover latency x ports on
    // any current x86 core), no memory traffic. Measured once, for 0.3 s.
    inline double measured_fma_peak_gflops()
    {
        static const double peak = [] {
            using batch = xsimd::batch<float>;
            batch acc[16];
            for (int i = 0; i < 16; ++i)
            {
                acc[i] = batch(static_cast<float>(i) * 1e-3f);
            }
            const batch m(0.9999999f), a(1e-7f);
            std::int64_t iterations = 0;
            const auto start = std::chrono::steady_clock::now();
            double seconds = 0;
            do
            {
                for (int rep = 0; rep < 1000; ++rep)
                {
                    for (int i = 0; i < 16; ++i)
                    {
                        acc[i] = precast::kernels::fused_multiply_add<float>(acc[i], m, a);
                    }
                }
                iterations += 1000;
                seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            } while (seconds < 0.3);
            float sink = 0;
            for (int i = 0; i < 16; ++i)
            {
                sink += xsimd::hadd(acc[i]);
            }
            benchmark::DoNotOptimize(sink);
            return 2.0 * 16 * static_cast<double>(batch::size) * static_cast<double>(iterations) / seconds * 1e-9;
        }();
        return peak;
    }

    // GFLOP/s from nominal FLOPs per iteration; optionally the fraction of the FMA peak.
    inline void report_flops(benchmark::State& state, double flops_per_iteration, bool with_peak_fraction = false)
    {
        state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
        if (with_peak_fraction)
        {
            // GFLOP/s divided by the peak GFLOP/s: a rate counter of flops / peak per iteration.
            state.counters["of_peak"] = benchmark::Counter(flops_per_iteration * 1e-9 / measured_fma_peak_gflops(), benchmark::Counter::kIsIterationInvariantRate);
        }
    }
}
