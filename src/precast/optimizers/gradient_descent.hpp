// gradient_descent: theta <- theta - learning_rate * g.
// Hyper-parameters: learning_rate (default 0.01), which must be positive and finite.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>

#include <precast/core/storage.hpp>
#include <precast/kernels/axpy.hpp>

namespace precast
{
    class gradient_descent
    {
    public:
        static constexpr const char* name = "gradient_descent";

        // No state: each update depends on the current gradient alone.
        template <class Params>
        struct state
        {
        };

        gradient_descent() = default;

        explicit gradient_descent(double learning_rate) : learning_rate_(learning_rate)
        {
            if (!(learning_rate > 0.0) || !std::isfinite(learning_rate))
            {
                throw std::invalid_argument("precast::gradient_descent: the learning rate must be positive and finite, not " +
                                            std::to_string(learning_rate));
            }
        }

        [[nodiscard]] double learning_rate() const noexcept { return learning_rate_; }

        template <scalar T, static_shape S, storage_policy P>
        void update(tensor_buffer<T, S, P>& parameters, const tensor_buffer<T, S, P>& gradients, state<tensor_buffer<T, S, P>>& /*s*/) const noexcept
        {
            kernels::axpy(static_cast<T>(-learning_rate_), gradients.data(), parameters.data(), S::size);
        }

    private:
        double learning_rate_ = 0.01;
    };
}
