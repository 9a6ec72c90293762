// The network's parameter arena and the blocks (sequential, residual, parallel): where parameters live, their
// names, what blocks compute (values worked out by hand), copies, files, and the frozen and streaming forms.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "support/reference_file.hpp"

#include "support/precast_under_test.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity
    using precast::tanh;

    template <class Net>
    std::vector<std::string> names_of()
    {
        std::vector<std::string> names;
        for (const parameter_tensor& t : Net::parameter_table)
        {
            names.emplace_back(t.name);
        }
        return names;
    }

    // Every trainable layer works on its slice of one block: layer I's parameters start at parameter_offset<I>.
    TEST(arena, layers_work_on_slices_of_the_networks_block)
    {
        using net_t = network<input<3>, dense<4>, relu, dense<2>>;
        net_t net(normal{0.0, 1.0}, 5);
        static_assert(net_t::parameter_count == 3 * 4 + 4 + 4 * 2 + 2);
        static_assert(net_t::parameter_offset<0> == 0 && net_t::parameter_offset<1> == 16 && net_t::parameter_offset<2> == 16);
        EXPECT_EQ(net.at<0>().parameters().data(), net.parameters().data());
        EXPECT_EQ(net.at<2>().parameters().data(), net.parameters().data() + 16);
        EXPECT_EQ(net.at<2>().gradients().data(), net.gradients().data() + 16);
        // Writing through the layer is writing the network's block, and back.
        net.at<2>().weights()(1, 3) = 7.5f;
        EXPECT_EQ(net.parameters()[16 + 1 * 4 + 3], 7.5f);
        net.parameters()[0] = -2.0f;
        EXPECT_EQ(net.at<0>().weights()(0, 0), -2.0f);
    }

    TEST(arena, a_copied_network_has_its_own_block_and_the_same_values)
    {
        using net_t = network<input<3>, dense<4>, tanh, residual<dense<4>, relu, dense<4>>, dense<1>>;
        net_t a(normal{0.0, 1.0}, 2);
        net_t b = a;
        EXPECT_NE(b.parameters().data(), a.parameters().data());
        EXPECT_TRUE(std::equal(a.parameters().data(), a.parameters().data() + net_t::parameter_count, b.parameters().data()));
        // Every layer of the copy, nested ones included, works on the copy's block.
        EXPECT_EQ(b.at<2>().body().at<2>().parameters().data(), b.parameters().data() + net_t::parameter_offset<2> + 4 * 4 + 4);
        b.parameters()[0] += 1.0f;
        EXPECT_NE(a.parameters()[0], b.parameters()[0]);
        // So does a moved one, and an assigned one keeps its own block.
        const float* before = b.parameters().data();
        net_t c = std::move(b);
        EXPECT_EQ(c.at<2>().body().at<0>().parameters().data(), c.parameters().data() + net_t::parameter_offset<2>);
        EXPECT_EQ(c.parameters()[0], a.parameters()[0] + 1.0f);
        EXPECT_EQ(c.parameters().data(), before);  // moved, not copied
        net_t d;
        const float* own = d.parameters().data();
        d = a;
        EXPECT_EQ(d.parameters().data(), own);
        EXPECT_EQ(d.at<2>().body().at<0>().parameters().data(), own + net_t::parameter_offset<2>);
        EXPECT_TRUE(std::equal(a.parameters().data(), a.parameters().data() + net_t::parameter_count, d.parameters().data()));
    }

    TEST(arena, a_layer_copied_out_of_a_network_owns_its_values)
    {
        network<input<2>, dense<3>> net(normal{0.0, 1.0}, 1);
        auto layer = net.at<0>();
        EXPECT_TRUE(layer.owns_parameters());
        EXPECT_FALSE(net.at<0>().owns_parameters());
        layer.parameters()[0] = 100.0f;
        EXPECT_NE(net.parameters()[0], 100.0f);
        // Assigning a layer copies values into the network's slice.
        net.at<0>() = layer;
        EXPECT_EQ(net.parameters()[0], 100.0f);
        EXPECT_FALSE(net.at<0>().owns_parameters());
    }

    // One optimizer step over the whole block does what a step per layer did: each element is updated alike.
    TEST(arena, one_step_over_the_block_equals_a_step_per_layer)
    {
        using net_t = network<input<5>, dense<7>, tanh, dense<3>>;
        net_t net(normal{0.0, 1.0}, 3);
        for (std::size_t i = 0; i < net_t::parameter_count; ++i)
        {
            net.gradients()[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
        }
        auto expected_first = net.at<0>().parameters().to_tensor();
        auto expected_second = net.at<2>().parameters().to_tensor();
        vector_optimizer<adam, float, 42> first(adam({.learning_rate = 0.01}));
        vector_optimizer<adam, float, 24> second(adam({.learning_rate = 0.01}));
        first.step(std::span<float, 42>(expected_first.data(), 42), std::span<const float, 42>(net.at<0>().gradients().data(), 42));
        second.step(std::span<float, 24>(expected_second.data(), 24), std::span<const float, 24>(net.at<2>().gradients().data(), 24));
        net_t::optimizer_state<adam> state;
        net.apply(adam({.learning_rate = 0.01}), state);
        for (std::size_t i = 0; i < 42; ++i)
        {
            EXPECT_EQ(net.at<0>().parameters()[i], expected_first.data()[i]) << i;
        }
        for (std::size_t i = 0; i < 24; ++i)
        {
            EXPECT_EQ(net.at<2>().parameters()[i], expected_second.data()[i]) << i;
        }
    }

    // Names nest as PyTorch's state_dict nests module names.
    TEST(blocks, parameter_names_nest_as_pytorch_state_dict_names)
    {
        using net_t = network<input<4>, dense<8>, residual<dense<8>, relu, dense<8>>, relu, parallel<concat<>, dense<3>, sequential<dense<2>, tanh>>, dense<2>>;
        const std::vector<std::string> expected{"0.weights",
                                                "0.bias",
                                                "1.body.0.weights",
                                                "1.body.0.bias",
                                                "1.body.2.weights",
                                                "1.body.2.bias",
                                                "3.branches.0.weights",
                                                "3.branches.0.bias",
                                                "3.branches.1.0.weights",
                                                "3.branches.1.0.bias",
                                                "4.weights",
                                                "4.bias"};
        EXPECT_EQ(names_of<net_t>(), expected);
        // Offsets: each tensor right after the one before, in order.
        std::size_t next = 0;
        for (const parameter_tensor& t : net_t::parameter_table)
        {
            EXPECT_EQ(t.offset, next) << t.name;
            next += t.size();
        }
        EXPECT_EQ(next, net_t::parameter_count);
        EXPECT_EQ(std::string(net_t::parameter_table_local_names[2]), "body.0.weights");
        EXPECT_EQ(net_t::parameter_table_layers[2], 1U);
    }

    TEST(blocks, facts_sum_over_their_layers)
    {
        using body = sequential_layer<float, shape<6>, dense<5>, tanh, dense<6>>;
        using block = residual_layer<float, shape<6>, dense<5>, tanh, dense<6>>;
        static_assert(body::parameter_count == 6 * 5 + 5 + 5 * 6 + 6);
        static_assert(block::parameter_count == body::parameter_count);
        static_assert(body::forward_flops == dense_layer<float, shape<6>, 5>::forward_flops + 5 + dense_layer<float, shape<5>, 6>::forward_flops);
        static_assert(block::forward_flops == body::forward_flops + 6);
        // The values between the layers (and their gradients) and nothing else: the block's input and output
        // belong to the network.
        static_assert(body::workspace_bytes<4> == 2 * 4 * (5 + 5) * sizeof(float));
        static_assert(block::workspace_bytes<4> == body::workspace_bytes<4> + 4 * 6 * sizeof(float));
        static_assert(trainable_layer<body> && trainable_layer<block> && composite_layer<block> && positionwise_layer<block>);
        static_assert(!trainable_layer<sequential_layer<float, shape<3>, relu, tanh>> && layer<sequential_layer<float, shape<3>, relu, tanh>>);
        using net_t = network<input<6>, residual<dense<5>, tanh, dense<6>>, dense<2>>;
        static_assert(net_t::parameter_count == block::parameter_count + 14);
        static_assert(net_t::forward_flops_per_sample == block::forward_flops + dense_layer<float, shape<6>, 2>::forward_flops);
    }

    // y = x + W2 relu(W1 x + b1) + b2, worked by hand.
    TEST(blocks, residual_adds_the_input_to_the_body_output)
    {
        residual_layer<double, shape<2>, dense<2>, relu, dense<2>> block;
        auto& first = block.body().at<0>();
        auto& second = block.body().at<2>();
        first.weights()(0, 0) = 1.0;
        first.weights()(0, 1) = -1.0;
        first.weights()(1, 0) = 0.5;
        first.weights()(1, 1) = 0.5;
        first.bias()[0] = 0.0;
        first.bias()[1] = -2.0;
        second.weights()(0, 0) = 2.0;
        second.weights()(0, 1) = 1.0;
        second.weights()(1, 0) = 0.0;
        second.weights()(1, 1) = -1.0;
        second.bias()[0] = 0.25;
        second.bias()[1] = 0.5;
        const double x[2] = {3.0, 1.0};  // W1 x + b1 = (2, 0): relu (2, 0); W2 h + b2 = (4.25, 0.5)
        double y[2] = {};
        decltype(block)::workspace<1> ws;
        block.forward(batch_view<const double, 1, shape<2>>(x), batch_view<double, 1, shape<2>>(y), ws, mode::inference);
        EXPECT_DOUBLE_EQ(y[0], 3.0 + 4.25);
        EXPECT_DOUBLE_EQ(y[1], 1.0 + 0.5);
        // dx = dy + J^T dy: with dy = (1, 0), J^T dy = W1^T diag(relu') W2^T dy = W1^T (2, 0) = (2, -2).
        const double dy[2] = {1.0, 0.0};
        double dx[2] = {};
        block.backward(batch_view<const double, 1, shape<2>>(x), batch_view<const double, 1, shape<2>>(y), batch_view<const double, 1, shape<2>>(dy),
                       batch_view<double, 1, shape<2>>(dx), ws);
        EXPECT_DOUBLE_EQ(dx[0], 1.0 + 2.0);
        EXPECT_DOUBLE_EQ(dx[1], 0.0 - 2.0);
    }

    TEST(blocks, parallel_joins_by_hand)
    {
        // concat on the last axis of [2, 2]: branch 0 is x itself, branch 1 the row sums (a dense with weights 1).
        parallel_layer<double, shape<2, 2>, concat<>, identity, dense<1, no_bias>> side_by_side;
        side_by_side.at<1>().weights()(0, 0) = 1.0;
        side_by_side.at<1>().weights()(0, 1) = 1.0;
        static_assert(std::is_same_v<decltype(side_by_side)::output_shape, shape<2, 3>>);
        const double x[4] = {1.0, 2.0, 3.0, 4.0};
        double y[6] = {};
        decltype(side_by_side)::workspace<1> ws;
        side_by_side.forward(batch_view<const double, 1, shape<2, 2>>(x), batch_view<double, 1, shape<2, 3>>(y), ws, mode::inference);
        EXPECT_EQ(std::vector<double>(y, y + 6), (std::vector<double>{1.0, 2.0, 3.0, 3.0, 4.0, 7.0}));

        // concat on axis 0: [2, 2] on top of [2, 2] (x, then 2x).
        parallel_layer<double, shape<2, 2>, concat<0>, identity, dense<2, no_bias>> stacked;
        stacked.at<1>().weights()(0, 0) = 2.0;
        stacked.at<1>().weights()(0, 1) = 0.0;
        stacked.at<1>().weights()(1, 0) = 0.0;
        stacked.at<1>().weights()(1, 1) = 2.0;
        static_assert(std::is_same_v<decltype(stacked)::output_shape, shape<4, 2>>);
        double z[8] = {};
        decltype(stacked)::workspace<1> ws2;
        stacked.forward(batch_view<const double, 1, shape<2, 2>>(x), batch_view<double, 1, shape<4, 2>>(z), ws2, mode::inference);
        EXPECT_EQ(std::vector<double>(z, z + 8), (std::vector<double>{1.0, 2.0, 3.0, 4.0, 2.0, 4.0, 6.0, 8.0}));

        // add: x + relu(x).
        parallel_layer<double, shape<3>, add, identity, relu> summed;
        const double v[3] = {-1.0, 0.5, 2.0};
        double w[3] = {};
        decltype(summed)::workspace<1> ws3;
        summed.forward(batch_view<const double, 1, shape<3>>(v), batch_view<double, 1, shape<3>>(w), ws3, mode::inference);
        EXPECT_EQ(std::vector<double>(w, w + 3), (std::vector<double>{-1.0, 1.0, 4.0}));
        // dx = dy (identity) + dy * relu'(x).
        const double dv[3] = {1.0, 1.0, 1.0};
        double dx[3] = {};
        summed.backward(batch_view<const double, 1, shape<3>>(v), batch_view<const double, 1, shape<3>>(w), batch_view<const double, 1, shape<3>>(dv),
                        batch_view<double, 1, shape<3>>(dx), ws3);
        EXPECT_EQ(std::vector<double>(dx, dx + 3), (std::vector<double>{1.0, 2.0, 2.0}));
    }

    // A block holding a list computes what the same layers compute in the network's own list, to the bit: the
    // same code (fusion included) runs on the same numbers.
    TEST(blocks, a_sequential_block_computes_what_its_layers_compute_in_the_list)
    {
        using flat = network<input<5>, dense<9>, relu, dense<4>, tanh, dense<3>>;
        using nested = network<input<5>, sequential<dense<9>, relu, dense<4>>, tanh, dense<3>>;
        static_assert(flat::parameter_count == nested::parameter_count);
        flat a(normal{0.0, 1.0}, 4);
        nested b;
        b.parameters() = a.parameters();  // the same order: layer after layer
        auto wa = std::make_unique<flat::workspace<6>>();
        auto wb = std::make_unique<nested::workspace<6>>();
        for (std::size_t i = 0; i < 6 * 5; ++i)
        {
            wa->input().data()[i] = wb->input().data()[i] = static_cast<float>(std::cos(static_cast<double>(i)));
        }
        a.forward(*wa, mode::training);
        b.forward(*wb, mode::training);
        EXPECT_TRUE(std::equal(wa->output().data(), wa->output().data() + 18, wb->output().data()));
        for (std::size_t i = 0; i < 18; ++i)
        {
            wa->output_gradient().data()[i] = wb->output_gradient().data()[i] = static_cast<float>(std::sin(static_cast<double>(i)));
        }
        a.backward(*wa, true);
        b.backward(*wb, true);
        EXPECT_TRUE(std::equal(a.gradients().data(), a.gradients().data() + flat::parameter_count, b.gradients().data()));
        EXPECT_TRUE(std::equal(wa->input_gradient().data(), wa->input_gradient().data() + 30, wb->input_gradient().data()));
    }

    // A block first in the network whose first layer is an activation: when the input gradient is not wanted,
    // the parameter gradients are the same as when it is.
    TEST(blocks, the_parameter_gradients_do_not_depend_on_whether_the_input_gradient_is_wanted)
    {
        using net_t = network<input<4, double>, residual<tanh, dense<4>>, parallel<add, sigmoid, dense<4>>, dense<2>>;
        net_t net(normal{0.0, 1.0}, 9);
        auto ws = std::make_unique<net_t::workspace<3>>();
        for (std::size_t i = 0; i < 12; ++i)
        {
            ws->input().data()[i] = 0.1 * static_cast<double>(i) - 0.5;
        }
        const std::vector<double> dy{0.5, -1.0, 0.25, 2.0, -0.75, 1.5};
        std::vector<std::vector<double>> gradients;
        for (const bool wanted : {true, false})
        {
            net.forward(*ws, mode::training);
            std::copy(dy.begin(), dy.end(), ws->output_gradient().data());
            net.gradients().fill(std::nan(""));
            net.backward(*ws, wanted);
            gradients.emplace_back(net.gradients().data(), net.gradients().data() + net_t::parameter_count);
        }
        EXPECT_EQ(gradients[0], gradients[1]);
        for (const double g : gradients[1])
        {
            EXPECT_FALSE(std::isnan(g));
        }
    }

    TEST(blocks, the_fingerprint_sees_the_layers_inside_a_block)
    {
        using with_relu = network<input<4>, residual<dense<4>, relu, dense<4>>>;
        using with_tanh = network<input<4>, residual<dense<4>, tanh, dense<4>>>;
        using as_sequential = network<input<4>, sequential<dense<4>, relu, dense<4>>>;
        static_assert(with_relu::parameter_count == with_tanh::parameter_count);
        EXPECT_NE(architecture_fingerprint<with_relu>, architecture_fingerprint<with_tanh>);
        EXPECT_NE(architecture_fingerprint<with_relu>, architecture_fingerprint<as_sequential>);
    }

    TEST(blocks, model_and_npz_files_round_trip_with_nested_names)
    {
        using net_t = network<input<3>, residual<dense<3>, tanh, dense<3>>, parallel<concat<>, dense<2>, dense<1>>>;
        const net_t saved(normal{0.0, 1.0}, 11);
        const auto dir = std::filesystem::temp_directory_path() / ("precast_blocks_test_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        save_model(dir / "m.precast", saved);
        net_t loaded(normal{0.0, 1.0}, 12);
        load_model(dir / "m.precast", loaded);
        EXPECT_TRUE(std::equal(saved.parameters().data(), saved.parameters().data() + net_t::parameter_count, loaded.parameters().data()));
        save_npz(dir / "m.npz", saved);
        // A zip stores its entries' names as plain text.
        std::ifstream in(dir / "m.npz", std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (const char* name : {"0.body.0.weights.npy", "0.body.0.bias.npy", "0.body.2.weights.npy", "0.body.2.bias.npy", "1.branches.0.weights.npy",
                                 "1.branches.0.bias.npy", "1.branches.1.weights.npy", "1.branches.1.bias.npy"})
        {
            EXPECT_NE(bytes.find(name), std::string::npos) << name;
        }
        net_t from_npz(normal{0.0, 1.0}, 13);
        load_npz(dir / "m.npz", from_npz);
        EXPECT_TRUE(std::equal(saved.parameters().data(), saved.parameters().data() + net_t::parameter_count, from_npz.parameters().data()));
        std::filesystem::remove_all(dir);
    }

    TEST(blocks, frozen_and_streaming_forms_match_the_batch_forward_pass)
    {
        // Frozen: a block runs its own forward pass at batch 1.
        using mlp = network<input<6>, residual<dense<6>, tanh, dense<6>>, parallel<add, dense<3>, dense<3>>, sigmoid>;
        const mlp net(normal{0.0, 1.0}, 14);
        frozen_network<mlp> frozen(net);
        std::array<float, 6> x{0.1f, -0.2f, 0.3f, 0.7f, -0.9f, 0.05f};
        mlp copy = net;
        const auto expected = copy.predict(std::span<const float, 6>(x));
        const auto got = frozen(std::span<const float, 6>(x));
        for (std::size_t i = 0; i < 3; ++i)
        {
            EXPECT_NEAR(got[i], expected.data()[i], 1e-6f) << i;
        }

        // Streaming: position-wise blocks between recurrent layers run a step at a time.
        using seq = network<input_of<shape<5, 3>>, gru<4>, residual<dense<4>, tanh, dense<4>>, dense<2>>;
        seq recurrent(normal{0.0, 0.5}, 15);
        std::vector<float> xs(15);
        for (std::size_t i = 0; i < xs.size(); ++i)
        {
            xs[i] = static_cast<float>(std::sin(0.7 * static_cast<double>(i)));
        }
        const auto full = recurrent.predict(std::span<const float, 15>(xs.data(), 15));
        streaming_network<seq> stream(recurrent);
        for (std::size_t t = 0; t < 5; ++t)
        {
            const auto step = stream.step(std::span<const float, 3>(xs.data() + 3 * t, 3));
            for (std::size_t o = 0; o < 2; ++o)
            {
                EXPECT_NEAR(step[o], full.data()[t * 2 + o], 1e-5f) << t << "," << o;
            }
        }
    }

    // ---- against PyTorch (test/reference/blocks_reference.py wrote test/data/blocks_reference.txt) ----------------

    // PyTorch's state_dict name of a precast parameter: "weights" is PyTorch's "weight".
    std::string pytorch_name(std::string name)
    {
        const std::string suffix = ".weights";
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        {
            name.resize(name.size() - 1);
        }
        return name;
    }

    TEST(blocks, a_residual_and_a_parallel_block_match_pytorch)
    {
        using net_t = network<input_of<shape<3, 4>, double>, dense<5>, residual<dense<7>, tanh, dense<5>>, tanh,
                              parallel<concat<>, dense<2>, sequential<dense<3>, sigmoid>>, dense<2>>;
        constexpr std::size_t B = 2;
        const auto ref = precast_test::read_reference(std::string(PRECAST_TEST_DATA_DIR) + "/blocks_reference.txt");
        ASSERT_EQ(ref.at("batch")[0], static_cast<double>(B));
        net_t net;
        for (const parameter_tensor& t : net_t::parameter_table)
        {
            const auto& values = ref.at(pytorch_name(t.name));
            ASSERT_EQ(values.size(), t.size()) << t.name;
            std::copy(values.begin(), values.end(), net.parameters().data() + t.offset);
        }
        auto ws = std::make_unique<net_t::workspace<B>>();
        const auto& x = ref.at("x");
        std::copy(x.begin(), x.end(), ws->input().data());
        const auto y = net.forward(*ws, mode::training);
        const auto& expected_y = ref.at("y");
        ASSERT_EQ(expected_y.size(), B * net_t::output_size);
        for (std::size_t i = 0; i < expected_y.size(); ++i)
        {
            EXPECT_NEAR(y.data()[i], expected_y[i], 1e-12) << "y[" << i << "]";
        }
        const auto& r = ref.at("r");
        std::copy(r.begin(), r.end(), ws->output_gradient().data());
        net.backward(*ws, true);
        for (const parameter_tensor& t : net_t::parameter_table)
        {
            const auto& expected = ref.at(pytorch_name(t.name) + ".grad");
            for (std::size_t i = 0; i < t.size(); ++i)
            {
                EXPECT_NEAR(net.gradients()[t.offset + i], expected[i], 1e-12) << t.name << "[" << i << "]";
            }
        }
        const auto& dx = ref.at("x.grad");
        for (std::size_t i = 0; i < dx.size(); ++i)
        {
            EXPECT_NEAR(ws->input_gradient().data()[i], dx[i], 1e-12) << "dx[" << i << "]";
        }
    }
}
