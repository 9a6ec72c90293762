// adam: m <- b1 * m + (1 - b1) * g; v <- b2 * v + (1 - b2) * g^2; with amsgrad, v_max <- max(v_max, v) and v_max
// replaces v below. Then, with c1 = 1 - b1^t and c2 = 1 - b2^t, by convention:
//   pytorch      p <- p - (lr / c1) * m / (sqrt(v) / sqrt(c2) + epsilon)        (epsilon on the corrected sqrt(v))
//   tensorflow1  p <- p - (lr * sqrt(c2) / c1) * m / (sqrt(v) + epsilon)        (epsilon on the uncorrected one)
// Defaults (both): learning_rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8, amsgrad false, weight_decay 0
// (coupled L2, PyTorch's Adam(weight_decay)); the default convention is pytorch.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    namespace detail
    {
        template <class Options>
        void check_adam_options(const char* name, const Options& o)
        {
            require_positive(name, "the learning rate", o.learning_rate);
            require_unit_interval(name, "beta1", o.beta1);
            require_unit_interval(name, "beta2", o.beta2);
            require_positive(name, "epsilon", o.epsilon);
            require_non_negative(name, "weight_decay", o.weight_decay);
        }

        template <scalar T, std::size_t N>
        struct adam_state
        {
            tensor_buffer<T, shape<N>> first_moment;
            tensor_buffer<T, shape<N>> second_moment;
            tensor_buffer<T, shape<N>> max_second_moment;  // amsgrad only; zero otherwise
            [[nodiscard]] auto tensors() noexcept { return std::tie(first_moment, second_moment, max_second_moment); }
        };

        // The Adam step shared by adam and adamw: `coupled_decay` is the weight decay added to the gradient,
        // `decoupled_decay` the fraction of p taken off before the step (p <- p - decoupled_decay * p).
        template <class Options, scalar T, std::size_t N>
        inline void adam_update(const Options& o, double coupled_decay, double decoupled_decay, std::span<T, N> parameters, std::span<const T, N> gradients,
                                adam_state<T, N>& s, const step_context& context)
        {
            using batch = kernels::simd_batch<T>;
            const double t = static_cast<double>(context.step);
            const double c1 = 1.0 - std::pow(o.beta1, t);
            const double c2 = 1.0 - std::pow(o.beta2, t);
            const double lr = o.learning_rate * context.learning_rate_scale;
            const bool tensorflow = o.convention == precast::convention::tensorflow1;
            // pytorch: p -= step * m / (sqrt(v) * inverse_root_c2 + eps); tensorflow1: inverse_root_c2 = 1.
            const batch step_size(static_cast<T>(tensorflow ? lr * std::sqrt(c2) / c1 : lr / c1));
            const batch inverse_root_c2(static_cast<T>(tensorflow ? 1.0 : 1.0 / std::sqrt(c2)));
            const batch b1(static_cast<T>(o.beta1));
            const batch b2(static_cast<T>(o.beta2));
            const batch one_minus_b1(static_cast<T>(1.0 - o.beta1));
            const batch one_minus_b2(static_cast<T>(1.0 - o.beta2));
            const batch eps(static_cast<T>(o.epsilon));
            const batch decay(static_cast<T>(decoupled_decay));
            auto decay_then_moments = [&](batch& p, const batch& g, batch& m, batch& v) {
                p -= decay * p;
                m = b1 * m + one_minus_b1 * g;
                v = b2 * v + one_minus_b2 * g * g;
            };
            if (o.amsgrad)
            {
                update_elementwise(
                    parameters, gradients, context, coupled_decay,
                    [&](batch& p, const batch& g, batch& m, batch& v, batch& v_max) {
                        decay_then_moments(p, g, m, v);
                        v_max = xsimd::max(v_max, v);
                        p -= step_size * m / (xsimd::sqrt(v_max) * inverse_root_c2 + eps);
                    },
                    s.first_moment.data(), s.second_moment.data(), s.max_second_moment.data());
            }
            else
            {
                update_elementwise(
                    parameters, gradients, context, coupled_decay,
                    [&](batch& p, const batch& g, batch& m, batch& v) {
                        decay_then_moments(p, g, m, v);
                        p -= step_size * m / (xsimd::sqrt(v) * inverse_root_c2 + eps);
                    },
                    s.first_moment.data(), s.second_moment.data());
            }
        }
    }

    PRECAST_EXPORT class adam
    {
    public:
        static constexpr const char* name = "adam";

        struct options
        {
            double learning_rate = 0.001;
            double beta1 = 0.9;
            double beta2 = 0.999;
            double epsilon = 1e-8;
            bool amsgrad = false;
            double weight_decay = 0.0;
            precast::convention convention = precast::convention::pytorch;

            [[nodiscard]] static options pytorch() { return {}; }
            [[nodiscard]] static options tensorflow1() { return {.convention = precast::convention::tensorflow1}; }
        };

        template <scalar T, std::size_t N>
        using state = detail::adam_state<T, N>;

        adam() = default;
        explicit adam(double learning_rate) : adam(options{.learning_rate = learning_rate}) {}
        explicit adam(const options& o) : options_(o) { detail::check_adam_options(name, o); }

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
            detail::adam_update(options_, options_.weight_decay, 0.0, parameters, gradients, s, context);
        }

    private:
        options options_;
    };
}
