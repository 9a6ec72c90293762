// NumPy's .npy (one array) and uncompressed .npz (a zip of .npy files), for moving weights to and from NumPy and
// PyTorch:
//
//   precast::save_npz("mlp.npz", net);      // "0.weights" [out][in], "0.bias" [out], "2.weights", ... (layer index)
//   precast::load_npz("mlp.npz", net);      // names, shapes and element type checked; net unchanged on error
//   np.load("mlp.npz")["0.weights"]         # == torch.nn.Linear.weight of the same layer: [out][in], row-major
//   precast::save_npz<float>("data.npz", {{"x", {{2, 3}, values}}});   // named arrays; load_npz_arrays<T> reads them
//
// A PyTorch model's state_dict has other names (fc.weight, lstm.weight_ih_l1): python/precast_torch.py converts
// in both directions and prints the matching network type.
//
// .npy files are format 1.0: "\x93NUMPY", 1, 0, a little-endian u16 header length, the header dict
// {'descr': '<f4' or '<f8', 'fortran_order': False, 'shape': (...), } padded with spaces and '\n' to a multiple of
// 64 bytes, then the values in C order. Reading also accepts format 2.0 and 3.0 headers (u32 length) and int64
// ('<i8', PyTorch's num_batches_tracked), converted to the element type. .npz files
// are zip archives of stored (uncompressed) entries, as np.savez writes; np.savez_compressed's deflated entries
// are refused with a message saying so.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <precast/concepts.hpp>
#include <precast/core/scalar.hpp>
#include <precast/export.hpp>
#include <precast/io/bytes.hpp>

namespace precast
{
    PRECAST_EXPORT class npy_error : public std::runtime_error
    {
    public:
        using std::runtime_error::runtime_error;
    };

    // One array read from a .npy file (or an .npz entry): its shape and its values in C order, as T.
    PRECAST_EXPORT template <scalar T>
    struct npy_array
    {
        std::vector<std::size_t> shape;
        std::vector<T> values;
    };

    namespace detail
    {
        template <scalar T>
        constexpr std::string_view npy_descr() noexcept
        {
            return sizeof(T) == 4 ? "<f4" : "<f8";
        }

        template <scalar T>
        std::vector<std::uint8_t> npy_bytes(std::span<const T> values, std::span<const std::size_t> shape)
        {
            std::string header = "{'descr': '" + std::string(npy_descr<T>()) + "', 'fortran_order': False, 'shape': (";
            for (std::size_t i = 0; i < shape.size(); ++i)
            {
                header += std::to_string(shape[i]) + (shape.size() == 1 ? "," : i + 1 < shape.size() ? ", " : "");
            }
            header += "), }";
            const std::size_t unpadded = 10 + header.size() + 1;
            header.append((64 - unpadded % 64) % 64, ' ');
            header += '\n';
            // Sized once and filled in place (growing a vector from a short prefix trips g++ 12's -Warray-bounds).
            const std::uint8_t prefix[10] = {
                0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<std::uint8_t>(header.size() & 0xFF), static_cast<std::uint8_t>(header.size() >> 8)};
            std::vector<std::uint8_t> out(sizeof prefix + header.size() + values.size() * sizeof(T));
            std::memcpy(out.data(), prefix, sizeof prefix);
            std::memcpy(out.data() + sizeof prefix, header.data(), header.size());
            if (!values.empty())
            {
                std::memcpy(out.data() + sizeof prefix + header.size(), values.data(), values.size() * sizeof(T));
            }
            return out;
        }

        [[noreturn]] inline void reject_npy(const std::string& source, const std::string& problem)
        {
            throw npy_error("precast: " + source + ": " + problem);
        }

        // Parses the bytes of a .npy file into T (from '<f4', '<f8' or '<i8').
        template <scalar T>
        npy_array<T> parse_npy(std::span<const std::uint8_t> bytes, const std::string& source)
        {
            static constexpr std::uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
            if (bytes.size() < 10 || !std::equal(magic, magic + 6, bytes.begin()))
            {
                reject_npy(source, "is not a .npy array (no \\x93NUMPY signature)");
            }
            const std::uint8_t major = bytes[6];
            std::size_t header_length = 0;
            std::size_t header_start = 10;
            if (major == 1)
            {
                header_length = bytes[8] | (std::size_t{bytes[9]} << 8);
            }
            else if (major == 2 || major == 3)
            {
                if (bytes.size() < 12)
                {
                    reject_npy(source, "is truncated inside its header");
                }
                header_length = bytes[8] | (std::size_t{bytes[9]} << 8) | (std::size_t{bytes[10]} << 16) | (std::size_t{bytes[11]} << 24);
                header_start = 12;
            }
            else
            {
                reject_npy(source, "has .npy format version " + std::to_string(major) + "; versions 1 to 3 are supported");
            }
            if (header_length > bytes.size() - header_start)
            {
                reject_npy(source, "is truncated inside its header");
            }
            const std::string header(reinterpret_cast<const char*>(bytes.data() + header_start), header_length);
            auto value_of = [&](const std::string& key) -> std::string {
                const auto at = header.find("'" + key + "':");
                if (at == std::string::npos)
                {
                    reject_npy(source, "has no '" + key + "' in its header");
                }
                std::size_t begin = at + key.size() + 3;
                while (begin < header.size() && header[begin] == ' ')
                {
                    ++begin;
                }
                std::size_t end = begin;
                if (begin < header.size() && header[begin] == '(')
                {
                    end = header.find(')', begin);
                    if (end == std::string::npos)
                    {
                        reject_npy(source, "has an unterminated shape in its header");
                    }
                    return header.substr(begin + 1, end - begin - 1);
                }
                while (end < header.size() && header[end] != ',' && header[end] != '}')
                {
                    ++end;
                }
                return header.substr(begin, end - begin);
            };
            const std::string descr = value_of("descr");
            std::size_t item = 0;
            bool integers = false;  // '<i8': PyTorch's num_batches_tracked (a count: exact in float up to 2^24)
            if (descr == "'<f4'")
            {
                item = 4;
            }
            else if (descr == "'<i8'")
            {
                item = 8;
                integers = true;
            }
            else if (descr == "'<f8'")
            {
                item = 8;
            }
            else
            {
                reject_npy(source, "holds " + descr + " values; only little-endian float32 ('<f4'), float64 ('<f8') and int64 ('<i8') are supported");
            }
            if (value_of("fortran_order").find("False") == std::string::npos)
            {
                reject_npy(source, "is in Fortran (column-major) order; save it with np.ascontiguousarray first");
            }
            npy_array<T> result;
            const std::string shape = value_of("shape");
            std::size_t count = 1;
            std::size_t i = 0;
            while (i < shape.size())
            {
                while (i < shape.size() && (shape[i] == ' ' || shape[i] == ','))
                {
                    ++i;
                }
                if (i == shape.size())
                {
                    break;
                }
                std::size_t extent = 0;
                const std::size_t digits_start = i;
                while (i < shape.size() && shape[i] >= '0' && shape[i] <= '9')
                {
                    if (extent > (std::size_t{1} << 40))
                    {
                        reject_npy(source, "declares an absurd shape (" + shape + ")");
                    }
                    extent = extent * 10 + static_cast<std::size_t>(shape[i] - '0');
                    ++i;
                }
                if (i == digits_start)
                {
                    reject_npy(source, "has a malformed shape (" + shape + ")");
                }
                if (extent != 0 && count > (std::size_t{1} << 40) / extent)
                {
                    reject_npy(source, "declares an absurd shape (" + shape + ")");
                }
                count *= extent;
                result.shape.push_back(extent);
            }
            const std::size_t data_start = header_start + header_length;
            const std::size_t available = bytes.size() - data_start;
            if (available != count * item)
            {
                reject_npy(source, "holds " + std::to_string(available) + " bytes of data; its shape (" + shape + ") needs " + std::to_string(count * item));
            }
            result.values.resize(count);
            for (std::size_t k = 0; k < count; ++k)
            {
                if (item == 4)
                {
                    float v = 0;
                    std::memcpy(&v, bytes.data() + data_start + 4 * k, 4);
                    result.values[k] = static_cast<T>(v);
                }
                else if (integers)
                {
                    std::int64_t v = 0;
                    std::memcpy(&v, bytes.data() + data_start + 8 * k, 8);
                    result.values[k] = static_cast<T>(v);
                }
                else
                {
                    double v = 0;
                    std::memcpy(&v, bytes.data() + data_start + 8 * k, 8);
                    result.values[k] = static_cast<T>(v);
                }
            }
            return result;
        }

        // A .npy or .npz file's bytes (at most 16 GiB), or an npy_error naming the file and the problem.
        inline std::vector<std::uint8_t> read_npy_file(const std::filesystem::path& path, const char* what)
        {
            return read_file_bytes(
                path, std::uint64_t{1} << 34, [&](const std::string& problem) { reject_npy(path.string(), problem); },
                std::string("more than precast reads as ") + what);
        }

        // A zip archive of stored entries (what np.savez writes), for archives under 4 GiB.
        inline std::vector<std::uint8_t> zip_stored(const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& entries)
        {
            std::vector<std::uint8_t> out;
            std::vector<std::uint8_t> directory;
            for (const auto& [name, data] : entries)
            {
                const std::uint32_t offset = static_cast<std::uint32_t>(out.size());
                const std::uint32_t crc = precast::crc32(std::span<const std::uint8_t>(data));
                const auto size = static_cast<std::uint32_t>(data.size());
                put32(out, 0x04034b50);
                put16(out, 20);
                put16(out, 0);     // flags
                put16(out, 0);     // stored
                put16(out, 0);     // time
                put16(out, 0x21);  // date: 1980-01-01
                put32(out, crc);
                put32(out, size);
                put32(out, size);
                put16(out, static_cast<std::uint16_t>(name.size()));
                put16(out, 0);
                out.insert(out.end(), name.begin(), name.end());
                out.insert(out.end(), data.begin(), data.end());

                put32(directory, 0x02014b50);
                put16(directory, 20);
                put16(directory, 20);
                put16(directory, 0);
                put16(directory, 0);
                put16(directory, 0);
                put16(directory, 0x21);
                put32(directory, crc);
                put32(directory, size);
                put32(directory, size);
                put16(directory, static_cast<std::uint16_t>(name.size()));
                put16(directory, 0);
                put16(directory, 0);
                put16(directory, 0);
                put16(directory, 0);
                put32(directory, 0);
                put32(directory, offset);
                directory.insert(directory.end(), name.begin(), name.end());
            }
            const auto directory_offset = static_cast<std::uint32_t>(out.size());
            out.insert(out.end(), directory.begin(), directory.end());
            put32(out, 0x06054b50);
            put16(out, 0);
            put16(out, 0);
            put16(out, static_cast<std::uint16_t>(entries.size()));
            put16(out, static_cast<std::uint16_t>(entries.size()));
            put32(out, static_cast<std::uint32_t>(directory.size()));
            put32(out, directory_offset);
            put16(out, 0);
            return out;
        }

        // The entries of a zip archive of stored entries: name -> bytes (checked against their CRC-32).
        inline std::map<std::string, std::vector<std::uint8_t>> unzip_stored(std::span<const std::uint8_t> b, const std::string& source)
        {
            if (b.size() < 22)
            {
                reject_npy(source, "is not an .npz archive (too short for a zip file)");
            }
            std::size_t end = b.size() - 22;
            while (get32(b, end) != 0x06054b50)
            {
                if (end == 0 || b.size() - end > 22 + 65535)
                {
                    reject_npy(source, "is not an .npz archive (no zip end record)");
                }
                --end;
            }
            const std::size_t count = get16(b, end + 10);
            const std::size_t directory_size = get32(b, end + 12);
            std::size_t at = get32(b, end + 16);
            if (at + directory_size > end)
            {
                reject_npy(source, "has a damaged zip directory");
            }
            std::map<std::string, std::vector<std::uint8_t>> entries;
            for (std::size_t e = 0; e < count; ++e)
            {
                if (at + 46 > end || get32(b, at) != 0x02014b50)
                {
                    reject_npy(source, "has a damaged zip directory");
                }
                const std::uint32_t method = get16(b, at + 10);
                const std::uint32_t crc = get32(b, at + 16);
                const std::size_t compressed = get32(b, at + 20);
                const std::size_t name_length = get16(b, at + 28);
                const std::size_t skip = name_length + get16(b, at + 30) + get16(b, at + 32);
                const std::size_t local = get32(b, at + 42);
                if (at + 46 + name_length > end)
                {
                    reject_npy(source, "has a damaged zip directory");
                }
                std::string name(reinterpret_cast<const char*>(b.data() + at + 46), name_length);
                if (method != 0)
                {
                    reject_npy(source, "entry " + name + " is compressed (np.savez_compressed); save with np.savez instead");
                }
                if (local + 30 > b.size() || get32(b, local) != 0x04034b50)
                {
                    reject_npy(source, "entry " + name + " has a damaged zip header");
                }
                const std::size_t data = local + 30 + get16(b, local + 26) + get16(b, local + 28);
                if (data + compressed > b.size())
                {
                    reject_npy(source, "entry " + name + " is truncated");
                }
                std::vector<std::uint8_t> bytes(b.begin() + static_cast<std::ptrdiff_t>(data), b.begin() + static_cast<std::ptrdiff_t>(data + compressed));
                if (precast::crc32(std::span<const std::uint8_t>(bytes)) != crc)
                {
                    reject_npy(source, "entry " + name + " is corrupt (CRC-32 mismatch)");
                }
                entries[name] = std::move(bytes);
                at += 46 + skip;
            }
            return entries;
        }

        // Each entry of the network's parameter table ("0.weights", "2.body.0.bias"), then of its statistics table
        // ("1.running_mean"), with its shape and values.
        template <class Net, class F>
        void for_each_parameter_tensor(Net& net, F&& f)
        {
            if constexpr (Net::parameter_count > 0)
            {
                for (const parameter_tensor& t : Net::parameter_table)
                {
                    const std::vector<std::size_t> shape(t.extents.begin(), t.extents.begin() + static_cast<std::ptrdiff_t>(t.rank));
                    f(std::string(t.name), shape, net.parameters().data() + t.offset, t.size());
                }
            }
            if constexpr (requires { Net::statistic_count; })
            {
                if constexpr (Net::statistic_count > 0)
                {
                    for (const parameter_tensor& t : Net::statistic_table)
                    {
                        const std::vector<std::size_t> shape(t.extents.begin(), t.extents.begin() + static_cast<std::ptrdiff_t>(t.rank));
                        f(std::string(t.name), shape, net.statistics().data() + t.offset, t.size());
                    }
                }
            }
        }
    }

    // Writes values (C order) as a .npy array of the given shape.
    PRECAST_EXPORT template <scalar T>
    void save_npy(const std::filesystem::path& path, std::span<const T> values, std::span<const std::size_t> shape)
    {
        std::size_t count = 1;
        for (const std::size_t s : shape)
        {
            count *= s;
        }
        if (count != values.size())
        {
            throw npy_error("precast::save_npy: " + path.string() + ": the shape holds " + std::to_string(count) + " values, not " +
                            std::to_string(values.size()));
        }
        detail::write_atomically_plain<npy_error>(path, detail::npy_bytes(values, shape));
    }

    PRECAST_EXPORT template <scalar T>
    npy_array<T> load_npy(const std::filesystem::path& path)
    {
        return detail::parse_npy<T>(detail::read_npy_file(path, ".npy"), path.string());
    }
    // The same from a .npy file's bytes in memory; `source` names them in errors.
    PRECAST_EXPORT template <scalar T>
    npy_array<T> load_npy(std::span<const std::uint8_t> bytes, const std::string& source = "npy bytes")
    {
        return detail::parse_npy<T>(bytes, source);
    }

    // Named arrays in an uncompressed .npz, as np.savez(path, **arrays) writes them (np.load reads them back):
    //   precast::save_npz<float>("reference.npz", {{"x", {{2, 3}, {1, 2, 3, 4, 5, 6}}}});
    // Each array's shape must hold exactly its values, and names must not be empty.
    PRECAST_EXPORT template <scalar T>
    void save_npz(const std::filesystem::path& path, const std::map<std::string, npy_array<T>>& arrays)
    {
        std::vector<std::pair<std::string, std::vector<std::uint8_t>>> entries;
        for (const auto& [name, array] : arrays)
        {
            std::size_t count = 1;
            for (const std::size_t s : array.shape)
            {
                count *= s;
            }
            if (name.empty() || count != array.values.size())
            {
                throw npy_error("precast::save_npz: " + path.string() + ": " +
                                (name.empty()
                                     ? std::string("an array has an empty name")
                                     : "array " + name + "'s shape holds " + std::to_string(count) + " values, not " + std::to_string(array.values.size())));
            }
            entries.emplace_back(name + ".npy", detail::npy_bytes(std::span<const T>(array.values), std::span<const std::size_t>(array.shape)));
        }
        detail::write_atomically_plain<npy_error>(path, detail::zip_stored(entries));
    }

    // Every array of an uncompressed .npz (np.savez's), by name, converted to T from float32 or float64.
    PRECAST_EXPORT template <scalar T>
    std::map<std::string, npy_array<T>> load_npz_arrays(std::span<const std::uint8_t> bytes, const std::string& source = "npz bytes")
    {
        std::map<std::string, npy_array<T>> arrays;
        for (const auto& [entry, data] : detail::unzip_stored(bytes, source))
        {
            if (entry.size() <= 4 || !entry.ends_with(".npy"))
            {
                detail::reject_npy(source, "entry " + entry + " is not a .npy array (an .npz holds name.npy entries)");
            }
            const std::string name = entry.substr(0, entry.size() - 4);
            arrays.emplace(name, detail::parse_npy<T>(data, source + ":" + name));
        }
        return arrays;
    }
    PRECAST_EXPORT template <scalar T>
    std::map<std::string, npy_array<T>> load_npz_arrays(const std::filesystem::path& path)
    {
        return load_npz_arrays<T>(std::span<const std::uint8_t>(detail::read_npy_file(path, ".npz")), path.string());
    }

    // Every parameter tensor of net as "<layer index>.<tensor name>" in an uncompressed .npz (np.load reads it), and
    // every statistics tensor (batch_norm's "1.running_mean", ...).
    PRECAST_EXPORT template <neural_network Net>
    void save_npz(const std::filesystem::path& path, const Net& net)
    {
        using T = typename Net::value_type;
        std::vector<std::pair<std::string, std::vector<std::uint8_t>>> entries;
        detail::for_each_parameter_tensor(net, [&](const std::string& name, const std::vector<std::size_t>& shape, const T* data, std::size_t count) {
            entries.emplace_back(name + ".npy", detail::npy_bytes(std::span<const T>(data, count), std::span<const std::size_t>(shape)));
        });
        detail::write_atomically_plain<npy_error>(path, detail::zip_stored(entries));
    }

    // Reads what save_npz wrote (or NumPy with the same names and shapes) into net; float32 or float64 arrays are
    // converted to the network's element type. Missing names, other shapes, values that are not finite (NaN,
    // infinity, or out of range for float): npy_error, and net is unchanged.
    PRECAST_EXPORT template <neural_network Net>
    void load_npz(std::span<const std::uint8_t> bytes, Net& net, const std::string& source = "npz bytes")
    {
        using T = typename Net::value_type;
        const auto entries = detail::unzip_stored(bytes, source);
        std::vector<std::pair<T*, std::vector<T>>> staged;
        detail::for_each_parameter_tensor(net, [&](const std::string& name, const std::vector<std::size_t>& shape, T* data, std::size_t) {
            const auto found = entries.find(name + ".npy");
            if (found == entries.end())
            {
                detail::reject_npy(source, "has no array " + name + " (this network's layer " + name.substr(0, name.find('.')) + ")");
            }
            auto array = detail::parse_npy<T>(found->second, source + ":" + name);
            if (array.shape != shape)
            {
                auto text = [](const std::vector<std::size_t>& s) {
                    std::string t = "(";
                    for (std::size_t i = 0; i < s.size(); ++i)
                    {
                        t += std::to_string(s[i]) + (i + 1 < s.size() ? ", " : s.size() == 1 ? "," : "");
                    }
                    return t + ")";
                };
                detail::reject_npy(source, "array " + name + " has shape " + text(array.shape) + "; this network needs " + text(shape));
            }
            const auto bad = std::find_if(array.values.begin(), array.values.end(), [](T v) { return !std::isfinite(v); });
            if (bad != array.values.end())
            {
                detail::reject_npy(source, "array " + name + " holds " + (std::isnan(*bad) ? "NaN" : "an infinite value") + " at flat index " +
                                               std::to_string(bad - array.values.begin()) + "; a network's parameters and statistics must be finite");
            }
            staged.emplace_back(data, std::move(array.values));
        });
        for (auto& [target, values] : staged)
        {
            std::copy(values.begin(), values.end(), target);
        }
    }
    PRECAST_EXPORT template <neural_network Net>
    void load_npz(const std::filesystem::path& path, Net& net)
    {
        load_npz(std::span<const std::uint8_t>(detail::read_npy_file(path, ".npz")), net, path.string());
    }
}
