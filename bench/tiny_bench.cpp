// Batch-1 inference latency of tiny tanh networks (8-16-16-1 and 2-8-8-1), the real-time case (audio, games,
// control): precast against the same network in Eigen fixed-size matrices.
#include <cstddef>
#include <span>
#include <type_traits>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

#include "bench_support.hpp"

#ifdef PRECAST_BENCH_WITH_EIGEN
#include <Eigen/Core>
#endif

namespace
{
    template <std::size_t In, std::size_t H>
    using tiny = precast::network<precast::input<In>, precast::dense<H>, precast::tanh, precast::dense<H>, precast::tanh, precast::dense<1>>;

    // HeldScope: the caller holds a denormal_scope around its loop (README: inference loops), so each call finds
    // FTZ/DAZ set and only reads the control register instead of writing it twice.
    template <std::size_t In, std::size_t H, bool HeldScope = false>
    void bm_tiny_precast(benchmark::State& state)
    {
        [[maybe_unused]] const std::conditional_t<HeldScope, precast::denormal_scope, int> held{};
        const tiny<In, H> net(precast::glorot_uniform{}, 1);
        tiny<In, H> copy = net;
        typename tiny<In, H>::template workspace<1> ws;
        float phase = 0;
        for (auto _ : state)
        {
            for (std::size_t i = 0; i < In; ++i)
            {
                ws.input()(0, i) = phase + static_cast<float>(i) * 0.01f;
            }
            benchmark::DoNotOptimize(copy.forward(ws)(0, 0));
            phase += 1e-3f;
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }

    template <std::size_t In, std::size_t H, bool HeldScope = false>
    void bm_tiny_precast_frozen(benchmark::State& state)
    {
        [[maybe_unused]] const std::conditional_t<HeldScope, precast::denormal_scope, int> held{};
        const tiny<In, H> net(precast::glorot_uniform{}, 1);
        precast::frozen_network<tiny<In, H>> frozen(net);
        float x[In];
        float phase = 0;
        for (auto _ : state)
        {
            for (std::size_t i = 0; i < In; ++i)
            {
                x[i] = phase + static_cast<float>(i) * 0.01f;
            }
            benchmark::DoNotOptimize(frozen(std::span<const float, In>(x))[0]);
            phase += 1e-3f;
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }

    // Each call timed alone over a long run (p50, p99, p99.9): network::forward on a batch-1 workspace, and the
    // frozen copy.
    template <std::size_t In, std::size_t H>
    void bm_tiny_precast_latency(benchmark::State& state)
    {
        const tiny<In, H> net(precast::glorot_uniform{}, 1);
        tiny<In, H> copy = net;
        typename tiny<In, H>::template workspace<1> ws;
        float phase = 0;
        const auto next_input = [&] {
            for (std::size_t i = 0; i < In; ++i)
            {
                ws.input()(0, i) = phase + static_cast<float>(i) * 0.01f;
            }
            phase += 1e-3f;
        };
        precast_bench::time_each_call(state, next_input, [&] { benchmark::DoNotOptimize(copy.forward(ws)(0, 0)); });
    }

    template <std::size_t In, std::size_t H>
    void bm_tiny_precast_frozen_latency(benchmark::State& state)
    {
        const tiny<In, H> net(precast::glorot_uniform{}, 1);
        precast::frozen_network<tiny<In, H>> frozen(net);
        float x[In];
        float phase = 0;
        const auto next_input = [&] {
            for (std::size_t i = 0; i < In; ++i)
            {
                x[i] = phase + static_cast<float>(i) * 0.01f;
            }
            phase += 1e-3f;
        };
        precast_bench::time_each_call(state, next_input, [&] { benchmark::DoNotOptimize(frozen(std::span<const float, In>(x))[0]); });
    }

#ifdef PRECAST_BENCH_WITH_EIGEN
    template <int In, int H>
    struct tiny_eigen
    {
        Eigen::Matrix<float, H, In> w1 = Eigen::Matrix<float, H, In>::Random() * 0.3f;
        Eigen::Matrix<float, H, H> w2 = Eigen::Matrix<float, H, H>::Random() * 0.3f;
        Eigen::Matrix<float, 1, H> w3 = Eigen::Matrix<float, 1, H>::Random() * 0.3f;
        Eigen::Matrix<float, H, 1> b1 = Eigen::Matrix<float, H, 1>::Zero(), b2 = Eigen::Matrix<float, H, 1>::Zero();

        float operator()(const Eigen::Matrix<float, In, 1>& x) const
        {
            const Eigen::Matrix<float, H, 1> h1 = (w1 * x + b1).array().tanh().matrix();
            const Eigen::Matrix<float, H, 1> h2 = (w2 * h1 + b2).array().tanh().matrix();
            return (w3 * h2)(0, 0);
        }
    };

    template <int In, int H>
    void bm_tiny_eigen_latency(benchmark::State& state)
    {
        const tiny_eigen<In, H> net;
        Eigen::Matrix<float, In, 1> x;
        float phase = 0;
        const auto next_input = [&] {
            for (int i = 0; i < In; ++i)
            {
                x(i) = phase + static_cast<float>(i) * 0.01f;
            }
            phase += 1e-3f;
        };
        precast_bench::time_each_call(state, next_input, [&] { benchmark::DoNotOptimize(net(x)); });
    }

    template <int In, int H>
    void bm_tiny_eigen(benchmark::State& state)
    {
        const tiny_eigen<In, H> net;
        Eigen::Matrix<float, In, 1> x;
        float phase = 0;
        for (auto _ : state)
        {
            for (int i = 0; i < In; ++i)
            {
                x(i) = phase + static_cast<float>(i) * 0.01f;
            }
            benchmark::DoNotOptimize(net(x));
            phase += 1e-3f;
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }
#endif
}

BENCHMARK_TEMPLATE(bm_tiny_precast, 8, 16)->Name("tiny/precast/8-16-16-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast, 2, 8)->Name("tiny/precast/2-8-8-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast, 8, 16, true)->Name("tiny/precast_held_scope/8-16-16-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast, 2, 8, true)->Name("tiny/precast_held_scope/2-8-8-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast_frozen, 8, 16)->Name("tiny/precast_frozen/8-16-16-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast_frozen, 2, 8)->Name("tiny/precast_frozen/2-8-8-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast_frozen, 8, 16, true)->Name("tiny/precast_frozen_held_scope/8-16-16-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast_frozen, 2, 8, true)->Name("tiny/precast_frozen_held_scope/2-8-8-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_precast_latency, 8, 16)->Name("tiny_latency/precast/8-16-16-1 tanh/B=1")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_tiny_precast_frozen_latency, 8, 16)->Name("tiny_latency/precast_frozen/8-16-16-1 tanh/B=1")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_tiny_precast_latency, 2, 8)->Name("tiny_latency/precast/2-8-8-1 tanh/B=1")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_tiny_precast_frozen_latency, 2, 8)->Name("tiny_latency/precast_frozen/2-8-8-1 tanh/B=1")->Iterations(2000000);
#ifdef PRECAST_BENCH_WITH_EIGEN
BENCHMARK_TEMPLATE(bm_tiny_eigen_latency, 8, 16)->Name("tiny_latency/eigen/8-16-16-1 tanh/B=1")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_tiny_eigen_latency, 2, 8)->Name("tiny_latency/eigen/2-8-8-1 tanh/B=1")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_tiny_eigen, 8, 16)->Name("tiny/eigen/8-16-16-1 tanh/B=1");
BENCHMARK_TEMPLATE(bm_tiny_eigen, 2, 8)->Name("tiny/eigen/2-8-8-1 tanh/B=1");
#endif
