// sigmoid: y = 1 / (1 + e^-x), computed without overflow for any x; dy/dx = y (1 - y).
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
    PRECAST_EXPORT struct sigmoid_function
    {
        template <scalar T>
        static T value(T x) noexcept
        {
            if (x >= T(0))
            {
                return T(1) / (T(1) + std::exp(-x));
            }
            const T e = std::exp(x);
            return e / (T(1) + e);
        }

        // d value / dx, given x and value(x).
        template <scalar T>
        static T derivative([[maybe_unused]] T x, [[maybe_unused]] T y) noexcept
        {
            return y * (T(1) - y);
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            return kernels::sigmoid_of(x);
        }

        template <class B>
        static B simd_derivative([[maybe_unused]] const B& x, [[maybe_unused]] const B& y) noexcept
        {
            using T = typename B::value_type;
            return y * (B(T(1)) - y);
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape>
    class sigmoid_layer : public activation_layer<sigmoid_function, T, Shape>
    {
    public:
        static constexpr const char* name = "sigmoid";
    };

    // The spec for a network's layer list: sigmoid on whatever the previous layer outputs.
    PRECAST_EXPORT struct sigmoid
    {
        template <scalar T, static_shape In>
        using bind = sigmoid_layer<T, In>;
    };
}
