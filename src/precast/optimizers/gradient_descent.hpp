// gradient_descent: p <- p - lr * g.
// Defaults: learning_rate 0.01, weight_decay 0 (coupled L2: g <- g + weight_decay * p, as torch.optim.SGD).
// TensorFlow 1 (GradientDescentOptimizer) and PyTorch (SGD without momentum) agree.
#pragma once

#include <cstddef>
#include <span>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class gradient_descent
    {
    public:
        static constexpr const char* name = "gradient_descent";

        struct options
        {
            double learning_rate = 0.01;
            double weight_decay = 0.0;
        };

        template <scalar T, std::size_t N>
        using state = no_optimizer_state;

        gradient_descent() = default;
        explicit gradient_descent(double learning_rate) : gradient_descent(options{.learning_rate = learning_rate}) {}
        explicit gradient_descent(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_non_negative(name, "weight_decay", o.weight_decay);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }
        [[nodiscard]] double learning_rate() const noexcept { return options_.learning_rate; }

        static void initialize(no_optimizer_state& /*s*/) noexcept {}

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, no_optimizer_state& /*s*/, const step_context& context) const noexcept
        {
            using batch = kernels::simd_batch<T>;
            const batch lr(static_cast<T>(options_.learning_rate * context.learning_rate_scale));
            detail::update_elementwise(parameters, gradients, context, options_.weight_decay, [&](batch& p, const batch& g) { p -= lr * g; });
        }

    private:
        options options_;
    };
}
