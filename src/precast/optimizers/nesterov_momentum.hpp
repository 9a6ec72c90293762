// nesterov_momentum: buf <- momentum * buf + g; p <- p - lr * (g + momentum * buf).
// Defaults: learning_rate 0.01, momentum 0.9, weight_decay 0 (coupled L2).
// TensorFlow 1 (MomentumOptimizer(use_nesterov=True)) and PyTorch (SGD(nesterov=True), dampening 0) agree.
#pragma once

#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class nesterov_momentum
    {
    public:
        static constexpr const char* name = "nesterov_momentum";

        struct options
        {
            double learning_rate = 0.01;
            double momentum = 0.9;
            double weight_decay = 0.0;
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> velocity;
            [[nodiscard]] auto tensors() noexcept { return std::tie(velocity); }
        };

        nesterov_momentum() = default;
        explicit nesterov_momentum(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_unit_interval(name, "momentum", o.momentum);
            detail::require_non_negative(name, "weight_decay", o.weight_decay);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.velocity.fill(T(0));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const noexcept
        {
            using batch = kernels::simd_batch<T>;
            const batch lr(static_cast<T>(options_.learning_rate * context.learning_rate_scale));
            const batch mu(static_cast<T>(options_.momentum));
            detail::update_elementwise(
                parameters, gradients, context, options_.weight_decay,
                [&](batch& p, const batch& g, batch& v) {
                    v = mu * v + g;
                    p -= lr * (g + mu * v);
                },
                s.velocity.data());
        }

    private:
        options options_;
    };
}
