// nadam: Adam with Nesterov momentum. m <- b1 * m + (1 - b1) * g; v <- b2 * v + (1 - b2) * g^2; then by convention
//   pytorch      (torch.optim.NAdam, momentum schedule mu_t = b1 * (1 - 0.5 * 0.96^(t * momentum_decay)),
//                 prod_t = mu_1 ... mu_t, d = sqrt(v / (1 - b2^t)) + epsilon)
//                p <- p - lr * (1 - mu_t) / (1 - prod_t) * g / d - lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / d
//   tensorflow1  (tf.contrib.opt.NadamOptimizer: Adam's kernel with use_nesterov)
//                p <- p - lr * sqrt(1 - b2^t) / (1 - b1^t) * (b1 * m + (1 - b1) * g) / (sqrt(v) + epsilon)
// Defaults: learning_rate 0.002 (PyTorch; options::tensorflow1() has 0.001), beta1 0.9, beta2 0.999,
// epsilon 1e-8, momentum_decay 0.004, weight_decay 0 (coupled L2), convention pytorch.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class nadam
    {
    public:
        static constexpr const char* name = "nadam";

        struct options
        {
            double learning_rate = 0.002;
            double beta1 = 0.9;
            double beta2 = 0.999;
            double epsilon = 1e-8;
            double momentum_decay = 0.004;
            double weight_decay = 0.0;
            precast::convention convention = precast::convention::pytorch;

            [[nodiscard]] static options pytorch() { return {}; }
            [[nodiscard]] static options tensorflow1()
            {
                return {.learning_rate = 0.001,
                        .beta1 = 0.9,
                        .beta2 = 0.999,
                        .epsilon = 1e-8,
                        .momentum_decay = 0.004,
                        .weight_decay = 0.0,
                        .convention = precast::convention::tensorflow1};
            }
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> first_moment;
            tensor_buffer<T, shape<N>> second_moment;
            double momentum_product = 1.0;  // pytorch: mu_1 ... mu_t
            [[nodiscard]] auto tensors() noexcept { return std::tie(first_moment, second_moment); }
            [[nodiscard]] auto scalars() noexcept { return std::tie(momentum_product); }
        };

        nadam() = default;
        explicit nadam(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_unit_interval(name, "beta1", o.beta1);
            detail::require_unit_interval(name, "beta2", o.beta2);
            detail::require_positive(name, "epsilon", o.epsilon);
            detail::require_non_negative(name, "momentum_decay", o.momentum_decay);
            detail::require_non_negative(name, "weight_decay", o.weight_decay);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.first_moment.fill(T(0));
            s.second_moment.fill(T(0));
            s.momentum_product = 1.0;
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const
        {
            detail::require_counted_step(name, context);
            using batch = kernels::simd_batch<T>;
            const double t = static_cast<double>(context.step);
            const double lr = options_.learning_rate * context.learning_rate_scale;
            const double b1 = options_.beta1;
            const double c1 = 1.0 - std::pow(b1, t);
            const double c2 = 1.0 - std::pow(options_.beta2, t);
            // p -= g_coefficient * g / d + m_coefficient * m / d, d = sqrt(v) * v_scale + eps.
            double g_coefficient = 0;
            double m_coefficient = 0;
            double v_scale = 1;
            if (options_.convention == precast::convention::tensorflow1)
            {
                const double alpha = lr * std::sqrt(c2) / c1;
                g_coefficient = alpha * (1.0 - b1);
                m_coefficient = alpha * b1;
            }
            else
            {
                const double mu = b1 * (1.0 - 0.5 * std::pow(0.96, t * options_.momentum_decay));
                const double mu_next = b1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * options_.momentum_decay));
                s.momentum_product *= mu;
                g_coefficient = lr * (1.0 - mu) / (1.0 - s.momentum_product);
                m_coefficient = lr * mu_next / (1.0 - s.momentum_product * mu_next);
                v_scale = 1.0 / std::sqrt(c2);
            }
            const batch gc(static_cast<T>(g_coefficient));
            const batch mc(static_cast<T>(m_coefficient));
            const batch vs(static_cast<T>(v_scale));
            const batch beta1(static_cast<T>(b1));
            const batch beta2(static_cast<T>(options_.beta2));
            const batch one_minus_b1(static_cast<T>(1.0 - b1));
            const batch one_minus_b2(static_cast<T>(1.0 - options_.beta2));
            const batch eps(static_cast<T>(options_.epsilon));
            detail::update_elementwise(
                parameters, gradients, context, options_.weight_decay,
                [&](batch& p, const batch& g, batch& m, batch& v) {
                    m = beta1 * m + one_minus_b1 * g;
                    v = beta2 * v + one_minus_b2 * g * g;
                    const batch d = xsimd::sqrt(v) * vs + eps;
                    p -= (gc * g + mc * m) / d;
                },
                s.first_moment.data(), s.second_moment.data());
        }

    private:
        options options_;
    };
}
