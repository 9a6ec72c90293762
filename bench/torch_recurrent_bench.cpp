// LibTorch rows beside precast's, in the same binary: the recurrent training step of recurrent_bench.cpp
// (torch::nn::LSTM / GRU, batch_first, over 32 steps of 32 features at batch 32, a Linear(H, 32) head,
// cross-entropy per step, an SGD step; 1 thread) and, below, the MLP step of training_bench.cpp.
// Built only with -DPRECAST_BENCH_LIBTORCH=ON where Debian's libtorch-dev is installed (never in CI).
#include <benchmark/benchmark.h>

#include <torch/torch.h>

namespace
{
    template <class Module, class Options>
    void bm_torch_training_step(benchmark::State& state)
    {
        torch::set_num_threads(1);
        torch::manual_seed(1);
        const int64_t hidden = state.range(0);
        Module rnn(Options(32, hidden).batch_first(true));
        torch::nn::Linear head(hidden, 32);
        std::vector<torch::Tensor> parameters = rnn->parameters();
        for (const auto& p : head->parameters())
        {
            parameters.push_back(p);
        }
        torch::optim::SGD sgd(parameters, torch::optim::SGDOptions(0.01));
        const torch::Tensor x = torch::rand({32, 32, 32}) * 2 - 1;
        const torch::Tensor labels = torch::randint(0, 32, {32 * 32});
        for (auto _ : state)
        {
            sgd.zero_grad();
            const auto out = std::get<0>(rnn->forward(x));
            const auto loss = torch::nn::functional::cross_entropy(head->forward(out).reshape({32 * 32, 32}), labels);
            loss.backward();
            sgd.step();
            benchmark::DoNotOptimize(loss.template item<float>());
        }
        state.counters["sequences/s"] = benchmark::Counter(32.0, benchmark::Counter::kIsIterationInvariantRate);
    }
}

BENCHMARK_TEMPLATE(bm_torch_training_step, torch::nn::LSTM, torch::nn::LSTMOptions)
    ->Name("recurrent_train/libtorch/lstm<64>/S=32,B=32")
    ->Arg(64)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_torch_training_step, torch::nn::LSTM, torch::nn::LSTMOptions)
    ->Name("recurrent_train/libtorch/lstm<256>/S=32,B=32")
    ->Arg(256)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_torch_training_step, torch::nn::GRU, torch::nn::GRUOptions)
    ->Name("recurrent_train/libtorch/gru<64>/S=32,B=32")
    ->Arg(64)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_torch_training_step, torch::nn::GRU, torch::nn::GRUOptions)
    ->Name("recurrent_train/libtorch/gru<256>/S=32,B=32")
    ->Arg(256)
    ->Unit(benchmark::kMillisecond);

// The MLP training step of training_bench.cpp in LibTorch: 784-256-256-10 ReLU, cross-entropy, one SGD step,
// 1 or 2 threads. LibTorch's products go to OpenBLAS here: unset OPENBLAS_CORETYPE for its AVX-512 kernel.
namespace
{
    void bm_torch_mlp_step(benchmark::State& state)
    {
        torch::set_num_threads(static_cast<int>(state.range(1)));
        torch::manual_seed(1);
        const int64_t batch = state.range(0);
        torch::nn::Sequential mlp(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 256), torch::nn::ReLU(), torch::nn::Linear(256, 10));
        torch::optim::SGD sgd(mlp->parameters(), torch::optim::SGDOptions(0.01));
        const torch::Tensor x = torch::rand({batch, 784});
        const torch::Tensor labels = torch::arange(batch) % 10;
        for (auto _ : state)
        {
            sgd.zero_grad();
            const auto loss = torch::nn::functional::cross_entropy(mlp->forward(x), labels);
            loss.backward();
            sgd.step();
            benchmark::DoNotOptimize(loss.template item<float>());
        }
        state.counters["samples/s"] = benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
        torch::set_num_threads(1);
    }
}

BENCHMARK(bm_torch_mlp_step)
    ->Name("train_step/libtorch/784-256-256-10")
    ->ArgNames({"B", "threads"})
    ->Args({32, 1})
    ->Args({128, 1})
    ->Args({128, 2})
    ->Unit(benchmark::kMillisecond);
