// precast-bench: kernel throughput. The scalar loops are what a compiler makes of the textbook code without
// -ffast-math (it may not reorder a floating-point sum), i.e. what precast's xsimd kernels replace.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

namespace
{
    template <class T>
    std::vector<T> filled(std::size_t n, T start)
    {
        std::vector<T> v(n);
        for (std::size_t i = 0; i < n; ++i)
        {
            v[i] = start + static_cast<T>(i % 17) / T(32);
        }
        return v;
    }

    template <class T>
    T scalar_dot(const T* a, const T* b, std::size_t n)
    {
        T sum = 0;
        for (std::size_t i = 0; i < n; ++i)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    void set_flop_counters(benchmark::State& state, std::size_t flops_per_iteration)
    {
        state.counters["GFLOP/s"] = benchmark::Counter(static_cast<double>(flops_per_iteration) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
        state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
    }

    template <class T>
    void bm_dot_precast(benchmark::State& state)
    {
        const auto n = static_cast<std::size_t>(state.range(0));
        const auto a = filled<T>(n, T(0.5));
        const auto b = filled<T>(n, T(-0.25));
        for (auto _ : state)
        {
            benchmark::DoNotOptimize(precast::kernels::dot(a.data(), b.data(), n));
        }
        set_flop_counters(state, 2 * n);
    }

    template <class T>
    void bm_dot_scalar_loop(benchmark::State& state)
    {
        const auto n = static_cast<std::size_t>(state.range(0));
        const auto a = filled<T>(n, T(0.5));
        const auto b = filled<T>(n, T(-0.25));
        for (auto _ : state)
        {
            benchmark::DoNotOptimize(scalar_dot(a.data(), b.data(), n));
        }
        set_flop_counters(state, 2 * n);
    }

    template <class T>
    void bm_axpy_precast(benchmark::State& state)
    {
        const auto n = static_cast<std::size_t>(state.range(0));
        const auto x = filled<T>(n, T(0.5));
        auto y = filled<T>(n, T(-0.25));
        for (auto _ : state)
        {
            precast::kernels::axpy(T(1e-7), x.data(), y.data(), n);
            benchmark::ClobberMemory();
        }
        set_flop_counters(state, 2 * n);
    }
}

BENCHMARK_TEMPLATE(bm_dot_precast, float)->Arg(67)->Arg(784)->Arg(4096);
BENCHMARK_TEMPLATE(bm_dot_scalar_loop, float)->Arg(67)->Arg(784)->Arg(4096);
BENCHMARK_TEMPLATE(bm_dot_precast, double)->Arg(67)->Arg(784)->Arg(4096);
BENCHMARK_TEMPLATE(bm_dot_scalar_loop, double)->Arg(67)->Arg(784)->Arg(4096);
BENCHMARK_TEMPLATE(bm_axpy_precast, float)->Arg(67)->Arg(784)->Arg(4096);
BENCHMARK_TEMPLATE(bm_axpy_precast, double)->Arg(67)->Arg(784)->Arg(4096);
