// frozen_network against the network, and fused dense + activation steps against the layers run one by one.
// (Apart from network_test.cpp so that the two heavy files compile in parallel.)
#include <pthread.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <iterator>
#include <limits>
#include <cstddef>
#include <memory>
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
        check_frozen_matches<precast::network<precast::input<33, double>, precast::dense<17>, precast::relu, precast::dropout<0.5>, precast::dense<7, precast::no_bias>,
                                              precast::sigmoid, precast::dense<5>, precast::leaky_relu<>, precast::dense<3>, precast::elu<>, precast::dense<3>, precast::softmax>>(3);
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

    // The dense layer's few-row path (rows held in registers, one dot product per output) against a plain loop in
    // double, at lengths below, at and past a register, with and without the activation fused behind it.
    template <std::size_t In, std::size_t Out, std::size_t B>
    void check_small_batch_dense(std::uint64_t seed)
    {
        using namespace precast;
        using net_t = network<input<In>, dense<Out>, precast::tanh>;
        net_t net(glorot_uniform{}, seed);
        typename net_t::template workspace<B> ws;
        random_engine rng(seed);
        for (std::size_t i = 0; i < B * In; ++i)
        {
            ws.input().data()[i] = static_cast<float>(rng.uniform(-2, 2));
        }
        const auto y = net.forward(ws);
        const auto w = net.template at<0>().weights();
        const auto bias = net.template at<0>().bias();
        for (std::size_t r = 0; r < B; ++r)
        {
            for (std::size_t o = 0; o < Out; ++o)
            {
                double z = bias[o];
                for (std::size_t k = 0; k < In; ++k)
                {
                    z += static_cast<double>(ws.input().data()[r * In + k]) * static_cast<double>(w(o, k));
                }
                EXPECT_NEAR(ws.template activation<1>().data()[r * Out + o], z, 1e-5) << "pre-activation, row " << r << " output " << o;
                EXPECT_NEAR(y.data()[r * Out + o], std::tanh(z), 1e-6) << "row " << r << " output " << o;
            }
        }
    }

    TEST(dense_layer, few_rows_match_a_plain_loop)
    {
        check_small_batch_dense<2, 8, 1>(1);
        check_small_batch_dense<3, 1, 1>(2);
        check_small_batch_dense<8, 16, 1>(3);
        check_small_batch_dense<17, 5, 2>(4);
        check_small_batch_dense<40, 33, 3>(5);
        check_small_batch_dense<16, 3, 1>(6);
        check_small_batch_dense<16, 16, 1>(7);
        check_small_batch_dense<32, 20, 2>(8);
        check_small_batch_dense<4, 6, 3>(9);
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

namespace
{
    // The network runs a vectorized activation inside the neighbouring dense layer's GEMMs. Running every layer
    // on its own, through the layers' public forward/backward, must leave the same workspace and parameter
    // gradients: fusion changes where the activation runs, not what it computes. (Bit for bit with clang; g++
    // contracts a*b + c into FMAs differently in the two inlining contexts, so the check allows a few ulps.)
    template <class Net, std::size_t B>
    void check_fusion_changes_nothing(std::uint64_t seed)
    {
        using T = typename Net::value_type;
        Net fused(precast::glorot_normal{}, seed);
        Net separate = fused;
        typename Net::template workspace<B> fused_ws;
        typename Net::template workspace<B> separate_ws;
        precast::random_engine rng(seed);
        for (std::size_t i = 0; i < B * Net::input_size; ++i)
        {
            fused_ws.input().data()[i] = separate_ws.input().data()[i] = static_cast<T>(rng.uniform(-2, 2));
        }
        for (std::size_t i = 0; i < B * Net::output_size; ++i)
        {
            fused_ws.output_gradient().data()[i] = separate_ws.output_gradient().data()[i] = static_cast<T>(rng.uniform(-1, 1));
        }
        fused.forward(fused_ws, precast::mode::training);
        fused.backward(fused_ws, true);

        constexpr std::size_t depth = Net::depth;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (separate.template at<I>().forward(std::as_const(separate_ws).template activation<I>(), separate_ws.template activation<I + 1>(),
                                               separate_ws.template layer_workspace<I>(), precast::mode::training),
             ...);
            (separate.template at<depth - 1 - I>().backward(
                 std::as_const(separate_ws).template activation<depth - 1 - I>(), std::as_const(separate_ws).template activation<depth - I>(),
                 std::as_const(separate_ws).template gradient<depth - I>(), separate_ws.template gradient<depth - 1 - I>(),
                 separate_ws.template layer_workspace<depth - 1 - I>()),
             ...);
            auto same = [](const auto& a, const auto& b, const char* what, std::size_t layer) {
                for (std::size_t i = 0; i < a.size; ++i)
                {
                    const T tolerance = 16 * std::numeric_limits<T>::epsilon() * std::max(T(1), std::abs(b.data()[i]));
                    ASSERT_NEAR(a.data()[i], b.data()[i], tolerance) << what << " " << layer << " element " << i << " (B = " << B << ")";
                }
            };
            (same(fused_ws.template activation<I + 1>(), separate_ws.template activation<I + 1>(), "activation", I + 1), ...);
            (same(std::as_const(fused_ws).template gradient<I>(), std::as_const(separate_ws).template gradient<I>(), "gradient", I), ...);
            auto same_parameter_gradients = [&]<std::size_t L>(std::integral_constant<std::size_t, L>) {
                if constexpr (Net::template is_trainable<L>)
                {
                    const auto& a = fused.template at<L>().gradients();
                    const auto& b = separate.template at<L>().gradients();
                    for (std::size_t i = 0; i < a.size; ++i)
                    {
                        const T tolerance = 16 * std::numeric_limits<T>::epsilon() * std::max(T(1), std::abs(b[i]));
                        ASSERT_NEAR(a[i], b[i], tolerance) << "parameter gradient " << i << " of layer " << L << " (B = " << B << ")";
                    }
                }
            };
            (same_parameter_gradients(std::integral_constant<std::size_t, I>{}), ...);
        }(std::make_index_sequence<depth>{});
    }

    TEST(network, fused_dense_and_activation_steps_compute_what_the_separate_layers_compute)
    {
        using namespace precast;  // NOLINT(google-build-using-namespace): test brevity
        using precast::tanh;
        // Every fusable activation, after and before dense layers, an activation first, widths that leave partial
        // registers and partial GEMM tiles, batch sizes on the dot-product path (1) and the GEMM path (7, 32).
        using float_net = network<input<13>, tanh, dense<17>, relu, dense<33>, sigmoid, dense<9>, elu<>, dense<50>, leaky_relu<>, dense<5>, softmax>;
        using double_net = network<input<13, double>, sigmoid, dense<17>, tanh, dense<33>, relu, dense<9>, leaky_relu<>, dense<26>, elu<>, dense<5>>;
        static_assert(float_net::activation_fused_before<1> && float_net::activation_fused_after<1> && float_net::activation_fused_after<7>);
        static_assert(!float_net::activation_fused_after<9>, "softmax is not elementwise");
        check_fusion_changes_nothing<float_net, 1>(1);
        check_fusion_changes_nothing<float_net, 7>(2);
        check_fusion_changes_nothing<float_net, 32>(3);
        check_fusion_changes_nothing<double_net, 1>(4);
        check_fusion_changes_nothing<double_net, 9>(5);
        check_fusion_changes_nothing<double_net, 32>(6);
    }
}
