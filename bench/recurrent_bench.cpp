// Recurrent networks. Training: one step (forward, BPTT, gradient-descent update) of lstm<H> or gru<H> over 32
// steps of 32 features at batch 32, with a dense<32> head and softmax cross-entropy per step, 1 thread (the
// LibTorch rows of the same network are in torch_recurrent_bench.cpp, built with PRECAST_BENCH_LIBTORCH).
// Streaming: one step of a sequence, 1 feature in, gru<H> or lstm<H> then dense<1>, batch 1: precast's
// streaming_network against a hand-written Eigen cell with fixed-size matrices.
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

#include "bench_support.hpp"

#ifdef PRECAST_BENCH_WITH_EIGEN
#include <Eigen/Core>
#endif

namespace
{
    constexpr std::size_t steps = 32;
    constexpr std::size_t features = 32;
    constexpr std::size_t batch = 32;

    template <template <std::size_t, class...> class Cell, std::size_t H>
    using sequence_model = precast::network<precast::input_of<precast::shape<steps, features>>, Cell<H>, precast::dense<features>>;

    template <template <std::size_t, class...> class Cell, std::size_t H>
    void bm_recurrent_training_step(benchmark::State& state)
    {
        using net_t = sequence_model<Cell, H>;
        precast::set_threads(1);
        auto net = std::make_unique<net_t>(precast::glorot_uniform{}, 1);
        precast::trainer<batch, net_t, precast::softmax_cross_entropy, precast::gradient_descent> t(*net, {}, precast::gradient_descent(0.01));
        precast::random_engine rng(3);
        for (std::size_t i = 0; i < batch * steps * features; ++i)
        {
            t.workspace().input().data()[i] = static_cast<float>(rng.uniform(-1.0, 1.0));
        }
        std::vector<precast::label_type> labels(batch * steps);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            labels[i] = static_cast<precast::label_type>(rng.below(features));
        }
        const std::span<const precast::label_type, batch * steps> targets(labels.data(), labels.size());
        for (auto _ : state)
        {
            benchmark::DoNotOptimize(t.step(targets));
        }
        const double flops = static_cast<double>(batch) * static_cast<double>(net_t::forward_flops_per_sample + net_t::backward_flops_per_sample);
        state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
        state.counters["sequences/s"] = benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
    }

    template <template <std::size_t, class...> class Cell, std::size_t H>
    using stream_model = precast::network<precast::input_of<precast::shape<64, 1>>, Cell<H>, precast::dense<1>>;

    // HeldScope: the caller holds a denormal_scope around its loop (as an audio callback holds one around its
    // block), so each step finds FTZ/DAZ set and only reads the control register instead of writing it twice.
    template <template <std::size_t, class...> class Cell, std::size_t H, bool HeldScope = false>
    void bm_streaming_step(benchmark::State& state)
    {
        [[maybe_unused]] const std::conditional_t<HeldScope, precast::denormal_scope, int> held{};
        using net_t = stream_model<Cell, H>;
        const net_t net(precast::glorot_uniform{}, 1);
        precast::streaming_network<net_t> stream(net);
        float x = 0;
        for (auto _ : state)
        {
            x = std::sin(x + 0.1f);
            benchmark::DoNotOptimize(stream.step(std::span<const float, 1>(&x, 1))[0]);
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }

    // Blocks of 64 samples through process() (an audio callback's buffer, the same samples each time), per sample.
    template <template <std::size_t, class...> class Cell, std::size_t H>
    void bm_streaming_block(benchmark::State& state)
    {
        using net_t = stream_model<Cell, H>;
        const net_t net(precast::glorot_uniform{}, 1);
        precast::streaming_network<net_t> stream(net);
        const std::array<float, 64> in = precast_bench::sine_samples<64>();
        std::array<float, 64> out{};
        for (auto _ : state)
        {
            stream.process(in, out);
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample(in.size());
    }

    // The same, each step timed alone over a long run: p50, p99 and p99.9 per step.
    template <template <std::size_t, class...> class Cell, std::size_t H>
    void bm_streaming_step_latency(benchmark::State& state)
    {
        using net_t = stream_model<Cell, H>;
        const net_t net(precast::glorot_uniform{}, 1);
        precast::streaming_network<net_t> stream(net);
        float x = 0;
        precast_bench::time_each_call(
            state, [&] { x = std::sin(x + 0.1f); }, [&] { benchmark::DoNotOptimize(stream.step(std::span<const float, 1>(&x, 1))[0]); });
    }

#ifdef PRECAST_BENCH_WITH_EIGEN
    // The cells as one writes them with Eigen: gates = W_ih x + W_hh h + b in fixed-size matrices, then the
    // nonlinearities on arrays (Eigen vectorizes tanh and exp for float).
    template <int H>
    struct eigen_gru
    {
        Eigen::Matrix<float, 3 * H, 1> w_ih = Eigen::Matrix<float, 3 * H, 1>::Random() * 0.3f;
        Eigen::Matrix<float, 3 * H, H> w_hh = Eigen::Matrix<float, 3 * H, H>::Random() * 0.3f;
        Eigen::Matrix<float, 3 * H, 1> b_ih = Eigen::Matrix<float, 3 * H, 1>::Zero();
        Eigen::Matrix<float, 3 * H, 1> b_hh = Eigen::Matrix<float, 3 * H, 1>::Zero();
        Eigen::Matrix<float, 1, H> head = Eigen::Matrix<float, 1, H>::Random() * 0.3f;
        Eigen::Matrix<float, H, 1> h = Eigen::Matrix<float, H, 1>::Zero();

        float step(float x)
        {
            const Eigen::Matrix<float, 3 * H, 1> gx = w_ih * x + b_ih;
            const Eigen::Matrix<float, 3 * H, 1> gh = w_hh * h + b_hh;
            const auto r = (1.0f + (-(gx.template head<H>() + gh.template head<H>()).array()).exp()).inverse();
            const auto z = (1.0f + (-(gx.template segment<H>(H) + gh.template segment<H>(H)).array()).exp()).inverse();
            const Eigen::Array<float, H, 1> n = (gx.template tail<H>().array() + r * gh.template tail<H>().array()).tanh();
            h = ((1.0f - z) * n + z * h.array()).matrix();
            return head * h;
        }
    };

    template <int H>
    struct eigen_lstm
    {
        Eigen::Matrix<float, 4 * H, 1> w_ih = Eigen::Matrix<float, 4 * H, 1>::Random() * 0.3f;
        Eigen::Matrix<float, 4 * H, H> w_hh = Eigen::Matrix<float, 4 * H, H>::Random() * 0.3f;
        Eigen::Matrix<float, 4 * H, 1> b = Eigen::Matrix<float, 4 * H, 1>::Zero();
        Eigen::Matrix<float, 1, H> head = Eigen::Matrix<float, 1, H>::Random() * 0.3f;
        Eigen::Matrix<float, H, 1> h = Eigen::Matrix<float, H, 1>::Zero();
        Eigen::Array<float, H, 1> c = Eigen::Array<float, H, 1>::Zero();

        float step(float x)
        {
            const Eigen::Matrix<float, 4 * H, 1> g = w_ih * x + w_hh * h + b;
            const auto sigmoid = [](const auto& v) { return (1.0f + (-v).exp()).inverse(); };
            const Eigen::Array<float, H, 1> i = sigmoid(g.template segment<H>(0).array());
            const Eigen::Array<float, H, 1> f = sigmoid(g.template segment<H>(H).array());
            const Eigen::Array<float, H, 1> cand = g.template segment<H>(2 * H).array().tanh();
            const Eigen::Array<float, H, 1> o = sigmoid(g.template segment<H>(3 * H).array());
            c = f * c + i * cand;
            h = (o * c.tanh()).matrix();
            return head * h;
        }
    };

    template <class Cell>
    void bm_eigen_streaming_step(benchmark::State& state)
    {
        auto cell = std::make_unique<Cell>();
        float x = 0;
        for (auto _ : state)
        {
            x = std::sin(x + 0.1f);
            benchmark::DoNotOptimize(cell->step(x));
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }

    template <class Cell>
    void bm_eigen_streaming_block(benchmark::State& state)
    {
        auto cell = std::make_unique<Cell>();
        const std::array<float, 64> in = precast_bench::sine_samples<64>();
        std::array<float, 64> out{};
        for (auto _ : state)
        {
            for (std::size_t i = 0; i < in.size(); ++i)
            {
                out[i] = cell->step(in[i]);
            }
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample(in.size());
    }

    template <class Cell>
    void bm_eigen_streaming_step_latency(benchmark::State& state)
    {
        auto cell = std::make_unique<Cell>();
        float x = 0;
        precast_bench::time_each_call(state, [&] { x = std::sin(x + 0.1f); }, [&] { benchmark::DoNotOptimize(cell->step(x)); });
    }
#endif
}

BENCHMARK_TEMPLATE(bm_recurrent_training_step, precast::lstm, 64)->Name("recurrent_train/precast/lstm<64>/S=32,B=32")->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_recurrent_training_step, precast::lstm, 256)->Name("recurrent_train/precast/lstm<256>/S=32,B=32")->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_recurrent_training_step, precast::gru, 64)->Name("recurrent_train/precast/gru<64>/S=32,B=32")->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_recurrent_training_step, precast::gru, 256)->Name("recurrent_train/precast/gru<256>/S=32,B=32")->Unit(benchmark::kMillisecond);

BENCHMARK_TEMPLATE(bm_streaming_step, precast::gru, 8)->Name("stream/precast/gru<8>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::gru, 16)->Name("stream/precast/gru<16>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::gru, 32)->Name("stream/precast/gru<32>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::gru, 64)->Name("stream/precast/gru<64>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::lstm, 8)->Name("stream/precast/lstm<8>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::lstm, 16)->Name("stream/precast/lstm<16>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::lstm, 32)->Name("stream/precast/lstm<32>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::lstm, 64)->Name("stream/precast/lstm<64>");
BENCHMARK_TEMPLATE(bm_streaming_block, precast::lstm, 8)->Name("stream_block/precast/lstm<8>");
BENCHMARK_TEMPLATE(bm_streaming_block, precast::lstm, 16)->Name("stream_block/precast/lstm<16>");
BENCHMARK_TEMPLATE(bm_streaming_block, precast::lstm, 32)->Name("stream_block/precast/lstm<32>");
BENCHMARK_TEMPLATE(bm_streaming_block, precast::gru, 8)->Name("stream_block/precast/gru<8>");
BENCHMARK_TEMPLATE(bm_streaming_block, precast::gru, 16)->Name("stream_block/precast/gru<16>");
BENCHMARK_TEMPLATE(bm_streaming_block, precast::gru, 32)->Name("stream_block/precast/gru<32>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::lstm, 16, true)->Name("stream/precast_held_scope/lstm<16>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::lstm, 32, true)->Name("stream/precast_held_scope/lstm<32>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::gru, 16, true)->Name("stream/precast_held_scope/gru<16>");
BENCHMARK_TEMPLATE(bm_streaming_step, precast::gru, 32, true)->Name("stream/precast_held_scope/gru<32>");
BENCHMARK_TEMPLATE(bm_streaming_step_latency, precast::lstm, 16)->Name("stream_latency/precast/lstm<16>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_streaming_step_latency, precast::lstm, 32)->Name("stream_latency/precast/lstm<32>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_streaming_step_latency, precast::gru, 16)->Name("stream_latency/precast/gru<16>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_streaming_step_latency, precast::gru, 32)->Name("stream_latency/precast/gru<32>")->Iterations(2000000);
#ifdef PRECAST_BENCH_WITH_EIGEN
BENCHMARK_TEMPLATE(bm_eigen_streaming_step_latency, eigen_lstm<16>)->Name("stream_latency/eigen/lstm<16>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_eigen_streaming_step_latency, eigen_lstm<32>)->Name("stream_latency/eigen/lstm<32>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_eigen_streaming_step_latency, eigen_gru<16>)->Name("stream_latency/eigen/gru<16>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_eigen_streaming_step_latency, eigen_gru<32>)->Name("stream_latency/eigen/gru<32>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_eigen_streaming_block, eigen_lstm<8>)->Name("stream_block/eigen/lstm<8>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_block, eigen_lstm<16>)->Name("stream_block/eigen/lstm<16>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_block, eigen_lstm<32>)->Name("stream_block/eigen/lstm<32>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_block, eigen_gru<8>)->Name("stream_block/eigen/gru<8>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_block, eigen_gru<16>)->Name("stream_block/eigen/gru<16>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_block, eigen_gru<32>)->Name("stream_block/eigen/gru<32>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_gru<8>)->Name("stream/eigen/gru<8>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_gru<16>)->Name("stream/eigen/gru<16>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_gru<32>)->Name("stream/eigen/gru<32>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_gru<64>)->Name("stream/eigen/gru<64>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_lstm<8>)->Name("stream/eigen/lstm<8>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_lstm<16>)->Name("stream/eigen/lstm<16>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_lstm<32>)->Name("stream/eigen/lstm<32>");
BENCHMARK_TEMPLATE(bm_eigen_streaming_step, eigen_lstm<64>)->Name("stream/eigen/lstm<64>");
#endif
