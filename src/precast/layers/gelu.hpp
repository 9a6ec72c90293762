// gelu<>: y = x Phi(x), Phi the standard normal distribution function (Hendrycks & Gimpel 2016), as PyTorch's
// nn.GELU(); gelu<tanh_approximation>: Phi replaced by (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, as
// nn.GELU(approximate="tanh"). dy/dx = Phi(x) + x Phi'(x) in both forms.
// Both are computed without the cancellation of 1 + erf(..) or 1 + tanh(..) for negative x: Phi(x) as
// erfc(-x / sqrt 2) / 2 and the tanh form as sigmoid(2 u), so y keeps its relative precision far into the tail.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <type_traits>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/kernels/math.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    // Option of gelu<...>: PyTorch's approximate="tanh" (GPT-2's form).
    PRECAST_EXPORT struct tanh_approximation
    {
    };

    PRECAST_EXPORT struct gelu_function
    {
        template <scalar T>
        static T value(T x) noexcept
        {
            return x * distribution(x);
        }

        template <scalar T>
        static T derivative(T x, [[maybe_unused]] T y) noexcept
        {
            return distribution(x) + x * density(x);
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            using T = typename B::value_type;
            // Beyond +-limit Phi is 1 or 0 in working precision (and erfc's exp stays in range below it).
            const T limit = std::is_same_v<T, float> ? T(15) : T(40);
            return xsimd::select(x < B(-limit), B(T(0)), x * kernels::saturating(x, -limit, limit, [](const B& v) { return simd_distribution(v); }));
        }

        // Phi(x) is y / x (y = x Phi(x) is at hand in backward): only the density's exp is computed again.
        template <class B>
        static B simd_derivative(const B& x, const B& y) noexcept
        {
            using T = typename B::value_type;
            const T limit = std::is_same_v<T, float> ? T(15) : T(40);
            const B v = xsimd::min(xsimd::max(x, B(-limit)), B(limit));
            const B density = B(static_cast<T>(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2)) * xsimd::exp(B(T(-0.5)) * v * v);
            const B d = xsimd::select(x == B(T(0)), B(T(0.5)), y / x) + v * density;
            return xsimd::select(x > B(limit), B(T(1)), xsimd::select(x < B(-limit), B(T(0)), d));
        }

    private:
        template <scalar T>
        static T distribution(T x) noexcept
        {
            return T(0.5) * std::erfc(-x * static_cast<T>(0.5 * std::numbers::sqrt2));
        }
        template <scalar T>
        static T density(T x) noexcept
        {
            return static_cast<T>(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2) * std::exp(T(-0.5) * x * x);
        }
        // Phi(x) = erfc(-x / sqrt 2) / 2. In float, erfc(z) = t exp(-z^2 + P(t)), t = 2 / (2 + |z|), for z >= 0
        // (Numerical Recipes' erfcc, relative error below 1.2e-7 for every z >= 0) and 2 - erfc(-z) below: one exp and
        // one division on every lane, where xsimd's erfc computes both of its branches when a register holds both
        // kinds of lane. In double, xsimd's.
        template <class B>
        static B simd_distribution(const B& x) noexcept
        {
            using T = typename B::value_type;
            const B z = x * B(static_cast<T>(-0.5 * std::numbers::sqrt2));
            if constexpr (std::is_same_v<T, float>)
            {
                const B a = xsimd::abs(z);
                const B t = B(2.0f) / (B(2.0f) + a);
                B p(0.17087277f);
                for (const float c : {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f, 0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f})
                {
                    p = xsimd::fma(p, t, B(c));
                }
                // z^2 as x^2 / 2: one rounding where a rounded z would add another (the tail's exp magnifies both).
                const B tail = t * xsimd::exp(xsimd::fma(x * x, B(-0.5f), p));
                return B(0.5f) * xsimd::select(z < B(0.0f), B(2.0f) - tail, tail);
            }
            else
            {
                return B(T(0.5)) * xsimd::erfc(z);
            }
        }
    };

    PRECAST_EXPORT struct gelu_tanh_function
    {
        template <scalar T>
        static T value(T x) noexcept
        {
            return x * gate(x);
        }

        template <scalar T>
        static T derivative(T x, [[maybe_unused]] T y) noexcept
        {
            const T s = gate(x);
            return s + x * T(2) * s * (T(1) - s) * slope(x);
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            using T = typename B::value_type;
            // Beyond +-30 the gate is 1 or 0 in working precision, and x^3 stays finite below it.
            return xsimd::select(x < B(T(-30)), B(T(0)), x * kernels::saturating(x, T(-30), T(30), [](const B& v) { return simd_gate(v); }));
        }

        // The gate is y / x (y = x gate(x)): no exp again.
        template <class B>
        static B simd_derivative(const B& x, const B& y) noexcept
        {
            using T = typename B::value_type;
            const B v = xsimd::min(xsimd::max(x, B(T(-30))), B(T(30)));
            const B s = xsimd::select(x == B(T(0)), B(T(0.5)), y / x);
            const B slope = B(static_cast<T>(k)) * (B(T(1)) + B(static_cast<T>(3 * c)) * v * v);
            const B d = s + v * B(T(2)) * s * (B(T(1)) - s) * slope;
            return xsimd::select(x > B(T(30)), B(T(1)), xsimd::select(x < B(T(-30)), B(T(0)), d));
        }

    private:
        static constexpr double k = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;  // sqrt(2 / pi)
        static constexpr double c = 0.044715;

        // (1 + tanh u) / 2 = sigmoid(2 u), u = k (x + c x^3).
        template <scalar T>
        static T gate(T x) noexcept
        {
            const T two_u = T(2) * static_cast<T>(k) * (x + static_cast<T>(c) * x * x * x);
            return two_u >= T(0) ? T(1) / (T(1) + std::exp(-two_u)) : std::exp(two_u) / (T(1) + std::exp(two_u));
        }
        // du/dx
        template <scalar T>
        static T slope(T x) noexcept
        {
            return static_cast<T>(k) * (T(1) + static_cast<T>(3 * c) * x * x);
        }
        template <class B>
        static B simd_gate(const B& x) noexcept
        {
            using T = typename B::value_type;
            return kernels::sigmoid_of(B(static_cast<T>(2 * k)) * (x + B(static_cast<T>(c)) * x * x * x));
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape, bool TanhForm = false>
    class gelu_layer : public activation_layer<std::conditional_t<TanhForm, gelu_tanh_function, gelu_function>, T, Shape>
    {
    public:
        static constexpr const char* name = TanhForm ? "gelu_tanh" : "gelu";
    };

    // The spec: gelu<> (exact, erf), gelu<tanh_approximation>.
    PRECAST_EXPORT template <class... Options>
    struct gelu
    {
        static_assert(sizeof...(Options) == 0 || (sizeof...(Options) == 1 && (std::is_same_v<Options, tanh_approximation> && ...)),
                      "precast::gelu<Options...>: the one option is tanh_approximation (PyTorch's approximate=\"tanh\"); gelu<> is the exact form");
        template <scalar T, static_shape In>
        using bind = gelu_layer<T, In, (std::is_same_v<Options, tanh_approximation> || ...)>;
    };
}
