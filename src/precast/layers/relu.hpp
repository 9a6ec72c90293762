// relu: y = max(0, x); dy/dx = 1 for x > 0, else 0 (the subgradient at 0 is 0, as in PyTorch and TensorFlow).
#pragma once

#include <cmath>
#include <cstddef>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    PRECAST_EXPORT struct relu_function
    {
        template <scalar T>
        static T value(T x) noexcept
        {
            return x > T(0) ? x : T(0);
        }

        // d value / dx, given x and value(x).
        template <scalar T>
        static T derivative([[maybe_unused]] T x, [[maybe_unused]] T y) noexcept
        {
            return x > T(0) ? T(1) : T(0);
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            using T = typename B::value_type;
            return xsimd::max(x, B(T(0)));
        }

        template <class B>
        static B simd_derivative([[maybe_unused]] const B& x, [[maybe_unused]] const B& y) noexcept
        {
            using T = typename B::value_type;
            return xsimd::select(x > B(T(0)), B(T(1)), B(T(0)));
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape>
    class relu_layer : public activation_layer<relu_function, T, Shape>
    {
    public:
        static constexpr const char* name = "relu";
    };

    // The spec for a network's layer list: relu on whatever the previous layer outputs.
    PRECAST_EXPORT struct relu
    {
        template <scalar T, static_shape In>
        using bind = relu_layer<T, In>;
    };
}
