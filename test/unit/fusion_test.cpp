// The dense layer's batch-1 path against a plain loop, and fused dense + activation steps against the layers run
// one by one. (Apart from network_test.cpp and frozen_network_test.cpp so that the heavy files compile in parallel.)
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
