// The vector functions the activations, the recurrent cells' gates and frozen_network compute with, on
// registers of any width (B: an xsimd batch, full or narrow, of float or double). Scalar forms live with the
// activation functions (layers/tanh.hpp, sigmoid.hpp); simd_math_test.cpp checks these against them.
#pragma once

#include <type_traits>

#include <xsimd/xsimd.hpp>

#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        // f(x) for x limited to [lo, hi], and NaN where x is NaN. xsimd's exp, expm1 and tanh convert intermediate
        // values to integers and are undefined for NaN and for inputs far outside their useful range, so they are
        // called only on clamped numbers, where the result has already saturated.
        template <class B, class F>
        [[nodiscard]] inline B saturating(const B& x, typename B::value_type lo, typename B::value_type hi, F&& f) noexcept
        {
            const auto is_number = x == x;
            const B clamped = xsimd::select(x < B(lo), B(lo), xsimd::select(x > B(hi), B(hi), x));
            return xsimd::select(is_number, f(xsimd::select(is_number, clamped, B(0))), x);
        }

        // tanh in float: x P(x^2) / Q(x^2), P and Q of degree 4 in x^2, fitted for precast towards relative
        // minimax on [0, 9] (test/reference/fit_tanh.py: 2.1e-8 in exact arithmetic). Evaluated in float it is
        // within 3.7e-7 of tanh everywhere, exactly odd, never beyond +-1, NaN for NaN, and exactly +-1 from 9.2
        // on (the fraction exceeds 1 there and is clamped; inputs are limited to +-9.5, where it still does, so
        // that x^8 stays finite). Two polynomials and a division, against xsimd's tanh of two exp-based branches:
        // a third of the time.
        template <class B>
        [[nodiscard]] inline B rational_tanh(const B& x) noexcept
        {
            const B c = xsimd::min(xsimd::max(x, B(-9.5f)), B(9.5f));
            const B t = c * c;
            const B t2 = t * t;
            const B t4 = t2 * t2;
            // Estrin's scheme: a dependency chain of three operations after t^2 instead of Horner's four.
            const auto polynomial = [&](float c4, float c3, float c2, float c1) {
                return lane_fma(t4, B(c4), lane_fma(t2, lane_fma(B(c3), t, B(c2)), lane_fma(B(c1), t, B(1.0f))));
            };
            const B p = polynomial(1.33545255e-08f, 2.06089953e-05f, 3.49558354e-03f, 1.33810222e-01f);
            const B q = polynomial(7.77650598e-07f, 3.28562688e-04f, 2.58769654e-02f, 4.67143387e-01f);
            const B y = xsimd::min(xsimd::max(c * p / q, B(-1.0f)), B(1.0f));
            return xsimd::select(x == x, y, x);
        }

        // tanh: the rational function in float, xsimd's in double.
        template <class B>
        [[nodiscard]] inline B tanh_of(const B& x) noexcept
        {
            using T = typename B::value_type;
            if constexpr (std::is_same_v<T, float>)
            {
                return rational_tanh(x);
            }
            else
            {
                // tanh is +-1 to working precision beyond +-20 in double.
                return saturating(x, T(-20), T(20), [](const B& v) { return xsimd::tanh(v); });
            }
        }

        // 1 / (1 + e^-x) without overflow for any x: the sigmoid activation's.
        template <class B>
        [[nodiscard]] inline B sigmoid_of(const B& x) noexcept
        {
            using T = typename B::value_type;
            // Beyond +-120 (float) or +-800 (double) the result is 0 or 1 in working precision (e^-x over- or underflows).
            const T limit = std::is_same_v<T, float> ? T(120) : T(800);
            return saturating(x, -limit, limit, [](const B& v) { return B(T(1)) / (B(T(1)) + xsimd::exp(-v)); });
        }

        // The recurrent cells' gates: in float (1 + tanh(x / 2)) / 2 with the rational tanh (|error| < 1.8e-7, no
        // exp); in double sigmoid_of.
        template <class B>
        [[nodiscard]] inline B gate_sigmoid(const B& x) noexcept
        {
            using T = typename B::value_type;
            if constexpr (std::is_same_v<T, float>)
            {
                return lane_fma(B(0.5f), rational_tanh(B(0.5f) * x), B(0.5f));
            }
            else
            {
                return sigmoid_of(x);
            }
        }
    }
}
