// adamw: Adam with decoupled weight decay: before the Adam step (adam.hpp, without coupled decay), by convention
//   pytorch      p <- p - lr * weight_decay * p       (torch.optim.AdamW; lr includes the schedule)
//   tensorflow1  p <- p - weight_decay * p            (tf.contrib.opt.AdamWOptimizer; not scaled by lr)
// Defaults: learning_rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8, amsgrad false, weight_decay 0.01,
// convention pytorch. options::tensorflow1() sets weight_decay 1e-5, the same decay per step as PyTorch's
// default at learning rate 0.001 (TensorFlow has no default).
#pragma once

#include <cstddef>
#include <span>

#include <precast/export.hpp>
#include <precast/optimizers/adam.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class adamw
    {
    public:
        static constexpr const char* name = "adamw";

        struct options
        {
            double learning_rate = 0.001;
            double beta1 = 0.9;
            double beta2 = 0.999;
            double epsilon = 1e-8;
            bool amsgrad = false;
            double weight_decay = 0.01;
            precast::convention convention = precast::convention::pytorch;

            [[nodiscard]] static options pytorch() { return {}; }
            [[nodiscard]] static options tensorflow1() { return {.weight_decay = 1e-5, .convention = precast::convention::tensorflow1}; }
        };

        template <scalar T, std::size_t N>
        using state = detail::adam_state<T, N>;

        adamw() = default;
        explicit adamw(const options& o) : options_(o)
        {
            detail::check_adam_options(name, o);
            if (o.convention == precast::convention::tensorflow1 && !(o.weight_decay < 1.0))
            {
                detail::reject_hyper_parameter(name, "weight_decay", o.weight_decay, "below 1 (p <- p - weight_decay * p)");
            }
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.first_moment.fill(T(0));
            s.second_moment.fill(T(0));
            s.max_second_moment.fill(T(0));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const
        {
            detail::require_counted_step(name, context);
            // The decay uses p before the gradient step (the gradient itself does not see it).
            const double lr = options_.learning_rate * context.learning_rate_scale;
            const double decoupled = options_.convention == precast::convention::tensorflow1 ? options_.weight_decay : lr * options_.weight_decay;
            detail::adam_update(options_, 0.0, decoupled, parameters, gradients, s, context);
        }

    private:
        options options_;
    };
}
