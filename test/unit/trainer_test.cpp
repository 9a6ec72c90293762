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
        const auto history = t.fit(train, {.epochs = 60, .seed = 4, .validation = test});
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

    // ---- the epoch judge: best epoch, early stopping, plateau (sequences worked by hand) -------------------------

    std::vector<epoch_judge::verdict> judge_losses(const epoch_judge& judge, std::vector<double> losses, bool validation = false)
    {
        epoch_judge::progress progress;
        std::vector<epoch_judge::verdict> verdicts;
        for (const double loss : losses)
        {
            epoch_report r;
            (validation ? r.validation : r.train).loss = loss;
            (validation ? r.validation : r.train).accuracy = 1.0 - loss;
            verdicts.push_back(judge.judge(r, progress));
        }
        return verdicts;
    }

    TEST(epoch_judge, stops_after_patience_epochs_without_improvement)
    {
        // Improvements at epochs 1 and 2; 3, 4 and 5 are not better than 0.9: with patience 3, stop after 5.
        const epoch_judge judge(monitor::train_loss, {.patience = 3}, {}, false, true, "loss");
        const auto v = judge_losses(judge, {1.0, 0.9, 0.95, 0.92, 0.91});
        const bool best[] = {true, true, false, false, false};
        const bool stop[] = {false, false, false, false, true};
        for (std::size_t e = 0; e < v.size(); ++e)
        {
            EXPECT_EQ(v[e].best, best[e]) << "epoch " << e + 1;
            EXPECT_EQ(v[e].stop, stop[e]) << "epoch " << e + 1;
            EXPECT_FALSE(v[e].lower_learning_rate);
        }
        // min_delta: 0.99 after 1.0 is better, but not by more than 0.05, so it does not reset the count.
        const epoch_judge strict(monitor::train_loss, {.patience = 1, .min_delta = 0.05}, {}, false, true, "loss");
        const auto w = judge_losses(strict, {1.0, 0.99});
        EXPECT_TRUE(w[1].best);
        EXPECT_TRUE(w[1].stop);
    }

    TEST(epoch_judge, lowers_the_learning_rate_on_a_plateau_and_waits_again)
    {
        // Epochs 3 and 4 do not improve on 0.9: lower after 4; 5 starts a new count; 6 improves.
        const epoch_judge judge(monitor::train_loss, {}, {.patience = 2, .factor = 0.5}, false, true, "loss");
        const auto v = judge_losses(judge, {1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.86});
        const bool lower[] = {false, false, false, true, false, false, false, true};
        for (std::size_t e = 0; e < v.size(); ++e)
        {
            EXPECT_EQ(v[e].lower_learning_rate, lower[e]) << "epoch " << e + 1;
            EXPECT_FALSE(v[e].stop);
        }
    }

    TEST(epoch_judge, accuracy_is_better_higher_and_the_automatic_monitor_prefers_validation)
    {
        // validation_accuracy = 1 - loss here: 0.5, 0.7, 0.6: epoch 2 is the best.
        const epoch_judge judge(monitor::validation_accuracy, {.patience = 1}, {}, true, true, "loss");
        const auto v = judge_losses(judge, {0.5, 0.3, 0.4}, true);
        EXPECT_TRUE(v[1].best);
        EXPECT_FALSE(v[2].best);
        EXPECT_TRUE(v[2].stop);
        EXPECT_EQ(epoch_judge(monitor::automatic, {}, {}, true, true, "loss").watched(), monitor::validation_loss);
        EXPECT_EQ(epoch_judge(monitor::automatic, {}, {}, false, true, "loss").watched(), monitor::train_loss);
    }

    TEST(epoch_judge, a_fit_that_cannot_judge_fails_before_training)
    {
        const auto data = labelled(20);
        small_net net(glorot_uniform{}, 1);
        trainer<4, small_net, softmax_cross_entropy, gradient_descent> t(net);
        EXPECT_EQ(precast_test::error_of([&] { t.fit(data, {.monitor = monitor::validation_loss}); }),
                  "precast::trainer::fit: monitor is validation_loss, but there is no validation set (fit_options::validation)");
        EXPECT_EQ(precast_test::error_of([&] { t.fit(data, {.on_plateau = {.patience = 2, .factor = 1.5}}); }),
                  "precast::trainer::fit: on_plateau.factor is 1.500000; it must be between 0 and 1 (the learning rate is multiplied by it)");
        EXPECT_EQ(t.steps(), 0u);
        using regression = network<input<3, double>, dense<1>>;
        regression r;
        trainer<4, regression, mean_squared_error, gradient_descent> tr(r);
        const auto values = dataset<double>::with_targets(std::vector<double>(12, 0.5), 3, std::vector<double>(4, 1.0), 1);
        EXPECT_EQ(precast_test::error_of([&] { tr.fit(values, {.monitor = monitor::train_accuracy}); }),
                  "precast::trainer::fit: monitor is train_accuracy, but the loss mean_squared_error has no notion of a correct answer; monitor a loss");
        const auto float_data = dataset<float>::with_labels(std::vector<float>(12, 0.5f), 3, {0, 1, 0, 1}, 2);
        EXPECT_EQ(precast_test::error_of([&] { t.fit(data, {.validation = float_data}); }),
                  "precast::trainer::fit: the validation set (fit_options::validation) holds float values; this network's are double");
    }

    // In fit: a learning rate far too high makes the loss jump about, so the best epoch is not the last one.
    // restore_best ends with exactly the best epoch's parameters; stop_early ends the run; on_plateau's factor
    // shows in the reports.
    TEST(trainer, fit_restores_the_best_epoch_stops_early_and_lowers_the_rate_on_a_plateau)
    {
        const auto [train, validation] = labelled(200, 5).split(0.5, 3);
        small_net net(glorot_uniform{}, 3);
        trainer<8, small_net, softmax_cross_entropy, gradient_descent> t(net, {}, gradient_descent(40.0));
        std::vector<std::vector<double>> parameters_after;
        const auto history = t.fit(train, {.epochs = 12, .seed = 1, .validation = validation, .restore_best = true},
                                   [&](const epoch_report&) { parameters_after.emplace_back(net.parameters().span().begin(), net.parameters().span().end()); });
        ASSERT_EQ(history.size(), 12u);
        std::size_t best = 0;
        for (std::size_t e = 0; e < history.size(); ++e)
        {
            if (history[e].best)
            {
                best = e;
            }
        }
        ASSERT_LT(best, history.size() - 1) << "the last epoch was the best: the test cannot tell restoring from not restoring";
        for (std::size_t e = 0; e < history.size(); ++e)
        {
            EXPECT_GE(history[e].validation.loss, history[best].validation.loss) << "epoch " << e + 1 << " is better than the one marked best";
        }
        const std::vector<double> now(net.parameters().span().begin(), net.parameters().span().end());
        EXPECT_EQ(now, parameters_after[best]);
        EXPECT_NE(now, parameters_after.back());

        small_net again(glorot_uniform{}, 3);
        trainer<8, small_net, softmax_cross_entropy, gradient_descent> t2(again, {}, gradient_descent(40.0));
        const auto stopped = t2.fit(train, {.epochs = 40, .seed = 1, .validation = validation, .stop_early = {.patience = 2}});
        ASSERT_LT(stopped.size(), 40u);
        EXPECT_TRUE(stopped.back().stopping);
        EXPECT_FALSE(stopped.back().best);
        EXPECT_FALSE(stopped[stopped.size() - 2].best);

        small_net third(glorot_uniform{}, 3);
        trainer<8, small_net, softmax_cross_entropy, gradient_descent> t3(third, {}, gradient_descent(40.0));
        const auto lowered = t3.fit(train, {.epochs = 12, .seed = 1, .validation = validation, .on_plateau = {.patience = 1, .factor = 0.5}});
        double scale = 1.0;
        for (std::size_t e = 0; e < lowered.size(); ++e)
        {
            EXPECT_EQ(lowered[e].learning_rate_scale, scale) << "epoch " << e + 1;
            if (e > 0 && !lowered[e].best)
            {
                scale *= 0.5;  // patience 1: every epoch that does not improve lowers the rate for the next
            }
        }
        EXPECT_LT(scale, 1.0);
    }

    // The fourth argument still works (deprecated), and gives what the named option gives.
    TEST(trainer, the_validation_set_as_a_fourth_argument_still_works)
    {
        const auto [train, validation] = labelled(60, 7).split(0.5, 1);
        small_net a(glorot_uniform{}, 1), b(glorot_uniform{}, 1);
        trainer<8, small_net, softmax_cross_entropy, gradient_descent> ta(a), tb(b);
        const auto named = ta.fit(train, {.epochs = 2, .validation = validation});
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
        const auto pointer = tb.fit(train, {.epochs = 2}, nullptr, &validation);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
        ASSERT_EQ(pointer.size(), 2u);
        EXPECT_EQ(pointer[1].validation.loss, named[1].validation.loss);
        EXPECT_EQ(pointer[1].validation.samples, 30u);
    }

    // ---- metrics: worked by hand ----------------------------------------------------------------------------------

    // Scores (x0, x1, 0): the class is whichever is largest. Five samples, three right.
    TEST(metrics, confusion_matrix_of_a_network_gives_precision_and_recall_per_class)
    {
        using net_t = network<input<2, double>, dense<3>>;
        net_t net;
        net.parameters().fill(0.0);
        net.at<0>().weights()(0, 0) = 1.0;
        net.at<0>().weights()(1, 1) = 1.0;
        const auto data = dataset<double>::with_labels({2, 1, 0, 3, -1, -2, 1, 5, 4, 1}, 2, {0, 2, 2, 1, 1}, 3);
        const auto m = confusion_matrix_of(net, data);
        ASSERT_EQ(m.classes(), 3u);
        EXPECT_EQ(m.total(), 5u);
        const std::size_t expected[3][3] = {{1, 0, 0}, {1, 1, 0}, {0, 1, 1}};  // [actual][predicted]
        for (std::size_t a = 0; a < 3; ++a)
        {
            for (std::size_t p = 0; p < 3; ++p)
            {
                EXPECT_EQ(m.count(a, p), expected[a][p]) << a << " predicted as " << p;
            }
        }
        EXPECT_DOUBLE_EQ(m.accuracy(), 3.0 / 5.0);
        EXPECT_DOUBLE_EQ(m.precision(0), 0.5);
        EXPECT_DOUBLE_EQ(m.recall(0), 1.0);
        EXPECT_DOUBLE_EQ(m.precision(1), 0.5);
        EXPECT_DOUBLE_EQ(m.recall(1), 0.5);
        EXPECT_DOUBLE_EQ(m.precision(2), 1.0);
        EXPECT_DOUBLE_EQ(m.recall(2), 0.5);
        EXPECT_DOUBLE_EQ(m.f1(0), 2 * 0.5 * 1.0 / 1.5);
        EXPECT_DOUBLE_EQ(m.macro_f1(), (2.0 / 3.0 + 0.5 + 2.0 / 3.0) / 3.0);
        EXPECT_NE(m.to_string().find("accuracy 60.0 % of 5"), std::string::npos) << m.to_string();
    }

    TEST(metrics, a_class_nobody_predicted_has_no_precision_and_bad_input_is_named)
    {
        confusion_matrix m(3);
        m.add(0, 0);
        m.add(1, 0);
        EXPECT_TRUE(std::isnan(m.precision(2)));
        EXPECT_TRUE(std::isnan(m.recall(2)));
        EXPECT_DOUBLE_EQ(m.recall(1), 0.0);
        EXPECT_EQ(precast_test::error_of([&] { m.add(3, 0); }), "precast::confusion_matrix::add: class 3 of 3 classes (0 to 2)");
        EXPECT_EQ(precast_test::error_of([] { confusion_matrix one(1); }), "precast::confusion_matrix: 1 classes; a classification has at least 2");
        using net_t = network<input<2, double>, dense<3>>;
        net_t net;
        const auto values = dataset<double>::with_targets({1, 2}, 2, {0.5}, 1);
        EXPECT_EQ(precast_test::error_of([&] { (void)confusion_matrix_of(net, values); }),
                  "precast::confusion_matrix_of: the data set needs 2 features and 1 label(s) per sample for this network; it has 2 features and no labels");
    }
}
