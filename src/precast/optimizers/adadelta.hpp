// adadelta: sq <- rho * sq + (1 - rho) * g^2; d <- sqrt(dsq + epsilon) / sqrt(sq + epsilon) * g;
//           dsq <- rho * dsq + (1 - rho) * d^2; p <- p - lr * d.
// Defaults (PyTorch, Adadelta): learning_rate 1, rho 0.9, epsilon 1e-6, weight_decay 0 (coupled L2).
// TensorFlow 1 (AdadeltaOptimizer) applies the same rule; options::tensorflow1() has its defaults:
// learning_rate 0.001, rho 0.95, epsilon 1e-8.
#pragma once

#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class adadelta
    {
    public:
        static constexpr const char* name = "adadelta";

        struct options
        {
            double learning_rate = 1.0;
            double rho = 0.9;
            double epsilon = 1e-6;
            double weight_decay = 0.0;

            [[nodiscard]] static options pytorch() { return {}; }
            [[nodiscard]] static options tensorflow1() { return {.learning_rate = 0.001, .rho = 0.95, .epsilon = 1e-8, .weight_decay = 0.0}; }
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> square_average;
            tensor_buffer<T, shape<N>> delta_square_average;
            [[nodiscard]] auto tensors() noexcept { return std::tie(square_average, delta_square_average); }
        };

        adadelta() = default;
        explicit adadelta(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_unit_interval(name, "rho", o.rho);
            detail::require_positive(name, "epsilon", o.epsilon);
            detail::require_non_negative(name, "weight_decay", o.weight_decay);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.square_average.fill(T(0));
            s.delta_square_average.fill(T(0));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const noexcept
        {
            using batch = kernels::simd_batch<T>;
            const batch lr(static_cast<T>(options_.learning_rate * context.learning_rate_scale));
            const batch rho(static_cast<T>(options_.rho));
            const batch one_minus_rho(static_cast<T>(1.0 - options_.rho));
            const batch eps(static_cast<T>(options_.epsilon));
            detail::update_elementwise(
                parameters, gradients, context, options_.weight_decay,
                [&](batch& p, const batch& g, batch& sq, batch& dsq) {
                    sq = rho * sq + one_minus_rho * g * g;
                    const batch d = xsimd::sqrt(dsq + eps) / xsimd::sqrt(sq + eps) * g;
                    dsq = rho * dsq + one_minus_rho * d * d;
                    p -= lr * d;
                },
                s.square_average.data(), s.delta_square_average.data());
        }

    private:
        options options_;
    };
}
