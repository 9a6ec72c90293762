#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    using precast::matrix_view;
    using view23 = matrix_view<const double, 2, 3>;

    template <class Loss, class Targets>
    std::vector<double> gradient_of(const Loss& l, const std::vector<double>& y, Targets t, std::size_t rows = 2)
    {
        std::vector<double> dy(6, 99.0);
        l.gradient(view23(y.data()), t, matrix_view<double, 2, 3>(dy.data()), rows);
        return dy;
    }

    // y - t = [1 0 -2 | -1 0 0], squares sum to 6 over 6 outputs and 2 samples.
    const std::vector<double> y{1, 2, 3, 0, 0, 0};
    const std::vector<double> t{0, 2, 5, 1, 0, 0};

    TEST(mean_squared_error, averages_over_every_output_and_masks_padding_rows)
    {
        const precast::mean_squared_error mse;
        EXPECT_DOUBLE_EQ(mse.value(view23(y.data()), view23(t.data()), 2), 1.0);
        const auto dy = gradient_of(mse, y, view23(t.data()));  // 2 (y - t) / 6
        const double third = 1.0 / 3.0;
        const std::vector<double> expected{third, 0, -2 * third, -third, 0, 0};
        for (std::size_t i = 0; i < 6; ++i)
        {
            EXPECT_DOUBLE_EQ(dy[i], expected[i]);
        }
        // rows = 1: only the first sample counts: (1 + 0 + 4) / 3; the padding row's gradient is zero.
        EXPECT_DOUBLE_EQ(mse.value(view23(y.data()), view23(t.data()), 1), 5.0 / 3.0);
        const auto masked = gradient_of(mse, y, view23(t.data()), 1);
        EXPECT_DOUBLE_EQ(masked[0], 2.0 / 3.0);
        EXPECT_EQ(masked[3], 0.0);
        EXPECT_EQ(masked[5], 0.0);
    }

    TEST(half_sum_squared_error, is_half_the_squared_distance_averaged_over_samples)
    {
        const precast::half_sum_squared_error loss;
        EXPECT_DOUBLE_EQ(loss.value(view23(y.data()), view23(t.data()), 2), 1.5);  // (0.5 * 5 + 0.5 * 1) / 2
        const auto dy = gradient_of(loss, y, view23(t.data()));                    // (y - t) / 2
        EXPECT_DOUBLE_EQ(dy[0], 0.5);
        EXPECT_DOUBLE_EQ(dy[2], -1.0);
        EXPECT_DOUBLE_EQ(dy[3], -0.5);
    }

    TEST(binary_cross_entropy, matches_hand_values_and_clamps_at_the_documented_epsilon)
    {
        const precast::binary_cross_entropy bce;
        const std::vector<double> p{0.8, 0.8, 0.5, 1.0, 0.0, 0.2};
        const std::vector<double> target{1, 0, 1, 1, 1, 0};
        // -ln 0.8, -ln 0.2, ln 2, 0 (clamped to -ln(1 - 1e-7)), -ln 1e-7 (clamped), -ln 0.8
        const double terms[] = {0.2231435513142098, 1.6094379124341003, 0.6931471805599453, 1.0000000494736474e-07, 16.11809565095832, 0.2231435513142098};
        double sum = 0;
        for (double term : terms)
        {
            sum += term;
        }
        EXPECT_NEAR(bce.value(view23(p.data()), view23(target.data()), 2), sum / 6, 1e-12);
        const auto dp = gradient_of(bce, p, view23(target.data()));
        EXPECT_NEAR(dp[0], (0.8 - 1) / (0.8 * 0.2) / 6, 1e-15);
        EXPECT_EQ(dp[3], 0.0);  // clamped: flat
        EXPECT_EQ(dp[4], 0.0);
        const auto decisions = bce.count_correct(view23(p.data()), view23(target.data()), 2);
        EXPECT_EQ(decisions.correct, 4u);  // misses: 0.8 against 0, 0.0 against 1
        EXPECT_EQ(decisions.total, 6u);
    }

    TEST(binary_cross_entropy_with_logits, is_stable_for_huge_logits)
    {
        const precast::binary_cross_entropy_with_logits loss;
        const std::vector<double> z{0, 1000, -1000, 2, -2, 0};
        const std::vector<double> target{1, 0, 0, 1, 1, 0};
        // ln 2, 1000, 0, ln(1 + e^-2), 2 + ln(1 + e^-2), ln 2
        const double sum = 2 * std::log(2.0) + 1000 + 2 * std::log1p(std::exp(-2.0)) + 2;
        EXPECT_NEAR(loss.value(view23(z.data()), view23(target.data()), 2), sum / 6, 1e-12);
        const auto dz = gradient_of(loss, z, view23(target.data()));
        EXPECT_NEAR(dz[0], (0.5 - 1) / 6, 1e-15);
        EXPECT_NEAR(dz[1], 1.0 / 6, 1e-15);
        EXPECT_NEAR(dz[2], 0.0, 1e-15);
        EXPECT_FALSE(std::isnan(dz[1]));
    }

    TEST(softmax_cross_entropy, labels_and_one_hot_agree_and_the_fused_gradient_is_softmax_minus_target)
    {
        const std::vector<double> z{1, 2, 3, 1000, 0, 0};
        const precast::label_type labels[] = {2, 1};
        const std::vector<double> one_hot{0, 0, 1, 0, 1, 0};
        // Sample 0: -ln(e^3 / (e + e^2 + e^3)); sample 1: ln(e^1000 + 2) - 0 = 1000 (to double precision).
        const double expected = (0.40760596444438013 + 1000.0) / 2;
        const precast::softmax_cross_entropy sparse;
        const precast::softmax_cross_entropy_one_hot dense;
        EXPECT_NEAR(sparse.value(view23(z.data()), std::span<const precast::label_type, 2>(labels), 2), expected, 1e-12);
        EXPECT_NEAR(dense.value(view23(z.data()), view23(one_hot.data()), 2), expected, 1e-12);
        const auto g1 = gradient_of(sparse, z, std::span<const precast::label_type, 2>(labels));
        const auto g2 = gradient_of(dense, z, view23(one_hot.data()));
        const double softmax0[] = {0.09003057317038046, 0.24472847105479764, 0.6652409557748219};
        EXPECT_NEAR(g1[0], softmax0[0] / 2, 1e-15);
        EXPECT_NEAR(g1[2], (softmax0[2] - 1) / 2, 1e-15);
        EXPECT_NEAR(g1[3], 0.5, 1e-15);
        EXPECT_NEAR(g1[4], -0.5, 1e-15);
        for (std::size_t i = 0; i < 6; ++i)
        {
            EXPECT_NEAR(g1[i], g2[i], 1e-15);
        }
        const auto decisions = sparse.count_correct(view23(z.data()), std::span<const precast::label_type, 2>(labels), 2);
        EXPECT_EQ(decisions.correct, 1u);
        EXPECT_EQ(decisions.total, 2u);
    }

    TEST(categorical_cross_entropy, is_minus_log_of_the_target_probability)
    {
        const precast::categorical_cross_entropy cce;
        const std::vector<double> p{0.2, 0.7, 0.1, 0.5, 0.5, 0.0};
        const std::vector<double> target{0, 1, 0, 0, 0, 1};
        // -ln 0.7 and -ln(1e-7) (clamped), averaged over 2 samples.
        EXPECT_NEAR(cce.value(view23(p.data()), view23(target.data()), 2), (0.35667494393873245 + 16.11809565095832) / 2, 1e-12);
        const auto dp = gradient_of(cce, p, view23(target.data()));
        EXPECT_NEAR(dp[1], -1.0 / 0.7 / 2, 1e-15);
        EXPECT_EQ(dp[0], 0.0);
        EXPECT_EQ(dp[5], 0.0);
    }

    static_assert(precast::loss<precast::mean_squared_error> && precast::loss<precast::half_sum_squared_error> &&
                  precast::loss<precast::binary_cross_entropy> && precast::loss<precast::binary_cross_entropy_with_logits> &&
                  precast::loss<precast::softmax_cross_entropy> && precast::loss<precast::softmax_cross_entropy_one_hot> &&
                  precast::loss<precast::categorical_cross_entropy>);
    static_assert(!precast::loss<int> && !precast::loss<precast::relu>);
}
