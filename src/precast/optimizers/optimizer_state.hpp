// parameter_optimizer_state<O, T, N>: what optimizer O keeps between steps for N parameters (a network's whole
// arena, or a vector_optimizer's vector): one O::state<T, N> and the number of updates made; and the step
// protocol, written once for both: count the step, initialize the state at the first, let the optimizer adjust
// the step (schedules, clipping), update. A network's optimizer_state<O> is this over its arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <tuple>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>

namespace precast
{
    PRECAST_EXPORT template <optimizer O, scalar T, std::size_t N>
    class parameter_optimizer_state
    {
    public:
        using state_type = typename O::template state<T, N>;
        static constexpr std::size_t size = N;

        // Updates since the state was created or reset.
        [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }
        // The next update starts afresh: it initializes the state, and counts as step 1.
        void reset() noexcept
        {
            steps_ = 0;
            learning_rate_scale_ = 1.0;
        }
        // A factor on the optimizer's learning rate for the steps to come (fit_options::on_plateau lowers it);
        // a schedule wrapper multiplies its own factor on top.
        void set_learning_rate_scale(double scale) noexcept { learning_rate_scale_ = scale; }
        [[nodiscard]] double learning_rate_scale() const noexcept { return learning_rate_scale_; }
        // For load_model: the step count of a saved state whose tensors are being restored.
        void restore_steps(std::uint64_t steps) noexcept { steps_ = steps; }

        // The optimizer's own state (moments, accumulators), one value per parameter: the values of the
        // parameters at offset k of the arena are at offset k of each of its tensors().
        [[nodiscard]] state_type& values() noexcept { return state_; }
        [[nodiscard]] const state_type& values() const noexcept { return state_; }

        // One update of parameters from gradients. gradient_norm() is called for the global 2-norm only if the
        // optimizer uses it (uses_gradient_norm).
        template <class GradientNorm>
        void step(const O& opt, std::span<T, N> parameters, std::span<const T, N> gradients, GradientNorm&& gradient_norm)
        {
            if (steps_ == 0)
            {
                opt.initialize(state_);
            }
            ++steps_;
            step_context context{.step = steps_, .learning_rate_scale = learning_rate_scale_};
            if constexpr (adjusts_step_context<O>)
            {
                double norm = 0;
                if constexpr (uses_gradient_norm<O>)
                {
                    norm = gradient_norm();
                }
                opt.adjust(context, norm);
            }
            opt.update(parameters, gradients, state_, context);
        }

    private:
        std::uint64_t steps_ = 0;
        double learning_rate_scale_ = 1.0;
        state_type state_{};
    };
}
