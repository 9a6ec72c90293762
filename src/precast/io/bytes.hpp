// The byte layer of every file precast reads or writes (model files, .npy/.npz, IDX): little-endian values in and
// out, whole-file reads with their checks, and atomic writes (the checksums are in io/checksums.hpp).
#pragma once

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <unistd.h>

#include <precast/core/file_errors.hpp>
#include <precast/export.hpp>
#include <precast/io/checksums.hpp>

namespace precast
{
    namespace detail
    {
        class byte_writer
        {
        public:
            template <class V>
            void put(const V& value)
            {
                static_assert(std::is_trivially_copyable_v<V>);
                const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
                bytes.insert(bytes.end(), p, p + sizeof(V));
            }
            template <class V>
            void put_array(const V* values, std::size_t count)
            {
                const auto* p = reinterpret_cast<const std::uint8_t*>(values);
                bytes.insert(bytes.end(), p, p + count * sizeof(V));
            }
            std::vector<std::uint8_t> bytes;
        };

        class byte_reader
        {
        public:
            byte_reader(std::span<const std::uint8_t> bytes, std::size_t offset) : bytes_(bytes), offset_(offset) {}
            template <class V>
            V get() noexcept
            {
                V value;
                std::memcpy(&value, bytes_.data() + offset_, sizeof(V));
                offset_ += sizeof(V);
                return value;
            }
            template <class V>
            void get_array(V* values, std::size_t count) noexcept
            {
                std::memcpy(values, bytes_.data() + offset_, count * sizeof(V));
                offset_ += count * sizeof(V);
            }

        private:
            std::span<const std::uint8_t> bytes_;
            std::size_t offset_;
        };

        // Little-endian fields of zip archives (.npz).
        inline void put16(std::vector<std::uint8_t>& out, std::uint16_t v)
        {
            out.push_back(static_cast<std::uint8_t>(v));
            out.push_back(static_cast<std::uint8_t>(v >> 8));
        }
        inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v)
        {
            put16(out, static_cast<std::uint16_t>(v));
            put16(out, static_cast<std::uint16_t>(v >> 16));
        }
        inline std::uint32_t get16(std::span<const std::uint8_t> b, std::size_t at) noexcept
        {
            return b[at] | (std::uint32_t{b[at + 1]} << 8);
        }
        inline std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) noexcept
        {
            return get16(b, at) | (get16(b, at + 2) << 16);
        }
        // The big-endian fields of IDX headers.
        inline std::uint32_t big_endian_32(const std::uint8_t* p) noexcept
        {
            return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
        }

        // A whole regular file of at most max_bytes; reject(problem) (which throws) names what is wrong: missing,
        // not a regular file, too large (`too_large` says how it compares), unreadable, short.
        template <class Reject>
        std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path, std::uint64_t max_bytes, Reject&& reject, const std::string& too_large)
        {
            std::error_code error;
            if (!std::filesystem::is_regular_file(path, error))
            {
                reject(std::filesystem::exists(path, error) ? "is not a regular file" : "does not exist");
            }
            const auto size = std::filesystem::file_size(path, error);
            if (error)
            {
                reject("cannot be read (" + error.message() + ")");
            }
            if (size > max_bytes)
            {
                reject("is " + std::to_string(size) + " bytes long, " + too_large);
            }
            std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
            std::ifstream in(path, std::ios::binary);
            in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
            if (static_cast<std::size_t>(in.gcount()) != bytes.size())
            {
                reject("could not be read completely");
            }
            return bytes;
        }

        // Writes bytes to a temporary file next to path, then renames it over path: a crash leaves the old file or the
        // new one, never half of one. A failure is an Error naming path and the reason.
        template <class Error>
        void write_atomically_plain(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes)
        {
            const std::filesystem::path temporary = path.string() + ".tmp" + std::to_string(::getpid());
            {
                errno = 0;
                std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
                if (!out)
                {
                    throw Error("precast: cannot write " + path.string() + ": " + detail::unwritable_reason(path, errno));
                }
                out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
                out.flush();
                if (!out)
                {
                    const int error = errno;
                    out.close();
                    std::error_code ignored;
                    std::filesystem::remove(temporary, ignored);
                    throw Error("precast: cannot write " + path.string() + ": " +
                                (error != 0 ? std::string(std::strerror(error)) : "the write failed (disk full?)"));
                }
            }
            std::error_code error;
            std::filesystem::rename(temporary, path, error);
            if (error)
            {
                std::error_code ignored;
                std::filesystem::remove(temporary, ignored);
                throw Error("precast: cannot write " + path.string() + ": " + detail::unwritable_reason(path, error.message()));
            }
        }

    }
}
