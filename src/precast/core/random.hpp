// random_engine: precast's own seeded generator and distribution transforms.
//
// Standard distributions (std::normal_distribution etc.) are implementation-defined, so the same seed gives
// different weights with libstdc++ and libc++. Here everything is specified: xoshiro256** seeded through
// splitmix64, 53-bit uniform doubles, Box-Muller normals. Every multiply-add is an explicit std::fma, so the
// compiler's floating-point contraction settings cannot change a result, and the only library functions used
// (std::log, std::cos, std::sqrt) come from the C library that libstdc++ and libc++ share on a platform.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

#include <precast/export.hpp>

namespace precast
{
    PRECAST_EXPORT class random_engine
    {
    public:
        explicit constexpr random_engine(std::uint64_t seed = 0) noexcept
        {
            std::uint64_t s = seed;
            for (auto& word : state_)
            {
                word = splitmix64(s);
            }
        }

        // xoshiro256** (Blackman and Vigna, 2018).
        constexpr std::uint64_t next() noexcept
        {
            const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
            const std::uint64_t t = state_[1] << 17;
            state_[2] ^= state_[0];
            state_[3] ^= state_[1];
            state_[1] ^= state_[2];
            state_[0] ^= state_[3];
            state_[2] ^= t;
            state_[3] = rotl(state_[3], 45);
            return result;
        }

        // Uniform in [0, 1), with 53 random bits.
        constexpr double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

        // Uniform in [lo, hi).
        double uniform(double lo, double hi) noexcept { return std::fma(hi - lo, uniform(), lo); }

        // Uniform integer in [0, n), n > 0, without modulo bias: draws below 2^64 mod n are rejected.
        constexpr std::uint64_t below(std::uint64_t n) noexcept
        {
            const std::uint64_t threshold = (0 - n) % n;
            for (;;)
            {
                const std::uint64_t r = next();
                if (r >= threshold)
                {
                    return r % n;
                }
            }
        }

        // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
        double normal() noexcept
        {
            if (has_spare_)
            {
                has_spare_ = false;
                return spare_;
            }
            const double u1 = 1.0 - uniform();  // in (0, 1]: log is finite
            const double u2 = uniform();
            const double radius = std::sqrt(-2.0 * std::log(u1));
            const double angle = 2.0 * std::numbers::pi * u2;
            spare_ = radius * std::sin(angle);
            has_spare_ = true;
            return radius * std::cos(angle);
        }

        double normal(double mean, double stddev) noexcept { return std::fma(stddev, normal(), mean); }

        // Normal, redrawn until within two standard deviations of the mean (as TensorFlow's truncated_normal).
        double truncated_normal(double mean, double stddev) noexcept
        {
            for (;;)
            {
                const double z = normal();
                if (std::fabs(z) <= 2.0)
                {
                    return std::fma(stddev, z, mean);
                }
            }
        }

        // The seed of sub-stream `index` of `seed` (a bijective mix of both: distinct indices give unrelated
        // streams). Dropout keys its masks this way by batch and row, so a sample's mask does not depend on
        // which process of a data-parallel training draws it.
        [[nodiscard]] static constexpr std::uint64_t derive(std::uint64_t seed, std::uint64_t index) noexcept
        {
            std::uint64_t s = seed ^ (index * 0xD1342543DE82EF95ULL + 0x632BE59BD9B4E019ULL);
            return splitmix64(s);
        }

        // Draw number `counter` (from 0) of the splitmix64 stream that starts at `key`: stateless, so a loop over
        // counters vectorizes (dropout draws a mask this way at a fraction of a nanosecond per value).
        [[nodiscard]] static constexpr std::uint64_t keyed_draw(std::uint64_t key, std::uint64_t counter) noexcept
        {
            std::uint64_t z = key + (counter + 1) * 0x9E3779B97F4A7C15ULL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            return z ^ (z >> 31);
        }

    private:
        static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

        static constexpr std::uint64_t splitmix64(std::uint64_t& s) noexcept
        {
            std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            return z ^ (z >> 31);
        }

        std::uint64_t state_[4]{};
        double spare_ = 0.0;
        bool has_spare_ = false;
    };
}
