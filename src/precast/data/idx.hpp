// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: a reader that checks everything and
// turns the image and label files into a precast::dataset.
//
// The format: two zero bytes, a type byte (0x08 = unsigned byte, the only one these data sets use), the number
// of dimensions, each dimension as a big-endian 32-bit count, then the values, row-major. Image files have
// three dimensions (count, rows, columns), label files one.
//
// Every malformed file is an idx_error naming the file and the problem: a missing file or a directory, an empty
// or truncated file, a wrong magic number, a wrong type, absurd or zero dimensions, data shorter or longer than
// the dimensions say, a corrupt gzip stream, mismatched image and label counts, a label out of range. Nothing is
// allocated beyond what the data actually holds, so a lying header cannot make the reader allocate gigabytes.
//
// Needs zlib (link ZLIB::ZLIB; the CMake target precast::data does). Not part of precast.hpp and the module:
// #include <precast/data/idx.hpp> (it may sit next to `import precast;`, included before it).
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <zlib.h>

#include <precast/core/scalar.hpp>
#include <precast/io/bytes.hpp>
#include <precast/training/dataset.hpp>

namespace precast::data
{
    class idx_error : public std::runtime_error
    {
    public:
        using std::runtime_error::runtime_error;
    };

    // The largest file the reader accepts, decompressed: 1 GiB (Fashion-MNIST's training images are 47 MB).
    inline constexpr std::size_t max_idx_bytes = std::size_t{1} << 30;

    // The decoded content of an IDX file of unsigned bytes.
    struct idx_array
    {
        std::vector<std::size_t> dimensions;
        std::vector<std::uint8_t> values;
    };

    namespace detail
    {
        [[noreturn]] inline void fail(const std::string& source, const std::string& problem)
        {
            throw idx_error("precast::data: " + source + ": " + problem);
        }

        inline bool is_gzip(std::span<const std::uint8_t> bytes) noexcept
        {
            return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
        }

        // The total size an IDX file's header declares (header + values), or max_idx_bytes while the header is
        // incomplete or invalid (parse_idx reports those).
        inline std::size_t declared_size(std::span<const std::uint8_t> bytes) noexcept;

        // Inflates a gzip stream, growing the output only as data arrives, and stops as soon as it holds more than
        // the header declares (so a small file that inflates to gigabytes costs nothing).
        inline std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> compressed, const std::string& source)
        {
            z_stream stream{};
            // 15 window bits + 16: gzip wrapper only.
            if (inflateInit2(&stream, 15 + 16) != Z_OK)
            {
                fail(source, "zlib could not start decompressing");
            }
            std::vector<std::uint8_t> out;
            stream.next_in = const_cast<Bytef*>(compressed.data());  // zlib's API is not const-correct; it does not write
            stream.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size(), 0xFFFFFFFFu));
            std::array<std::uint8_t, 1 << 16> chunk{};
            int status = Z_OK;
            while (status != Z_STREAM_END)
            {
                stream.next_out = chunk.data();
                stream.avail_out = static_cast<uInt>(chunk.size());
                status = inflate(&stream, Z_NO_FLUSH);
                if (status != Z_OK && status != Z_STREAM_END)
                {
                    const std::string reason = status == Z_BUF_ERROR
                                                   ? "the gzip data ends early (truncated file)"
                                                   : std::string("the gzip data is corrupt (") + (stream.msg != nullptr ? stream.msg : "zlib error") + ")";
                    inflateEnd(&stream);
                    fail(source, reason);
                }
                const std::size_t produced = chunk.size() - stream.avail_out;
                out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(produced));
                if (const std::size_t limit = declared_size(out); out.size() > limit)
                {
                    inflateEnd(&stream);
                    fail(source, limit == max_idx_bytes
                                     ? "decompresses to more than " + std::to_string(max_idx_bytes >> 20) + " MiB, more than any IDX data set"
                                     : "decompresses to more than the " + std::to_string(limit) + " bytes its header declares");
                }
                if (status != Z_STREAM_END && produced == 0 && stream.avail_in == 0)
                {
                    inflateEnd(&stream);
                    fail(source, "the gzip data ends early (truncated file)");
                }
            }
            const bool trailing = stream.avail_in != 0;
            inflateEnd(&stream);
            if (trailing)
            {
                fail(source, "has data after the end of the gzip stream");
            }
            return out;
        }

        inline std::size_t declared_size(std::span<const std::uint8_t> bytes) noexcept
        {
            if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[3] == 0 || bytes[3] > 4 || bytes.size() < 4 + 4 * std::size_t{bytes[3]})
            {
                return max_idx_bytes;
            }
            std::size_t values = 1;
            for (std::size_t d = 0; d < bytes[3]; ++d)
            {
                const std::size_t extent = precast::detail::big_endian_32(bytes.data() + 4 + 4 * d);
                if (extent == 0 || values > max_idx_bytes / extent)
                {
                    return max_idx_bytes;
                }
                values *= extent;
            }
            return std::min(max_idx_bytes, 4 + 4 * std::size_t{bytes[3]} + values);
        }
    }

    // Decodes the bytes of an IDX file of unsigned bytes (gzip-compressed or not). `source` names it in errors.
    inline idx_array parse_idx(std::span<const std::uint8_t> file, const std::string& source)
    {
        if (file.empty())
        {
            detail::fail(source, "is empty");
        }
        std::vector<std::uint8_t> inflated;
        if (detail::is_gzip(file))
        {
            inflated = detail::gunzip(file, source);
            file = inflated;
            if (file.empty())
            {
                detail::fail(source, "is an empty gzip stream");
            }
        }
        if (file.size() < 4)
        {
            detail::fail(source, "is " + std::to_string(file.size()) + " bytes long, shorter than an IDX header (4 bytes)");
        }
        if (file[0] != 0 || file[1] != 0)
        {
            char magic[16];
            std::snprintf(magic, sizeof magic, "%02x %02x %02x %02x", file[0], file[1], file[2], file[3]);
            detail::fail(source, std::string("is not an IDX file: it starts with ") + magic + ", not 00 00");
        }
        if (file[2] != 0x08)
        {
            detail::fail(source, "holds IDX type " + std::to_string(file[2]) + "; only unsigned bytes (type 8) are supported");
        }
        const std::size_t rank = file[3];
        if (rank == 0 || rank > 4)
        {
            detail::fail(source, "declares " + std::to_string(rank) + " dimensions; IDX data sets have 1 to 4");
        }
        const std::size_t header = 4 + 4 * rank;
        if (file.size() < header)
        {
            detail::fail(source, "is truncated inside its header (" + std::to_string(file.size()) + " of " + std::to_string(header) + " bytes)");
        }
        idx_array result;
        std::size_t expected = 1;
        for (std::size_t d = 0; d < rank; ++d)
        {
            const std::size_t extent = precast::detail::big_endian_32(file.data() + 4 + 4 * d);
            if (extent == 0)
            {
                detail::fail(source, "dimension " + std::to_string(d) + " is 0");
            }
            if (expected > max_idx_bytes / extent)
            {
                detail::fail(source, "declares more than " + std::to_string(max_idx_bytes >> 20) + " MiB of data, more than any IDX data set");
            }
            expected *= extent;
            result.dimensions.push_back(extent);
        }
        const std::size_t available = file.size() - header;
        if (available < expected)
        {
            detail::fail(source, "is truncated: its header declares " + std::to_string(expected) + " values but " + std::to_string(available) + " follow");
        }
        if (available > expected)
        {
            detail::fail(source,
                         "has " + std::to_string(available - expected) + " bytes after the " + std::to_string(expected) + " values its header declares");
        }
        result.values.assign(file.begin() + static_cast<std::ptrdiff_t>(header), file.end());
        return result;
    }

    // Reads and decodes an IDX file.
    inline idx_array read_idx(const std::filesystem::path& path)
    {
        const std::string source = path.string();
        std::error_code error;
        const auto status = std::filesystem::status(path, error);
        if (error || !std::filesystem::exists(status))
        {
            detail::fail(source, "does not exist");
        }
        if (std::filesystem::is_directory(status))
        {
            detail::fail(source, "is a directory, not an IDX file");
        }
        if (!std::filesystem::is_regular_file(status))
        {
            detail::fail(source, "is not a regular file");
        }
        const auto size = std::filesystem::file_size(path, error);
        if (error)
        {
            detail::fail(source, "cannot be read (" + error.message() + ")");
        }
        if (size > max_idx_bytes)
        {
            detail::fail(source, "is " + std::to_string(size >> 20) + " MiB, more than any IDX data set");
        }
        std::ifstream in(path, std::ios::binary);
        if (!in)
        {
            detail::fail(source, std::string("cannot be opened (") + std::strerror(errno) + ")");
        }
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
        in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (static_cast<std::size_t>(in.gcount()) != bytes.size())
        {
            detail::fail(source, "could not be read completely");
        }
        return parse_idx(bytes, source);
    }

    // How pixel bytes become features: divided by 255 (values in [0, 1]), or standardized to mean 0 and
    // standard deviation 1 over the whole file (or with given statistics, e.g. the training set's for the test set).
    enum class pixel_scaling
    {
        unit_interval,
        standardized,
    };

    struct pixel_statistics
    {
        double mean = 0;
        double standard_deviation = 1;
    };

    // Images (count x rows x columns) and labels (count) as a classification data set of rows * columns features
    // per sample, with `classes` classes (10 for MNIST and Fashion-MNIST).
    template <scalar T>
    struct idx_dataset
    {
        dataset<T> samples;
        std::size_t rows;
        std::size_t columns;
        pixel_statistics statistics;  // of this file's pixels, before scaling
    };

    template <scalar T>
    idx_dataset<T> load_idx_dataset(const std::filesystem::path& images_path, const std::filesystem::path& labels_path, pixel_scaling scaling,
                                    std::size_t classes = 10, const pixel_statistics* given_statistics = nullptr)
    {
        const idx_array images = read_idx(images_path);
        const idx_array labels = read_idx(labels_path);
        if (images.dimensions.size() != 3)
        {
            detail::fail(images_path.string(), "has " + std::to_string(images.dimensions.size()) + " dimensions; an image file has 3 (count, rows, columns)");
        }
        if (labels.dimensions.size() != 1)
        {
            detail::fail(labels_path.string(), "has " + std::to_string(labels.dimensions.size()) + " dimensions; a label file has 1 (count)");
        }
        const std::size_t count = images.dimensions[0];
        if (labels.dimensions[0] != count)
        {
            detail::fail(labels_path.string(),
                         "has " + std::to_string(labels.dimensions[0]) + " labels but " + images_path.string() + " has " + std::to_string(count) + " images");
        }
        std::vector<label_type> label_values(count);
        for (std::size_t i = 0; i < count; ++i)
        {
            if (labels.values[i] >= classes)
            {
                detail::fail(labels_path.string(), "label " + std::to_string(labels.values[i]) + " of sample " + std::to_string(i) +
                                                       " is out of range: there are " + std::to_string(classes) + " classes (0 to " +
                                                       std::to_string(classes - 1) + ")");
            }
            label_values[i] = static_cast<label_type>(labels.values[i]);
        }
        pixel_statistics statistics;
        double sum = 0;
        double squares = 0;
        for (const std::uint8_t v : images.values)
        {
            sum += v;
            squares += static_cast<double>(v) * v;
        }
        const double n = static_cast<double>(images.values.size());
        statistics.mean = sum / n;
        statistics.standard_deviation = std::sqrt(std::max(0.0, squares / n - statistics.mean * statistics.mean));
        const pixel_statistics use = given_statistics != nullptr ? *given_statistics : statistics;
        if (scaling == pixel_scaling::standardized && !(use.standard_deviation > 0))
        {
            detail::fail(images_path.string(), "has constant pixels: standardizing would divide by a standard deviation of 0");
        }
        std::vector<T> features(images.values.size());
        for (std::size_t i = 0; i < features.size(); ++i)
        {
            const double v = images.values[i];
            features[i] = static_cast<T>(scaling == pixel_scaling::unit_interval ? v / 255.0 : (v - use.mean) / use.standard_deviation);
        }
        const std::size_t rows = images.dimensions[1];
        const std::size_t columns = images.dimensions[2];
        return idx_dataset<T>{dataset<T>::with_labels(std::move(features), rows * columns, std::move(label_values), classes), rows, columns, statistics};
    }
}
