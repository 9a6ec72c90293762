// adagrad: acc <- acc + g^2; p <- p - lr_t * g / (sqrt(acc) + epsilon), lr_t = lr / (1 + (t - 1) * lr_decay).
// Defaults (PyTorch, Adagrad): learning_rate 0.01, initial_accumulator 0, epsilon 1e-10, learning_rate_decay 0,
// weight_decay 0 (coupled L2).
// TensorFlow 1 (AdagradOptimizer): options::tensorflow1(): initial_accumulator 0.1 and no epsilon
// (p <- p - lr * g / sqrt(acc)), learning rate 0.001 (TensorFlow has no default; this is Keras's).
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class adagrad
    {
    public:
        static constexpr const char* name = "adagrad";

        struct options
        {
            double learning_rate = 0.01;
            double initial_accumulator = 0.0;
            double epsilon = 1e-10;
            double learning_rate_decay = 0.0;
            double weight_decay = 0.0;

            [[nodiscard]] static options pytorch() { return {}; }
            [[nodiscard]] static options tensorflow1()
            {
                return {.learning_rate = 0.001, .initial_accumulator = 0.1, .epsilon = 0.0, .learning_rate_decay = 0.0, .weight_decay = 0.0};
            }
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> accumulator;
            [[nodiscard]] auto tensors() noexcept { return std::tie(accumulator); }
        };

        adagrad() = default;
        explicit adagrad(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_non_negative(name, "initial_accumulator", o.initial_accumulator);
            detail::require_non_negative(name, "epsilon", o.epsilon);
            detail::require_non_negative(name, "learning_rate_decay", o.learning_rate_decay);
            detail::require_non_negative(name, "weight_decay", o.weight_decay);
            if (o.epsilon == 0.0 && o.initial_accumulator == 0.0)
            {
                detail::reject_hyper_parameter(name, "epsilon (with initial_accumulator 0, a zero gradient would divide 0 by 0)", o.epsilon, "positive");
            }
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.accumulator.fill(static_cast<T>(options_.initial_accumulator));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const
        {
            detail::require_counted_step(name, context);
            using batch = kernels::simd_batch<T>;
            const double decayed = options_.learning_rate / (1.0 + static_cast<double>(context.step - 1) * options_.learning_rate_decay);
            const batch lr(static_cast<T>(decayed * context.learning_rate_scale));
            const batch eps(static_cast<T>(options_.epsilon));
            detail::update_elementwise(
                parameters, gradients, context, options_.weight_decay,
                [&](batch& p, const batch& g, batch& acc) {
                    acc += g * g;
                    p -= lr * g / (xsimd::sqrt(acc) + eps);
                },
                s.accumulator.data());
        }

    private:
        options options_;
    };
}
