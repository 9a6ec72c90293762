// leaky_relu<Alpha>: y = x for x > 0, else Alpha x; dy/dx = 1 or Alpha. Alpha defaults to 0.01 (as PyTorch).
#pragma once

#include <cstddef>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    PRECAST_EXPORT template <double Alpha>
    struct leaky_relu_function
    {
        static_assert(Alpha >= 0.0 && Alpha < 1.0, "precast::leaky_relu<Alpha>: Alpha must be in [0, 1); use relu for 0");

        template <scalar T>
        static T value(T x) noexcept
        {
            return x > T(0) ? x : static_cast<T>(Alpha) * x;
        }

        template <scalar T>
        static T derivative(T x, T /*y*/) noexcept
        {
            return x > T(0) ? T(1) : static_cast<T>(Alpha);
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            using T = typename B::value_type;
            return xsimd::select(x > B(T(0)), x, B(static_cast<T>(Alpha)) * x);
        }

        template <class B>
        static B simd_derivative(const B& x, const B& /*y*/) noexcept
        {
            using T = typename B::value_type;
            return xsimd::select(x > B(T(0)), B(T(1)), B(static_cast<T>(Alpha)));
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape, double Alpha = 0.01>
    class leaky_relu_layer : public activation_layer<leaky_relu_function<Alpha>, T, Shape>
    {
    public:
        static constexpr const char* name = "leaky_relu";
    };

    PRECAST_EXPORT template <double Alpha = 0.01>
    struct leaky_relu
    {
        template <scalar T, static_shape In>
        using bind = leaky_relu_layer<T, In, Alpha>;
    };
}
