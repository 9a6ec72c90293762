#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    // The reference algorithms, transcribed from their authors' published C code (splitmix64.c and
    // xoshiro256starstar.c by Sebastiano Vigna), independently of precast's implementation.
    std::uint64_t reference_splitmix64(std::uint64_t& x)
    {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }

    struct reference_xoshiro256ss
    {
        std::uint64_t s[4];
        static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
        std::uint64_t next()
        {
            const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
            const std::uint64_t t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = rotl(s[3], 45);
            return result;
        }
    };

    TEST(random_engine, is_xoshiro256starstar_seeded_by_splitmix64)
    {
        for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xFFFFFFFFFFFFFFFFULL})
        {
            std::uint64_t sm = seed;
            reference_xoshiro256ss reference{{reference_splitmix64(sm), reference_splitmix64(sm), reference_splitmix64(sm), reference_splitmix64(sm)}};
            precast::random_engine engine(seed);
            for (int i = 0; i < 1000; ++i)
            {
                ASSERT_EQ(engine.next(), reference.next()) << "seed " << seed << " draw " << i;
            }
        }
    }

    TEST(random_engine, distributions_have_their_moments)
    {
        precast::random_engine rng(3);
        constexpr int n = 200000;
        double sum = 0, sum_sq = 0, normal_sum = 0, normal_sq = 0;
        double min_uniform = 1, max_uniform = 0, max_truncated = 0;
        for (int i = 0; i < n; ++i)
        {
            const double u = rng.uniform();
            min_uniform = std::min(min_uniform, u);
            max_uniform = std::max(max_uniform, u);
            sum += u;
            sum_sq += u * u;
            const double z = rng.normal();
            normal_sum += z;
            normal_sq += z * z;
            max_truncated = std::max(max_truncated, std::fabs(rng.truncated_normal(0.0, 1.0)));
        }
        // U(0, 1): mean 1/2, variance 1/12; N(0, 1): mean 0, variance 1. Bounds are about 5 standard errors.
        EXPECT_GE(min_uniform, 0.0);
        EXPECT_LT(max_uniform, 1.0);
        EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
        EXPECT_NEAR(sum_sq / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
        EXPECT_NEAR(normal_sum / n, 0.0, 5 / std::sqrt(n));
        EXPECT_NEAR(normal_sq / n, 1.0, 5 * std::sqrt(2.0 / n));
        EXPECT_LE(max_truncated, 2.0);
        EXPECT_GT(max_truncated, 1.9);
    }

    TEST(random_engine, below_is_in_range_and_unbiased)
    {
        precast::random_engine rng(9);
        std::vector<int> counts(7, 0);
        for (int i = 0; i < 70000; ++i)
        {
            const auto k = rng.below(7);
            ASSERT_LT(k, 7u);
            ++counts[k];
        }
        for (int c : counts)
        {
            EXPECT_NEAR(c, 10000, 5 * 93);  // binomial(70000, 1/7): standard deviation 93
        }
    }

    template <class Init>
    std::pair<double, double> mean_and_variance(const Init& init, std::size_t fan_in, std::size_t fan_out)
    {
        std::vector<double> w(fan_in * fan_out);
        precast::random_engine rng(11);
        init.fill(std::span<double>(w), fan_in, fan_out, rng);
        double sum = 0, sum_sq = 0;
        for (double v : w)
        {
            sum += v;
            sum_sq += v * v;
        }
        const double n = static_cast<double>(w.size());
        return {sum / n, sum_sq / n - (sum / n) * (sum / n)};
    }

    // Variances from the papers: Glorot 2 / (fan_in + fan_out), He 2 / fan_in, LeCun 1 / fan_in.
    TEST(initializers, have_the_published_variances)
    {
        constexpr std::size_t fan_in = 300, fan_out = 100;  // 30000 weights: variance estimates within ~2 %
        const auto check = [](auto init, double variance) {
            const auto [mean, var] = mean_and_variance(init, fan_in, fan_out);
            EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(variance / 30000));
            EXPECT_NEAR(var, variance, 0.05 * variance);
        };
        check(precast::glorot_uniform{}, 2.0 / 400);
        check(precast::glorot_normal{}, 2.0 / 400);
        check(precast::he_uniform{}, 2.0 / 300);
        check(precast::he_normal{}, 2.0 / 300);
        check(precast::lecun_normal{}, 1.0 / 300);
        check(precast::normal{0.0, 0.1}, 0.01);
        check(precast::uniform{-0.3, 0.3}, 0.09 / 3);

        std::vector<float> w(30000);
        precast::random_engine rng(1);
        precast::glorot_uniform{}.fill(std::span<float>(w), fan_in, fan_out, rng);
        const float limit = static_cast<float>(std::sqrt(6.0 / 400));
        for (float v : w)
        {
            ASSERT_LE(std::fabs(v), limit);
        }
        precast::truncated_normal{1.0, 0.5}.fill(std::span<float>(w), 1, 1, rng);
        for (float v : w)
        {
            ASSERT_LE(std::fabs(v - 1.0f), 1.0f + 1e-6f);
        }
        precast::constant{0.25}.fill(std::span<float>(w), 1, 1, rng);
        EXPECT_EQ(w[123], 0.25f);
    }

    TEST(initializers, reject_meaningless_parameters)
    {
        std::vector<float> w(4);
        precast::random_engine rng(1);
        EXPECT_THROW(precast::uniform({1.0, -1.0}).fill(std::span<float>(w), 1, 1, rng), std::invalid_argument);
        EXPECT_THROW(precast::normal({0.0, -1.0}).fill(std::span<float>(w), 1, 1, rng), std::invalid_argument);
    }
}
