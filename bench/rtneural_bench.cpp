// RTNeural's compile-time models (ModelT with LSTMLayerT / GRULayerT and DenseT, its Eigen backend) at the streaming
// rows of recurrent_bench.cpp: one step of a sequence, 1 feature in, lstm<H> or gru<H> then dense<1>, batch 1, the
// same loop. Built only with -DPRECAST_BENCH_RTNEURAL_DIR=<an RTNeural checkout> (RTNeural is not packaged by Debian;
// no RTNeural code is part of precast). This file includes no precast layer or network header.
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <vector>

#include <RTNeural/RTNeural.h>
#include <benchmark/benchmark.h>

#include "bench_support.hpp"

namespace
{
    // Weights uniform in [-0.3, 0.3], biases zero, as the hand-written Eigen cells of recurrent_bench.cpp.
    std::vector<std::vector<float>> random_matrix(std::size_t rows, std::size_t columns, std::mt19937& rng)
    {
        std::uniform_real_distribution<float> uniform(-0.3f, 0.3f);
        std::vector<std::vector<float>> m(rows, std::vector<float>(columns));
        for (auto& row : m)
        {
            for (auto& v : row)
            {
                v = uniform(rng);
            }
        }
        return m;
    }

    template <int H>
    using lstm_model = RTNeural::ModelT<float, 1, 1, RTNeural::LSTMLayerT<float, 1, H>, RTNeural::DenseT<float, H, 1>>;
    template <int H>
    using gru_model = RTNeural::ModelT<float, 1, 1, RTNeural::GRULayerT<float, 1, H>, RTNeural::DenseT<float, H, 1>>;

    template <class Model, int H, int Gates>
    std::unique_ptr<Model> make_model()
    {
        auto model = std::make_unique<Model>();
        std::mt19937 rng(1);
        auto& cell = model->template get<0>();
        cell.setWVals(random_matrix(1, Gates * H, rng));
        cell.setUVals(random_matrix(H, Gates * H, rng));
        if constexpr (Gates == 4)
        {
            cell.setBVals(std::vector<float>(4 * H, 0.0f));
        }
        else
        {
            cell.setBVals(std::vector<std::vector<float>>(2, std::vector<float>(3 * H, 0.0f)));
        }
        auto& head = model->template get<1>();
        head.setWeights(random_matrix(1, H, rng));
        const float bias = 0.0f;
        head.setBias(&bias);
        model->reset();
        return model;
    }

    template <class Model, int H, int Gates>
    void bm_rtneural_streaming_step(benchmark::State& state)
    {
        auto model = make_model<Model, H, Gates>();
        float x = 0;
        for (auto _ : state)
        {
            x = std::sin(x + 0.1f);
            benchmark::DoNotOptimize(model->forward(&x));
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }

    // Blocks of 64 samples (an audio callback's buffer, the same samples each time), per sample.
    template <class Model, int H, int Gates>
    void bm_rtneural_streaming_block(benchmark::State& state)
    {
        auto model = make_model<Model, H, Gates>();
        const std::array<float, 64> in = precast_bench::sine_samples<64>();
        std::array<float, 64> out{};
        for (auto _ : state)
        {
            for (std::size_t i = 0; i < in.size(); ++i)
            {
                out[i] = model->forward(&in[i]);
            }
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample(in.size());
    }

    template <class Model, int H, int Gates>
    void bm_rtneural_streaming_step_latency(benchmark::State& state)
    {
        auto model = make_model<Model, H, Gates>();
        float x = 0;
        precast_bench::time_each_call(state, [&] { x = std::sin(x + 0.1f); }, [&] { benchmark::DoNotOptimize(model->forward(&x)); });
    }
}

BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, lstm_model<8>, 8, 4)->Name("stream/rtneural/lstm<8>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, lstm_model<16>, 16, 4)->Name("stream/rtneural/lstm<16>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, lstm_model<32>, 32, 4)->Name("stream/rtneural/lstm<32>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, lstm_model<64>, 64, 4)->Name("stream/rtneural/lstm<64>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, gru_model<8>, 8, 3)->Name("stream/rtneural/gru<8>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, gru_model<16>, 16, 3)->Name("stream/rtneural/gru<16>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, gru_model<32>, 32, 3)->Name("stream/rtneural/gru<32>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step, gru_model<64>, 64, 3)->Name("stream/rtneural/gru<64>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_block, lstm_model<8>, 8, 4)->Name("stream_block/rtneural/lstm<8>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_block, lstm_model<16>, 16, 4)->Name("stream_block/rtneural/lstm<16>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_block, lstm_model<32>, 32, 4)->Name("stream_block/rtneural/lstm<32>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_block, gru_model<8>, 8, 3)->Name("stream_block/rtneural/gru<8>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_block, gru_model<16>, 16, 3)->Name("stream_block/rtneural/gru<16>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_block, gru_model<32>, 32, 3)->Name("stream_block/rtneural/gru<32>");
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step_latency, lstm_model<16>, 16, 4)->Name("stream_latency/rtneural/lstm<16>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step_latency, lstm_model<32>, 32, 4)->Name("stream_latency/rtneural/lstm<32>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step_latency, gru_model<16>, 16, 3)->Name("stream_latency/rtneural/gru<16>")->Iterations(2000000);
BENCHMARK_TEMPLATE(bm_rtneural_streaming_step_latency, gru_model<32>, 32, 3)->Name("stream_latency/rtneural/gru<32>")->Iterations(2000000);
