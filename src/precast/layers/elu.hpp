// elu<Alpha>: y = x for x > 0, else Alpha (e^x - 1); dy/dx = 1, or y + Alpha. Alpha defaults to 1 (Clevert et al. 2016).
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
    PRECAST_EXPORT template <double Alpha>
    struct elu_function
    {
        static_assert(Alpha > 0.0, "precast::elu<Alpha>: Alpha must be positive");

        template <scalar T>
        static T value(T x) noexcept
        {
            return x > T(0) ? x : static_cast<T>(Alpha) * std::expm1(x);
        }

        template <scalar T>
        static T derivative(T x, T y) noexcept
        {
            return x > T(0) ? T(1) : y + static_cast<T>(Alpha);
        }

        template <class B>
        static B simd_value(const B& x) noexcept
        {
            using T = typename B::value_type;
            // expm1 only matters for x <= 0; clamping keeps it defined (and cheap) on the other lanes and far below.
            const T floor = std::is_same_v<T, float> ? T(-100) : T(-800);
            return xsimd::select(x > B(T(0)), x, kernels::saturating(x, floor, T(0), [](const B& v) { return B(static_cast<T>(Alpha)) * xsimd::expm1(v); }));
        }

        template <class B>
        static B simd_derivative(const B& x, const B& y) noexcept
        {
            using T = typename B::value_type;
            return xsimd::select(x > B(T(0)), B(T(1)), y + B(static_cast<T>(Alpha)));
        }
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape, double Alpha = 1.0>
    class elu_layer : public activation_layer<elu_function<Alpha>, T, Shape>
    {
    public:
        static constexpr const char* name = "elu";
    };

    PRECAST_EXPORT template <double Alpha = 1.0>
    struct elu
    {
        template <scalar T, static_shape In>
        using bind = elu_layer<T, In, Alpha>;
    };
}
