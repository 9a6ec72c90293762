// What layer_norm and rms_norm share: a row's moments and their options' parsing.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>

#include <precast/core/scalar.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/kernels/dot.hpp>

namespace precast::detail
{
    // The mean of a row of N values and 1 / sqrt(variance + epsilon) (variance biased, in two passes: one pass
    // loses digits when the mean is large against the spread).
    // `centred` receives x - mean.
    template <std::size_t N, scalar T>
    std::pair<T, T> row_moments(const T* x, T epsilon, T* centred) noexcept
    {
        const T mean = kernels::sum(x, N) / static_cast<T>(N);
        for (std::size_t i = 0; i < N; ++i)
        {
            centred[i] = x[i] - mean;
        }
        const T squares = kernels::dot(centred, centred, N);
        return {mean, T(1) / std::sqrt(squares / static_cast<T>(N) + epsilon)};
    }

    // 1 / sqrt(mean square + epsilon) of a row of N values.
    template <std::size_t N, scalar T>
    T inverse_root_mean_square(const T* x, T epsilon) noexcept
    {
        return T(1) / std::sqrt(kernels::dot(x, x, N) / static_cast<T>(N) + epsilon);
    }

    template <class Option>
    struct normalization_option
    {
        static constexpr int kind = 0;  // 0 unknown, 1 epsilon, 2 no_bias
        static constexpr double value = 0;
    };
    template <double V>
    struct normalization_option<epsilon<V>>
    {
        static constexpr int kind = 1;
        static constexpr double value = V;
    };
    template <>
    struct normalization_option<no_bias>
    {
        static constexpr int kind = 2;
        static constexpr double value = 0;
    };

    template <class... Options>
    consteval double normalization_epsilon(double otherwise) noexcept
    {
        double v = otherwise;
        ((normalization_option<Options>::kind == 1 ? (v = normalization_option<Options>::value, 0) : 0), ...);
        return v;
    }
}
