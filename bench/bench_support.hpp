// Shared by the benchmark files: the machine's measured FMA peak, and GFLOP/s counters.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <benchmark/benchmark.h>
#include <xsimd/xsimd.hpp>

#include <precast/kernels/simd.hpp>

namespace precast_bench
{
    // The streaming rows' input: x_t = sin(x_{t-1} + 0.1), from x = 0.
    template <std::size_t N>
    std::array<float, N> sine_samples()
    {
        std::array<float, N> samples{};
        float x = 0;
        for (float& v : samples)
        {
            x = std::sin(x + 0.1f);
            v = x;
        }
        return samples;
    }

    // The "ns/sample" counter of a row whose iteration runs `samples` samples: the time per sample divided by 1e9, so
    // that the number shown is nanoseconds (Google Benchmark prints it with the prefix of its seconds, "a").
    inline benchmark::Counter nanoseconds_per_sample(std::size_t samples = 1)
    {
        return benchmark::Counter(1e9 * static_cast<double>(samples), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    }

    // Single-thread float FMA throughput of the build's widest registers: 12 independent accumulator chains (FMA
    // latency x FMA pipes is 8 on current x86 cores; 12 leaves a margin, and with the two constants still fits in
    // the 16 registers of AVX2: 16 chains spilled there and measured 55 % of the peak), no memory traffic, for
    // `seconds` of wall time, checking the clock every 10^5 rounds. The best of five fifths of the time, so a
    // moment's interruption on a shared machine does not lower it.
    inline double measure_fma_peak_gflops(double seconds)
    {
        using batch = xsimd::batch<float>;
        constexpr int chains = 12;
        batch acc[chains];
        for (int i = 0; i < chains; ++i)
        {
            acc[i] = batch(static_cast<float>(i) * 1e-3f);
        }
        const batch m(0.9999999f), a(1e-7f);
        double best = 0;
        for (int part = 0; part < 5; ++part)
        {
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
            } while (elapsed < seconds / 5);
            best = std::max(best, 2.0 * chains * static_cast<double>(batch::size) * static_cast<double>(rounds) / elapsed * 1e-9);
        }
        float sink = 0;
        for (int i = 0; i < chains; ++i)
        {
            sink += xsimd::hadd(acc[i]);
        }
        benchmark::DoNotOptimize(sink);
        return best;
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

    // A timestamp for timing one short call: the TSC fenced on both sides on x86 (so the call's instructions
    // neither start before it nor finish after it), the steady clock's nanoseconds elsewhere.
    inline std::uint64_t call_timestamp() noexcept
    {
#if defined(__x86_64__) || defined(__i386__)
        _mm_lfence();
        const std::uint64_t t = __rdtsc();
        _mm_lfence();
        return t;
#else
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
#endif
    }

    // Per-call latency over the whole run, what a real-time caller sees: every call timed alone, and the 50th,
    // 99th and 99.9th percentiles reported (p50_ns, p99_ns, p999_ns) with the timer's own cost (the median of
    // timing nothing) taken off. Timestamps are converted to nanoseconds by the steady clock over the run.
    // `prepare` runs before each call, untimed (a new input). Give the benchmark a fixed ->Iterations(n): the first
    // 2^22 calls are kept (preallocated).
    template <class Prepare, class Call>
    void time_each_call(benchmark::State& state, Prepare&& prepare, Call&& call)
    {
        constexpr std::size_t kept = std::size_t{1} << 22;
        std::vector<std::uint64_t> durations(kept);
        std::size_t count = 0;
        std::vector<std::uint64_t> empty(4096);
        for (auto& d : empty)
        {
            const std::uint64_t a = call_timestamp();
            d = call_timestamp() - a;
        }
        std::sort(empty.begin(), empty.end());
        const std::uint64_t overhead = empty[empty.size() / 2];
        const auto wall_start = std::chrono::steady_clock::now();
        const std::uint64_t stamp_start = call_timestamp();
        for (auto _ : state)
        {
            prepare();
            const std::uint64_t a = call_timestamp();
            call();
            const std::uint64_t b = call_timestamp();
            if (count < kept)
            {
                durations[count++] = b - a;
            }
        }
        const double stamp_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - wall_start).count() /
                                static_cast<double>(call_timestamp() - stamp_start);
        std::sort(durations.begin(), durations.begin() + static_cast<std::ptrdiff_t>(count));
        const auto percentile = [&](double p) {
            const std::uint64_t d = durations[std::min(count - 1, static_cast<std::size_t>(p * static_cast<double>(count)))];
            return static_cast<double>(d > overhead ? d - overhead : 0) * stamp_ns;
        };
        if (count > 0)
        {
            state.counters["p50_ns"] = percentile(0.5);
            state.counters["p99_ns"] = percentile(0.99);
            state.counters["p999_ns"] = percentile(0.999);
        }
    }
}
