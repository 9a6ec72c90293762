#include <cmath>
#include <cstddef>
#include <iterator>
#include <memory>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    using precast::matrix_view;
    using precast::mode;

    template <class L, std::size_t B>
    std::vector<typename L::value_type> forward(L& l, const std::vector<typename L::value_type>& x, mode m = mode::inference)
    {
        using T = typename L::value_type;
        std::vector<T> y(B * L::output_shape::size);
        typename L::template workspace<B> ws{};
        l.forward(matrix_view<const T, B, L::input_shape::size>(x.data()), matrix_view<T, B, L::output_shape::size>(y.data()), ws, m);
        return y;
    }

    // W = [[1 2] [3 4] [5 6]], b = [0.5 -1 0], x = [[1 -1] [2 0.5]]: every number below is worked by hand.
    TEST(dense_layer, forward_and_backward_match_hand_computed_values)
    {
        precast::dense_layer<double, precast::shape<2>, 3> l;
        const double params[] = {1, 2, 3, 4, 5, 6, 0.5, -1, 0};
        std::copy(std::begin(params), std::end(params), l.parameters().data());
        const std::vector<double> x{1, -1, 2, 0.5};
        std::vector<double> y(6);
        precast::no_workspace ws;
        l.forward(matrix_view<const double, 2, 2>(x.data()), matrix_view<double, 2, 3>(y.data()), ws, mode::training);
        EXPECT_EQ(y, (std::vector<double>{-0.5, -2, -1, 3.5, 7, 13}));

        const std::vector<double> dy{1, 0, -1, 0.5, 1, 2};
        std::vector<double> dx(4);
        l.backward(matrix_view<const double, 2, 2>(x.data()), matrix_view<const double, 2, 3>(y.data()), matrix_view<const double, 2, 3>(dy.data()),
                   matrix_view<double, 2, 2>(dx.data()), ws);
        // dW = dy^T x, db = column sums of dy, dx = dy W.
        const std::vector<double> expected_gradients{2, -0.75, 2, 0.5, 3, 2, 1.5, 1, 1};
        EXPECT_EQ(std::vector<double>(l.gradients().data(), l.gradients().data() + 9), expected_gradients);
        EXPECT_EQ(dx, (std::vector<double>{-4, -4, 13.5, 17}));
    }

    TEST(dense_layer, without_bias_has_only_weights_and_skips_an_unwanted_input_gradient)
    {
        using layer = precast::dense_layer<float, precast::shape<4>, 2, false>;
        static_assert(layer::parameter_count == 8 && layer::parameter_tensors.size() == 1);
        static_assert(precast::dense_layer<float, precast::shape<4>, 2>::parameter_count == 10);
        static_assert(std::is_same_v<precast::dense<2, precast::no_bias>::bind<float, precast::shape<4>>, layer>);
        layer l;
        l.parameters().fill(1.0f);
        const std::vector<float> x{1, 2, 3, 4};
        const auto y = forward<layer, 1>(l, x);
        EXPECT_EQ(y, (std::vector<float>{10, 10}));
        const std::vector<float> dy{1, -1};
        precast::no_workspace ws;
        l.backward(matrix_view<const float, 1, 4>(x.data()), matrix_view<const float, 1, 2>(y.data()), matrix_view<const float, 1, 2>(dy.data()),
                   matrix_view<float, 1, 4>(), ws);
        EXPECT_EQ(l.gradients()[0], 1.0f);
        EXPECT_EQ(l.gradients()[7], -4.0f);
    }

    TEST(activations, match_their_definitions_including_extreme_inputs)
    {
        const std::vector<double> x{-1000, -1, 0, 0.5, 1000};
        precast::sigmoid_layer<double, precast::shape<5>> sigmoid;
        const auto s = forward<decltype(sigmoid), 1>(sigmoid, x);
        EXPECT_EQ(s[0], 0.0);  // no overflow of e^1000
        EXPECT_NEAR(s[1], 0.2689414213699951, 1e-15);
        EXPECT_EQ(s[2], 0.5);
        EXPECT_NEAR(s[3], 0.6224593312018546, 1e-15);
        EXPECT_EQ(s[4], 1.0);

        precast::tanh_layer<double, precast::shape<5>> tanh;
        const auto t = forward<decltype(tanh), 1>(tanh, x);
        EXPECT_EQ(t[0], -1.0);
        EXPECT_NEAR(t[3], 0.46211715726000974, 1e-15);

        precast::relu_layer<double, precast::shape<5>> relu;
        EXPECT_EQ((forward<decltype(relu), 1>(relu, x)), (std::vector<double>{0, 0, 0, 0.5, 1000}));

        precast::leaky_relu_layer<double, precast::shape<5>, 0.1> leaky;
        EXPECT_EQ((forward<decltype(leaky), 1>(leaky, x)), (std::vector<double>{-100, -0.1, 0, 0.5, 1000}));

        precast::elu_layer<double, precast::shape<5>, 2.0> elu;
        const auto e = forward<decltype(elu), 1>(elu, x);
        EXPECT_EQ(e[0], -2.0);
        EXPECT_NEAR(e[1], 2.0 * (std::exp(-1.0) - 1.0), 1e-15);
        EXPECT_EQ(e[4], 1000.0);

        precast::identity_layer<double, precast::shape<5>> identity;
        EXPECT_EQ((forward<decltype(identity), 1>(identity, x)), x);
    }

    TEST(softmax_layer, is_a_stable_distribution_with_the_true_jacobian_vector_product)
    {
        precast::softmax_layer<double, precast::shape<3>> softmax;
        const std::vector<double> x{1, 2, 3, 1000, 1001, 1002};
        const auto y = forward<decltype(softmax), 2>(softmax, x);
        // e^k / (e + e^2 + e^3) for k = 1, 2, 3; shifting by 999 changes nothing.
        const double expected[] = {0.09003057317038046, 0.24472847105479764, 0.6652409557748219};
        for (std::size_t j = 0; j < 3; ++j)
        {
            EXPECT_NEAR(y[j], expected[j], 1e-15);
            EXPECT_NEAR(y[3 + j], expected[j], 1e-15);
        }
        // Jacobian J_ij = y_i (delta_ij - y_j); dx = J^T dy. With dy = e_0: dx_j = y_0 (delta_0j - y_j).
        const std::vector<double> dy{1, 0, 0, 0, 0, 0};
        std::vector<double> dx(6);
        precast::no_workspace ws;
        softmax.backward(matrix_view<const double, 2, 3>(x.data()), matrix_view<const double, 2, 3>(y.data()), matrix_view<const double, 2, 3>(dy.data()),
                         matrix_view<double, 2, 3>(dx.data()), ws);
        EXPECT_NEAR(dx[0], expected[0] * (1 - expected[0]), 1e-15);
        EXPECT_NEAR(dx[1], -expected[0] * expected[1], 1e-15);
        EXPECT_NEAR(dx[2], -expected[0] * expected[2], 1e-15);
        EXPECT_EQ(dx[3], 0.0);
    }

    TEST(dropout_layer, drops_at_its_rate_scales_survivors_is_seeded_and_is_identity_in_inference)
    {
        constexpr std::size_t n = 10000;
        using layer = precast::dropout_layer<float, precast::shape<n>, 0.25>;
        auto l = std::make_unique<layer>();
        l->seed(7);
        const std::vector<float> ones(n, 1.0f);
        auto ws = std::make_unique<layer::workspace<1>>();
        std::vector<float> y(n);
        l->forward(matrix_view<const float, 1, n>(ones.data()), matrix_view<float, 1, n>(y.data()), *ws, mode::training);
        std::size_t dropped = 0;
        for (float v : y)
        {
            ASSERT_TRUE(v == 0.0f || v == 1.0f / 0.75f);
            dropped += v == 0.0f ? 1 : 0;
        }
        // Binomial(10000, 0.25): standard deviation 43; 5 of them either side.
        EXPECT_NEAR(static_cast<double>(dropped), 2500.0, 5 * 43.3);

        // Backward multiplies by the same mask.
        std::vector<float> dx(n);
        l->backward(matrix_view<const float, 1, n>(ones.data()), matrix_view<const float, 1, n>(y.data()), matrix_view<const float, 1, n>(ones.data()),
                    matrix_view<float, 1, n>(dx.data()), *ws);
        EXPECT_EQ(dx, y);

        // The same seed gives the same mask; inference is the identity.
        auto again = std::make_unique<layer>();
        again->seed(7);
        std::vector<float> y2(n);
        again->forward(matrix_view<const float, 1, n>(ones.data()), matrix_view<float, 1, n>(y2.data()), *ws, mode::training);
        EXPECT_EQ(y2, y);
        again->forward(matrix_view<const float, 1, n>(ones.data()), matrix_view<float, 1, n>(y2.data()), *ws, mode::inference);
        EXPECT_EQ(y2, ones);
    }
}
