// ftrl: Follow The Regularized Leader (McMahan et al. 2013), as TensorFlow 1's FtrlOptimizer, with n the
// accumulator, z the linear term, and c = -learning_rate_power (0.5 by default):
//   g' = g + 2 * l2_shrinkage * p;  n' = n + g^2;  z <- z + g' - (n'^c - n^c) / lr * p;
//   p <- |z| > l1 ? (l1 * sign(z) - z) / (n'^c / lr + 2 * l2) : 0;  n <- n'
// Defaults: learning_rate 0.1 (TensorFlow has no default), learning_rate_power -0.5, initial_accumulator 0.1,
// l1 0, l2 0, l2_shrinkage 0. PyTorch has no FTRL.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class ftrl
    {
    public:
        static constexpr const char* name = "ftrl";

        struct options
        {
            double learning_rate = 0.1;
            double learning_rate_power = -0.5;
            double initial_accumulator = 0.1;
            double l1 = 0.0;
            double l2 = 0.0;
            double l2_shrinkage = 0.0;
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> accumulator;
            tensor_buffer<T, shape<N>> linear;
            [[nodiscard]] auto tensors() noexcept { return std::tie(accumulator, linear); }
        };

        ftrl() = default;
        explicit ftrl(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            if (!(o.learning_rate_power <= 0.0) || !std::isfinite(o.learning_rate_power))
            {
                detail::reject_hyper_parameter(name, "learning_rate_power", o.learning_rate_power, "zero or negative");
            }
            detail::require_non_negative(name, "initial_accumulator", o.initial_accumulator);
            detail::require_non_negative(name, "l1", o.l1);
            detail::require_non_negative(name, "l2", o.l2);
            detail::require_non_negative(name, "l2_shrinkage", o.l2_shrinkage);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.accumulator.fill(static_cast<T>(options_.initial_accumulator));
            s.linear.fill(T(0));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const noexcept
        {
            using batch = kernels::simd_batch<T>;
            const batch lr(static_cast<T>(options_.learning_rate * context.learning_rate_scale));
            const batch l1(static_cast<T>(options_.l1));
            const batch two_l2(static_cast<T>(2.0 * options_.l2));
            const batch two_shrinkage(static_cast<T>(2.0 * options_.l2_shrinkage));
            const double c = -options_.learning_rate_power;
            detail::update_elementwise(
                parameters, gradients, context, 0.0,
                [&](batch& p, const batch& g, batch& n, batch& z) {
                    const batch next_n = n + g * g;
                    const batch next_power = detail::power(next_n, c);
                    z += (g + two_shrinkage * p) - (next_power - detail::power(n, c)) / lr * p;
                    const batch shrunk = (l1 * detail::sign(z) - z) / (next_power / lr + two_l2);
                    p = xsimd::select(xsimd::abs(z) > l1, shrunk, batch(T(0)));
                    n = next_n;
                },
                s.accumulator.data(), s.linear.data());
        }

    private:
        options options_;
    };
}
