// proximal_gradient_descent: FOBOS (Duchi and Singer 2009) with l1 and l2, as TensorFlow 1's
// ProximalGradientDescentOptimizer:  v = p - lr * g;  p <- sign(v) * max(|v| - lr * l1, 0) / (1 + lr * l2).
// Defaults: learning_rate 0.01 (TensorFlow has no default), l1 0, l2 0. PyTorch has no proximal optimizers.
#pragma once

#include <cstddef>
#include <span>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class proximal_gradient_descent
    {
    public:
        static constexpr const char* name = "proximal_gradient_descent";

        struct options
        {
            double learning_rate = 0.01;
            double l1 = 0.0;
            double l2 = 0.0;
        };

        template <scalar T, std::size_t N>
        using state = no_optimizer_state;

        proximal_gradient_descent() = default;
        explicit proximal_gradient_descent(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_non_negative(name, "l1", o.l1);
            detail::require_non_negative(name, "l2", o.l2);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        static void initialize(no_optimizer_state& /*s*/) noexcept {}

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, no_optimizer_state& /*s*/, const step_context& context) const noexcept
        {
            using batch = kernels::simd_batch<T>;
            const double lr = options_.learning_rate * context.learning_rate_scale;
            const batch step(static_cast<T>(lr));
            const batch threshold(static_cast<T>(lr * options_.l1));
            const batch shrink(static_cast<T>(1.0 + lr * options_.l2));
            detail::update_elementwise(parameters, gradients, context, 0.0, [&](batch& p, const batch& g) {
                const batch v = p - step * g;
                p = detail::sign(v) * xsimd::max(xsimd::abs(v) - threshold, batch(T(0))) / shrink;
            });
        }

    private:
        options options_;
    };
}
