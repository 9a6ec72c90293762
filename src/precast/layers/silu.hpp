// silu: y = x sigmoid(x) (Elfwing et al. 2018; "swish" with beta 1), as PyTorch's nn.SiLU;
// dy/dx = s (1 + x (1 - s)), s = sigmoid(x).
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/kernels/math.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    PRECAST_EXPORT struct silu_function
    {
        template <scalar T>
        static T value(T x) noexcept
        {
            return x * sigmoid(x);
        }

        template <scalar T>
        static T derivative(T x, [[maybe_unused]] T y) noexcept
        {
            const T s = sigmoid(x);
            return s * (T(1) + x * (T(1) - s));
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            using T = typename B::value_type;
            // Below the limit sigmoid(x) underflows to 0: the product is 0 (and not NaN for x = -inf).
            const T limit = std::is_same_v<T, float> ? T(120) : T(800);
            return xsimd::select(x < B(-limit), B(T(0)), x * kernels::sigmoid_of(x));
        }

        // sigmoid(x) is y / x (y = x sigmoid(x)): no exp again.
        template <class B>
        static B simd_derivative(const B& x, const B& y) noexcept
        {
            using T = typename B::value_type;
            const T limit = std::is_same_v<T, float> ? T(120) : T(800);
            const B s = xsimd::select(x == B(T(0)), B(T(0.5)), y / x);
            const B d = s * (B(T(1)) + x * (B(T(1)) - s));
            return xsimd::select(x > B(limit), B(T(1)), xsimd::select(x < B(-limit), B(T(0)), d));
        }

    private:
        template <scalar T>
        static T sigmoid(T x) noexcept
        {
            if (x >= T(0))
            {
                return T(1) / (T(1) + std::exp(-x));
            }
            const T e = std::exp(x);
            return e / (T(1) + e);
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape>
    class silu_layer : public activation_layer<silu_function, T, Shape>
    {
    public:
        static constexpr const char* name = "silu";
    };

    PRECAST_EXPORT struct silu
    {
        template <scalar T, static_shape In>
        using bind = silu_layer<T, In>;
    };
}
