// adagrad_da: Adagrad dual averaging (Duchi et al. 2011), as TensorFlow 1's AdagradDAOptimizer, with t the
// number of this update (1, 2, ...):
//   s <- s + g;  q <- q + g^2;  p <- -lr * sign(s) * max(|s| - l1 * t, 0) / (l2 * t * lr + sqrt(q))
// p depends on the accumulated gradients only, not on its previous value.
// Defaults: learning_rate 0.01 (TensorFlow has no default), initial_squared_accumulator 0.1, l1 0, l2 0.
#pragma once

#include <cstddef>
#include <span>
#include <tuple>

#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>

namespace precast
{
    PRECAST_EXPORT class adagrad_da
    {
    public:
        static constexpr const char* name = "adagrad_da";

        struct options
        {
            double learning_rate = 0.01;
            double initial_squared_accumulator = 0.1;
            double l1 = 0.0;
            double l2 = 0.0;
        };

        template <scalar T, std::size_t N>
        struct state
        {
            tensor_buffer<T, shape<N>> gradient_sum;
            tensor_buffer<T, shape<N>> squared_sum;
            [[nodiscard]] auto tensors() noexcept { return std::tie(gradient_sum, squared_sum); }
        };

        adagrad_da() = default;
        explicit adagrad_da(const options& o) : options_(o)
        {
            detail::require_positive(name, "the learning rate", o.learning_rate);
            detail::require_positive(name, "initial_squared_accumulator", o.initial_squared_accumulator);
            detail::require_non_negative(name, "l1", o.l1);
            detail::require_non_negative(name, "l2", o.l2);
        }

        [[nodiscard]] const options& settings() const noexcept { return options_; }

        template <scalar T, std::size_t N>
        void initialize(state<T, N>& s) const noexcept
        {
            s.gradient_sum.fill(T(0));
            s.squared_sum.fill(static_cast<T>(options_.initial_squared_accumulator));
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const
        {
            detail::require_counted_step(name, context);
            using batch = kernels::simd_batch<T>;
            const double t = static_cast<double>(context.step);
            const double lr = options_.learning_rate * context.learning_rate_scale;
            const batch minus_lr(static_cast<T>(-lr));
            const batch threshold(static_cast<T>(options_.l1 * t));
            const batch ridge(static_cast<T>(options_.l2 * t * lr));
            detail::update_elementwise(
                parameters, gradients, context, 0.0,
                [&](batch& p, const batch& g, batch& sum, batch& squares) {
                    sum += g;
                    squares += g * g;
                    p = minus_lr * detail::sign(sum) * xsimd::max(xsimd::abs(sum) - threshold, batch(T(0))) / (ridge + xsimd::sqrt(squares));
                },
                s.gradient_sum.data(), s.squared_sum.data());
        }

    private:
        options options_;
    };
}
