// The everyday API around the core: fit observers (callables, members, several at once), predictions
// (predict, classify, the tensor operations on a network's outputs), gradients without an optimizer step and
// their named views, the stale-input-gradient guard, a loss that must fit the output, and vector_optimizer.
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/precast_under_test.hpp"

namespace
{
    using precast::dense;
    using precast::input;
    using precast::network;

    // ---- observers ------------------------------------------------------------------------------------------------

    struct members_observer
    {
        std::size_t epochs = 0;
        std::size_t batches = 0;
        void on_epoch(const precast::epoch_report&) { ++epochs; }
        void on_batch(const precast::batch_report&) { ++batches; }
    };
    struct misspelt_observer  // on_epoc: must not be taken for an observer that is never called
    {
        void on_epoc(const precast::epoch_report&) {}
    };
    struct wrong_signature_observer
    {
        void on_epoch(int) {}
    };

    static_assert(precast::fit_observer<members_observer>);
    static_assert(precast::fit_observer<std::nullptr_t>);
    static_assert(!precast::fit_observer<misspelt_observer>);
    static_assert(!precast::fit_observer<wrong_signature_observer>);
    static_assert(!precast::fit_observer<int>);
    static_assert(precast::epoch_observer<decltype([](const precast::epoch_report&) {})>);
    static_assert(!precast::batch_observer<decltype([](const precast::epoch_report&) {})>);
    static_assert(precast::batch_observer<decltype([](const precast::batch_report&) {})>);

    // y = 2 x - 1 on 6 samples, batch 4: 2 batches per epoch (the second partial).
    using line_net = network<input<1, double>, dense<1>>;
    precast::dataset<double> line_data()
    {
        std::vector<double> x{-1, -0.5, 0, 0.5, 1, 1.5};
        std::vector<double> t;
        for (const double v : x)
        {
            t.push_back(2 * v - 1);
        }
        return precast::dataset<double>::with_targets(x, 1, t, 1);
    }

    TEST(everyday_api, fit_calls_lambdas_members_and_a_list_of_observers)
    {
        line_net net;
        precast::trainer<4, line_net, precast::mean_squared_error, precast::gradient_descent> t(net, {}, precast::gradient_descent(0.1));
        const auto data = line_data();

        std::vector<std::size_t> epochs_seen;
        t.fit(data, {.epochs = 3, .shuffle = false}, [&](const precast::epoch_report& e) {
            EXPECT_EQ(e.epochs, 3u);
            epochs_seen.push_back(e.epoch);
        });
        EXPECT_EQ(epochs_seen, (std::vector<std::size_t>{1, 2, 3}));

        std::vector<double> batch_losses;
        const auto history = t.fit(data, {.epochs = 2, .shuffle = false}, [&](const precast::batch_report& b) {
            EXPECT_EQ(b.batches, 2u);
            EXPECT_EQ(b.rows, b.batch == 1 ? 4u : 2u);
            batch_losses.push_back(b.loss);
        });
        ASSERT_EQ(batch_losses.size(), 4u);
        // The epoch's train loss is the row-weighted mean of its batches' losses.
        EXPECT_NEAR(history[0].train.loss, (4 * batch_losses[0] + 2 * batch_losses[1]) / 6, 1e-12);

        members_observer members;
        std::size_t lambda_epochs = 0;
        t.fit(data, {.epochs = 2}, precast::observers(std::ref(members), [&](const precast::epoch_report&) { ++lambda_epochs; }));
        EXPECT_EQ(members.epochs, 2u);
        EXPECT_EQ(members.batches, 4u);
        EXPECT_EQ(lambda_epochs, 2u);
    }

    // ---- predictions ----------------------------------------------------------------------------------------------

    // A 3-input, 4-class network with hand-set weights: the logits are W x + b.
    using classifier = network<input<3>, dense<4>>;
    classifier make_classifier()
    {
        classifier net;
        auto w = net.at<0>().weights();
        const float weights[4][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {-1, -1, -1}};
        for (std::size_t o = 0; o < 4; ++o)
        {
            for (std::size_t i = 0; i < 3; ++i)
            {
                w(o, i) = weights[o][i];
            }
        }
        const float bias[4] = {0.5f, 0, 0, 0};
        std::copy_n(bias, 4, net.at<0>().bias().begin());
        return net;
    }

    TEST(everyday_api, predict_and_classify_one_sample_and_a_batch)
    {
        auto net = make_classifier();
        const precast::tensor<float, precast::shape<3>> x{1, 2, 3};
        const auto y = net.predict(x);  // W x + b = [1.5, 2, 3, -6]
        EXPECT_FLOAT_EQ(y(0), 1.5f);
        EXPECT_FLOAT_EQ(y(1), 2.0f);
        EXPECT_FLOAT_EQ(y(2), 3.0f);
        EXPECT_FLOAT_EQ(y(3), -6.0f);
        EXPECT_EQ(net.classify(x), 2u);
        static_assert(std::is_same_v<decltype(net.classify(x)), std::size_t>);

        // Three samples whose winning class is 0 (ties go to the first), 3 and 1.
        const float batch[3][3] = {{0, 0, 0}, {-1, -2, -3}, {0, 4, 1}};
        const precast::batch_view<const float, 3, precast::shape<3>> xs(&batch[0][0]);
        const auto ys = net.predict(xs);
        static_assert(std::is_same_v<precast::operand_shape<decltype(ys)>, precast::shape<3, 4>>);
        EXPECT_FLOAT_EQ(ys(1, 3), 6.0f);
        const auto classes = net.classify(xs);
        EXPECT_EQ(classes(0), 0u);
        EXPECT_EQ(classes(1), 3u);
        EXPECT_EQ(classes(2), 1u);

        // The tensor operations take a network's outputs as they come from forward (a batch_view).
        classifier::workspace<3> ws;
        const auto out = net.forward(xs, ws);
        const auto best = precast::argmax<1>(out);
        EXPECT_EQ(best(1), 3u);
        const auto class_means = precast::reduce_mean<0>(out);  // the mean logit of each class over the batch
        EXPECT_NEAR(class_means(3), (0.0f + 6.0f - 5.0f) / 3.0f, 1e-6);
    }

    // A sample whose length is known only at run time: what dataset::features(i) and a std::vector give.
    TEST(everyday_api, predict_and_classify_take_a_vector_or_a_dataset_sample_and_check_its_length)
    {
        auto net = make_classifier();
        const std::vector<float> x{1, 2, 3};
        EXPECT_FLOAT_EQ(net.predict(x)(2), 3.0f);
        EXPECT_EQ(net.classify(x), 2u);
        const auto data = precast::dataset<float>::with_labels({0, 4, 1, 1, 2, 3}, 3, {1, 2}, 4);
        EXPECT_EQ(net.classify(data.features(0)), 1u);
        EXPECT_EQ(net.classify(data.features(1)), 2u);
        const std::vector<float> short_sample{1, 2};
        EXPECT_EQ(precast_test::error_of([&] { (void)net.predict(short_sample); }),
                  "precast::network::predict: the sample has 2 values; this network's input has 3");
        using image_net = network<precast::input_of<precast::shape<2, 2>>, precast::flatten, dense<1>>;
        image_net images;
        EXPECT_EQ(precast_test::error_of([&] { (void)images.classify(std::vector<float>(5)); }),
                  "precast::network::classify: the sample has 5 values; this network's input has 4 (shape [2, 2])");
    }

    // probabilities: softmax of logits over the last axis, sigmoid of one logit, the outputs of a network that
    // already ends in softmax unchanged. Reference values worked by hand: softmax([1.5, 2, 3, -6]).
    TEST(everyday_api, probabilities_apply_softmax_or_sigmoid_to_logits_once)
    {
        auto net = make_classifier();
        const precast::tensor<float, precast::shape<3>> x{1, 2, 3};
        const auto p = net.probabilities(x);
        const double sum = std::exp(1.5) + std::exp(2.0) + std::exp(3.0) + std::exp(-6.0);
        EXPECT_NEAR(p(0), std::exp(1.5) / sum, 1e-7);
        EXPECT_NEAR(p(2), std::exp(3.0) / sum, 1e-7);
        EXPECT_NEAR(p(3), std::exp(-6.0) / sum, 1e-9);
        EXPECT_NEAR(p(0) + p(1) + p(2) + p(3), 1.0, 1e-6);

        using yes_no = network<input<2>, dense<1>>;
        yes_no binary;
        binary.at<0>().weights()(0, 0) = 1.0f;
        binary.at<0>().weights()(0, 1) = -1.0f;
        binary.at<0>().bias()[0] = 0.5f;
        EXPECT_NEAR(binary.probabilities(std::vector<float>{2, 1})(0), 1.0 / (1.0 + std::exp(-1.5)), 1e-7);

        using with_softmax = network<input<3>, dense<4>, precast::softmax>;
        with_softmax ends_in_softmax;
        const auto through_softmax = ends_in_softmax.predict(x);
        const auto probabilities = ends_in_softmax.probabilities(x);
        for (std::size_t c = 0; c < 4; ++c)
        {
            EXPECT_EQ(probabilities(c), through_softmax(c)) << "softmax applied twice at class " << c;
        }
    }

    TEST(everyday_api, classify_gives_one_class_per_step_for_sequence_outputs)
    {
        using tagger = network<precast::input_of<precast::shape<2, 3>>, dense<4>>;
        tagger net;
        for (std::size_t o = 0; o < 4; ++o)
        {
            for (std::size_t i = 0; i < 3; ++i)
            {
                net.at<0>().weights()(o, i) = o == i ? 1.0f : 0.0f;
            }
        }
        const precast::tensor<float, precast::shape<2, 3>> x{{0, 5, 1}, {2, 0, 7}};
        const auto classes = net.classify(x);
        EXPECT_EQ(classes(0), 1u);
        EXPECT_EQ(classes(1), 2u);
    }

    // ---- gradients without a step ----------------------------------------------------------------------------------

    TEST(everyday_api, compute_gradients_matches_the_hand_worked_gradient_and_leaves_the_weights)
    {
        // y = w1 x1 + w2 x2 + b, mean squared error over 2 samples: dL/dw_i = (2/2) sum_b (y_b - t_b) x_bi.
        using net_t = network<input<2, double>, dense<1>>;
        net_t net;
        net.at<0>().weights()(0, 0) = 0.5;
        net.at<0>().weights()(0, 1) = -1.0;
        net.at<0>().bias()[0] = 0.25;
        net_t::workspace<2> ws;
        const double x[2][2] = {{1, 2}, {3, -1}};
        std::copy_n(&x[0][0], 4, ws.input().data());
        const double targets[2] = {0, 1};
        // y0 = 0.5 - 2 + 0.25 = -1.25, y1 = 1.5 + 1 + 0.25 = 2.75; errors -1.25, 1.75.
        const double loss = precast::compute_gradients(net, ws, precast::mean_squared_error{}, precast::matrix_view<const double, 2, 1>(targets), 2, true);
        EXPECT_NEAR(loss, (1.25 * 1.25 + 1.75 * 1.75) / 2, 1e-15);
        const auto dw = net.at<0>().weight_gradients();
        EXPECT_NEAR(dw(0, 0), -1.25 * 1 + 1.75 * 3, 1e-15);
        EXPECT_NEAR(dw(0, 1), -1.25 * 2 + 1.75 * -1, 1e-15);
        EXPECT_NEAR(net.at<0>().bias_gradients()[0], -1.25 + 1.75, 1e-15);
        // dL/dx_bi = (2/2) (y_b - t_b) w_i
        EXPECT_NEAR(ws.input_gradient()(0, 0), -1.25 * 0.5, 1e-15);
        EXPECT_NEAR(ws.input_gradient()(1, 1), 1.75 * -1.0, 1e-15);
        EXPECT_EQ(net.at<0>().weights()(0, 0), 0.5);  // no step was taken

        // The same batch with the second sample as padding: only the first counts.
        const double half = precast::compute_gradients(net, ws, precast::mean_squared_error{}, precast::matrix_view<const double, 2, 1>(targets), 1);
        EXPECT_NEAR(half, 1.25 * 1.25, 1e-15);
        EXPECT_NEAR(net.at<0>().weight_gradients()(0, 0), 2 * -1.25 * 1, 1e-15);

        EXPECT_EQ(precast_test::error_of(
                      [&] { (void)precast::compute_gradients(net, ws, precast::mean_squared_error{}, precast::matrix_view<const double, 2, 1>(targets), 3); }),
                  "precast::compute_gradients: rows is 3; it counts the real samples at the top of the batch, from 1 to the batch size 2");
    }

    TEST(everyday_api, a_stale_input_gradient_cannot_be_read)
    {
        using net_t = network<input<2, double>, dense<1>>;
        net_t net;
        net_t::workspace<1> ws;
        const std::string message = "precast::network::workspace::input_gradient(): the last backward pass on this workspace did not compute the input "
                                    "gradient (or a forward pass came after it); call backward(ws, /*input_gradient=*/true) first";
        EXPECT_EQ(precast_test::error_of([&] { (void)ws.input_gradient(); }), message);  // nothing ran yet
        net.forward(ws, precast::mode::training);
        net.backward(ws, true);
        EXPECT_NO_THROW((void)ws.input_gradient());
        net.forward(ws, precast::mode::training);  // a new pass: the old gradient is stale
        EXPECT_EQ(precast_test::error_of([&] { (void)ws.input_gradient(); }), message);
        net.backward(ws);  // without the input gradient
        EXPECT_EQ(precast_test::error_of([&] { (void)ws.input_gradient(); }), message);
    }

    TEST(everyday_api, recurrent_layers_name_their_gradients_as_their_parameters)
    {
        using net_t = network<precast::input_of<precast::shape<3, 2>, double>, precast::gru<4, precast::last_step>, dense<1>>;
        net_t net(precast::glorot_uniform{}, 3);
        net_t::workspace<2> ws;
        for (std::size_t i = 0; i < 12; ++i)
        {
            ws.input().data()[i] = 0.1 * static_cast<double>(i) - 0.5;
        }
        const double targets[2] = {0.5, -0.5};
        (void)precast::compute_gradients(net, ws, precast::mean_squared_error{}, precast::matrix_view<const double, 2, 1>(targets));
        const auto& gru = net.at<0>();
        const double* all = gru.gradients().data();
        EXPECT_EQ(&gru.weight_ih_gradients()(0, 0), all);
        EXPECT_EQ(&gru.weight_hh_gradients()(0, 0), all + 12 * 2);
        EXPECT_EQ(gru.bias_ih_gradients().data(), all + 12 * 2 + 12 * 4);
        EXPECT_EQ(gru.bias_hh_gradients().data(), all + 12 * 2 + 12 * 4 + 12);
        EXPECT_NE(gru.weight_hh_gradients()(5, 3), 0.0);
    }

    // ---- a loss must fit the output -------------------------------------------------------------------------------

    static_assert(!precast::loss_for<precast::softmax_cross_entropy, precast::shape<1>>);
    static_assert(!precast::loss_for<precast::softmax_cross_entropy, precast::shape<5, 1>>);  // one class per position
    static_assert(precast::loss_for<precast::softmax_cross_entropy, precast::shape<2>>);
    static_assert(precast::loss_for<precast::softmax_cross_entropy, precast::shape<5, 3>>);
    static_assert(!precast::loss_for<precast::categorical_cross_entropy, precast::shape<1>>);
    static_assert(!precast::loss_for<precast::softmax_cross_entropy_one_hot, precast::shape<1>>);
    static_assert(precast::loss_for<precast::binary_cross_entropy, precast::shape<1>>);
    static_assert(precast::loss_for<precast::binary_cross_entropy_with_logits, precast::shape<1>>);
    static_assert(precast::loss_for<precast::mean_squared_error, precast::shape<1>>);

    // ---- vector_optimizer -----------------------------------------------------------------------------------------

    TEST(everyday_api, vector_optimizer_counts_steps_and_follows_the_hand_worked_updates)
    {
        // Gradient descent on f(x) = x^2 from 3 with rate 0.25: x <- x - 0.25 * 2x = x / 2.
        precast::vector_optimizer<precast::gradient_descent, double, 1> descent(precast::gradient_descent(0.25));
        std::array<double, 1> x{3.0};
        for (int i = 0; i < 3; ++i)
        {
            descent.step(x, {2 * x[0]});
        }
        EXPECT_EQ(x[0], 3.0 / 8);
        EXPECT_EQ(descent.steps(), 3u);

        // Adam's first step (PyTorch): m = 0.1 g, v = 0.001 g^2, corrected by 1 - 0.9 and 1 - 0.999:
        // p <- p - lr * g / (|g| + eps). Its second step on the same gradient is the same size.
        precast::vector_optimizer<precast::adam, double, 2> adam(precast::adam({.learning_rate = 0.1}));
        std::array<double, 2> p{1.0, -2.0};
        adam.step(p, {4.0, -0.5});
        EXPECT_NEAR(p[0], 1.0 - 0.1 * 4.0 / (4.0 + 1e-8), 1e-15);
        EXPECT_NEAR(p[1], -2.0 + 0.1 * 0.5 / (0.5 + 1e-8), 1e-15);
        adam.step(p, {4.0, -0.5});
        EXPECT_NEAR(p[0], 1.0 - 0.2, 1e-7);
        adam.reset();
        EXPECT_EQ(adam.steps(), 0u);

        // Minimizing 2x^2 + 2xy + y^2 from (1, 1) with gradient descent: the teaching material's second program.
        precast::vector_optimizer<precast::gradient_descent, double, 2> bowl(precast::gradient_descent(0.1));
        std::array<double, 2> q{1.0, 1.0};
        for (int i = 0; i < 500; ++i)
        {
            bowl.step(q, {4 * q[0] + 2 * q[1], 2 * q[0] + 2 * q[1]});
        }
        EXPECT_NEAR(q[0], 0.0, 1e-12);
        EXPECT_NEAR(q[1], 0.0, 1e-12);
    }

    TEST(everyday_api, an_update_at_step_zero_is_rejected)
    {
        const precast::adam adam;
        precast::adam::state<double, 2> state;
        adam.initialize(state);
        std::array<double, 2> p{1, 2};
        const std::array<double, 2> g{0.5, 0.5};
        EXPECT_EQ(precast_test::error_of([&] { adam.update(std::span<double, 2>(p), std::span<const double, 2>(g), state, precast::step_context{.step = 0}); }),
                  "precast::adam: step_context.step is 0, but steps count from 1 (the first update after the state was initialized is step 1); "
                  "increment the count before each update");
        EXPECT_EQ(p[0], 1.0);  // untouched, not NaN
        // The others whose update reads the step count, and a schedule (which counts from step 1), alike.
        const precast::nadam nadam;
        precast::nadam::state<double, 2> nadam_state;
        nadam.initialize(nadam_state);
        EXPECT_THROW(nadam.update(std::span<double, 2>(p), std::span<const double, 2>(g), nadam_state, precast::step_context{.step = 0}),
                     std::invalid_argument);
        const precast::scheduled<precast::gradient_descent, precast::cosine_decay> schedule(precast::gradient_descent(0.1), precast::cosine_decay(10));
        precast::step_context zero{.step = 0};
        EXPECT_THROW(schedule.adjust(zero, 0.0), std::invalid_argument);
    }
}
