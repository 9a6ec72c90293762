// vector_optimizer<Optimizer, T, N>: an optimizer on a plain vector of N parameters, outside any network: the
// teaching material's first programs, which minimize f(x) or f(x, y) by hand, and any parameter vector of
// your own. It owns the optimizer's state and the step count, and steps as a network does (optimizers/optimizer_state.hpp).
//
//   precast::vector_optimizer<precast::adam, double, 2> opt(precast::adam({.learning_rate = 0.1}));
//   std::array<double, 2> p{1.0, 2.0};
//   for (int i = 0; i < 100; ++i)
//       opt.step(p, {4 * p[0] + 2 * p[1], 2 * p[0] + 2 * p[1]});  // the gradient of 2x^2 + 2xy + y^2
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/optimizers/optimizer_state.hpp>
#include <precast/optimizers/step_context.hpp>

namespace precast
{
    PRECAST_EXPORT template <optimizer Optimizer, scalar T, std::size_t N>
    class vector_optimizer
    {
        static_assert(N > 0, "precast::vector_optimizer<O, T, N>: N, the number of parameters, must be at least 1");

    public:
        using optimizer_type = Optimizer;
        using state_type = typename Optimizer::template state<T, N>;

        explicit vector_optimizer(Optimizer optimizer = {}) : optimizer_(std::move(optimizer)) { reset(); }

        // One update of parameters from gradients: step 1, 2, ... (steps count from 1, as optimizers require).
        void step(std::span<T, N> parameters, std::span<const T, N> gradients)
        {
            state_.step(optimizer_, parameters, gradients, [&] {
                double norm = 0.0;
                for (const T g : gradients)
                {
                    norm += static_cast<double>(g) * static_cast<double>(g);
                }
                return std::sqrt(norm);
            });
        }
        void step(std::array<T, N>& parameters, const std::array<T, N>& gradients) { step(std::span<T, N>(parameters), std::span<const T, N>(gradients)); }
        template <class P, class Q>
        void step(tensor_buffer<T, shape<N>, P>& parameters, const tensor_buffer<T, shape<N>, Q>& gradients)
        {
            step(parameters.span(), gradients.span());
        }

        // Back to the state before the first step (moments and accumulators as initialize() sets them, count 0).
        void reset()
        {
            state_ = parameter_optimizer_state<Optimizer, T, N>{};
            optimizer_.initialize(state_.values());
        }

        [[nodiscard]] std::uint64_t steps() const noexcept { return state_.steps(); }
        [[nodiscard]] const Optimizer& optimizer() const noexcept { return optimizer_; }
        [[nodiscard]] const state_type& state() const noexcept { return state_.values(); }

    private:
        Optimizer optimizer_;
        parameter_optimizer_state<Optimizer, T, N> state_{};
    };
}
