// GEMM at the shapes of dense layers: C[M][N] = A[M][K] B^T with B stored [N][K] (the forward pass's layout,
// W of PyTorch's Linear), precast's static-shape kernel against Eigen's (dynamic, row-major, same layout).
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
    template <std::size_t M, std::size_t N, std::size_t K>
    void bm_gemm_precast(benchmark::State& state)
    {
        precast::set_threads(static_cast<int>(state.range(0)));
        std::vector<float> a(M * K, 0.5f), b(N * K, 0.25f), c(M * N);
        for (auto _ : state)
        {
            precast::kernels::gemm<float, M, N, K>(a.data(), b.data(), c.data());
            benchmark::DoNotOptimize(c.data());
            benchmark::ClobberMemory();
        }
        precast_bench::report_flops(state, 2.0 * M * N * K, true);
        precast::set_threads(1);
    }

#ifdef PRECAST_BENCH_WITH_EIGEN
    template <std::size_t M, std::size_t N, std::size_t K>
    void bm_gemm_eigen(benchmark::State& state)
    {
        Eigen::setNbThreads(static_cast<int>(state.range(0)));
        using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const matrix a = matrix::Constant(M, K, 0.5f);
        const matrix b = matrix::Constant(N, K, 0.25f);
        matrix c(M, N);
        for (auto _ : state)
        {
            c.noalias() = a * b.transpose();
            benchmark::DoNotOptimize(c.data());
            benchmark::ClobberMemory();
        }
        precast_bench::report_flops(state, 2.0 * M * N * K, true);
    }
#endif
}

#define PRECAST_GEMM_SHAPE(M, N, K) BENCHMARK_TEMPLATE(bm_gemm_precast, M, N, K)->Name("gemm/precast/" #M "x" #N "x" #K)->ArgName("threads")->Arg(1)->Arg(2);
#define PRECAST_GEMM_SHAPE_EIGEN(M, N, K) BENCHMARK_TEMPLATE(bm_gemm_eigen, M, N, K)->Name("gemm/eigen/" #M "x" #N "x" #K)->ArgName("threads")->Arg(1);

PRECAST_GEMM_SHAPE(128, 256, 784)
PRECAST_GEMM_SHAPE(32, 256, 784)
PRECAST_GEMM_SHAPE(128, 256, 256)
PRECAST_GEMM_SHAPE(256, 256, 256)
PRECAST_GEMM_SHAPE(1024, 1024, 1024)
#ifdef PRECAST_BENCH_WITH_EIGEN
PRECAST_GEMM_SHAPE_EIGEN(128, 256, 784)
PRECAST_GEMM_SHAPE_EIGEN(32, 256, 784)
PRECAST_GEMM_SHAPE_EIGEN(128, 256, 256)
PRECAST_GEMM_SHAPE_EIGEN(256, 256, 256)
PRECAST_GEMM_SHAPE_EIGEN(1024, 1024, 1024)
#endif

// The peak measured again as a row of its own (half a second), beside the figure the of_peak counters use.
static void bm_fma_peak(benchmark::State& state)
{
    double peak = 0;
    for (auto _ : state)
    {
        peak = precast_bench::measure_fma_peak_gflops(0.5);
    }
    state.counters["peak_GFLOP/s"] = peak;
    state.counters["peak_used_for_of_peak"] = precast_bench::measured_fma_peak_gflops();
}
BENCHMARK(bm_fma_peak)->Name("machine/fma_peak_float_1_thread")->Iterations(1)->Unit(benchmark::kMillisecond);
