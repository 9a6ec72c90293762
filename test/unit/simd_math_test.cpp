// The vectorized activations against long double references over a dense sweep and the extremes. The bounds are
// the documented maximum relative errors (README, "Kernels"), in units of the type's epsilon.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    template <class T, class Function>
    double max_relative_error_in_epsilons(long double (*reference)(long double), double lo, double hi)
    {
        using batch = precast::kernels::simd_batch<T>;
        constexpr std::size_t width = batch::size;
        constexpr std::size_t samples = 200000;
        std::vector<T> x(samples + width);
        for (std::size_t i = 0; i < x.size(); ++i)
        {
            x[i] = static_cast<T>(lo + (hi - lo) * static_cast<double>(i) / samples);
        }
        double worst = 0;
        for (std::size_t i = 0; i + width <= x.size(); i += width)
        {
            alignas(64) T y[width];
            Function::simd_value(batch::load_unaligned(x.data() + i)).store_aligned(y);
            for (std::size_t j = 0; j < width; ++j)
            {
                const long double exact = reference(static_cast<long double>(x[i + j]));
                const long double scale = std::max(std::fabs(exact), static_cast<long double>(std::numeric_limits<T>::min()));
                worst = std::max(worst, static_cast<double>(std::fabs(static_cast<long double>(y[j]) - exact) / scale));
            }
        }
        return worst / std::numeric_limits<T>::epsilon();
    }

    long double exact_sigmoid(long double x)
    {
        return 1.0L / (1.0L + std::exp(-x));
    }
    long double exact_tanh(long double x)
    {
        return std::tanh(x);
    }
    long double exact_elu(long double x)
    {
        return x > 0 ? x : std::expm1(x);
    }
    // GELU as its definition, x Phi(x), with Phi from erfc (no cancellation in the left tail).
    long double exact_gelu(long double x)
    {
        return x * 0.5L * std::erfc(-x / std::sqrt(2.0L));
    }
    // (1 + tanh u) / 2 = 1 / (1 + e^-2u): the same, without the cancellation.
    long double exact_gelu_tanh(long double x)
    {
        const long double u = std::sqrt(2.0L / 3.14159265358979323846264338327950288L) * (x + 0.044715L * x * x * x);
        return x / (1.0L + std::exp(-2.0L * u));
    }
    long double exact_silu(long double x)
    {
        return x / (1.0L + std::exp(-x));
    }

    template <class T>
    class simd_math : public ::testing::Test
    {
    };
    using scalar_types = ::testing::Types<float, double>;
    TYPED_TEST_SUITE(simd_math, scalar_types);

    TYPED_TEST(simd_math, activations_stay_within_their_documented_error)
    {
        using T = TypeParam;
        // sigmoid: its tail (x < -15) is e^x to within rounding: relative error there is exp's.
        EXPECT_LE((max_relative_error_in_epsilons<T, precast::sigmoid_function>(exact_sigmoid, -30, 30)), 4.0);
        EXPECT_LE((max_relative_error_in_epsilons<T, precast::tanh_function>(exact_tanh, -10, 10)), 4.0);
        EXPECT_LE((max_relative_error_in_epsilons<T, precast::elu_function<1.0>>(exact_elu, -20, 5)), 4.0);
        // The GELUs and SiLU keep their relative precision in the left tail, where y is tiny (1e-23 at -10; computed
        // as 1 + erf, PyTorch's way, it has no correct digit left below -6 in double). Exact GELU's tail (x < -3)
        // is precast's erfc expression in float (34 units: exp(-x^2 / 2) magnifies the rounding of x^2), xsimd's erfc in double,
        // only ~2e4 units (4e-12) there.
        EXPECT_LE((max_relative_error_in_epsilons<T, precast::gelu_function>(exact_gelu, -10, 10)), (std::is_same_v<T, float> ? 64.0 : 25000.0));
        // The tanh form's tail is ill-conditioned itself: ln y changes ~6 k c x^3 (~100 at -10) times as fast as
        // ln x, so the rounding of x^3 alone costs that many units.
        EXPECT_LE((max_relative_error_in_epsilons<T, precast::gelu_tanh_function>(exact_gelu_tanh, -10, 10)), 160.0);
        EXPECT_LE((max_relative_error_in_epsilons<T, precast::silu_function>(exact_silu, -60, 30)), 8.0);
    }

    TYPED_TEST(simd_math, extreme_inputs_saturate_without_nan)
    {
        using T = TypeParam;
        using batch = precast::kernels::simd_batch<T>;
        const T inf = std::numeric_limits<T>::infinity();
        for (const T x : {T(-1000), T(1000), -inf, inf, std::numeric_limits<T>::max(), std::numeric_limits<T>::lowest()})
        {
            const T s = precast::sigmoid_function::simd_value(batch(x)).get(0);
            const T t = precast::tanh_function::simd_value(batch(x)).get(0);
            EXPECT_EQ(s, x > 0 ? T(1) : T(0)) << x;
            EXPECT_EQ(t, x > 0 ? T(1) : T(-1)) << x;
            // x times a gate that is 1 or 0 there: x, or 0; slopes 1 or 0.
            using gelu = precast::gelu_function;
            using gelu_tanh = precast::gelu_tanh_function;
            using silu = precast::silu_function;
            for (const T y : {gelu::simd_value(batch(x)).get(0), gelu_tanh::simd_value(batch(x)).get(0), silu::simd_value(batch(x)).get(0)})
            {
                EXPECT_EQ(y, x > 0 ? x : T(0)) << x;
            }
            for (const T d : {gelu::simd_derivative(batch(x), gelu::simd_value(batch(x))).get(0),
                              gelu_tanh::simd_derivative(batch(x), gelu_tanh::simd_value(batch(x))).get(0),
                              silu::simd_derivative(batch(x), silu::simd_value(batch(x))).get(0)})
            {
                EXPECT_EQ(d, x > 0 ? T(1) : T(0)) << x;
            }
        }
    }
}

namespace
{
    TYPED_TEST(simd_math, nan_propagates_through_every_activation)
    {
        using T = TypeParam;
        using batch = precast::kernels::simd_batch<T>;
        const batch nan(std::numeric_limits<T>::quiet_NaN());
        EXPECT_TRUE(std::isnan(precast::sigmoid_function::simd_value(nan).get(0)));
        EXPECT_TRUE(std::isnan(precast::tanh_function::simd_value(nan).get(0)));
        EXPECT_TRUE(std::isnan(precast::elu_function<1.0>::simd_value(nan).get(0)));
        EXPECT_TRUE(std::isnan(precast::gelu_function::simd_value(nan).get(0)));
        EXPECT_TRUE(std::isnan(precast::gelu_tanh_function::simd_value(nan).get(0)));
        EXPECT_TRUE(std::isnan(precast::silu_function::simd_value(nan).get(0)));
        EXPECT_TRUE(std::isnan(precast::gelu_function::simd_derivative(nan, nan).get(0)));
        EXPECT_TRUE(std::isnan(precast::silu_function::simd_derivative(nan, nan).get(0)));
    }
}

namespace
{
    // float tanh is a rational function (layers/tanh.hpp): on every 16th float of [2^-10, 10] (below, tanh x
    // rounds to x and the relative sweep above covers it), it is within its documented 3.7e-7 of the true value,
    // never beyond 1, and exactly odd; on narrow registers (frozen_network's) as on full ones.
    template <class Batch>
    void check_float_tanh_bounds()
    {
        constexpr std::size_t width = Batch::size;
        double worst_absolute = 0;
        double worst_ulps = 0;
        std::uint32_t bits = 0x3a800000u;  // 2^-10: below it, tanh x rounds to x and the relative sweep covers it
        const std::uint32_t last = std::bit_cast<std::uint32_t>(10.0f);
        while (bits < last)
        {
            alignas(64) float x[width];
            alignas(64) float y[width];
            alignas(64) float y_negative[width];
            for (std::size_t j = 0; j < width; ++j, bits += 16)
            {
                x[j] = std::bit_cast<float>(bits);
            }
            precast::tanh_function::simd_value(Batch::load_aligned(x)).store_aligned(y);
            precast::tanh_function::simd_value(-Batch::load_aligned(x)).store_aligned(y_negative);
            for (std::size_t j = 0; j < width; ++j)
            {
                const double exact = std::tanh(static_cast<double>(x[j]));
                const double error = std::fabs(static_cast<double>(y[j]) - exact);
                const double ulp = static_cast<double>(std::nextafter(static_cast<float>(exact), 2.0f) - static_cast<float>(exact));
                worst_absolute = std::max(worst_absolute, error);
                worst_ulps = std::max(worst_ulps, error / ulp);
                ASSERT_LE(y[j], 1.0f) << x[j];
                ASSERT_EQ(y_negative[j], -y[j]) << x[j];
            }
        }
        EXPECT_LE(worst_absolute, 3.7e-7);
        std::printf("float tanh: worst error %.3g (%.2f units in the last place)\n", worst_absolute, worst_ulps);
    }

    TEST(simd_math, float_tanh_meets_its_documented_bound_on_every_register_width)
    {
        check_float_tanh_bounds<precast::kernels::simd_batch<float>>();
        check_float_tanh_bounds<precast::kernels::lane_batch<float, 4>>();
    }
}
