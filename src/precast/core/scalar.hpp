// The element types precast computes in.
#pragma once

#include <concepts>

#include <precast/export.hpp>

namespace precast
{
    // scalar: float or double. Kernels are written and tested for exactly these two; long double has no SIMD
    // path and half precision has no xsimd 8 support, so both are rejected rather than silently slow or wrong.
    PRECAST_EXPORT template <class T>
    concept scalar = std::same_as<T, float> || std::same_as<T, double>;
}
