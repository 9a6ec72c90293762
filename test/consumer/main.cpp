#include <cstdint>
#include <cstdio>
#include <cstring>
#include <type_traits>

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

    // A fingerprint (FNV-1a over the bits) of seeded Xavier-normal weights: every compiler and standard
    // library must produce the same weights from the same seed, so every build must print the same value.
    precast::network<precast::input<16>, precast::dense<8>, precast::tanh, precast::dense<4>> net(precast::xavier_normal{}, 42);
    std::uint64_t fingerprint = 1469598103934665603ULL;
    net.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& layer) {
        if constexpr (precast::trainable_layer<std::remove_cvref_t<decltype(layer)>>)
        {
            for (const float w : layer.parameters().span())
            {
                std::uint32_t bits = 0;
                std::memcpy(&bits, &w, sizeof bits);
                fingerprint = (fingerprint ^ bits) * 1099511628211ULL;
            }
        }
    });

    const auto arch = precast::kernels::simd_arch_name();
    std::printf("consumer %s: precast %d.%d.%d arch=%.*s width=%zu dot=%g weights=%016llx\n", mode, precast::version.major, precast::version.minor,
                precast::version.patch, static_cast<int>(arch.size()), arch.data(), precast::kernels::simd_width<float>, d,
                static_cast<unsigned long long>(fingerprint));
    return d == 100.0f ? 0 : 1;
}
