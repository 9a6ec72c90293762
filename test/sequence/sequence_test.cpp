// Recurrent layers in networks: stacks and heads on the last axis gradient-check end to end; streaming (one
// step at a time) equals the batch forward pass; a stateful network over consecutive windows equals one pass
// over the whole sequence; the trainer resets streams and refuses to shuffle them; a PyTorch model's .npz loads
// and computes what PyTorch computed, and saves back.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/precast_under_test.hpp"
#include "support/reference.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace)

    using precast_test::random_vector;

    template <class From, class To>
    void copy_parameters(const From& from, To& to)
    {
        from.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& layer) {
            if constexpr (From::template is_trainable<I>)
            {
                std::copy_n(layer.parameters().data(), layer.parameters().size, to.template at<I>().parameters().data());
            }
        });
    }

    // ---- whole networks against finite differences -----------------------------------------------------------------

    TEST(sequence_networks, stacked_lstms_with_a_per_step_head_gradient_check)
    {
        using net_t = network<input_of<shape<5, 3>, double>, lstm<4>, gru<5>, rnn<3, relu>, dense<4>>;
        const net_t net(glorot_uniform{}, 3);
        const auto x = random_vector<double>(2 * 15, 1);
        const std::array<label_type, 10> labels{0, 1, 2, 3, 3, 2, 1, 0, 1, 1};
        const auto r = check_network<net_t, softmax_cross_entropy, 2>(net, {}, batch_view<const double, 2, shape<5, 3>>(x.data()),
                                                                      std::span<const label_type, 10>(labels));
        EXPECT_TRUE(r.passed()) << r.subject << ": " << r.max_error();
    }

    // A cell written against the previous version's 8 and 12 positional pointers still runs: an LSTM
    // cell behind that form computes what lstm_cell does, forward and backward, to the bit.
    struct positional_lstm_cell
    {
        static constexpr std::size_t gates = 4;
        static constexpr bool has_cell_state = true;
        static constexpr const char* name = "positional_lstm";
        template <scalar T, bool KeepGates = true>
        static void forward_row(std::size_t n, T* gates_row, const T* recurrent, const T* h_prev, const T* c_prev, T* h, T* c, T* c_tanh) noexcept
        {
            lstm_cell<>::forward_row<T, KeepGates>(n, cell_forward_rows<T>{gates_row, recurrent, h_prev, c_prev, h, c, c_tanh});
        }
        template <scalar T>
        static void backward_row(std::size_t n, const T* gates_row, const T* recurrent, const T* h_prev, const T* c_prev, const T* h, const T* c_tanh,
                                 const T* dh, T* dc, T* dz_input, T* dz_recurrent, T* dh_prev) noexcept
        {
            lstm_cell<>::backward_row<T>(n, cell_backward_rows<T>{gates_row, recurrent, h_prev, c_prev, h, c_tanh, dh, dc, dz_input, dz_recurrent, dh_prev});
        }
    };
    struct positional_lstm
    {
        template <scalar T, static_shape In>
        using bind = recurrent_layer<positional_lstm_cell, T, In, 4, sequence_output::every_step, false>;
    };

    TEST(recurrent_cell, a_cell_of_positional_rows_still_runs)
    {
        using modern_net = network<input_of<shape<5, 3>>, lstm<4>, dense<2>>;
        using legacy_net = network<input_of<shape<5, 3>>, positional_lstm, dense<2>>;
        const modern_net modern(glorot_uniform{}, 7);
        legacy_net legacy;
        legacy.parameters() = modern.parameters();
        auto modern_ws = std::make_unique<modern_net::workspace<2>>();
        auto legacy_ws = std::make_unique<legacy_net::workspace<2>>();
        const auto x = random_vector<float>(2 * 15, 8);
        std::copy(x.begin(), x.end(), modern_ws->input().data());
        std::copy(x.begin(), x.end(), legacy_ws->input().data());
        const std::array<label_type, 10> labels{0, 1, 1, 0, 1, 0, 0, 1, 1, 1};
        modern_net trained_modern = modern;
        const double modern_loss = precast::compute_gradients(trained_modern, *modern_ws, softmax_cross_entropy{}, std::span<const label_type, 10>(labels));
        const double legacy_loss = precast::compute_gradients(legacy, *legacy_ws, softmax_cross_entropy{}, std::span<const label_type, 10>(labels));
        EXPECT_EQ(modern_loss, legacy_loss);
        for (std::size_t i = 0; i < modern_net::parameter_count; ++i)
        {
            ASSERT_EQ(trained_modern.gradients()[i], legacy.gradients()[i]) << "gradient " << i;
        }
        for (std::size_t i = 0; i < 2 * 5 * 2; ++i)
        {
            ASSERT_EQ(modern_ws->output().data()[i], legacy_ws->output().data()[i]) << "output " << i;
        }
    }

    TEST(sequence_networks, a_last_step_classifier_gradient_checks)
    {
        using net_t = network<input_of<shape<7, 2>, double>, dense<3>, precast::tanh, lstm<5, last_step, forget_bias<1.0>>, dense<2>>;
        const net_t net(glorot_uniform{}, 4);
        const auto x = random_vector<double>(3 * 14, 2);
        const std::array<label_type, 3> labels{1, 0, 1};
        const auto r =
            check_network<net_t, softmax_cross_entropy, 3>(net, {}, batch_view<const double, 3, shape<7, 2>>(x.data()), std::span<const label_type, 3>(labels));
        EXPECT_TRUE(r.passed()) << r.subject << ": " << r.max_error();
    }

    // ---- streaming ----------------------------------------------------------------------------------------------

    // Feeds each sample of a batch step by step and compares with the batch forward pass at every position.
    template <class Net, std::size_t B>
    double streaming_against_batch(const Net& net, std::uint64_t seed)
    {
        using T = typename Net::value_type;
        constexpr std::size_t steps = Net::input_shape::extents[0];
        constexpr std::size_t features = Net::input_shape::extents[1];
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        const auto x = random_vector<T>(B * steps * features, seed);
        Net copy = net;
        const auto y = copy.forward(batch_view<const T, B, typename Net::input_shape>(x.data()), *ws);
        streaming_network<Net> stream(net);
        constexpr std::size_t out = streaming_network<Net>::step_output_size;
        constexpr bool per_step = Net::output_shape::rank == 2;
        double worst = 0;
        for (std::size_t b = 0; b < B; ++b)
        {
            stream.reset();
            for (std::size_t t = 0; t < steps; ++t)
            {
                const auto o = stream.step(std::span<const T, features>(x.data() + (b * steps + t) * features, features));
                if (per_step || t + 1 == steps)
                {
                    for (std::size_t j = 0; j < out; ++j)
                    {
                        const T expected = per_step ? y.row(b)[t * out + j] : y.row(b)[j];
                        const double error = std::fabs(static_cast<double>(o[j]) - static_cast<double>(expected));
                        worst = std::isnan(error) ? INFINITY : std::max(worst, error);
                    }
                }
            }
        }
        return worst;
    }

    TEST(streaming_network, equals_the_batch_forward_pass_at_every_step)
    {
        using lstm_net = network<input_of<shape<9, 3>>, dense<5>, precast::tanh, lstm<17>, lstm<6>, dense<3>, softmax>;
        using gru_net = network<input_of<shape<9, 1>>, gru<8>, dense<1>>;
        using rnn_net = network<input_of<shape<4, 2>>, rnn<5, relu>, rnn<3>, dense<2>>;
        using double_net = network<input_of<shape<6, 3>, double>, gru<7>, lstm<5>, dense<2>>;
        EXPECT_LE((streaming_against_batch<lstm_net, 3>(lstm_net(glorot_uniform{}, 1), 11)), 2e-6);
        EXPECT_LE((streaming_against_batch<gru_net, 2>(gru_net(glorot_uniform{}, 2), 12)), 2e-6);
        EXPECT_LE((streaming_against_batch<rnn_net, 1>(rnn_net(glorot_uniform{}, 3), 13)), 2e-6);
        EXPECT_LE((streaming_against_batch<double_net, 2>(double_net(glorot_uniform{}, 4), 14)), 1e-14);
        // Ending in recurrent layers: the step's result is read from the last layer's own state.
        using recurrent_last = network<input_of<shape<7, 2>>, gru<5>, lstm<3>>;
        using recurrent_only = network<input_of<shape<5, 4>, double>, lstm<9>>;
        EXPECT_LE((streaming_against_batch<recurrent_last, 2>(recurrent_last(glorot_uniform{}, 5), 15)), 2e-6);
        EXPECT_LE((streaming_against_batch<recurrent_only, 2>(recurrent_only(glorot_uniform{}, 6), 16)), 1e-14);
    }

    TEST(streaming_network, a_last_step_network_outputs_at_the_last_step_what_the_batch_pass_does)
    {
        using net_t = network<input_of<shape<8, 2>>, gru<6, last_step>, dense<4>, relu, dense<1>>;
        EXPECT_LE((streaming_against_batch<net_t, 2>(net_t(glorot_uniform{}, 5), 15)), 2e-6);
        static_assert(streaming_network<net_t>::step_input_size == 2 && streaming_network<net_t>::step_output_size == 1);
    }

    TEST(streaming_network, reset_starts_a_new_sequence_and_refresh_takes_new_weights)
    {
        using net_t = network<input_of<shape<4, 2>>, lstm<3>, dense<1>>;
        net_t net(glorot_uniform{}, 6);
        streaming_network<net_t> stream(net);
        const std::array<float, 2> x{0.5f, -0.25f};
        const float first = stream.step(x)[0];
        const float second = stream.step(x)[0];
        EXPECT_NE(first, second);  // the state moved on
        stream.reset();
        EXPECT_EQ(stream.step(x)[0], first);
        net.at<1>().bias()[0] += 1.0f;
        stream.refresh(net);
        stream.reset();
        EXPECT_NEAR(stream.step(x)[0], first + 1.0f, 1e-6);
    }

    TEST(streaming_network, process_runs_a_block_of_steps_as_step_does_one_by_one)
    {
        using net_t = network<input_of<shape<6, 2>>, lstm<5>, dense<3>>;
        const net_t net(glorot_uniform{}, 7);
        const auto x = random_vector<float>(2 * 11, 17);
        streaming_network<net_t> one_by_one(net);
        std::vector<float> expected(3 * 11);
        for (std::size_t t = 0; t < 11; ++t)
        {
            const auto y = one_by_one.step(std::span<const float, 2>(x.data() + 2 * t, 2));
            std::copy(y.begin(), y.end(), expected.begin() + static_cast<std::ptrdiff_t>(3 * t));
        }
        streaming_network<net_t> blocks(net);
        std::vector<float> got(3 * 11);
        // Blocks of 4, 0, 7 steps: the state carries from one block to the next.
        blocks.process(std::span<const float>(x.data(), 8), std::span<float>(got.data(), 12));
        blocks.process(std::span<const float>(), std::span<float>());
        blocks.process(std::span<const float>(x.data() + 8, 14), std::span<float>(got.data() + 12, 21));
        EXPECT_EQ(got, expected);  // the same operations, so the same bits
        EXPECT_EQ(blocks.steps(), 11U);

        EXPECT_EQ(precast_test::error_of([&] { blocks.process(std::span<const float>(x.data(), 5), std::span<float>(got.data(), 6)); }),
                  "precast::streaming_network::process: the input holds 5 values and the output 6; a step takes 2 and gives 3, so the input must "
                  "hold whole steps and the output 3 values per step of it");
        EXPECT_EQ(precast_test::error_of([&] { blocks.process(std::span<const float>(x.data(), 4), std::span<float>(got.data(), 3)); }),
                  "precast::streaming_network::process: the input holds 4 values and the output 3; a step takes 2 and gives 3, so the input must "
                  "hold whole steps and the output 3 values per step of it");
        EXPECT_EQ(blocks.steps(), 11U);  // nothing ran

        // One value in and one out per step: an audio buffer processed in place.
        using effect = network<input_of<shape<64, 1>>, gru<6>, dense<1>>;
        const effect fx(glorot_uniform{}, 8);
        streaming_network<effect> reference(fx);
        streaming_network<effect> in_place(fx);
        std::vector<float> buffer = random_vector<float>(50, 18);
        std::vector<float> want(50);
        for (std::size_t t = 0; t < 50; ++t)
        {
            want[t] = reference.step(std::span<const float, 1>(buffer.data() + t, 1))[0];
        }
        in_place.process(buffer, buffer);
        EXPECT_EQ(buffer, want);

        // A network that attends to at most 3 steps: a block past them runs the steps it can, then says so.
        using attending = network<input_of<shape<3, 4>>, multi_head_attention<2, causal>, dense<1>>;
        streaming_network<attending> cache(attending(glorot_uniform{}, 9));
        std::vector<float> outputs(5);
        EXPECT_EQ(precast_test::error_of([&] { cache.process(std::span<const float>(x.data(), 20), outputs); }),
                  "precast::streaming_network::process: this network attends to at most 3 steps (its input's), and this is step 4: call reset() "
                  "to start a new sequence, or keep the last steps and run them again");
        EXPECT_EQ(cache.steps(), 3U);
    }

    // ---- stateful layers: truncated backpropagation through time ---------------------------------------------------

    TEST(stateful_network, consecutive_windows_compute_what_one_pass_over_the_whole_sequence_does)
    {
        // Streams of 12 steps in windows of 4: the stateful network's outputs, window after window, are the
        // whole-sequence network's outputs.
        using whole = network<input_of<shape<12, 2>, double>, lstm<5>, gru<4>, dense<3>>;
        using windowed = network<input_of<shape<4, 2>, double>, lstm<5, stateful>, gru<4, stateful>, dense<3>>;
        static_assert(windowed::has_recurrent_state && !whole::has_recurrent_state);
        const whole reference(glorot_uniform{}, 7);
        windowed net;
        copy_parameters(reference, net);
        const auto x = random_vector<double>(2 * 12 * 2, 8);
        whole reference_copy = reference;
        auto whole_ws = std::make_unique<whole::workspace<2>>();
        const auto expected = reference_copy.forward(batch_view<const double, 2, shape<12, 2>>(x.data()), *whole_ws);
        auto ws = std::make_unique<windowed::workspace<2>>();
        for (int pass = 0; pass < 2; ++pass)  // the second pass after reset_state repeats the first
        {
            net.reset_state(*ws);
            double worst = 0;
            for (std::size_t w = 0; w < 3; ++w)
            {
                for (std::size_t b = 0; b < 2; ++b)
                {
                    std::copy_n(x.data() + b * 24 + w * 8, 8, ws->input().row(b).data());
                }
                const auto y = net.forward(*ws, mode::training);
                for (std::size_t b = 0; b < 2; ++b)
                {
                    for (std::size_t i = 0; i < 12; ++i)
                    {
                        worst = std::max(worst, std::fabs(y.row(b)[i] - expected.row(b)[w * 12 + i]));
                    }
                }
            }
            EXPECT_LE(worst, 1e-14) << "pass " << pass;
        }
    }

    TEST(stateful_network, the_trainer_refuses_to_shuffle_streams_and_trains_windows_in_order)
    {
        using net_t = network<input_of<shape<3, 2>, double>, gru<4, stateful>, dense<2>>;
        net_t net(glorot_uniform{}, 9);
        trainer<2, net_t, softmax_cross_entropy, adam> t(net, {}, adam(0.01));
        const auto data = dataset<double>::with_labels(random_vector<double>(4 * 6, 10), 6, {0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1}, 2, 3);
        try
        {
            (void)t.fit(data, {.epochs = 1});
            FAIL() << "shuffling a stateful network was accepted";
        }
        catch (const std::invalid_argument& e)
        {
            EXPECT_EQ(std::string(e.what()),
                      "precast::trainer::fit: the network has a stateful recurrent layer, whose batch k + 1 continues the streams of batch k (row b of each "
                      "batch is the next window of stream b); shuffling would break the streams: pass fit_options{.shuffle = false}");
        }
        // In order, two epochs from the same start state are reproducible: each epoch resets the streams.
        net_t twin = net;
        trainer<2, net_t, softmax_cross_entropy, adam> t2(twin, {}, adam(0.01));
        const auto h1 = t.fit(data, {.epochs = 1, .shuffle = false});
        const auto h2 = t2.fit(data, {.epochs = 1, .shuffle = false});
        EXPECT_EQ(h1[0].train.loss, h2[0].train.loss);
        const auto e1 = t.evaluate(data);
        const auto e2 = t.evaluate(data);  // evaluate starts from zero state each time
        EXPECT_EQ(e1.loss, e2.loss);
    }

    // ---- PyTorch .npz ---------------------------------------------------------------------------------------------

    std::vector<double> reference_array(const std::string& case_name, const std::string& array)
    {
        std::ifstream in(std::string(PRECAST_TEST_DATA_DIR) + "/recurrent_reference.txt");
        std::string line;
        bool in_case = false;
        while (std::getline(in, line))
        {
            if (line.rfind("case ", 0) == 0)
            {
                in_case = line.rfind("case " + case_name + " ", 0) == 0;
                continue;
            }
            std::istringstream header(line);
            std::string name;
            std::size_t count = 0;
            header >> name >> count;
            std::string values_line;
            std::getline(in, values_line);
            if (in_case && name == array)
            {
                std::istringstream values(values_line);
                std::vector<double> v(count);
                for (double& x : v)
                {
                    values >> x;
                }
                return v;
            }
        }
        throw std::runtime_error("no array " + array + " in case " + case_name);
    }

    TEST(recurrent_npz, a_pytorch_lstm_and_linear_load_compute_what_pytorch_computed_and_save_back)
    {
        using net_t = network<input_of<shape<5, 3>, double>, lstm<6>, dense<4>>;
        auto net = std::make_unique<net_t>();
        load_npz(std::filesystem::path(PRECAST_TEST_DATA_DIR) / "pytorch_lstm_linear.npz", *net);
        const auto x = reference_array("npz_lstm_linear", "x0");
        const auto expected = reference_array("npz_lstm_linear", "y");
        auto ws = std::make_unique<net_t::workspace<2>>();
        const auto y = net->forward(batch_view<const double, 2, shape<5, 3>>(x.data()), *ws);
        for (std::size_t i = 0; i < expected.size(); ++i)
        {
            EXPECT_NEAR(y.flat()[i], expected[i], 1e-12) << i;
        }
        const auto path = std::filesystem::temp_directory_path() / "precast_lstm_round_trip.npz";
        save_npz(path, *net);
        auto again = std::make_unique<net_t>(glorot_uniform{}, 99);
        load_npz(path, *again);
        std::filesystem::remove(path);
        EXPECT_TRUE(std::equal(net->at<0>().parameters().span().begin(), net->at<0>().parameters().span().end(), again->at<0>().parameters().span().begin()));
        // A GRU of the same sizes has other shapes: refused, naming the tensor.
        using gru_net = network<input_of<shape<5, 3>, double>, gru<6>, dense<4>>;
        auto wrong = std::make_unique<gru_net>();
        try
        {
            load_npz(std::filesystem::path(PRECAST_TEST_DATA_DIR) / "pytorch_lstm_linear.npz", *wrong);
            FAIL() << "an LSTM's tensors loaded into a GRU";
        }
        catch (const std::exception& e)
        {
            EXPECT_NE(std::string(e.what()).find("0.weight_ih"), std::string::npos) << e.what();
        }
    }
}
