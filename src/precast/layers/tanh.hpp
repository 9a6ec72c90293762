// tanh: y = tanh x; dy/dx = 1 - y^2.
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    namespace detail
    {
        // tanh in float: x P(x^2) / Q(x^2), P and Q of degree 4 in x^2, fitted for precast towards relative
        // minimax on [0, 9] (test/reference/fit_tanh.py: 2.1e-8 in exact arithmetic). Evaluated in float it is
        // within 3.7e-7 of tanh everywhere, exactly odd, never beyond +-1, NaN for NaN, and exactly +-1 from 9.2
        // on (the fraction exceeds 1 there and is clamped; inputs are limited to +-9.5, where it still does, so
        // that x^8 stays finite); simd_math_test.cpp checks it against double tanh on full and narrow registers.
        // Two polynomials and a division, against xsimd's tanh of two exp-based branches: a third of the time.
        // The activation, the recurrent cells' gates and frozen_network all use it.
        template <class B>
        [[nodiscard]] inline B rational_tanh(const B& x) noexcept
        {
            using kernels::lane_fma;
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
    }

    PRECAST_EXPORT struct tanh_function
    {
        template <scalar T>
        static T value(T x) noexcept
        {
            return std::tanh(x);
        }

        // d value / dx, given x and value(x).
        template <scalar T>
        static T derivative([[maybe_unused]] T x, [[maybe_unused]] T y) noexcept
        {
            return T(1) - y * y;
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            using T = typename B::value_type;
            if constexpr (std::is_same_v<T, float>)
            {
                return detail::rational_tanh(x);
            }
            else
            {
                // tanh is +-1 to working precision beyond +-20 in double.
                return detail::saturating(x, T(-20), T(20), [](const B& v) { return xsimd::tanh(v); });
            }
        }

        template <class B>
        static B simd_derivative([[maybe_unused]] const B& x, [[maybe_unused]] const B& y) noexcept
        {
            using T = typename B::value_type;
            return B(T(1)) - y * y;
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape>
    class tanh_layer : public activation_layer<tanh_function, T, Shape>
    {
    public:
        static constexpr const char* name = "tanh";
    };

    // The spec for a network's layer list: tanh on whatever the previous layer outputs.
    PRECAST_EXPORT struct tanh
    {
        template <scalar T, static_shape In>
        using bind = tanh_layer<T, In>;
    };
}
