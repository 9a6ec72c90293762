// frozen_network against the network: every layer kind, the register path and its fallback, non-finite inputs,
// the snapshot. (Apart from network_test.cpp and fusion_test.cpp so that the heavy files compile in parallel.)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    // The frozen snapshot computes what the network computes (up to summation order), at sizes that fill no
    // register exactly, with every kind of layer; and it keeps its snapshot until refreshed.
    template <class Net>
    void check_frozen_matches(std::uint64_t seed)
    {
        using T = typename Net::value_type;
        Net net(precast::glorot_normal{}, seed);
        precast::frozen_network<Net> frozen(net);
        // Two samples: network::forward at batch 1 of a small network runs the same batch-1 forms as the frozen
        // one, batch 2 the layers' own passes.
        typename Net::template workspace<2> ws;
        precast::random_engine rng(seed + 1);
        for (int sample = 0; sample < 20; ++sample)
        {
            std::vector<T> x(2 * Net::input_size);
            for (T& v : x)
            {
                v = static_cast<T>(rng.uniform(-1, 1));
            }
            const auto expected = net.forward(precast::matrix_view<const T, 2, Net::input_size>(x.data()), ws);
            const auto got = frozen(std::span<const T, Net::input_size>(x.data(), Net::input_size));
            for (std::size_t j = 0; j < Net::output_size; ++j)
            {
                EXPECT_NEAR(got[j], expected(0, j), 1e-5) << "sample " << sample << " output " << j;
            }
        }
    }

    TEST(frozen_network, matches_the_network_for_every_layer_kind)
    {
        check_frozen_matches<precast::network<precast::input<8>, precast::dense<16>, precast::tanh, precast::dense<16>, precast::tanh, precast::dense<1>>>(1);
        check_frozen_matches<precast::network<precast::input<2>, precast::dense<8>, precast::tanh, precast::dense<8>, precast::tanh, precast::dense<1>>>(2);
        check_frozen_matches<precast::network<precast::input<33, double>, precast::dense<17>, precast::relu, precast::dropout<0.5>,
                                              precast::dense<7, precast::no_bias>, precast::sigmoid, precast::dense<5>, precast::leaky_relu<>,
                                              precast::dense<3>, precast::elu<>, precast::dense<3>, precast::softmax>>(3);
        check_frozen_matches<precast::network<precast::input<1>, precast::dense<1>>>(4);
    }

    // Small networks keep the sample in registers from layer to layer (narrow registers for narrow layers, dot
    // products for layers of one to three outputs): every such shape, float and double, against the network.
    TEST(frozen_network, keeps_small_samples_in_registers_and_still_matches)
    {
        using namespace precast;
        using tiny_tanh = network<input<2>, dense<8>, precast::tanh, dense<8>, precast::tanh, dense<1>>;
        using narrow_outputs = network<input<5>, dense<3>, sigmoid, dense<2>, relu, dense<3>>;
        using in_double = network<input<3, double>, dense<9>, elu<>, dense<3>, precast::tanh, dense<1>>;
        using wide = network<input<40>, dense<33>, leaky_relu<>, dense<17>, precast::tanh, dense<4>>;
        static_assert(frozen_network<tiny_tanh>::keeps_samples_in_registers && frozen_network<narrow_outputs>::keeps_samples_in_registers &&
                      frozen_network<in_double>::keeps_samples_in_registers && frozen_network<wide>::keeps_samples_in_registers);
        // A layer without a register form (softmax), or a sample too large for registers, takes the buffers.
        static_assert(!frozen_network<network<input<4>, dense<3>, softmax>>::keeps_samples_in_registers);
        static_assert(!frozen_network<network<input<784>, dense<16>, relu, dense<10>>>::keeps_samples_in_registers);
        check_frozen_matches<tiny_tanh>(5);
        check_frozen_matches<narrow_outputs>(6);
        check_frozen_matches<in_double>(7);
        check_frozen_matches<wide>(8);
        check_frozen_matches<network<input<784>, dense<16>, relu, dense<10>>>(9);
    }

    // Non-finite inputs come out non-finite through the register path (nothing clamps a NaN into a number).
    TEST(frozen_network, passes_nan_and_infinity_through_the_register_path)
    {
        using namespace precast;
        using net_t = network<input<2>, dense<8>, precast::tanh, dense<8>, precast::tanh, dense<1>>;
        net_t net(glorot_uniform{}, 3);
        frozen_network<net_t> frozen(net);
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float with_nan[] = {0.5f, nan};
        EXPECT_TRUE(std::isnan(frozen(std::span<const float, 2>(with_nan))[0]));
        using linear = network<input<2>, dense<3>, dense<1>>;
        linear lin;
        lin.at<0>().parameters().fill(0.5f);
        lin.at<1>().parameters().fill(1.0f);
        frozen_network<linear> frozen_linear(lin);
        const float with_infinity[] = {std::numeric_limits<float>::infinity(), 1.0f};
        EXPECT_EQ(frozen_linear(std::span<const float, 2>(with_infinity))[0], std::numeric_limits<float>::infinity());
    }

    TEST(frozen_network, keeps_its_snapshot_until_refreshed)
    {
        using net_t = precast::network<precast::input<3>, precast::dense<2>>;
        net_t net;
        precast::frozen_network<net_t> frozen(net);
        const float x[] = {1, 2, 3};
        const float before = frozen(std::span<const float, 3>(x))[0];
        net.at<0>().parameters()[0] += 1.0f;  // w[0][0] += 1: output 0 grows by x[0] = 1
        EXPECT_EQ(frozen(std::span<const float, 3>(x))[0], before);
        frozen.refresh(net);
        EXPECT_NEAR(frozen(std::span<const float, 3>(x))[0], before + 1.0f, 1e-6f);
    }

    // ---- network::forward at batch 1 ------------------------------------------------------------------------------
    // A small network whose every layer has a register form runs its batch-1 inference passes on the frozen forms,
    // kept in the workspace (network/register_path.hpp). They must give the network's own function, follow every
    // change to the parameters however it is made, and leave the workspace as the layers' own passes do.

    // 2-3-1 with tanh, worked by hand in long double from the parameters as they are now.
    template <class Net>
    double by_hand(const Net& net, const double (&x)[2])
    {
        const auto w1 = net.template at<0>().weights();
        const auto b1 = net.template at<0>().bias();
        const auto w2 = net.template at<2>().weights();
        long double y = net.template at<2>().bias()[0];
        for (std::size_t o = 0; o < 3; ++o)
        {
            long double z = b1[o];
            for (std::size_t k = 0; k < 2; ++k)
            {
                z += static_cast<long double>(w1(o, k)) * x[k];
            }
            y += static_cast<long double>(w2(0, o)) * std::tanh(z);
        }
        return static_cast<double>(y);
    }

    using two_three_one = precast::network<precast::input<2, double>, precast::dense<3>, precast::tanh, precast::dense<1>>;

    double forward_one(two_three_one& net, two_three_one::workspace<1>& ws, const double (&x)[2])
    {
        ws.input()(0, 0) = x[0];
        ws.input()(0, 1) = x[1];
        return net.forward(ws)(0, 0);
    }

    TEST(network_forward_at_batch_1, follows_every_change_to_the_parameters)
    {
        two_three_one net(precast::glorot_uniform{}, 11);
        two_three_one::workspace<1> ws;
        const double x[2] = {0.75, -1.25};
        EXPECT_NEAR(forward_one(net, ws, x), by_hand(net, x), 1e-14);
        EXPECT_NEAR(forward_one(net, ws, x), by_hand(net, x), 1e-14);  // the same parameters again

        // A view taken before the passes, written between them (a weight swept by hand).
        auto w1 = net.at<0>().weights();
        for (const double value : {0.5, -2.0, 0.0, 3.25})
        {
            w1(1, 0) = value;
            EXPECT_NEAR(forward_one(net, ws, x), by_hand(net, x), 1e-14) << "w1(1, 0) = " << value;
        }
        // The last parameter (the output bias), through the network's flat vector.
        net.parameters()[two_three_one::parameter_count - 1] += 0.125;
        EXPECT_NEAR(forward_one(net, ws, x), by_hand(net, x), 1e-14);
        // A change far below float precision (2^-30 of a weight) still reaches the output.
        const double before = forward_one(net, ws, x);
        net.at<2>().weights()(0, 0) *= 1.0 + std::ldexp(1.0, -30);
        const double after = forward_one(net, ws, x);
        EXPECT_NE(before, after);
        EXPECT_NEAR(after, by_hand(net, x), 1e-14);
        // An optimizer step.
        precast::trainer<1, two_three_one, precast::mean_squared_error, precast::gradient_descent> t(net, {}, precast::gradient_descent(0.5));
        const double target[1] = {3.0};
        std::copy_n(x, 2, t.workspace().input().data());
        (void)t.step(precast::matrix_view<const double, 1, 1>(target));
        EXPECT_NEAR(forward_one(net, ws, x), by_hand(net, x), 1e-14);
        // A NaN weight gives NaN, and a finite one again a number.
        net.at<0>().bias()[2] = std::numeric_limits<double>::quiet_NaN();
        EXPECT_TRUE(std::isnan(forward_one(net, ws, x)));
        net.at<0>().bias()[2] = 0.25;
        EXPECT_NEAR(forward_one(net, ws, x), by_hand(net, x), 1e-14);
    }

    TEST(network_forward_at_batch_1, one_workspace_serves_several_networks)
    {
        two_three_one a(precast::glorot_uniform{}, 1);
        two_three_one b(precast::glorot_uniform{}, 2);
        two_three_one::workspace<1> ws;
        const double x[2] = {0.5, 0.25};
        for (int round = 0; round < 3; ++round)
        {
            EXPECT_NEAR(forward_one(a, ws, x), by_hand(a, x), 1e-14);
            EXPECT_NEAR(forward_one(b, ws, x), by_hand(b, x), 1e-14);
        }
        two_three_one::workspace<1> copied = ws;  // a copy keeps what it was built from
        EXPECT_NEAR(forward_one(a, copied, x), by_hand(a, x), 1e-14);
    }

    // Every layer's output is in the workspace as after the layers' own passes (batch 2, both rows the sample),
    // and a backward pass after it finds what it needs: the same gradients as after a training-mode pass.
    TEST(network_forward_at_batch_1, leaves_the_workspace_ready_for_backward)
    {
        using net_t = precast::network<precast::input<5, double>, precast::dense<9>, precast::elu<>, precast::dense<4>, precast::sigmoid, precast::dense<2>>;
        net_t net(precast::glorot_normal{}, 21);
        net_t::workspace<1> ws;
        net_t::workspace<2> reference;
        const double x[5] = {0.3, -0.7, 1.1, 0.05, -0.4};
        for (std::size_t k = 0; k < 5; ++k)
        {
            ws.input()(0, k) = reference.input()(0, k) = reference.input()(1, k) = x[k];
        }
        (void)net.forward(ws);
        (void)net.forward(reference);
        const auto same_values = [](auto one, auto two, const char* what) {
            for (std::size_t i = 0; i < one.size; ++i)
            {
                EXPECT_NEAR(one.data()[i], two.data()[i], 1e-14) << what << " value " << i;
            }
        };
        same_values(ws.activation<1>(), reference.activation<1>(), "dense<9>");
        same_values(ws.activation<2>(), reference.activation<2>(), "elu");
        same_values(ws.activation<3>(), reference.activation<3>(), "dense<4>");
        same_values(ws.activation<4>(), reference.activation<4>(), "sigmoid");
        same_values(ws.output(), reference.output(), "output");

        // d(sum of outputs)/d(everything), after this pass and after a training-mode pass (no dropout here: the
        // same function).
        std::fill_n(ws.output_gradient().data(), 2, 1.0);
        net.backward(ws, true);
        const std::vector<double> gradients(net.gradients().data(), net.gradients().data() + net_t::parameter_count);
        const std::vector<double> input_gradient(ws.input_gradient().data(), ws.input_gradient().data() + 5);
        (void)net.forward(ws, precast::mode::training);
        std::fill_n(ws.output_gradient().data(), 2, 1.0);
        net.backward(ws, true);
        for (std::size_t i = 0; i < gradients.size(); ++i)
        {
            EXPECT_NEAR(gradients[i], net.gradients()[i], 1e-14) << "parameter " << i;
        }
        for (std::size_t k = 0; k < 5; ++k)
        {
            EXPECT_NEAR(input_gradient[k], ws.input_gradient()(0, k), 1e-14) << "input " << k;
        }
    }
}
