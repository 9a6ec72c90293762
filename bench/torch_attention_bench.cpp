// LibTorch rows beside attention_bench.cpp's, in the same binary: the same pre-norm GPT block's training step (Adam,
// MSE, batch 32 of 64 steps, width 128, 4 heads, causal mask), and generation of 64 tokens at batch 1 by the same
// 2-block model with a key/value cache written with LibTorch operations (LibTorch has no cached decoder), under
// NoGradGuard. Built only with -DPRECAST_BENCH_LIBTORCH=ON (never in CI).
#include <benchmark/benchmark.h>

#include <torch/torch.h>

namespace
{
    constexpr int64_t steps = 64, width = 128, heads = 4, batch = 32, vocabulary = 128;

    struct gpt_blockImpl : torch::nn::Module
    {
        gpt_blockImpl()
            : ln1(register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})))),
              attention(register_module("attention", torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(width, heads)))),
              ln2(register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})))),
              up(register_module("up", torch::nn::Linear(width, 4 * width))), down(register_module("down", torch::nn::Linear(4 * width, width)))
        {
        }

        // x: [B, S, E]
        torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask)
        {
            const auto h = ln1(x).transpose(0, 1);  // [S, B, E], as the C++ MultiheadAttention takes it
            const auto a = std::get<0>(attention->forward(h, h, h, torch::Tensor(), false, mask)).transpose(0, 1);
            const auto y = x + a;
            return y + down(torch::gelu(up(ln2(y))));
        }

        torch::nn::LayerNorm ln1;
        torch::nn::MultiheadAttention attention;
        torch::nn::LayerNorm ln2;
        torch::nn::Linear up, down;
    };
    TORCH_MODULE(gpt_block);

    torch::Tensor causal_mask(int64_t n)
    {
        return torch::triu(torch::full({n, n}, -std::numeric_limits<float>::infinity()), 1);
    }

    void bm_torch_gpt_block_step(benchmark::State& state)
    {
        torch::set_num_threads(static_cast<int>(state.range(0)));
        at::globalContext().setFlushDenormal(state.range(1) != 0);
        torch::manual_seed(1);
        gpt_block b;
        torch::optim::Adam adam(b->parameters(), torch::optim::AdamOptions(1e-4));
        const auto x = torch::sin(0.01 * torch::arange(batch * steps * width, torch::kFloat)).reshape({batch, steps, width});
        const auto target = torch::cos(0.01 * torch::arange(batch * steps * width, torch::kFloat)).reshape({batch, steps, width});
        const auto mask = causal_mask(steps);
        for (auto _ : state)
        {
            adam.zero_grad();
            const auto loss = torch::mse_loss(b->forward(x, mask), target);
            loss.backward();
            adam.step();
            benchmark::DoNotOptimize(loss.item<float>());
        }
        state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch * steps), benchmark::Counter::kIsIterationInvariantRate);
        torch::set_num_threads(1);
        at::globalContext().setFlushDenormal(false);
    }

    // One block's step on the cache: x [1, E] of the new token; keys and values [t + 1, E] after appending.
    torch::Tensor cached_block(gpt_block& b, const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values, int64_t t)
    {
        auto& attention = b->attention;
        const auto h = b->ln1(x);
        const auto qkv = torch::addmm(attention->in_proj_bias, h, attention->in_proj_weight.t());  // [1, 3E]
        const auto parts = qkv.split(width, 1);
        keys.narrow(0, t, 1).copy_(parts[1]);
        values.narrow(0, t, 1).copy_(parts[2]);
        const auto k = keys.narrow(0, 0, t + 1).view({t + 1, heads, width / heads}).transpose(0, 1);    // [H, t+1, d]
        const auto v = values.narrow(0, 0, t + 1).view({t + 1, heads, width / heads}).transpose(0, 1);  // [H, t+1, d]
        const auto q = parts[0].view({heads, 1, width / heads});                                        // [H, 1, d]
        const auto p = torch::softmax(torch::bmm(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(width / heads)), -1);
        const auto o = torch::bmm(p, v).transpose(0, 1).reshape({1, width});
        const auto y = x + attention->out_proj->forward(o);
        return y + b->down(torch::gelu(b->up(b->ln2(y))));
    }

    void bm_torch_gpt_generation(benchmark::State& state)
    {
        torch::set_num_threads(1);
        torch::manual_seed(1);
        torch::NoGradGuard no_grad;
        torch::nn::Embedding tokens(vocabulary, width);
        const auto positions = torch::randn({steps, width});
        gpt_block first, second;
        torch::nn::LayerNorm final_norm(torch::nn::LayerNormOptions({width}));
        torch::nn::Linear head(width, vocabulary);
        auto keys1 = torch::zeros({steps, width}), values1 = torch::zeros({steps, width});
        auto keys2 = torch::zeros({steps, width}), values2 = torch::zeros({steps, width});
        for (auto _ : state)
        {
            int64_t next = 1;
            for (int64_t t = 0; t < steps; ++t)
            {
                auto x = tokens(torch::tensor({next})) + positions.narrow(0, t, 1);
                x = cached_block(first, x, keys1, values1, t);
                x = cached_block(second, x, keys2, values2, t);
                next = head(final_norm(x)).argmax(1).item<int64_t>();
            }
            benchmark::DoNotOptimize(next);
        }
        state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate);
    }
}

BENCHMARK(bm_torch_gpt_block_step)
    ->Name("train_step/libtorch/gpt block S=64 W=128 H=4/B=32")
    ->ArgNames({"threads", "flush_denormals"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_torch_gpt_generation)->Name("generate/libtorch/char_gpt 2 blocks, 64 tokens, B=1")->Unit(benchmark::kMillisecond);
