// rmsprop: ms <- rho * ms + (1 - rho) * g^2, and if centered mg <- rho * mg + (1 - rho) * g, var = ms - mg^2
// (else var = ms); then, by convention:
//   pytorch      buf <- momentum * buf + g / (sqrt(var) + epsilon);      p <- p - lr * buf
//   tensorflow1  buf <- momentum * buf + lr * g / sqrt(var + epsilon);   p <- p - buf
// The conventions differ in where epsilon goes (outside or inside the square root), where the learning rate
// goes (outside or inside the momentum buffer: they differ once the learning rate changes), and ms's start:
// PyTorch starts it at 0, TensorFlow 1 at 1.
// Defaults (PyTorch, RMSprop): learning_rate 0.01, rho (PyTorch's alpha) 0.99, epsilon 1e-8, momentum 0,
// centered false, initial_mean_square 0, weight_decay 0 (coupled L2).
// options::tensorflow1() (RMSPropOptimizer): learning_rate 0.001, rho (decay) 0.9, epsilon 1e-10, momentum 0,
// initial_mean_square 1.
#pragma once

#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class rmsprop
    {
    public:
        static constexpr const char* name = "rmsprop";

        struct options
        {
            double learning_rate = 0.01;
            double rho = 0.99;
            double epsilon = 1e-8;
            double momentum = 0.0;
            bool centered = false;
            double initial_mean_square = 0.0;
            double weight_decay = 0.0;
            precast::convention convention = precast::convention::pytorch;

            [[nodiscard]] static options pytorch() { return {}; }
            [[nodiscard]] static options tensorflow1()
            {
                return {.learning_rate = 0.001,
                        .rho = 0.9,
                        .epsilon = 1e-10,
                        .momentum = 0.0,
                        .centered = false,
                        .initial_mean_square = 1.0,
                        .weight_decay = 0.0,
                        .convention = precast::convention::tensorflow1};
            }
        };

        // The mean gradient is kept (and zero) even when not centered: the state's layout does not depend on options.
        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> mean_square;
            tensor_buffer<T, shape<N>> mean_gradient;
            tensor_buffer<T, shape<N>> momentum_buffer;
            [[nodiscard]] auto tensors() noexcept { return std::tie(mean_square, mean_gradient, momentum_buffer); }
        };

        rmsprop() = default;
        explicit rmsprop(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_unit_interval(name, "rho", o.rho);
            detail::require_positive(name, "epsilon", o.epsilon);
            detail::require_unit_interval(name, "momentum", o.momentum);
            detail::require_non_negative(name, "initial_mean_square", o.initial_mean_square);
            detail::require_non_negative(name, "weight_decay", o.weight_decay);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.mean_square.fill(static_cast<T>(options_.initial_mean_square));
            s.mean_gradient.fill(T(0));
            s.momentum_buffer.fill(T(0));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const noexcept
        {
            using batch = kernels::simd_batch<T>;
            const batch lr(static_cast<T>(options_.learning_rate * context.learning_rate_scale));
            const batch rho(static_cast<T>(options_.rho));
            const batch one_minus_rho(static_cast<T>(1.0 - options_.rho));
            const batch eps(static_cast<T>(options_.epsilon));
            const batch mu(static_cast<T>(options_.momentum));
            const bool tensorflow = options_.convention == precast::convention::tensorflow1;
            auto step = [&](batch& p, const batch& g, batch& buf, const batch& variance) {
                if (tensorflow)
                {
                    buf = mu * buf + lr * g / xsimd::sqrt(variance + eps);
                    p -= buf;
                }
                else
                {
                    buf = mu * buf + g / (xsimd::sqrt(variance) + eps);
                    p -= lr * buf;
                }
            };
            if (options_.centered)
            {
                detail::update_elementwise(
                    parameters, gradients, context, options_.weight_decay,
                    [&](batch& p, const batch& g, batch& ms, batch& mg, batch& buf) {
                        ms = rho * ms + one_minus_rho * g * g;
                        mg = rho * mg + one_minus_rho * g;
                        step(p, g, buf, ms - mg * mg);
                    },
                    s.mean_square.data(), s.mean_gradient.data(), s.momentum_buffer.data());
            }
            else
            {
                detail::update_elementwise(
                    parameters, gradients, context, options_.weight_decay,
                    [&](batch& p, const batch& g, batch& ms, batch& buf) {
                        ms = rho * ms + one_minus_rho * g * g;
                        step(p, g, buf, ms);
                    },
                    s.mean_square.data(), s.momentum_buffer.data());
            }
        }

    private:
        options options_;
    };
}
