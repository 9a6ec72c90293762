#include <cstdio>

#ifdef CONSUMER_USE_MODULE
import precast;
constexpr const char* mode = "import";
#else
#include <precast/precast.hpp>
constexpr const char* mode = "include";
#endif

int main()
{
    // 100 x 0.5 x 2 = 100, exactly, through the xsimd kernel over heap- and inline-stored buffers.
    precast::tensor_buffer<float, precast::shape<100>> a(0.5f);
    precast::tensor_buffer<float, precast::shape<100>, precast::heap_storage> b(2.0f);
    const float d = precast::kernels::dot(a.span(), b.span());
    const auto arch = precast::kernels::simd_arch_name();
    std::printf("consumer %s: precast %d.%d.%d arch=%.*s width=%zu dot=%g\n", mode, precast::version.major, precast::version.minor,
                precast::version.patch, static_cast<int>(arch.size()), arch.data(), precast::kernels::simd_width<float>, d);
    return d == 100.0f ? 0 : 1;
}
