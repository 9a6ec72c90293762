// adamax: m <- b1 * m + (1 - b1) * g, then by convention
//   pytorch      u <- max(b2 * u, |g| + epsilon);  p <- p - lr / (1 - b1^t) * m / u
//   tensorflow1  u <- max(b2 * u, |g|);            p <- p - lr / (1 - b1^t) * m / (u + epsilon)
// (torch.optim.Adamax; tf.contrib.opt.AdaMaxOptimizer.)
// Defaults: learning_rate 0.002 (PyTorch; options::tensorflow1() has 0.001), beta1 0.9, beta2 0.999,
// epsilon 1e-8, weight_decay 0 (coupled L2), convention pytorch.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class adamax
    {
    public:
        static constexpr const char* name = "adamax";

        struct options
        {
            double learning_rate = 0.002;
            double beta1 = 0.9;
            double beta2 = 0.999;
            double epsilon = 1e-8;
            double weight_decay = 0.0;
            precast::convention convention = precast::convention::pytorch;

            [[nodiscard]] static options pytorch() { return {}; }
            [[nodiscard]] static options tensorflow1()
            {
                return {
                    .learning_rate = 0.001, .beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-8, .weight_decay = 0.0, .convention = precast::convention::tensorflow1};
            }
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> first_moment;
            tensor_buffer<T, shape<N>> infinity_norm;
            [[nodiscard]] auto tensors() noexcept { return std::tie(first_moment, infinity_norm); }
        };

        adamax() = default;
        explicit adamax(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_unit_interval(name, "beta1", o.beta1);
            detail::require_unit_interval(name, "beta2", o.beta2);
            detail::require_positive(name, "epsilon", o.epsilon);
            detail::require_non_negative(name, "weight_decay", o.weight_decay);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.first_moment.fill(T(0));
            s.infinity_norm.fill(T(0));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const
        {
            detail::require_counted_step(name, context);
            using batch = kernels::simd_batch<T>;
            const double c1 = 1.0 - std::pow(options_.beta1, static_cast<double>(context.step));
            const batch step_size(static_cast<T>(options_.learning_rate * context.learning_rate_scale / c1));
            const batch b1(static_cast<T>(options_.beta1));
            const batch b2(static_cast<T>(options_.beta2));
            const batch one_minus_b1(static_cast<T>(1.0 - options_.beta1));
            const bool tensorflow = options_.convention == precast::convention::tensorflow1;
            // pytorch adds epsilon inside the max, tensorflow1 to the denominator.
            const batch inside(static_cast<T>(tensorflow ? 0.0 : options_.epsilon));
            const batch outside(static_cast<T>(tensorflow ? options_.epsilon : 0.0));
            detail::update_elementwise(
                parameters, gradients, context, options_.weight_decay,
                [&](batch& p, const batch& g, batch& m, batch& u) {
                    m = b1 * m + one_minus_b1 * g;
                    u = xsimd::max(b2 * u, xsimd::abs(g) + inside);
                    p -= step_size * m / (u + outside);
                },
                s.first_moment.data(), s.infinity_norm.data());
        }

    private:
        options options_;
    };
}
