// libFuzzer target for the IDX reader: any bytes, plain or gzip, must decode or raise idx_error; never crash,
// hang, read out of bounds or allocate beyond what the input justifies.
#include <cstddef>
#include <cstdint>
#include <span>

#include <precast/data/idx.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try
    {
        const auto decoded = precast::data::parse_idx(std::span<const std::uint8_t>(data, size), "fuzz input");
        std::size_t values = 1;
        for (const std::size_t d : decoded.dimensions)
        {
            values *= d;
        }
        if (values != decoded.values.size())
        {
            __builtin_trap();  // a decoded array must hold exactly what its dimensions say
        }
    }
    catch (const precast::data::idx_error&)
    {
    }
    return 0;
}
