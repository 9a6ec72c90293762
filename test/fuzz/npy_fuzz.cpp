// libFuzzer target for the .npy and .npz readers: any bytes must decode or raise npy_error, never crash, hang,
// read out of bounds or allocate beyond what the input justifies; a decoded array holds what its shape says.
#include <cstddef>
#include <cstdint>
#include <span>

#include <precast/io/npy.hpp>
#include <precast/precast.hpp>

namespace
{
    using net_t = precast::network<precast::input<3>, precast::dense<4>, precast::tanh, precast::dense<2>>;

    template <class T>
    void try_npy(std::span<const std::uint8_t> bytes)
    {
        try
        {
            const auto array = precast::load_npy<T>(bytes, "fuzz input");
            std::size_t count = 1;
            for (const std::size_t d : array.shape)
            {
                count *= d;
            }
            if (count != array.values.size())
            {
                __builtin_trap();
            }
        }
        catch (const precast::npy_error&)
        {
        }
    }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> bytes(data, size);
    try_npy<float>(bytes);
    try_npy<double>(bytes);
    try
    {
        static net_t net;
        precast::load_npz(bytes, net, "fuzz input");
    }
    catch (const precast::npy_error&)
    {
    }
    return 0;
}
