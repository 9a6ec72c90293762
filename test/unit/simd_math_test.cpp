// The vectorized activations against long double references over a dense sweep and the extremes. The bounds are
// the documented maximum relative errors (README, "Kernels"), in units of the type's epsilon.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
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

    long double exact_sigmoid(long double x) { return 1.0L / (1.0L + std::exp(-x)); }
    long double exact_tanh(long double x) { return std::tanh(x); }
    long double exact_elu(long double x) { return x > 0 ? x : std::expm1(x); }

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
    }
}
