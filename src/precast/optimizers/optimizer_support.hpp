// What every optimizer's implementation shares: the elementwise update loop (kernels/elementwise.hpp) with the
// gradient's clipping and coupled weight decay, and the hyper-parameter checks. (step_context.hpp has what the
// network passes to update() and the conventions.)
//
// An optimizer O (concepts.hpp, `optimizer`) has
//   template <scalar T, std::size_t N> struct state;   plain fixed-size data: tensor_buffers and scalars, with
//                                                       tensors() listing its buffers and, if it has any,
//                                                       scalars() its scalar state (for saving and restoring)
//   void initialize(state<T, N>&) const;                sets the starting values (before the first update)
//   void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>&, const step_context&) const;
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include <precast/core/number_text.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/kernels/elementwise.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/optimizers/step_context.hpp>

namespace precast
{
    namespace detail
    {
        [[noreturn]] inline void reject_hyper_parameter(const char* optimizer, const char* name, double value, const char* requirement)
        {
            throw std::invalid_argument(std::string("precast::") + optimizer + ": " + name + " must be " + requirement + ", not " + number_text(value));
        }
        inline void require_positive(const char* optimizer, const char* name, double value)
        {
            if (!(value > 0.0) || !std::isfinite(value))
            {
                reject_hyper_parameter(optimizer, name, value, "positive and finite");
            }
        }
        inline void require_non_negative(const char* optimizer, const char* name, double value)
        {
            if (!(value >= 0.0) || !std::isfinite(value))
            {
                reject_hyper_parameter(optimizer, name, value, "zero or positive and finite");
            }
        }
        // Steps count from 1 (step_context::step): at step 0 a bias correction divides by 1 - beta^0 = 0. The throw
        // lives out of line, so that the update loops it guards compile as before (measured: inlined, it cost
        // momentum 12 % and FTRL 18 %).
        [[noreturn, gnu::cold, gnu::noinline]] inline void reject_step_zero(const char* optimizer)
        {
            throw std::invalid_argument(std::string("precast::") + optimizer +
                                        ": step_context.step is 0, but steps count from 1 (the first update after the state was initialized is "
                                        "step 1); increment the count before each update");
        }
        inline void require_counted_step(const char* optimizer, const step_context& context)
        {
            if (context.step == 0) [[unlikely]]
            {
                reject_step_zero(optimizer);
            }
        }
        // Decay rates (beta, rho, momentum): in [0, 1).
        inline void require_unit_interval(const char* optimizer, const char* name, double value)
        {
            if (!(value >= 0.0 && value < 1.0))
            {
                reject_hyper_parameter(optimizer, name, value, "in [0, 1)");
            }
        }

        // The gradient as the optimizer sees it: scaled by global-norm clipping, clamped by value clipping, plus
        // coupled L2 weight decay (g + decay * p, as PyTorch's weight_decay).
        template <class B>
        struct gradient_preparation
        {
            B scale;
            B low;
            B high;
            B weight_decay;

            [[nodiscard]] B operator()(const B& g, const B& p) const noexcept
            {
                // min/max return their second operand when either is NaN: a NaN gradient stays NaN.
                return xsimd::fma(weight_decay, p, xsimd::min(high, xsimd::max(low, g * scale)));
            }
        };

        // For i < N: p, g = the prepared gradient and the state registers go to update(p, g, state...), which
        // changes p and the state in place; they are stored back (kernels/elementwise.hpp: the tail through
        // zero-padded registers, so every element sees the same vector code).
        template <scalar T, std::size_t N, class Update, class... State>
        inline void update_elementwise(std::span<T, N> parameters, std::span<const T, N> gradients, const step_context& context, double weight_decay,
                                       Update&& update, State*... state) noexcept
        {
            using batch = kernels::simd_batch<T>;
            const auto clip = static_cast<T>(context.clip_value);
            const gradient_preparation<batch> prepare{batch(static_cast<T>(context.gradient_scale)), batch(-clip), batch(clip),
                                                      batch(static_cast<T>(weight_decay))};
            T* p = parameters.data();
            const T* g = gradients.data();
            kernels::for_each_register<T>(N, [&](const auto& r) {
                batch pv = r.load(p);
                const batch gv = prepare(r.load(g), pv);
                auto sv = std::make_tuple(r.load(state)...);
                std::apply([&](auto&... s) { update(pv, gv, s...); }, sv);
                r.store(p, pv);
                [&]<std::size_t... I>(std::index_sequence<I...>) { (r.store(state, std::get<I>(sv)), ...); }(std::index_sequence_for<State...>{});
            });
        }

        // x^0.5 and x^-0.5 exactly rounded (sqrt), other powers through xsimd::pow.
        template <class B>
        [[nodiscard]] inline B power(const B& x, double exponent) noexcept
        {
            using T = typename B::value_type;
            if (exponent == 0.5)
            {
                return xsimd::sqrt(x);
            }
            if (exponent == 1.0)
            {
                return x;
            }
            return xsimd::pow(x, B(static_cast<T>(exponent)));
        }

        // sign(x): -1, 0 or 1 (0 for 0, as TensorFlow's sign).
        template <class B>
        [[nodiscard]] inline B sign(const B& x) noexcept
        {
            using T = typename B::value_type;
            return xsimd::select(x > B(T(0)), B(T(1)), xsimd::select(x < B(T(0)), B(T(-1)), B(T(0))));
        }
    }
}
