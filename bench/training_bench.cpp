// One training step (forward + backward + gradient-descent update) of a 784-256-256-10 ReLU MLP with softmax
// cross-entropy, at batch 32 and 128: precast's trainer against a hand-written Eigen implementation of the same
// arithmetic. Nominal FLOPs = 6 B sum(in x out); neither computes the first layer's input gradient.
#include <cstddef>
#include <vector>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

#include "bench_support.hpp"

#ifdef PRECAST_BENCH_WITH_EIGEN
#include <Eigen/Core>
#endif

namespace
{
    constexpr double nominal_flops(std::size_t batch)
    {
        return 6.0 * static_cast<double>(batch) * (784.0 * 256 + 256.0 * 256 + 256.0 * 10);
    }

    using mlp = precast::network<precast::input<784>, precast::dense<256>, precast::relu, precast::dense<256>, precast::relu, precast::dense<10>>;

    template <std::size_t B>
    void bm_training_step_precast(benchmark::State& state)
    {
        precast::set_threads(static_cast<int>(state.range(0)));
        auto net = std::make_unique<mlp>(precast::he_normal{}, 1);
        precast::trainer<B, mlp, precast::softmax_cross_entropy, precast::gradient_descent> t(*net, {}, precast::gradient_descent(0.01));
        precast::random_engine rng(3);
        for (std::size_t i = 0; i < B * 784; ++i)
        {
            t.workspace().input().data()[i] = static_cast<float>(rng.uniform());
        }
        std::vector<precast::label_type> labels(B);
        for (std::size_t i = 0; i < B; ++i)
        {
            labels[i] = static_cast<precast::label_type>(i % 10);
        }
        const std::span<const precast::label_type, B> targets(labels.data(), B);
        for (auto _ : state)
        {
            benchmark::DoNotOptimize(t.step(targets));
        }
        precast_bench::report_flops(state, nominal_flops(B));
        state.counters["samples/s"] = benchmark::Counter(static_cast<double>(B), benchmark::Counter::kIsIterationInvariantRate);
        precast::set_threads(1);
    }

#ifdef PRECAST_BENCH_WITH_EIGEN
    // The same network, written directly against Eigen, as a careful user would: row-major batches, noalias
    // products, preallocated buffers.
    template <std::size_t B>
    void bm_training_step_eigen(benchmark::State& state)
    {
        Eigen::setNbThreads(static_cast<int>(state.range(0)));
        using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        using row = Eigen::RowVectorXf;
        matrix w1 = matrix::Random(256, 784) * 0.05f, w2 = matrix::Random(256, 256) * 0.08f, w3 = matrix::Random(10, 256) * 0.08f;
        row b1 = row::Zero(256), b2 = row::Zero(256), b3 = row::Zero(10);
        const matrix x = (matrix::Random(B, 784).array() + 1.0f) * 0.5f;
        matrix h1(B, 256), h2(B, 256), z(B, 10), dz(B, 10), dh2(B, 256), dh1(B, 256);
        matrix dw1(256, 784), dw2(256, 256), dw3(10, 256);
        std::vector<int> labels(B);
        for (std::size_t i = 0; i < B; ++i)
        {
            labels[i] = static_cast<int>(i % 10);
        }
        const float lr = 0.01f;
        for (auto _ : state)
        {
            h1.noalias() = x * w1.transpose();
            h1.rowwise() += b1;
            h1 = h1.cwiseMax(0.0f);
            h2.noalias() = h1 * w2.transpose();
            h2.rowwise() += b2;
            h2 = h2.cwiseMax(0.0f);
            z.noalias() = h2 * w3.transpose();
            z.rowwise() += b3;
            // softmax cross-entropy gradient: (softmax(z) - onehot) / B
            for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(B); ++i)
            {
                const float m = z.row(i).maxCoeff();
                auto e = (z.row(i).array() - m).exp();
                dz.row(i) = (e / e.sum()).matrix();
                dz(i, labels[static_cast<std::size_t>(i)]) -= 1.0f;
            }
            dz /= static_cast<float>(B);
            dw3.noalias() = dz.transpose() * h2;
            b3 -= lr * dz.colwise().sum();
            dh2.noalias() = dz * w3;
            dh2 = dh2.cwiseProduct((h2.array() > 0.0f).cast<float>().matrix());
            dw2.noalias() = dh2.transpose() * h1;
            b2 -= lr * dh2.colwise().sum();
            dh1.noalias() = dh2 * w2;
            dh1 = dh1.cwiseProduct((h1.array() > 0.0f).cast<float>().matrix());
            dw1.noalias() = dh1.transpose() * x;
            b1 -= lr * dh1.colwise().sum();
            w3 -= lr * dw3;
            w2 -= lr * dw2;
            w1 -= lr * dw1;
            benchmark::DoNotOptimize(w1.data());
            benchmark::ClobberMemory();
        }
        precast_bench::report_flops(state, nominal_flops(B));
        state.counters["samples/s"] = benchmark::Counter(static_cast<double>(B), benchmark::Counter::kIsIterationInvariantRate);
    }
#endif
}

BENCHMARK_TEMPLATE(bm_training_step_precast, 32)
    ->Name("train_step/precast/784-256-256-10/B=32")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_training_step_precast, 128)
    ->Name("train_step/precast/784-256-256-10/B=128")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
#ifdef PRECAST_BENCH_WITH_EIGEN
BENCHMARK_TEMPLATE(bm_training_step_eigen, 32)->Name("train_step/eigen/784-256-256-10/B=32")->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(bm_training_step_eigen, 128)->Name("train_step/eigen/784-256-256-10/B=128")->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond);
#endif
