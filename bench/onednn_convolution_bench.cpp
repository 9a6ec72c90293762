// oneDNN rows beside convolution_bench.cpp's: the same conv2d (64 filters of 3 x 3 on 14 x 14 x 32, zero padding
// 1, with bias), channels-last activations (nhwc, as precast's), weights in the blocked layout oneDNN picks for
// itself (reordered once, outside the timing, as a framework would keep them), forward and forward + backward
// (data and weights) at batch 1 and 32. Built only with -DPRECAST_BENCH_ONEDNN=ON (Debian: libdnnl-dev); never
// in CI. Run with OMP_NUM_THREADS=1: oneDNN threads with its own OpenMP runtime.
#include <cstddef>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.hpp>

namespace
{
    void bm_onednn_conv2d(benchmark::State& state)
    {
        using dnnl::memory;
        using tag = memory::format_tag;
        const memory::dim batch = state.range(0);
        const bool with_backward = state.range(1) != 0;
        dnnl::engine engine(dnnl::engine::kind::cpu, 0);
        dnnl::stream stream(engine);
        const memory::dims src_dims{batch, 32, 14, 14}, weight_dims{64, 32, 3, 3}, bias_dims{64}, dst_dims{batch, 64, 14, 14};
        const memory::dims strides{1, 1}, padding{1, 1};
        const auto f32 = memory::data_type::f32;
        const memory::desc src_md(src_dims, f32, tag::nhwc), dst_md(dst_dims, f32, tag::nhwc), bias_md(bias_dims, f32, tag::x);
        const memory::desc any_weights(weight_dims, f32, tag::any);
        const auto kind = with_backward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
        const dnnl::convolution_forward::primitive_desc forward_pd(
            dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src_md, any_weights, bias_md, dst_md, strides, padding, padding),
            engine);

        std::vector<float> x(static_cast<std::size_t>(batch * 32 * 14 * 14), 0.5f), w(64 * 32 * 9, 0.01f), b(64, 0.1f);
        std::vector<float> y(static_cast<std::size_t>(batch * 64 * 14 * 14)), dy(y.size(), 0.01f), dx(x.size());
        memory src(src_md, engine, x.data()), bias(bias_md, engine, b.data()), dst(dst_md, engine, y.data());
        memory plain_weights({weight_dims, f32, tag::oihw}, engine, w.data());
        memory weights(forward_pd.weights_desc(), engine);
        dnnl::reorder(plain_weights, weights).execute(stream, plain_weights, weights);
        const dnnl::convolution_forward forward(forward_pd);

        dnnl::convolution_backward_data::primitive_desc data_pd(
            dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, src_md, any_weights, dst_md, strides, padding, padding), engine,
            forward_pd);
        dnnl::convolution_backward_weights::primitive_desc weights_pd(
            dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src_md, any_weights, bias_md, dst_md, strides, padding, padding),
            engine, forward_pd);
        memory diff_dst(dst_md, engine, dy.data()), diff_src(src_md, engine, dx.data());
        memory data_weights = weights;
        if (data_pd.weights_desc() != forward_pd.weights_desc())
        {
            data_weights = memory(data_pd.weights_desc(), engine);
            dnnl::reorder(plain_weights, data_weights).execute(stream, plain_weights, data_weights);
        }
        memory diff_weights(weights_pd.diff_weights_desc(), engine), diff_bias(bias_md, engine);
        const dnnl::convolution_backward_data backward_data(data_pd);
        const dnnl::convolution_backward_weights backward_weights(weights_pd);
        stream.wait();

        for (auto _ : state)
        {
            forward.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst}});
            if (with_backward)
            {
                backward_data.execute(stream, {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, data_weights}, {DNNL_ARG_DIFF_SRC, diff_src}});
                backward_weights.execute(
                    stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, diff_weights}, {DNNL_ARG_DIFF_BIAS, diff_bias}});
            }
            stream.wait();
            benchmark::DoNotOptimize(y.data());
            benchmark::DoNotOptimize(dx.data());
        }
        state.counters["GFLOP/s"] = benchmark::Counter(2.0 * 14 * 14 * 64 * 32 * 9 * static_cast<double>(batch) * (with_backward ? 3.0 : 1.0) / 1e9,
                                                       benchmark::Counter::kIsIterationInvariantRate);
    }
}

BENCHMARK(bm_onednn_conv2d)
    ->Name("conv2d/onednn/64x3x3 on 14x14x32")
    ->ArgNames({"B", "backward"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({32, 0})
    ->Args({32, 1})
    ->Unit(benchmark::kMicrosecond);
