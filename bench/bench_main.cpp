// precast-bench: one executable for every benchmark in bench/. Run with --benchmark_filter=<regex> to pick.
#include <string>

#include <benchmark/benchmark.h>

#include <precast/precast.hpp>

#include "bench_support.hpp"

int main(int argc, char** argv)
{
    benchmark::AddCustomContext("precast_simd_arch", std::string(precast::kernels::simd_arch_name()));
    benchmark::AddCustomContext("precast_simd_width_float", std::to_string(precast::kernels::simd_width<float>));
    benchmark::AddCustomContext("fma_peak_gflops_1_thread", std::to_string(precast_bench::measured_fma_peak_gflops()));
#ifdef PRECAST_BENCH_WITH_EIGEN
    benchmark::AddCustomContext("eigen", "hand-written Eigen versions in the same binary");
#else
    benchmark::AddCustomContext("eigen", "not found at configure time (apt-get install libeigen3-dev): Eigen rows are missing");
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
    {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
