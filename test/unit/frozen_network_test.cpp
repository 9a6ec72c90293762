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
        typename Net::template workspace<1> ws;
        precast::random_engine rng(seed + 1);
        for (int sample = 0; sample < 20; ++sample)
        {
            std::vector<T> x(Net::input_size);
            for (T& v : x)
            {
                v = static_cast<T>(rng.uniform(-1, 1));
            }
            const auto expected = net.forward(precast::matrix_view<const T, 1, Net::input_size>(x.data()), ws);
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
}
