// oneDNN's SGEMM at the GEMM benchmark's shapes and layout (C = A B^T, B stored [N][K]), for the same-run ratio.
// Built only with -DPRECAST_BENCH_ONEDNN=ON (Debian: libdnnl-dev); never in CI. oneDNN threads with its own
// OpenMP runtime (libgomp): run with OMP_NUM_THREADS=1 for the one-thread row.
#include <cstddef>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.h>

#include "bench_support.hpp"

namespace
{
    template <std::size_t M, std::size_t N, std::size_t K>
    void bm_gemm_onednn(benchmark::State& state)
    {
        std::vector<float> a(M * K, 0.5f), b(N * K, 0.25f), c(M * N);
        for (auto _ : state)
        {
            if (dnnl_sgemm('N', 'T', M, N, K, 1.0f, a.data(), K, b.data(), K, 0.0f, c.data(), N) != dnnl_success)
            {
                state.SkipWithError("dnnl_sgemm failed");
                break;
            }
            benchmark::DoNotOptimize(c.data());
            benchmark::ClobberMemory();
        }
        precast_bench::report_flops(state, 2.0 * M * N * K, true);
    }
}

BENCHMARK_TEMPLATE(bm_gemm_onednn, 128, 256, 784)->Name("gemm/onednn/128x256x784");
BENCHMARK_TEMPLATE(bm_gemm_onednn, 32, 256, 784)->Name("gemm/onednn/32x256x784");
BENCHMARK_TEMPLATE(bm_gemm_onednn, 128, 256, 256)->Name("gemm/onednn/128x256x256");
BENCHMARK_TEMPLATE(bm_gemm_onednn, 256, 256, 256)->Name("gemm/onednn/256x256x256");
BENCHMARK_TEMPLATE(bm_gemm_onednn, 1024, 1024, 1024)->Name("gemm/onednn/1024x1024x1024");
