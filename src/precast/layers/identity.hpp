// identity: y = x. The linear output layer of a regression network, or a placeholder.
#pragma once

#include <cmath>
#include <cstddef>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    PRECAST_EXPORT struct identity_function
    {
        template <scalar T>
        static T value(T x) noexcept
        {
            return x;
        }

        // d value / dx, given x and value(x).
        template <scalar T>
        static T derivative([[maybe_unused]] T x, [[maybe_unused]] T y) noexcept
        {
            return T(1);
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            return x;
        }

        template <class B>
        static B simd_derivative([[maybe_unused]] const B& x, [[maybe_unused]] const B& y) noexcept
        {
            using T = typename B::value_type;
            return B(T(1));
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape>
    class identity_layer : public activation_layer<identity_function, T, Shape>
    {
    public:
        static constexpr const char* name = "identity";
    };

    // The spec for a network's layer list: identity on whatever the previous layer outputs.
    PRECAST_EXPORT struct identity
    {
        template <scalar T, static_shape In>
        using bind = identity_layer<T, In>;
    };
}
