// libFuzzer target for the model-file reader: any bytes must load or raise model_file_error, never crash, read
// out of bounds or change the network when they are refused. Each input is tried as given and again with its
// checksum made right, so that the fuzzer reaches what lies behind the CRC-32 (the optimizer section, the
// finite-parameter check) instead of stopping at it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <precast/io/model_file.hpp>
#include <precast/precast.hpp>

namespace
{
    using net_t = precast::network<precast::input<3>, precast::dense<4>, precast::tanh, precast::dense<2>>;

    template <class Load>
    void try_load(std::span<const std::uint8_t> bytes, Load&& load)
    {
        static net_t reference(precast::glorot_uniform{}, 7);
        net_t net = reference;
        try
        {
            load(bytes, net);
        }
        catch (const precast::model_file_error&)
        {
            // Refused: the network must be exactly as it was.
            bool same = true;
            net.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& layer) {
                if constexpr (net_t::is_trainable<I>)
                {
                    same = same && std::memcmp(layer.parameters().data(), reference.at<I>().parameters().data(), layer.parameters().bytes) == 0;
                }
            });
            if (!same)
            {
                __builtin_trap();
            }
        }
    }

    void try_all(std::span<const std::uint8_t> bytes)
    {
        try_load(bytes, [](std::span<const std::uint8_t> b, net_t& net) { precast::load_model(b, net, "fuzz input"); });
        try_load(bytes, [](std::span<const std::uint8_t> b, net_t& net) {
            net_t::optimizer_state<precast::adam> state;
            precast::load_model(b, net, precast::adam(), state, "fuzz input");
        });
    }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try_all(std::span<const std::uint8_t>(data, size));
    if (size >= 4)
    {
        std::vector<std::uint8_t> fixed(data, data + size);
        const std::uint32_t crc = precast::crc32(std::span<const std::uint8_t>(fixed.data(), size - 4));
        std::memcpy(fixed.data() + size - 4, &crc, 4);
        try_all(fixed);
    }
    return 0;
}
