// Learning-rate schedules, usable with any optimizer: scheduled<Optimizer, Schedule> multiplies the
// optimizer's learning rate by schedule.factor(n) at the update after n completed ones (n = 0, 1, ...).
//
//   constant_schedule            1
//   step_decay(every, gamma)     gamma^floor(n / every)                               (PyTorch StepLR, per update)
//   exponential_decay(rate, steps, staircase = false)
//                                rate^(n / steps), with n / steps rounded down if staircase (TF exponential_decay)
//   cosine_decay(steps, alpha = 0)
//                                (1 - alpha) * 0.5 * (1 + cos(pi * min(n, steps) / steps)) + alpha   (TF cosine_decay)
//   linear_warmup<S>(warmup, s)  (n + 1) / warmup for n < warmup, then s.factor(n - warmup)
//
//   using optimizer = precast::scheduled<precast::adam, precast::cosine_decay>;
//   optimizer opt(precast::adam({.learning_rate = 1e-3}), precast::cosine_decay(10000));
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/number_text.hpp>
#include <precast/export.hpp>
#include <precast/optimizers/optimizer_support.hpp>
#include <precast/optimizers/optimizer_wrapper.hpp>

namespace precast
{
    // learning_rate_schedule: s.factor(completed_updates) scales the learning rate.
    PRECAST_EXPORT template <class S>
    concept learning_rate_schedule = requires(const S& s, std::uint64_t n) {
        { s.factor(n) } -> std::convertible_to<double>;
    };

    namespace detail
    {
        inline void require_schedule(bool ok, const char* schedule, const std::string& what)
        {
            if (!ok)
            {
                throw std::invalid_argument(std::string("precast::") + schedule + ": " + what);
            }
        }
    }

    PRECAST_EXPORT struct constant_schedule
    {
        [[nodiscard]] static double factor(std::uint64_t /*n*/) noexcept { return 1.0; }
    };

    PRECAST_EXPORT class step_decay
    {
    public:
        step_decay(std::uint64_t every, double gamma) : every_(every), gamma_(gamma)
        {
            detail::require_schedule(every > 0, "step_decay", "the step size must be at least 1 update");
            detail::require_schedule(gamma > 0.0 && gamma <= 1.0, "step_decay", "gamma must be in (0, 1], not " + detail::number_text(gamma));
        }
        [[nodiscard]] double factor(std::uint64_t n) const noexcept { return std::pow(gamma_, static_cast<double>(n / every_)); }

    private:
        std::uint64_t every_;
        double gamma_;
    };

    PRECAST_EXPORT class exponential_decay
    {
    public:
        exponential_decay(double rate, std::uint64_t steps, bool staircase = false) : rate_(rate), steps_(steps), staircase_(staircase)
        {
            detail::require_schedule(rate > 0.0 && rate <= 1.0, "exponential_decay", "the decay rate must be in (0, 1], not " + detail::number_text(rate));
            detail::require_schedule(steps > 0, "exponential_decay", "the decay steps must be at least 1");
        }
        [[nodiscard]] double factor(std::uint64_t n) const noexcept
        {
            const double exponent = staircase_ ? static_cast<double>(n / steps_) : static_cast<double>(n) / static_cast<double>(steps_);
            return std::pow(rate_, exponent);
        }

    private:
        double rate_;
        std::uint64_t steps_;
        bool staircase_;
    };

    PRECAST_EXPORT class cosine_decay
    {
    public:
        explicit cosine_decay(std::uint64_t steps, double alpha = 0.0) : steps_(steps), alpha_(alpha)
        {
            detail::require_schedule(steps > 0, "cosine_decay", "the decay steps must be at least 1");
            detail::require_schedule(alpha >= 0.0 && alpha <= 1.0, "cosine_decay",
                                     "alpha (the final fraction) must be in [0, 1], not " + detail::number_text(alpha));
        }
        [[nodiscard]] double factor(std::uint64_t n) const noexcept
        {
            const double progress = static_cast<double>(n < steps_ ? n : steps_) / static_cast<double>(steps_);
            return (1.0 - alpha_) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress)) + alpha_;
        }

    private:
        std::uint64_t steps_;
        double alpha_;
    };

    PRECAST_EXPORT template <learning_rate_schedule After = constant_schedule>
    class linear_warmup
    {
    public:
        explicit linear_warmup(std::uint64_t warmup, After after = {}) : warmup_(warmup), after_(after)
        {
            detail::require_schedule(warmup > 0, "linear_warmup", "the warm-up must last at least 1 update");
        }
        [[nodiscard]] double factor(std::uint64_t n) const noexcept
        {
            return n < warmup_ ? static_cast<double>(n + 1) / static_cast<double>(warmup_) : after_.factor(n - warmup_);
        }

    private:
        std::uint64_t warmup_;
        After after_;
    };

    // Optimizer O with its learning rate following schedule S.
    PRECAST_EXPORT template <optimizer O, learning_rate_schedule S>
    class scheduled : public detail::optimizer_wrapper<O>
    {
    public:
        static constexpr bool needs_gradient_norm = detail::optimizer_wrapper<O>::inner_needs_gradient_norm;

        scheduled()
            requires std::default_initializable<O> && std::default_initializable<S>
        = default;
        scheduled(O inner, S schedule) : detail::optimizer_wrapper<O>(std::move(inner)), schedule_(std::move(schedule)) {}

        [[nodiscard]] const S& schedule() const noexcept { return schedule_; }

        void adjust(step_context& context, double gradient_norm) const
        {
            detail::require_counted_step("scheduled", context);  // the schedule counts from step 1
            context.learning_rate_scale *= schedule_.factor(context.step - 1);
            this->adjust_inner(context, gradient_norm);
        }

    private:
        S schedule_;
    };
}
