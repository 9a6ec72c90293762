// Gradient clipping, usable with any optimizer (and with a schedule):
//   clip_by_value<O>(inner, v)          each gradient element limited to [-v, v]
//   clip_by_global_norm<O>(inner, c)    all gradients of the network scaled by c / max(norm, c), with norm the
//                                       2-norm of all of them together (TF clip_by_global_norm; PyTorch's
//                                       clip_grad_norm_ divides by norm + 1e-6 instead)
// Clipping applies to the gradient before the optimizer's coupled weight decay is added (as in PyTorch).
//
//   precast::clip_by_global_norm<precast::adam> opt(precast::adam(), 5.0);
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/number_text.hpp>
#include <precast/export.hpp>
#include <precast/optimizers/optimizer_wrapper.hpp>

namespace precast
{
    namespace detail
    {
        inline double checked_clip_limit(const char* wrapper, double limit)
        {
            if (!(limit > 0.0) || std::isnan(limit))
            {
                throw std::invalid_argument(std::string("precast::") + wrapper + ": the limit must be positive, not " + detail::number_text(limit));
            }
            return limit;
        }
    }

    PRECAST_EXPORT template <optimizer O>
    class clip_by_value : public detail::optimizer_wrapper<O>
    {
    public:
        static constexpr bool needs_gradient_norm = detail::optimizer_wrapper<O>::inner_needs_gradient_norm;

        clip_by_value(O inner, double limit) : detail::optimizer_wrapper<O>(std::move(inner)), limit_(detail::checked_clip_limit("clip_by_value", limit)) {}

        [[nodiscard]] double limit() const noexcept { return limit_; }

        void adjust(step_context& context, double gradient_norm) const
        {
            context.clip_value = std::fmin(context.clip_value, limit_);
            this->adjust_inner(context, gradient_norm);
        }

    private:
        double limit_;
    };

    PRECAST_EXPORT template <optimizer O>
    class clip_by_global_norm : public detail::optimizer_wrapper<O>
    {
    public:
        static constexpr bool needs_gradient_norm = true;

        clip_by_global_norm(O inner, double max_norm)
            : detail::optimizer_wrapper<O>(std::move(inner)), max_norm_(detail::checked_clip_limit("clip_by_global_norm", max_norm))
        {
        }

        [[nodiscard]] double max_norm() const noexcept { return max_norm_; }

        void adjust(step_context& context, double gradient_norm) const
        {
            // A NaN norm gives a NaN scale: the NaN reaches the parameters rather than being hidden.
            if (!(gradient_norm <= max_norm_))
            {
                context.gradient_scale *= max_norm_ / gradient_norm;
            }
            this->adjust_inner(context, gradient_norm);
        }

    private:
        double max_norm_;
    };
}
