#include <cstdio>

#ifdef PRECAST_TEST_PACKAGE_IMPORT
import precast;
constexpr const char* how = "import precast;";
#else
#include <precast/precast.hpp>
constexpr const char* how = "#include <precast/precast.hpp>";
#endif

int main()
{
    // sum of i * 1 for i = 1..100 is 5050, exact in float.
    precast::tensor_buffer<float, precast::shape<100>> a;
    const precast::tensor_buffer<float, precast::shape<100>> ones(1.0f);
    for (std::size_t i = 0; i < a.size; ++i)
    {
        a[i] = static_cast<float>(i + 1);
    }
    const float sum = precast::kernels::dot(a.span(), ones.span());
    std::printf("precast test_package (%s): %.*s, sum = %g\n", how, static_cast<int>(precast::kernels::simd_arch_name().size()),
                precast::kernels::simd_arch_name().data(), sum);
    return sum == 5050.0f ? 0 : 1;
}
