#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <memory>
#include <span>
#include <string_view>
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

    // A row's mask depends on the seed, the batch index and the row's index in the global batch only: rows 2 and
    // 3 of a batch of 4 get the masks of rows 0 and 1 of a batch of 2 placed at row 2 (another process's shard).
    // The next training batch draws new masks.
    TEST(dropout_layer, a_rows_mask_depends_on_its_batch_and_global_row_only)
    {
        constexpr std::size_t n = 64;
        using layer = precast::dropout_layer<double, precast::shape<n>, 0.5>;
        layer whole;
        layer shard;
        whole.seed(3);
        shard.seed(3);
        whole.position(5, 0);
        shard.position(5, 2);
        const std::vector<double> ones(4 * n, 1.0);
        std::vector<double> y_whole(4 * n), y_shard(2 * n), y_next(4 * n);
        layer::workspace<4> ws4;
        layer::workspace<2> ws2;
        whole.forward(matrix_view<const double, 4, n>(ones.data()), matrix_view<double, 4, n>(y_whole.data()), ws4, mode::training);
        shard.forward(matrix_view<const double, 2, n>(ones.data()), matrix_view<double, 2, n>(y_shard.data()), ws2, mode::training);
        EXPECT_TRUE(std::equal(y_shard.begin(), y_shard.end(), y_whole.begin() + 2 * n));
        EXPECT_FALSE(std::equal(y_whole.begin(), y_whole.begin() + n, y_whole.begin() + n));  // rows differ
        whole.forward(matrix_view<const double, 4, n>(ones.data()), matrix_view<double, 4, n>(y_next.data()), ws4, mode::training);
        EXPECT_NE(y_next, y_whole);  // batch 6 draws anew
    }

    namespace recurrent
    {
        using namespace precast;  // NOLINT(google-build-using-namespace)

        // Worked by hand: h_t = tanh(w x_t + b_ih + u h_{t-1} + b_hh) for one input and one hidden unit.
        TEST(recurrent_layers, an_rnn_unit_matches_the_recurrence_worked_by_hand)
        {
            using cell_layer = rnn_layer<double, shape<2, 1>, 1>;
            cell_layer l;
            l.weight_ih()(0, 0) = 0.5;
            l.weight_hh()(0, 0) = -0.8;
            l.bias_ih()[0] = 0.1;
            l.bias_hh()[0] = 0.2;
            const double x[2] = {1.0, -2.0};
            double y[2] = {};
            cell_layer::workspace<1> ws;
            l.forward(batch_view<const double, 1, shape<2, 1>>(x), batch_view<double, 1, shape<2, 1>>(y), ws, mode::training);
            const double h1 = std::tanh(0.5 * 1.0 + 0.3);
            const double h2 = std::tanh(0.5 * -2.0 + 0.3 - 0.8 * h1);
            EXPECT_NEAR(y[0], h1, 1e-15);
            EXPECT_NEAR(y[1], h2, 1e-15);
            // Loss y[1]: dL/dx1 flows through h1 and u; dL/dx2 directly.
            const double dy[2] = {0.0, 1.0};
            double dx[2] = {};
            l.backward(batch_view<const double, 1, shape<2, 1>>(x), batch_view<const double, 1, shape<2, 1>>(y), batch_view<const double, 1, shape<2, 1>>(dy),
                       batch_view<double, 1, shape<2, 1>>(dx), ws);
            const double dz2 = 1.0 - h2 * h2;
            const double dz1 = dz2 * -0.8 * (1.0 - h1 * h1);
            EXPECT_NEAR(dx[1], dz2 * 0.5, 1e-15);
            EXPECT_NEAR(dx[0], dz1 * 0.5, 1e-15);
            EXPECT_NEAR(l.gradients()[cell_layer::weight_hh_offset], dz2 * h1, 1e-15);  // h0 = 0 adds nothing
            EXPECT_NEAR(l.gradients()[cell_layer::bias_ih_offset], dz1 + dz2, 1e-15);
        }

        // One LSTM step by hand from the equations of torch.nn.LSTM (gates i, f, g, o), with c0 given.
        TEST(recurrent_layers, an_lstm_step_matches_its_equations_and_names_its_tensors_as_pytorch)
        {
            using cell_layer = lstm_layer<double, shape<1, 1>, 1, sequence_output::last_step>;
            static_assert(cell_layer::parameter_tensors[0].name == std::string_view("weight_ih") &&
                          cell_layer::parameter_tensors[3].name == std::string_view("bias_hh"));
            static_assert(cell_layer::parameter_count == 4 + 4 + 4 + 4);
            cell_layer l;
            const double w[4] = {0.3, -0.2, 0.9, 0.5};  // i, f, g, o
            for (std::size_t k = 0; k < 4; ++k)
            {
                l.weight_ih()(k, 0) = w[k];
                l.weight_hh()(k, 0) = 1.0;  // h0 = 0: never used
                l.bias_ih()[k] = 0.1 * static_cast<double>(k);
                l.bias_hh()[k] = 0.0;
            }
            cell_layer::workspace<1> ws;
            ws.initial_cell_state()(0, 0) = 0.7;
            const double x = 2.0;
            double h = 0;
            l.forward(batch_view<const double, 1, shape<1, 1>>(&x), batch_view<double, 1, shape<1>>(&h), ws, mode::inference);
            const auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
            const double i = sigmoid(0.6), f = sigmoid(-0.4 + 0.1), g = std::tanh(1.8 + 0.2), o = sigmoid(1.0 + 0.3);
            const double c = f * 0.7 + i * g;
            EXPECT_NEAR(h, o * std::tanh(c), 1e-15);
            EXPECT_NEAR(ws.final_cell_state()(0, 0), c, 1e-15);
        }

        TEST(recurrent_layers, a_gru_network_streams_one_step_at_a_time_as_its_batch_pass_computes)
        {
            using net_t = network<input_of<shape<3, 2>>, gru<4>, lstm<3, forget_bias<1.0>>, rnn<2, last_step>, dense<1>>;
            const net_t net(glorot_uniform{}, 1);
            net_t copy = net;
            auto ws = std::make_unique<net_t::workspace<1>>();
            const float x[6] = {0.1f, -0.4f, 0.9f, 0.3f, -0.7f, 0.2f};
            const float expected = copy.forward(batch_view<const float, 1, shape<3, 2>>(x), *ws)(0, 0);
            streaming_network<net_t> stream(net);
            float last = 0;
            for (std::size_t t = 0; t < 3; ++t)
            {
                last = stream.step(std::span<const float, 2>(x + 2 * t, 2))[0];
            }
            EXPECT_NEAR(last, expected, 1e-6);
        }
    }
}
