// Weight initializers. Each fills a layer's weights given the layer's fan-in and fan-out; biases start at zero.
// All draw from precast::random_engine, so a seed gives the same weights on every compiler and standard library.
//
//   initializer           distribution of each weight                         note
//   zeros                 0
//   constant{c}           c
//   uniform{a, b}         U(a, b)
//   normal{m, s}          N(m, s^2)                                           the teaching material's "random normal"
//   truncated_normal{m,s} N(m, s^2) redrawn beyond 2 s                        as TensorFlow's truncated_normal
//   glorot_uniform        U(-l, l), l = sqrt(6 / (fan_in + fan_out))          Glorot & Bengio 2010; = xavier_uniform
//   glorot_normal         N(0, 2 / (fan_in + fan_out))                        plain normal, as PyTorch's xavier_normal_
//   he_uniform            U(-l, l), l = sqrt(6 / fan_in)                      He et al. 2015, for ReLU
//   he_normal             N(0, 2 / fan_in)                                    plain normal, as PyTorch's kaiming_normal_
//   lecun_normal          N(0, 1 / fan_in)                                    for SELU/tanh
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

#include <precast/core/number_text.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/export.hpp>

namespace precast
{
    PRECAST_EXPORT struct zeros
    {
        template <scalar T>
        void fill(std::span<T> values, std::size_t /*fan_in*/, std::size_t /*fan_out*/, random_engine& /*rng*/) const noexcept
        {
            for (T& v : values)
            {
                v = T(0);
            }
        }
    };

    PRECAST_EXPORT struct constant
    {
        double value = 0.0;

        template <scalar T>
        void fill(std::span<T> values, std::size_t /*fan_in*/, std::size_t /*fan_out*/, random_engine& /*rng*/) const noexcept
        {
            for (T& v : values)
            {
                v = static_cast<T>(value);
            }
        }
    };

    PRECAST_EXPORT struct uniform
    {
        double low = -0.05;
        double high = 0.05;

        template <scalar T>
        void fill(std::span<T> values, std::size_t /*fan_in*/, std::size_t /*fan_out*/, random_engine& rng) const
        {
            if (!(low < high))
            {
                throw std::invalid_argument("precast::uniform: low (" + detail::number_text(low) + ") must be less than high (" + detail::number_text(high) +
                                            ")");
            }
            for (T& v : values)
            {
                v = static_cast<T>(rng.uniform(low, high));
            }
        }
    };

    PRECAST_EXPORT struct normal
    {
        double mean = 0.0;
        double stddev = 0.05;

        template <scalar T>
        void fill(std::span<T> values, std::size_t /*fan_in*/, std::size_t /*fan_out*/, random_engine& rng) const
        {
            if (!(stddev > 0.0))
            {
                throw std::invalid_argument("precast::normal: stddev must be positive, not " + detail::number_text(stddev));
            }
            for (T& v : values)
            {
                v = static_cast<T>(rng.normal(mean, stddev));
            }
        }
    };

    PRECAST_EXPORT struct truncated_normal
    {
        double mean = 0.0;
        double stddev = 0.05;

        template <scalar T>
        void fill(std::span<T> values, std::size_t /*fan_in*/, std::size_t /*fan_out*/, random_engine& rng) const
        {
            if (!(stddev > 0.0))
            {
                throw std::invalid_argument("precast::truncated_normal: stddev must be positive, not " + detail::number_text(stddev));
            }
            for (T& v : values)
            {
                v = static_cast<T>(rng.truncated_normal(mean, stddev));
            }
        }
    };

    namespace detail
    {
        // Variance-scaling initializers differ only in the scale and in uniform vs normal.
        enum class fan_mode
        {
            in,
            average,
        };

        template <fan_mode Mode, bool Uniform>
        struct variance_scaling
        {
            double gain;  // variance = gain / fan

            template <scalar T>
            void fill(std::span<T> values, std::size_t fan_in, std::size_t fan_out, random_engine& rng) const noexcept
            {
                const double fan = Mode == fan_mode::in ? static_cast<double>(fan_in) : 0.5 * static_cast<double>(fan_in + fan_out);
                const double variance = gain / fan;
                for (T& v : values)
                {
                    if constexpr (Uniform)
                    {
                        const double limit = std::sqrt(3.0 * variance);  // U(-l, l) has variance l^2 / 3
                        v = static_cast<T>(rng.uniform(-limit, limit));
                    }
                    else
                    {
                        v = static_cast<T>(rng.normal(0.0, std::sqrt(variance)));
                    }
                }
            }
        };
    }

    PRECAST_EXPORT struct glorot_uniform : detail::variance_scaling<detail::fan_mode::average, true>
    {
        glorot_uniform() : variance_scaling{1.0} {}
    };
    PRECAST_EXPORT struct glorot_normal : detail::variance_scaling<detail::fan_mode::average, false>
    {
        glorot_normal() : variance_scaling{1.0} {}
    };
    PRECAST_EXPORT struct he_uniform : detail::variance_scaling<detail::fan_mode::in, true>
    {
        he_uniform() : variance_scaling{2.0} {}
    };
    PRECAST_EXPORT struct he_normal : detail::variance_scaling<detail::fan_mode::in, false>
    {
        he_normal() : variance_scaling{2.0} {}
    };
    PRECAST_EXPORT struct lecun_normal : detail::variance_scaling<detail::fan_mode::in, false>
    {
        lecun_normal() : variance_scaling{1.0} {}
    };

    PRECAST_EXPORT using xavier_uniform = glorot_uniform;
    PRECAST_EXPORT using xavier_normal = glorot_normal;
}
