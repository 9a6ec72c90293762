// optimizer_wrapper<O>: the common part of the optimizers that wrap another (scheduled, clip_by_value,
// clip_by_global_norm): same state, same initialize and update; only adjust() differs.
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include <precast/concepts.hpp>

namespace precast::detail
{
    // The parts of a wrapper that only pass through to the wrapped optimizer.
    template <optimizer O>
    class optimizer_wrapper
    {
    public:
        static constexpr const char* name = O::name;

        template <scalar T, std::size_t N>
        using state = typename O::template state<T, N>;

        optimizer_wrapper() = default;
        explicit optimizer_wrapper(O inner) : inner_(std::move(inner)) {}

        [[nodiscard]] const O& inner() const noexcept { return inner_; }

        template <class State>
        void initialize(State& s) const noexcept
        {
            inner_.initialize(s);
        }
        template <scalar T, std::size_t N, class State>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, State& s, const step_context& context) const
        {
            inner_.update(parameters, gradients, s, context);
        }

    protected:
        void adjust_inner(step_context& context, double gradient_norm) const
        {
            if constexpr (adjusts_step_context<O>)
            {
                inner_.adjust(context, gradient_norm);
            }
        }
        static constexpr bool inner_needs_gradient_norm = uses_gradient_norm<O>;

    private:
        O inner_;
    };

}
