// The checksums of precast's files and of data-parallel replicas: FNV-1a (architecture fingerprints, parameter
// checksums) and CRC-32 (the end of a model file, zip entries). No file access here: the trainer uses them too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include <precast/export.hpp>

namespace precast
{
    namespace detail
    {
        constexpr std::uint64_t fnv1a(std::uint64_t hash, std::string_view text) noexcept
        {
            for (const char c : text)
            {
                hash ^= static_cast<unsigned char>(c);
                hash *= 0x100000001b3ULL;
            }
            return hash;
        }
        constexpr std::uint64_t fnv1a(std::uint64_t hash, std::uint64_t value) noexcept
        {
            for (int byte = 0; byte < 8; ++byte)
            {
                hash ^= (value >> (8 * byte)) & 0xFF;
                hash *= 0x100000001b3ULL;
            }
            return hash;
        }
        inline constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ULL;

        // FNV-1a over 64-bit words (a checksum of many megabytes: 8 bytes a multiply), then the bytes left.
        inline std::uint64_t fnv1a_words(std::uint64_t hash, const void* data, std::size_t size) noexcept
        {
            const auto* bytes = static_cast<const unsigned char*>(data);
            std::size_t i = 0;
            for (; i + 8 <= size; i += 8)
            {
                std::uint64_t word = 0;
                std::memcpy(&word, bytes + i, 8);
                hash = (hash ^ word) * 0x100000001b3ULL;
            }
            for (; i < size; ++i)
            {
                hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
            }
            return hash;
        }

        // CRC-32 (reflected, polynomial 0xEDB88320), table built at compile time.
        inline constexpr auto crc32_table = [] {
            std::array<std::uint32_t, 256> table{};
            for (std::uint32_t i = 0; i < 256; ++i)
            {
                std::uint32_t c = i;
                for (int k = 0; k < 8; ++k)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }
                table[i] = c;
            }
            return table;
        }();
        inline std::uint32_t crc32(const std::uint8_t* data, std::size_t size) noexcept
        {
            std::uint32_t c = 0xFFFFFFFFu;
            for (std::size_t i = 0; i < size; ++i)
            {
                c = crc32_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
            }
            return c ^ 0xFFFFFFFFu;
        }

    }

    // CRC-32 (IEEE 802.3, the one zlib and zip use) of a byte range: the checksum that ends a model file.
    PRECAST_EXPORT [[nodiscard]] inline std::uint32_t crc32(std::span<const std::uint8_t> bytes) noexcept
    {
        return detail::crc32(bytes.data(), bytes.size());
    }
}
