#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/precast_under_test.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    using small_net = network<input<3, double>, dense<4>, sigmoid, dense<2>>;

    dataset<double> labelled(std::size_t n, std::uint64_t seed = 1)
    {
        random_engine rng(seed);
        std::vector<double> features;
        std::vector<label_type> labels;
        for (std::size_t i = 0; i < n; ++i)
        {
            const double a = rng.uniform(-1, 1), b = rng.uniform(-1, 1), c = rng.uniform(-1, 1);
            features.insert(features.end(), {a, b, c});
            labels.push_back(a + b > c ? 1 : 0);
        }
        return dataset<double>::with_labels(std::move(features), 3, std::move(labels), 2);
    }

    using precast_test::error_of;

    // The padded rows of a partial batch must not change anything: one step on 2 real samples in a batch of 4
    // leaves the same parameters as one step on the same 2 samples in a batch of 2.
    TEST(trainer, a_partial_batch_trains_exactly_like_a_smaller_batch)
    {
        const auto data = labelled(2);
        small_net a(glorot_uniform{}, 4);
        small_net b = a;
        trainer<4, small_net, softmax_cross_entropy, gradient_descent> padded(a, {}, gradient_descent(0.5));
        trainer<2, small_net, softmax_cross_entropy, gradient_descent> exact(b, {}, gradient_descent(0.5));
        padded.fit(data, {.epochs = 1, .shuffle = false});
        exact.fit(data, {.epochs = 1, .shuffle = false});
        for (std::size_t i = 0; i < small_net::layer_type<0>::parameter_count; ++i)
        {
            EXPECT_NEAR(a.at<0>().parameters()[i], b.at<0>().parameters()[i], 1e-15);
        }
        EXPECT_NEAR(a.at<2>().parameters()[9], b.at<2>().parameters()[9], 1e-15);
    }

    struct batch_counter
    {
        std::size_t batches = 0;
        std::size_t rows = 0;
        std::size_t epochs = 0;
        void on_batch(const batch_report& r)
        {
            ++batches;
            rows += r.rows;
        }
        void on_epoch(const epoch_report&) { ++epochs; }
    };

    TEST(trainer, trains_on_the_last_partial_batch_unless_told_to_drop_it)
    {
        const auto data = labelled(10);
        small_net net;
        trainer<4, small_net, softmax_cross_entropy, gradient_descent> t(net);
        batch_counter kept;
        const auto history = t.fit(data, {.epochs = 3}, kept);
        EXPECT_EQ(kept.batches, 9u);  // 4 + 4 + 2, three times
        EXPECT_EQ(kept.rows, 30u);
        EXPECT_EQ(kept.epochs, 3u);
        EXPECT_EQ(history.size(), 3u);
        EXPECT_EQ(history[0].train.samples, 10u);

        batch_counter dropped;
        t.fit(data, {.epochs = 1, .drop_last = true}, dropped);
        EXPECT_EQ(dropped.batches, 2u);
        EXPECT_EQ(dropped.rows, 8u);
    }

    TEST(trainer, learns_a_linearly_separable_rule_and_evaluates_it)
    {
        const auto [train, test] = labelled(600, 3).split(0.75, 9);
        EXPECT_EQ(train.size(), 450u);
        small_net net(glorot_uniform{}, 2);
        trainer<16, small_net, softmax_cross_entropy, gradient_descent> t(net, {}, gradient_descent(0.5));
        const double before = t.evaluate(test).accuracy;
        const auto history = t.fit(train, {.epochs = 60, .seed = 4}, nullptr, &test);
        EXPECT_LT(history.back().train.loss, history.front().train.loss);
        EXPECT_GT(history.back().validation.accuracy, 0.95);
        EXPECT_GT(history.back().validation.accuracy, before);
        EXPECT_EQ(history.back().validation.samples, 150u);
    }

    TEST(trainer, the_same_seed_trains_the_same_network)
    {
        const auto data = labelled(50);
        small_net a(normal{0, 0.5}, 1), b(normal{0, 0.5}, 1);
        trainer<8, small_net, softmax_cross_entropy, gradient_descent> ta(a), tb(b);
        const auto ha = ta.fit(data, {.epochs = 5, .seed = 77});
        const auto hb = tb.fit(data, {.epochs = 5, .seed = 77});
        EXPECT_EQ(ha.back().train.loss, hb.back().train.loss);
        EXPECT_EQ(a.at<2>().parameters()[5], b.at<2>().parameters()[5]);
    }

    // Resuming: epochs 3-4 with first_epoch = 3 continue exactly where epochs 1-2 stopped (each epoch shuffled as
    // in one run of 4), through dropout, whose masks follow the optimizer's step count.
    TEST(trainer, first_epoch_resumes_a_run_exactly)
    {
        using dropout_net = network<input<3, double>, dense<8>, relu, dropout<0.3>, dense<2>>;
        const auto data = labelled(50);
        dropout_net whole(glorot_uniform{}, 3), resumed(glorot_uniform{}, 3);
        trainer<8, dropout_net, softmax_cross_entropy, adam> t_whole(whole), t_resumed(resumed);
        const auto full = t_whole.fit(data, {.epochs = 4, .seed = 11});
        (void)t_resumed.fit(data, {.epochs = 2, .seed = 11});
        const auto rest = t_resumed.fit(data, {.epochs = 4, .seed = 11, .first_epoch = 3});
        ASSERT_EQ(rest.size(), 2u);
        EXPECT_EQ(rest[0].epoch, 3u);
        EXPECT_EQ(rest[1].train.loss, full[3].train.loss);
        for (std::size_t i = 0; i < dropout_net::layer_type<0>::parameter_count; ++i)
        {
            ASSERT_EQ(whole.at<0>().parameters()[i], resumed.at<0>().parameters()[i]) << i;
        }
        EXPECT_EQ(error_of([&] { (void)t_resumed.fit(data, {.epochs = 4, .seed = 11, .first_epoch = 5}); }),
                  "precast::trainer::fit: first_epoch is 5; it must be from 1 to epochs (4)");
    }

    TEST(trainer, rejects_data_that_does_not_fit_the_network_or_the_loss)
    {
        small_net net;
        trainer<4, small_net, softmax_cross_entropy, gradient_descent> t(net);
        const auto four_features = dataset<double>::with_labels(std::vector<double>(8, 0.0), 4, {0, 1}, 2);
        EXPECT_EQ(error_of([&] { t.fit(four_features, {}); }), "precast::trainer: the data set has 4 features per sample, but the network's input takes 3");
        const auto values = dataset<double>::with_targets(std::vector<double>(6, 0.0), 3, std::vector<double>(4, 0.0), 2);
        EXPECT_EQ(error_of([&] { t.fit(values, {}); }),
                  "precast::trainer: the loss softmax_cross_entropy takes class labels, but the data set has real-valued targets");
        const auto three_classes = dataset<double>::with_labels(std::vector<double>(6, 0.0), 3, {0, 2}, 3);
        EXPECT_EQ(error_of([&] { (void)t.evaluate(three_classes); }),
                  "precast::trainer: the data set has 3 classes, but the network outputs only 2 values (one per class) on its last axis");
        trainer<4, small_net, mean_squared_error, gradient_descent> regression(net);
        const auto wide_targets = dataset<double>::with_targets(std::vector<double>(6, 0.0), 3, std::vector<double>(6, 0.0), 3);
        EXPECT_EQ(error_of([&] { regression.fit(wide_targets, {}); }),
                  "precast::trainer: the data set has 3 target values per sample, but the network outputs 2");
        EXPECT_EQ(error_of([&] { regression.fit(values, {.epochs = 0}); }), "precast::trainer::fit: epochs must be at least 1");
        EXPECT_EQ(error_of([&] { regression.fit(values, {.drop_last = true}); }),
                  "precast::trainer::fit: drop_last leaves no batch: the data set has 2 samples, fewer than the batch size 4");
    }

    TEST(trainer, stops_with_a_clear_error_when_the_loss_diverges)
    {
        // Targets of 1e150 and a learning rate of 1e10 overflow double within a few steps.
        const auto data = dataset<double>::with_targets({1, 2, 3, 4, 5, 6}, 3, {1e150, 1e150, 1e150, 1e150}, 2);
        small_net net;
        trainer<1, small_net, mean_squared_error, gradient_descent> t(net, {}, gradient_descent(1e10));
        const std::string message = error_of([&] { t.fit(data, {.epochs = 50, .shuffle = false}); });
        EXPECT_EQ(message.rfind("precast::trainer: the loss became infinite at step ", 0), 0u) << message;
        EXPECT_NE(message.find(" (epoch "), std::string::npos) << message;
        EXPECT_NE(message.find("; lower the learning rate, or check the data and the initialization"), std::string::npos) << message;
    }

    TEST(dataset, rejects_malformed_data_naming_the_problem)
    {
        using d = dataset<float>;
        EXPECT_EQ(error_of([] { (void)d::with_labels({1, 2, 3, 4, 5}, 2, {0, 1}, 2); }), "precast::dataset: 5 feature values do not divide into samples of 2");
        EXPECT_EQ(error_of([] { (void)d::with_labels({1, 2, 3, 4}, 2, {0}, 2); }), "precast::dataset: there are 2 samples but 1 labels");
        EXPECT_EQ(error_of([] { (void)d::with_labels({1, 2, 3, 4}, 2, {0, 7}, 3); }),
                  "precast::dataset: label 7 of sample 1 is out of range: the data set has 3 classes (0 to 2, or precast::ignore_label for a padded position)");
        EXPECT_EQ(error_of([] { (void)d::with_labels({1, 2, 3, std::nanf("")}, 2, {0, 1}, 2); }), "precast::dataset: feature 1 of sample 1 is NaN");
        EXPECT_EQ(error_of([] { (void)d::with_targets({1, 2, 3, 4}, 2, {0, INFINITY}, 1); }), "precast::dataset: target 0 of sample 1 is infinite");
        EXPECT_EQ(error_of([] { (void)d::with_targets({1, 2, 3, 4}, 2, {0, 1, 2}, 1); }),
                  "precast::dataset: there are 2 samples but 3 target values (1 per sample would be 2)");
        EXPECT_EQ(error_of([] { (void)d::with_targets({}, 2, {}, 1); }), "precast::dataset: it has no samples");
        EXPECT_EQ(error_of([] { (void)d::with_labels({1, 2}, 2, {0}, 1); }), "precast::dataset: a classification data set needs at least 2 classes, not 1");
        const auto ok = d::with_labels({1, 2, 3, 4}, 2, {0, 1}, 2);
        EXPECT_EQ(error_of([&] { (void)ok.split(1.0, 1); }), "precast::dataset: split fraction must be between 0 and 1 (exclusive), not 1");
    }
}
