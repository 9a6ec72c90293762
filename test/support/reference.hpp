// Independent scalar references and deterministic test data. Nothing here uses precast.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace precast_test
{
    // splitmix64: a tiny, well-known generator, so test data is the same on every compiler and library.
    class test_rng
    {
    public:
        explicit test_rng(std::uint64_t seed) : state_(seed) {}

        std::uint64_t next()
        {
            std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            return z ^ (z >> 31);
        }

        // Uniform in [lo, hi).
        double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53; }

    private:
        std::uint64_t state_;
    };

    template <class T>
    std::vector<T> random_vector(std::size_t n, std::uint64_t seed, double lo = -1.0, double hi = 1.0)
    {
        test_rng rng(seed);
        std::vector<T> v(n);
        for (auto& x : v)
        {
            x = static_cast<T>(rng.uniform(lo, hi));
        }
        return v;
    }

    // The textbook loop in long double, and the sum of |a_i b_i| that bounds the rounding error of any
    // summation order: |computed - exact| <= gamma_n * sum |a_i b_i|, gamma_n = n u / (1 - n u) (Higham, ch. 3).
    struct dot_reference
    {
        long double value;
        long double abs_sum;
    };

    template <class T>
    dot_reference reference_dot(const T* a, const T* b, std::size_t n)
    {
        dot_reference r{0.0L, 0.0L};
        for (std::size_t i = 0; i < n; ++i)
        {
            const long double p = static_cast<long double>(a[i]) * static_cast<long double>(b[i]);
            r.value += p;
            r.abs_sum += std::fabs(p);
        }
        return r;
    }

    template <class T>
    long double dot_error_bound(std::size_t n, long double abs_sum)
    {
        const long double u = std::numeric_limits<T>::epsilon() / 2;
        const long double terms = static_cast<long double>(n) + 1;  // + 1: the final rounding to T
        return terms * u / (1 - terms * u) * abs_sum;
    }
}
