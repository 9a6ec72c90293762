// The softmax cross-entropy loss, value and gradient, at the shapes of the examples: Fashion-MNIST (128 samples, 10
// classes) and char_lm (32 streams of 64 steps, 108 characters), and at a large vocabulary (64 rows, 1024 classes);
// and the softmax layer's forward pass at the same shapes. Rows per second; the exps are most of the work.
#include <cstddef>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

namespace
{
    template <std::size_t Rows, std::size_t Classes>
    void bm_softmax_cross_entropy(benchmark::State& state)
    {
        std::vector<float> z(Rows * Classes);
        std::vector<float> dz(Rows * Classes);
        std::vector<precast::label_type> labels(Rows);
        precast::random_engine rng(3);
        for (float& v : z)
        {
            v = static_cast<float>(rng.uniform(-4.0, 4.0));
        }
        for (auto& l : labels)
        {
            l = static_cast<precast::label_type>(rng.below(Classes));
        }
        const precast::matrix_view<const float, Rows, Classes> y(z.data());
        const std::span<const precast::label_type, Rows> t(labels.data(), Rows);
        const precast::softmax_cross_entropy loss;
        for (auto _ : state)
        {
            benchmark::DoNotOptimize(loss.value(y, t, Rows));
            loss.gradient(y, t, precast::matrix_view<float, Rows, Classes>(dz.data()), Rows);
            benchmark::ClobberMemory();
        }
        state.counters["rows/s"] = benchmark::Counter(static_cast<double>(Rows), benchmark::Counter::kIsIterationInvariantRate);
    }
    BENCHMARK(bm_softmax_cross_entropy<128, 10>)->Name("loss/softmax_cross_entropy/128x10")->Unit(benchmark::kMicrosecond);
    BENCHMARK(bm_softmax_cross_entropy<2048, 108>)->Name("loss/softmax_cross_entropy/2048x108")->Unit(benchmark::kMicrosecond);
    BENCHMARK(bm_softmax_cross_entropy<64, 1024>)->Name("loss/softmax_cross_entropy/64x1024")->Unit(benchmark::kMicrosecond);

    template <std::size_t Rows, std::size_t Classes>
    void bm_softmax_layer(benchmark::State& state)
    {
        std::vector<float> x(Rows * Classes);
        std::vector<float> y(Rows * Classes);
        precast::random_engine rng(4);
        for (float& v : x)
        {
            v = static_cast<float>(rng.uniform(-4.0, 4.0));
        }
        precast::softmax_layer<float, precast::shape<Classes>> layer;
        precast::no_workspace ws;
        for (auto _ : state)
        {
            layer.forward(precast::batch_view<const float, Rows, precast::shape<Classes>>(x.data()),
                          precast::batch_view<float, Rows, precast::shape<Classes>>(y.data()), ws, precast::mode::inference);
            benchmark::ClobberMemory();
        }
        state.counters["rows/s"] = benchmark::Counter(static_cast<double>(Rows), benchmark::Counter::kIsIterationInvariantRate);
    }
    BENCHMARK(bm_softmax_layer<128, 10>)->Name("layer/softmax/128x10")->Unit(benchmark::kMicrosecond);
    BENCHMARK(bm_softmax_layer<2048, 108>)->Name("layer/softmax/2048x108")->Unit(benchmark::kMicrosecond);
    BENCHMARK(bm_softmax_layer<64, 1024>)->Name("layer/softmax/64x1024")->Unit(benchmark::kMicrosecond);
}
