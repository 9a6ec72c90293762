// Convolutions: a conv2d layer forward and forward + backward at batch 1 and 32, the Fashion-MNIST CNN's training
// step (examples/fashion_mnist --arch cnn), and a causal temporal-convolution stack run one sample at a time in
// streaming_network against the same stack written by hand with fixed-size Eigen matrices. LibTorch's rows for the
// first two are in torch_convolution_bench.cpp.
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

#include "bench_support.hpp"

#ifdef PRECAST_BENCH_WITH_EIGEN
#include <Eigen/Core>
#endif

namespace
{
    // ---- one layer: conv2d<64, 3, same> on [14, 14, 32] (the CNN's second convolution) -----------------------------
    using conv_layer = precast::conv2d<64, 3, precast::same>::bind<float, precast::shape<14, 14, 32>>;
    constexpr double conv_flops = 2.0 * 14 * 14 * 64 * 32 * 9;  // per sample, forward

    template <std::size_t B>
    void bm_conv2d(benchmark::State& state)
    {
        const bool with_backward = state.range(0) != 0;
        auto layer = std::make_unique<conv_layer>();
        precast::random_engine rng(1);
        layer->initialize(precast::he_normal{}, rng);
        auto ws = std::make_unique<conv_layer::workspace<B>>();
        std::vector<float> x(B * conv_layer::input_shape::size), y(B * conv_layer::output_shape::size), dy(y.size(), 0.01f), dx(x.size());
        for (float& v : x)
        {
            v = static_cast<float>(rng.uniform());
        }
        for (auto _ : state)
        {
            layer->forward(precast::batch_view<const float, B, conv_layer::input_shape>(x.data()),
                           precast::batch_view<float, B, conv_layer::output_shape>(y.data()), *ws, precast::mode::training);
            if (with_backward)
            {
                layer->backward(precast::batch_view<const float, B, conv_layer::input_shape>(x.data()),
                                precast::batch_view<const float, B, conv_layer::output_shape>(y.data()),
                                precast::batch_view<const float, B, conv_layer::output_shape>(dy.data()),
                                precast::batch_view<float, B, conv_layer::input_shape>(dx.data()), *ws);
            }
            benchmark::DoNotOptimize(y.data());
            benchmark::DoNotOptimize(dx.data());
        }
        precast_bench::report_flops(state, conv_flops * B * (with_backward ? 3.0 : 1.0));
    }

    // ---- the Fashion-MNIST CNN's training step (SGD, as the LibTorch row) -------------------------------------------
    using cnn = precast::network<precast::input<784>, precast::reshape_to<28, 28, 1>, precast::conv2d<32, 3, precast::same>, precast::relu,
                                 precast::max_pool2d<2>, precast::conv2d<64, 3, precast::same>, precast::relu, precast::max_pool2d<2>, precast::flatten,
                                 precast::dense<128>, precast::relu, precast::dense<10>>;

    void bm_cnn_step(benchmark::State& state)
    {
        constexpr std::size_t B = 128;
        precast::set_threads(static_cast<int>(state.range(0)));
        auto net = std::make_unique<cnn>(precast::glorot_uniform{}, 1);
        auto t = std::make_unique<precast::trainer<B, cnn, precast::softmax_cross_entropy, precast::gradient_descent>>(*net, precast::softmax_cross_entropy{},
                                                                                                                       precast::gradient_descent(0.01));
        precast::random_engine rng(3);
        for (std::size_t i = 0; i < B * 784; ++i)
        {
            t->workspace().input().data()[i] = static_cast<float>(rng.uniform());
        }
        std::vector<precast::label_type> labels(B);
        for (std::size_t i = 0; i < B; ++i)
        {
            labels[i] = static_cast<precast::label_type>(i % 10);
        }
        const std::span<const precast::label_type, B> targets(labels.data(), B);
        for (auto _ : state)
        {
            benchmark::DoNotOptimize(t->step(targets));
        }
        state.counters["samples/s"] = benchmark::Counter(static_cast<double>(B), benchmark::Counter::kIsIterationInvariantRate);
        precast::set_threads(1);
    }

    // ---- a causal temporal-convolution stack, one sample at a time --------------------------------------------------
    // 1 -> 16 channels, kernel 3, dilations 1, 2, 4, PReLU per channel after each, then a pointwise convolution to one
    // output: the shape of a small TCN amp or effect model.
    using tcn = precast::network<precast::input_of<precast::shape<64, 1>>, precast::conv1d<16, 3, precast::causal>, precast::prelu<precast::per_channel>,
                                 precast::conv1d<16, 3, precast::causal, precast::dilation<2>>, precast::prelu<precast::per_channel>,
                                 precast::conv1d<16, 3, precast::causal, precast::dilation<4>>, precast::prelu<precast::per_channel>, precast::conv1d<1, 1>>;

    // The same stack with a batch_norm after each convolution, as trained TCNs have them: folded into the
    // convolutions, it should cost nothing per sample.
    using normalized_tcn =
        precast::network<precast::input_of<precast::shape<64, 1>>, precast::conv1d<16, 3, precast::causal, precast::no_bias>, precast::batch_norm<>,
                         precast::prelu<precast::per_channel>, precast::conv1d<16, 3, precast::causal, precast::dilation<2>, precast::no_bias>,
                         precast::batch_norm<>, precast::prelu<precast::per_channel>,
                         precast::conv1d<16, 3, precast::causal, precast::dilation<4>, precast::no_bias>, precast::batch_norm<>,
                         precast::prelu<precast::per_channel>, precast::conv1d<1, 1>>;

    template <class Net>
    void bm_tcn_streaming_step(benchmark::State& state)
    {
        auto net = std::make_unique<Net>(precast::glorot_uniform{}, 1);
        auto stream = std::make_unique<precast::streaming_network<Net>>(*net);
        float x = 0;
        for (auto _ : state)
        {
            x = std::sin(x + 0.1f);
            benchmark::DoNotOptimize(stream->step(std::span<const float, 1>(&x, 1))[0]);
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }

#ifdef PRECAST_BENCH_WITH_EIGEN
    // The same stack as one writes it with Eigen: per layer, a ring of the last (K - 1) d + 1 inputs and a
    // fixed-size weight matrix per tap, y = b + sum_k W_k x_{t - (K - 1 - k) d}, then PReLU on an array.
    template <int In, int Out, int Dilation>
    struct eigen_causal_conv
    {
        static constexpr int span = 2 * Dilation + 1;
        Eigen::Matrix<float, Out, In> w[3] = {Eigen::Matrix<float, Out, In>::Random() * 0.3f, Eigen::Matrix<float, Out, In>::Random() * 0.3f,
                                              Eigen::Matrix<float, Out, In>::Random() * 0.3f};
        Eigen::Matrix<float, Out, 1> b = Eigen::Matrix<float, Out, 1>::Zero();
        Eigen::Array<float, Out, 1> slope = Eigen::Array<float, Out, 1>::Constant(0.25f);
        Eigen::Matrix<float, In, span> history = Eigen::Matrix<float, In, span>::Zero();
        int newest = 0;

        Eigen::Matrix<float, Out, 1> step(const Eigen::Matrix<float, In, 1>& x)
        {
            newest = newest + 1 == span ? 0 : newest + 1;
            history.col(newest) = x;
            Eigen::Matrix<float, Out, 1> y = b;
            for (int k = 0; k < 3; ++k)
            {
                y.noalias() += w[k] * history.col((newest + span - (2 - k) * Dilation) % span);
            }
            return (y.array() > 0.0f).select(y.array(), slope * y.array()).matrix();
        }
    };

    struct eigen_tcn
    {
        eigen_causal_conv<1, 16, 1> a;
        eigen_causal_conv<16, 16, 2> b;
        eigen_causal_conv<16, 16, 4> c;
        Eigen::Matrix<float, 1, 16> head = Eigen::Matrix<float, 1, 16>::Random() * 0.3f;

        float step(float x) { return head * c.step(b.step(a.step(Eigen::Matrix<float, 1, 1>::Constant(x)))); }
    };

    void bm_tcn_eigen_step(benchmark::State& state)
    {
        auto model = std::make_unique<eigen_tcn>();
        float x = 0;
        for (auto _ : state)
        {
            x = std::sin(x + 0.1f);
            benchmark::DoNotOptimize(model->step(x));
        }
        state.counters["ns/sample"] = precast_bench::nanoseconds_per_sample();
    }
#endif
}

BENCHMARK_TEMPLATE(bm_conv2d, 1)->Name("conv2d/precast/64x3x3 on 14x14x32/B=1")->ArgName("backward")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(bm_conv2d, 32)->Name("conv2d/precast/64x3x3 on 14x14x32/B=32")->ArgName("backward")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_cnn_step)->Name("train_step/precast/fashion cnn/B=128")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_tcn_streaming_step, tcn)->Name("stream/precast/tcn 1-16x3 d1,2,4-1");
BENCHMARK_TEMPLATE(bm_tcn_streaming_step, normalized_tcn)->Name("stream/precast/tcn 1-16x3 d1,2,4-1, batch_norm after each conv");
#ifdef PRECAST_BENCH_WITH_EIGEN
BENCHMARK(bm_tcn_eigen_step)->Name("stream/eigen/tcn 1-16x3 d1,2,4-1");
#endif
