// The classic examples, asserted. Reference values come from the mathematics, not from the code under test.
#include <cmath>
#include <cstddef>
#include <string>

#include <gtest/gtest.h>

#include "char_rnn.hpp"
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

    // The XOR example with every optimizer type in its place: 100 % accuracy (all four outputs on the right
    // side of 1/2) from seed 1 within 5000 full-batch steps, at the learning rates listed, on the 2-4-1 tanh
    // network (the 2-2-1 sigmoid one lands in a local minimum from many starts, whatever the optimizer).
    TEST(example_xor, every_optimizer_trains_it_to_100_percent)
    {
        auto check = [](const auto& optimizer, const char* label) {
            const auto r = examples::train_xor<examples::wide_xor_network>(1, 5000, [](std::size_t, double) {}, optimizer);
            EXPECT_TRUE(examples::xor_solved(r.outputs)) << label << ": " << r.outputs[0] << " " << r.outputs[1] << " " << r.outputs[2] << " " << r.outputs[3];
        };
        using namespace precast;
        check(gradient_descent(0.5), "gradient_descent lr 0.5");
        check(momentum({.learning_rate = 0.1, .momentum = 0.9}), "momentum lr 0.1, 0.9");
        check(nesterov_momentum({.learning_rate = 0.1, .momentum = 0.9}), "nesterov_momentum lr 0.1, 0.9");
        check(adagrad({.learning_rate = 0.1}), "adagrad lr 0.1");
        check(adadelta({.learning_rate = 1.0}), "adadelta lr 1");
        check(rmsprop({.learning_rate = 0.01}), "rmsprop lr 0.01");
        check(rmsprop(rmsprop::options::tensorflow1()), "rmsprop (tensorflow1) lr 0.001");
        check(adam({.learning_rate = 0.01}), "adam lr 0.01");
        check(adam({.learning_rate = 0.01, .amsgrad = true}), "adam amsgrad lr 0.01");
        check(adamw({.learning_rate = 0.01}), "adamw lr 0.01");
        check(adamax({.learning_rate = 0.01}), "adamax lr 0.01");
        check(nadam({.learning_rate = 0.01}), "nadam lr 0.01");
        check(ftrl({.learning_rate = 0.5}), "ftrl lr 0.5");
        check(proximal_gradient_descent({.learning_rate = 0.5}), "proximal_gradient_descent lr 0.5");
        check(proximal_adagrad({.learning_rate = 0.1}), "proximal_adagrad lr 0.1");
        check(adagrad_da({.learning_rate = 0.5}), "adagrad_da lr 0.5");
        check(scheduled<adam, cosine_decay>(adam(0.01), cosine_decay(5000, 0.1)), "adam lr 0.01 with cosine decay");
        check(clip_by_global_norm<momentum>(momentum({.learning_rate = 0.1, .momentum = 0.9}), 1.0), "momentum with clipping at norm 1");
    }

    TEST(example_mlp, the_2_4_3_2_sigmoid_network_learns_the_circle)
    {
        const auto r = examples::train_mlp(1000, nullptr);
        EXPECT_GE(r.test_accuracy, 0.95);
        EXPECT_GE(r.train_accuracy, 0.95);
        EXPECT_LT(r.history.back().train.loss, r.history.front().train.loss / 5);
    }

    // The character-level RNN: each cell starts out wrong and ends predicting "ello" from "hell".
    template <class Cell>
    void expect_char_rnn_learns(const char* name)
    {
        std::string first;
        const auto r = examples::train_char_rnn<Cell>(1, 1000, [&](std::size_t step, double, const std::string& prediction) {
            if (step == 1)
            {
                first = prediction;
            }
        });
        EXPECT_NE(first, "ello") << name;
        EXPECT_EQ(r.prediction, "ello") << name;
        EXPECT_GT(r.learned_at_step, 0u) << name;
        EXPECT_LT(r.final_loss, 0.5) << name;
    }

    TEST(example_char_rnn, rnn_gru_and_lstm_learn_to_predict_ello_from_hell)
    {
        expect_char_rnn_learns<precast::rnn<8>>("rnn");
        expect_char_rnn_learns<precast::gru<8>>("gru");
        expect_char_rnn_learns<precast::lstm<8>>("lstm");
    }
}
