// proximal_adagrad: FOBOS with Adagrad's per-element learning rate, as TensorFlow 1's ProximalAdagradOptimizer:
//   acc <- acc + g^2;  a = lr / sqrt(acc);  v = p - a * g;  p <- sign(v) * max(|v| - a * l1, 0) / (1 + a * l2).
// Defaults: learning_rate 0.01 (TensorFlow has no default), initial_accumulator 0.1, l1 0, l2 0.
#pragma once

#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class proximal_adagrad
    {
    public:
        static constexpr const char* name = "proximal_adagrad";

        struct options
        {
            double learning_rate = 0.01;
            double initial_accumulator = 0.1;
            double l1 = 0.0;
            double l2 = 0.0;
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> accumulator;
            [[nodiscard]] auto tensors() noexcept { return std::tie(accumulator); }
        };

        proximal_adagrad() = default;
        explicit proximal_adagrad(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_positive(name, "initial_accumulator", o.initial_accumulator);
            detail::require_non_negative(name, "l1", o.l1);
            detail::require_non_negative(name, "l2", o.l2);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.accumulator.fill(static_cast<T>(options_.initial_accumulator));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const noexcept
        {
            using batch = kernels::simd_batch<T>;
            const batch lr(static_cast<T>(options_.learning_rate * context.learning_rate_scale));
            const batch l1(static_cast<T>(options_.l1));
            const batch l2(static_cast<T>(options_.l2));
            const batch one(T(1));
            detail::update_elementwise(
                parameters, gradients, context, 0.0,
                [&](batch& p, const batch& g, batch& acc) {
                    acc += g * g;
                    const batch a = lr / xsimd::sqrt(acc);
                    const batch v = p - a * g;
                    p = detail::sign(v) * xsimd::max(xsimd::abs(v) - a * l1, batch(T(0))) / (one + a * l2);
                },
                s.accumulator.data());
        }

    private:
        options options_;
    };
}
