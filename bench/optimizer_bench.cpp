// One optimizer step over the parameters of a 784-256-256-10 network (269,322 floats), for every optimizer, in
// GB/s of parameter + gradient + state traffic; next to it, the machine's copy bandwidth measured the same way
// (a STREAM-like copy loop, bytes read + bytes written) for a working set of the same size and for one far
// beyond the caches. An update reads and writes each value once, so it is bound by that bandwidth.
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

#include "bench_support.hpp"

namespace
{
    using mlp = precast::network<precast::input<784>, precast::dense<256>, precast::relu, precast::dense<256>, precast::relu, precast::dense<10>>;

    void bm_copy_bandwidth(benchmark::State& state)
    {
        const auto n = static_cast<std::size_t>(state.range(0)) / sizeof(float);
        std::vector<float> a(n, 1.0f);
        std::vector<float> b(n, 2.0f);
        for (auto _ : state)
        {
            float* __restrict out = a.data();
            const float* __restrict in = b.data();
            for (std::size_t i = 0; i < n; ++i)
            {
                out[i] = in[i];
            }
            benchmark::ClobberMemory();
        }
        state.counters["GB/s"] =
            benchmark::Counter(2.0 * static_cast<double>(n * sizeof(float)), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::OneK::kIs1000);
    }
    BENCHMARK(bm_copy_bandwidth)->Name("machine/copy_bandwidth")->Arg(1 << 20)->Arg(4 << 20)->Arg(256 << 20)->Unit(benchmark::kMicrosecond);

    // states_touched: state tensors the update reads and writes, with the options used here.
    template <class Optimizer>
    void bm_optimizer_step(benchmark::State& state, Optimizer optimizer, int states_touched)
    {
        auto net = std::make_unique<mlp>(precast::he_normal{}, 1);
        precast::random_engine rng(5);
        net->for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& layer) {
            if constexpr (mlp::is_trainable<I>)
            {
                for (auto& g : layer.gradients().span())
                {
                    g = static_cast<float>(rng.uniform(-1e-3, 1e-3));
                }
            }
        });
        auto optimizer_state = std::make_unique<mlp::optimizer_state<Optimizer>>();
        for (auto _ : state)
        {
            net->apply(optimizer, *optimizer_state);
            benchmark::ClobberMemory();
        }
        // Parameters read and written, gradients read, each state tensor read and written.
        const double bytes = static_cast<double>(mlp::parameter_bytes) * (3.0 + 2.0 * states_touched);
        state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::OneK::kIs1000);
    }

    template <class Optimizer>
    void add(const char* name, Optimizer optimizer, int states_touched)
    {
        benchmark::RegisterBenchmark((std::string("optimizer_step/784-256-256-10/") + name).c_str(), [=](benchmark::State& s) {
            bm_optimizer_step(s, optimizer, states_touched);
        })->Unit(benchmark::kMicrosecond);
    }

    const bool registered = [] {
        using namespace precast;
        add("gradient_descent", gradient_descent(0.01), 0);
        add("momentum", momentum(), 1);
        add("nesterov_momentum", nesterov_momentum(), 1);
        add("adagrad", adagrad(), 1);
        add("adadelta", adadelta(), 2);
        add("rmsprop", rmsprop(), 2);
        add("rmsprop_centered", rmsprop({.learning_rate = 0.01, .centered = true}), 3);
        add("adam", adam(), 2);
        add("adam_amsgrad", adam({.amsgrad = true}), 3);
        add("adamw", adamw(), 2);
        add("adamax", adamax(), 2);
        add("nadam", nadam(), 2);
        add("ftrl", ftrl(), 2);
        add("proximal_gradient_descent", proximal_gradient_descent(), 0);
        add("proximal_adagrad", proximal_adagrad(), 1);
        add("adagrad_da", adagrad_da(), 2);
        return true;
    }();
}
