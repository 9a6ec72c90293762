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
    // Single-thread float FMA throughput of the build's widest registers: 16 independent accumulator chains (FMA
    // latency x FMA pipes is 8 on current x86 cores; 16 leaves a margin and still fits in the 32 registers of
    // AVX-512), no memory traffic, for `seconds` of wall time, checking the clock every 10^5 rounds.
    inline double measure_fma_peak_gflops(double seconds)
    {
        using batch = xsimd::batch<float>;
        constexpr int chains = 16;
        batch acc[chains];
        for (int i = 0; i < chains; ++i)
        {
            acc[i] = batch(static_cast<float>(i) * 1e-3f);
        }
        const batch m(0.9999999f), a(1e-7f);
        std::int64_t rounds = 0;
        const auto start = std::chrono::steady_clock::now();
        double elapsed = 0;
        do
        {
            for (int rep = 0; rep < 100000; ++rep)
            {
                for (int i = 0; i < chains; ++i)
                {
                    acc[i] = precast::kernels::fused_multiply_add<float>(acc[i], m, a);
                }
            }
            rounds += 100000;
            elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        } while (elapsed < seconds);
        float sink = 0;
        for (int i = 0; i < chains; ++i)
        {
            sink += xsimd::hadd(acc[i]);
        }
        benchmark::DoNotOptimize(sink);
        return 2.0 * chains * static_cast<double>(batch::size) * static_cast<double>(rounds) / elapsed * 1e-9;
    }

    // The peak the of_peak counters divide by: measured once per run, for half a second.
    inline double measured_fma_peak_gflops()
    {
        static const double peak = measure_fma_peak_gflops(0.5);
        return peak;
    }

    // GFLOP/s from nominal FLOPs per iteration; optionally the fraction of the FMA peak.
    inline void report_flops(benchmark::State& state, double flops_per_iteration, bool with_peak_fraction = false)
    {
        state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
        if (with_peak_fraction)
        {
            // GFLOP/s divided by the peak GFLOP/s: a rate counter of flops / peak per iteration.
            state.counters["of_peak"] =
                benchmark::Counter(flops_per_iteration * 1e-9 / measured_fma_peak_gflops(), benchmark::Counter::kIsIterationInvariantRate);
        }
    }
}
