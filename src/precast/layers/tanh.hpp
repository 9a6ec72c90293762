// tanh: y = tanh x; dy/dx = 1 - y^2.
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

        // In float a rational function (kernels/math.hpp), a third of the time of an exp-based tanh.
        template <class B>
        static B simd_value(const B& x) noexcept
        {
            return kernels::tanh_of(x);
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
