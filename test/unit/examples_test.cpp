// The classic examples, asserted. Reference values come from the mathematics, not from the code under test.
#include <cmath>
#include <cstddef>

#include <gtest/gtest.h>

#include "gradient_descent.hpp"
#include "linear_regression.hpp"
#include "mlp.hpp"
#include "xor.hpp"

namespace
{
    // The stationary points of f(x) = x^4 - 12x^2 - 12x solve 4x^3 - 24x - 12 = 0; Newton's method from near
    // each finds them independently of gradient descent.
    double stationary_point_near(double x)
    {
        for (int i = 0; i < 100; ++i)
        {
            x -= (4 * x * x * x - 24 * x - 12) / (12 * x * x - 24);
        }
        return x;
    }

    TEST(example_gradient_descent, finds_the_global_minimum_from_4_and_is_trapped_in_the_local_one_from_minus_3)
    {
        const double global = stationary_point_near(2.7);
        const double local = stationary_point_near(-2.1);
        EXPECT_NEAR(global, 2.669, 1e-3);
        EXPECT_NEAR(local, -2.145, 1e-3);

        const auto from_4 = examples::minimize_quartic(4.0);
        EXPECT_NEAR(from_4.x, global, 1e-6);
        EXPECT_NEAR(from_4.f, -66.77, 0.01);
        const auto from_minus_3 = examples::minimize_quartic(-3.0);
        EXPECT_NEAR(from_minus_3.x, local, 1e-6);
        EXPECT_GT(from_minus_3.f, from_4.f);

        const auto bowl = examples::minimize_bowl(3.0, -2.0);
        EXPECT_NEAR(bowl.x, 0.0, 1e-6);
        EXPECT_NEAR(bowl.y, 0.0, 1e-6);
    }

    TEST(example_linear_regression, recovers_w_0_1_and_b_0_3_in_200_steps)
    {
        const auto r = examples::fit_line([](std::size_t, double, float, float) {});
        EXPECT_NEAR(r.w, 0.1f, 1e-3f);
        EXPECT_NEAR(r.b, 0.3f, 1e-3f);
        EXPECT_LT(r.last_loss, 1e-8);
        EXPECT_TRUE(r.gradient_check.passed()) << r.gradient_check.summary();
    }

    TEST(example_xor, seed_1_puts_all_four_outputs_on_the_right_side_of_one_half)
    {
        const auto r = examples::train_xor(1, 10000, [](std::size_t, double) {});
        EXPECT_TRUE(examples::xor_solved(r.outputs)) << r.outputs[0] << " " << r.outputs[1] << " " << r.outputs[2] << " " << r.outputs[3];
        EXPECT_LT(r.final_loss, 0.05);
        const std::size_t steps = examples::steps_to_solve_xor(1, 10000);
        EXPECT_GT(steps, 0u);
        EXPECT_LE(steps, 10000u);
    }

    TEST(example_mlp, the_2_4_3_2_sigmoid_network_learns_the_circle)
    {
        const auto r = examples::train_mlp(1000, nullptr);
        EXPECT_GE(r.test_accuracy, 0.95);
        EXPECT_GE(r.train_accuracy, 0.95);
        EXPECT_LT(r.history.back().train.loss, r.history.front().train.loss / 5);
    }
}
