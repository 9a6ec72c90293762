// Transformers: a pre-norm GPT block's training step (Adam, batch 32 of 64 steps, width 128, 4 heads: the attention
// issue's shape) at 1 and 2 threads, and generation with the key/value cache, one token at a time at batch 1, of
// examples/char_gpt's model (2 blocks, vocabulary 128). LibTorch's rows are in torch_attention_bench.cpp.
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

#include "bench_support.hpp"

namespace
{
    constexpr std::size_t steps = 64, width = 128, heads = 4, batch = 32, vocabulary = 128;

    using block = precast::network<precast::input_of<precast::shape<steps, width>>,
                                   precast::residual<precast::layer_norm<>, precast::multi_head_attention<heads, precast::causal>>,
                                   precast::residual<precast::layer_norm<>, precast::dense<4 * width>, precast::gelu<>, precast::dense<width>>>;

    void bm_gpt_block_step(benchmark::State& state)
    {
        precast::set_threads(static_cast<int>(state.range(0)));
        auto net = std::make_unique<block>(precast::glorot_uniform{}, 1);
        auto t = std::make_unique<precast::trainer<batch, block, precast::mean_squared_error, precast::adam>>(*net, precast::mean_squared_error{},
                                                                                                              precast::adam(1e-4));
        std::vector<float> targets(batch * block::output_size);
        for (std::size_t i = 0; i < batch * block::input_size; ++i)
        {
            t->workspace().input().data()[i] = std::sin(0.01f * static_cast<float>(i));
            targets[i] = std::cos(0.01f * static_cast<float>(i));
        }
        const precast::matrix_view<const float, batch, block::output_size> y(targets.data());
        for (auto _ : state)
        {
            benchmark::DoNotOptimize(t->step(y));
        }
        state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch * steps), benchmark::Counter::kIsIterationInvariantRate);
        precast::set_threads(1);
    }

    using gpt = precast::network<precast::tokens<steps, vocabulary>, precast::embedding<vocabulary, width>, precast::position_embedding<>,
                                 precast::residual<precast::layer_norm<>, precast::multi_head_attention<heads, precast::causal>>,
                                 precast::residual<precast::layer_norm<>, precast::dense<4 * width>, precast::gelu<>, precast::dense<width>>,
                                 precast::residual<precast::layer_norm<>, precast::multi_head_attention<heads, precast::causal>>,
                                 precast::residual<precast::layer_norm<>, precast::dense<4 * width>, precast::gelu<>, precast::dense<width>>,
                                 precast::layer_norm<>, precast::dense<vocabulary>>;

    // A whole sequence of 64 tokens generated greedily per iteration (each token attends to all before it).
    void bm_gpt_generation(benchmark::State& state)
    {
        auto net = std::make_unique<gpt>(precast::glorot_uniform{}, 1);
        auto stream = std::make_unique<precast::streaming_network<gpt>>(*net);
        for (auto _ : state)
        {
            stream->reset();
            precast::token_id next = 1;
            for (std::size_t t = 0; t < steps; ++t)
            {
                const auto scores = stream->step(next);
                next = static_cast<precast::token_id>(std::max_element(scores.begin(), scores.end()) - scores.begin());
            }
            benchmark::DoNotOptimize(next);
        }
        state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate);
    }
}

BENCHMARK(bm_gpt_block_step)->Name("train_step/precast/gpt block S=64 W=128 H=4/B=32")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_gpt_generation)->Name("generate/precast/char_gpt 2 blocks, 64 tokens, B=1")->Unit(benchmark::kMillisecond);
