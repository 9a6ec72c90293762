// LibTorch rows beside convolution_bench.cpp's, in the same binary: the conv2d layer (NCHW, the same shapes and
// work) forward and forward + backward at batch 1 and 32, and the Fashion-MNIST CNN's SGD training step at batch
// 128. Built only with -DPRECAST_BENCH_LIBTORCH=ON where Debian's libtorch-dev is installed (never in CI).
#include <benchmark/benchmark.h>

#include <torch/torch.h>

namespace
{
    void bm_torch_conv2d(benchmark::State& state)
    {
        torch::set_num_threads(1);
        torch::manual_seed(1);
        const int64_t batch = state.range(0);
        const bool with_backward = state.range(1) != 0;
        torch::nn::Conv2d conv(torch::nn::Conv2dOptions(32, 64, 3).padding(1));
        const torch::Tensor x = torch::rand({batch, 32, 14, 14}).requires_grad_(with_backward);
        const torch::Tensor dy = torch::full({batch, 64, 14, 14}, 0.01f);
        for (auto _ : state)
        {
            if (with_backward)
            {
                conv->zero_grad();
                x.mutable_grad() = torch::Tensor();
                const auto y = conv->forward(x);
                y.backward(dy);
                benchmark::DoNotOptimize(x.grad().data_ptr());
            }
            else
            {
                torch::NoGradGuard no_grad;
                benchmark::DoNotOptimize(conv->forward(x).data_ptr());
            }
        }
        state.counters["GFLOP/s"] = benchmark::Counter(2.0 * 14 * 14 * 64 * 32 * 9 * static_cast<double>(batch) * (with_backward ? 3.0 : 1.0) / 1e9,
                                                       benchmark::Counter::kIsIterationInvariantRate);
    }

    void bm_torch_cnn_step(benchmark::State& state)
    {
        torch::set_num_threads(static_cast<int>(state.range(0)));
        torch::manual_seed(1);
        namespace nn = torch::nn;
        nn::Sequential cnn(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                           nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(64 * 7 * 7, 128),
                           nn::ReLU(), nn::Linear(128, 10));
        torch::optim::SGD sgd(cnn->parameters(), torch::optim::SGDOptions(0.01));
        const torch::Tensor x = torch::rand({128, 1, 28, 28});
        const torch::Tensor labels = torch::arange(128) % 10;
        for (auto _ : state)
        {
            sgd.zero_grad();
            const auto loss = torch::nn::functional::cross_entropy(cnn->forward(x), labels);
            loss.backward();
            sgd.step();
            benchmark::DoNotOptimize(loss.item<float>());
        }
        state.counters["samples/s"] = benchmark::Counter(128.0, benchmark::Counter::kIsIterationInvariantRate);
        torch::set_num_threads(1);
    }
}

BENCHMARK(bm_torch_conv2d)
    ->Name("conv2d/libtorch/64x3x3 on 14x14x32")
    ->ArgNames({"B", "backward"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({32, 0})
    ->Args({32, 1})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_torch_cnn_step)->Name("train_step/libtorch/fashion cnn/B=128")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
