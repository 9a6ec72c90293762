#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"
#include "support/reference.hpp"

namespace
{
    namespace pk = precast::kernels;
    using precast_test::dot_error_bound;
    using precast_test::random_vector;
    using precast_test::reference_dot;

    template <class T>
    class dot_kernel : public ::testing::Test
    {
    };
    using scalar_types = ::testing::Types<float, double>;
    TYPED_TEST_SUITE(dot_kernel, scalar_types);

    // Every length 1..67 covers: shorter than one register, whole registers, the 4-register unrolled body, and
    // every tail length for widths 2..16. Offsets 0..3 make the loads unaligned in every way.
    TYPED_TEST(dot_kernel, matches_the_long_double_reference_within_the_rounding_bound_for_lengths_1_to_67)
    {
        using T = TypeParam;
        for (std::size_t n = 1; n <= 67; ++n)
        {
            for (std::size_t offset = 0; offset < 4; ++offset)
            {
                const auto a = random_vector<T>(n + offset, 1000 + n);
                const auto b = random_vector<T>(n + offset, 2000 + n);
                const auto ref = reference_dot(a.data() + offset, b.data() + offset, n);
                const T got = pk::dot(a.data() + offset, b.data() + offset, n);
                EXPECT_LE(std::fabs(static_cast<long double>(got) - ref.value), dot_error_bound<T>(n, ref.abs_sum)) << "n=" << n << " offset=" << offset;
            }
        }
    }

    // Small integers are exact in floating point: the result must be exactly n(n+1)(2n+1)/6.
    TYPED_TEST(dot_kernel, sums_of_squares_are_exact)
    {
        using T = TypeParam;
        for (std::size_t n = 1; n <= 67; ++n)
        {
            std::vector<T> v(n);
            for (std::size_t i = 0; i < n; ++i)
            {
                v[i] = static_cast<T>(i + 1);
            }
            EXPECT_EQ(pk::dot(v.data(), v.data(), n), static_cast<T>(n * (n + 1) * (2 * n + 1) / 6)) << "n=" << n;
        }
    }

    // Elements past n must not be read into the sum: poison them with NaN.
    TYPED_TEST(dot_kernel, reads_nothing_past_the_length)
    {
        using T = TypeParam;
        for (std::size_t n = 1; n <= 67; ++n)
        {
            std::vector<T> a(n + 32, std::numeric_limits<T>::quiet_NaN());
            std::vector<T> b(n + 32, std::numeric_limits<T>::quiet_NaN());
            for (std::size_t i = 0; i < n; ++i)
            {
                a[i] = T(1);
                b[i] = T(2);
            }
            EXPECT_EQ(pk::dot(a.data(), b.data(), n), static_cast<T>(2 * n)) << "n=" << n;
        }
    }

    TYPED_TEST(dot_kernel, zero_length_is_zero)
    {
        using T = TypeParam;
        const T x = 1;
        EXPECT_EQ(pk::dot(&x, &x, 0), T(0));
    }

    TEST(dot_kernel_overloads, static_spans_tensors_and_buffers_agree)
    {
        precast::tensor<double, precast::shape<5>> a{1, 2, 3, 4, 5};
        precast::tensor<double, precast::shape<5>> b{5, 4, 3, 2, 1};
        EXPECT_EQ(pk::dot(a, b), 35.0);

        precast::tensor_buffer<double, precast::shape<5>> ba(a);
        precast::tensor_buffer<double, precast::shape<5>> bb(b);
        EXPECT_EQ(pk::dot(ba.span(), bb.span()), 35.0);
        EXPECT_EQ(pk::dot(std::as_const(ba).span(), bb.span()), 35.0);
    }

    TEST(dot_kernel_overloads, dynamic_spans_of_different_lengths_are_rejected_with_both_lengths)
    {
        std::vector<float> a(5, 1.0f);
        std::vector<float> b(6, 1.0f);
        EXPECT_EQ(pk::dot(std::span(a), std::span(b).first(5)), 5.0f);
        try
        {
            (void)pk::dot(std::span(a), std::span(b));
            FAIL() << "a length mismatch must throw";
        }
        catch (const std::invalid_argument& e)
        {
            EXPECT_STREQ(e.what(), "precast::kernels::dot: the spans differ in length (5 and 6 elements)");
        }
    }

    TEST(simd, width_and_arch_name_describe_the_build_target)
    {
        const std::string arch(pk::simd_arch_name());
        EXPECT_FALSE(arch.empty());
        EXPECT_EQ(pk::simd_width<float>, 2 * pk::simd_width<double>);
        EXPECT_GE(pk::simd_width<float>, 4u);
        EXPECT_LE(pk::simd_width<float> * sizeof(float), precast::storage_alignment);
    }
}
