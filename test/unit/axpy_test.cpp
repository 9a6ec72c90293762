#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"
#include "support/reference.hpp"

namespace
{
    namespace pk = precast::kernels;
    using precast_test::random_vector;

    template <class T>
    class axpy_kernel : public ::testing::Test
    {
    };
    using scalar_types = ::testing::Types<float, double>;
    TYPED_TEST_SUITE(axpy_kernel, scalar_types);

    // Each y[i] is computed once, with a fused or a separate multiply-add: at most two roundings, so the error
    // against the exact long double value is within 2u(|alpha x| + |y|) (u = epsilon / 2). The canary elements
    // after n must be left bit-for-bit untouched.
    TYPED_TEST(axpy_kernel, matches_the_reference_and_touches_nothing_past_the_length_for_lengths_1_to_67)
    {
        using T = TypeParam;
        const long double u = std::numeric_limits<T>::epsilon() / 2;
        constexpr std::size_t canaries = 32;
        const T canary = T(12345.5);
        for (std::size_t n = 1; n <= 67; ++n)
        {
            for (std::size_t offset = 0; offset < 4; ++offset)
            {
                const auto x = random_vector<T>(n + offset, 3000 + n);
                auto y = random_vector<T>(n + offset + canaries, 4000 + n);
                for (std::size_t i = n + offset; i < y.size(); ++i)
                {
                    y[i] = canary;
                }
                const auto y_before = y;
                const T alpha = T(-0.37);

                pk::axpy(alpha, x.data() + offset, y.data() + offset, n);

                for (std::size_t i = 0; i < n; ++i)
                {
                    const long double ax = static_cast<long double>(alpha) * x[offset + i];
                    const long double exact = ax + y_before[offset + i];
                    const long double bound = 2 * u * (std::fabs(ax) + std::fabs(static_cast<long double>(y_before[offset + i])));
                    EXPECT_LE(std::fabs(static_cast<long double>(y[offset + i]) - exact), bound) << "n=" << n << " offset=" << offset << " i=" << i;
                }
                for (std::size_t i = 0; i < offset; ++i)
                {
                    EXPECT_EQ(y[i], y_before[i]) << "element before the range changed, n=" << n;
                }
                for (std::size_t i = n + offset; i < y.size(); ++i)
                {
                    EXPECT_EQ(y[i], canary) << "element past the range changed, n=" << n << " i=" << i;
                }
            }
        }
    }

    TEST(axpy_kernel_overloads, tensors_spans_and_gradient_descent_step)
    {
        // One gradient-descent step w <- w - lr * g, worked by hand: w = (1, 2, 3), g = (0.5, -1, 2), lr = 0.1.
        precast::tensor<double, precast::shape<3>> w{1.0, 2.0, 3.0};
        const precast::tensor<double, precast::shape<3>> g{0.5, -1.0, 2.0};
        pk::axpy(-0.1, g, w);
        EXPECT_DOUBLE_EQ(w(0), 0.95);
        EXPECT_DOUBLE_EQ(w(1), 2.1);
        EXPECT_DOUBLE_EQ(w(2), 2.8);

        precast::tensor_buffer<float, precast::shape<70>> xs(1.0f);
        precast::tensor_buffer<float, precast::shape<70>> ys(2.0f);
        pk::axpy(3.0f, std::as_const(xs).span(), ys.span());
        for (float y : ys.span())
        {
            EXPECT_EQ(y, 5.0f);
        }
    }

    TEST(axpy_kernel_overloads, dynamic_spans_of_different_lengths_are_rejected_with_both_lengths)
    {
        std::vector<double> x(4, 1.0);
        std::vector<double> y(3, 0.0);
        try
        {
            pk::axpy(1.0, std::span<const double>(x), std::span<double>(y));
            FAIL() << "a length mismatch must throw";
        }
        catch (const std::invalid_argument& e)
        {
            EXPECT_STREQ(e.what(), "precast::kernels::axpy: the spans differ in length (4 and 3 elements)");
        }
        EXPECT_EQ(y, std::vector<double>(3, 0.0));
    }
}
