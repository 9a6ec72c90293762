#include <pthread.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

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

#include <stdexcept>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity
    using precast::tanh;

    using mlp = network<input<784>, dense<256>, relu, dense<10>>;

    // Specs bind to the size before them; the type is the architecture.
    static_assert(std::is_same_v<mlp::layer_type<0>, dense_layer<float, precast::shape<784>, 256>>);
    static_assert(std::is_same_v<mlp::layer_type<1>, relu_layer<float, precast::shape<256>>>);
    static_assert(std::is_same_v<mlp::layer_type<2>, dense_layer<float, precast::shape<256>, 10>>);
    static_assert(mlp::depth == 3 && mlp::input_size == 784 && mlp::output_size == 10);
    static_assert(mlp::sizes == std::array<std::size_t, 4>{784, 256, 256, 10});
    static_assert(std::is_same_v<mlp::value_type, float>);
    static_assert(std::is_same_v<network<input<4, double>, dense<2>>::layer_type<0>, dense_layer<double, precast::shape<4>, 2>>);

    // A concrete layer whose input size matches may stand in the list too.
    using mixed = network<input<8>, dense_layer<float, precast::shape<8>, 3>, sigmoid, dense<5, no_bias>>;
    static_assert(std::is_same_v<mixed::layer_type<2>, dense_layer<float, precast::shape<3>, 5, false>>);

    // Facts on the type, worked by hand for 784-512-512-512-10 (ReLU): weights + biases per dense layer.
    using deep = network<input<784>, dense<512>, relu, dense<512>, relu, dense<512>, relu, dense<10>>;
    static_assert(deep::parameter_count == (784 * 512 + 512) + 2 * (512 * 512 + 512) + (512 * 10 + 10));
    static_assert(deep::parameter_count == 932362);
    static_assert(deep::parameter_bytes == 932362 * 4);
    // Forward: 2 In Out + Out per dense layer, 1 per value per ReLU. Backward: 4 In Out + Out per dense, 1 per value per ReLU.
    static_assert(deep::forward_flops_per_sample == (2 * 784 * 512 + 512) + 2 * (2 * 512 * 512 + 512) + (2 * 512 * 10 + 10) + 3 * 512);
    static_assert(deep::backward_flops_per_sample == (4 * 784 * 512 + 512) + 2 * (4 * 512 * 512 + 512) + (4 * 512 * 10 + 10) + 3 * 512);
    // Training workspace at B = 32: activations and their gradients (2 x 32 x (784 + 6 x 512 + 10) floats) + parameter gradients.
    static_assert(deep::training_workspace_bytes<32> == 2 * 32 * (784 + 6 * 512 + 10) * 4 + 932362 * 4);
    // The network object itself is small: the parameters live in heap blocks.
    static_assert(sizeof(deep) < 256);

    void* run_deep_network_on_small_stack(void* out)
    {
        deep net(he_normal{}, 3);  // a local variable, 3.7 MB of parameters
        deep::workspace<32> ws;    // a local variable, 1.2 MB of activations
        for (std::size_t i = 0; i < 32 * 784; ++i)
        {
            ws.input().data()[i] = static_cast<float>(i % 7) * 0.1f;
        }
        const auto y = net.forward(ws, mode::inference);
        *static_cast<float*>(out) = y(31, 9);
        return nullptr;
    }

    TEST(network, a_784_512_512_512_10_network_and_its_workspace_live_on_a_256_KiB_stack)
    {
        pthread_attr_t attributes;
        ASSERT_EQ(pthread_attr_init(&attributes), 0);
        ASSERT_EQ(pthread_attr_setstacksize(&attributes, 256 * 1024), 0);
        float result = std::nanf("");
        pthread_t thread;
        ASSERT_EQ(pthread_create(&thread, &attributes, run_deep_network_on_small_stack, &result), 0);
        ASSERT_EQ(pthread_join(thread, nullptr), 0);
        pthread_attr_destroy(&attributes);
        EXPECT_TRUE(std::isfinite(result));
    }

    // A 2-2-1 network with weights set by hand; its output computed by hand.
    TEST(network, forward_composes_the_layers)
    {
        network<input<2, double>, dense<2>, relu, dense<1>> net;
        const double first[] = {1, -1, 2, 1, 0, -1};  // W = [[1 -1] [2 1]], b = [0 -1]
        const double second[] = {3, -2, 0.5};         // W = [[3 -2]], b = [0.5]
        std::copy(std::begin(first), std::end(first), net.at<0>().parameters().data());
        std::copy(std::begin(second), std::end(second), net.at<2>().parameters().data());
        const double x[] = {2, 1, -1, 3};
        decltype(net)::workspace<2> ws;
        const auto y = net.forward(matrix_view<const double, 2, 2>(x), ws);
        // Sample 1: hidden = relu([1, 4]) = [1, 4]; y = 3 - 8 + 0.5. Sample 2: hidden = relu([-4, 0]) = [0, 0]; y = 0.5.
        EXPECT_DOUBLE_EQ(y(0, 0), -4.5);
        EXPECT_DOUBLE_EQ(y(1, 0), 0.5);
    }

    // Results must not depend on the batch size: batch 7 at once equals 7 batches of 1, up to the rounding of
    // different summation orders (batch 7 goes through the GEMM, batch 1 through dot products).
    TEST(network, batch_of_seven_equals_seven_batches_of_one)
    {
        using net_t = network<input<5>, dense<4>, tanh, dense<3>, softmax>;
        const net_t net(glorot_normal{}, 21);
        net_t copy = net;
        random_engine rng(2);
        std::vector<float> x(7 * 5);
        for (float& v : x)
        {
            v = static_cast<float>(rng.uniform(-1, 1));
        }
        net_t::workspace<7> ws7;
        net_t::workspace<1> ws1;
        const auto y7 = copy.forward(matrix_view<const float, 7, 5>(x.data()), ws7);
        for (std::size_t b = 0; b < 7; ++b)
        {
            const auto y1 = copy.forward(matrix_view<const float, 1, 5>(x.data() + 5 * b), ws1);
            for (std::size_t j = 0; j < 3; ++j)
            {
                EXPECT_NEAR(y1(0, j), y7(b, j), 1e-6f);
            }
        }
    }

    TEST(network, the_same_seed_gives_the_same_weights_and_another_seed_others)
    {
        const mlp a(xavier_normal{}, 5);
        const mlp b(xavier_normal{}, 5);
        const mlp c(xavier_normal{}, 6);
        const auto& wa = a.at<0>().parameters();
        EXPECT_TRUE(std::equal(wa.data(), wa.data() + wa.size, b.at<0>().parameters().data()));
        EXPECT_FALSE(std::equal(wa.data(), wa.data() + wa.size, c.at<0>().parameters().data()));
        // Biases start at zero; the default constructor is Glorot-uniform from seed 0.
        EXPECT_EQ(a.at<2>().bias()[3], 0.0f);
        const mlp d;
        const mlp e(glorot_uniform{}, 0);
        EXPECT_EQ(d.at<2>().weights()(9, 255), e.at<2>().weights()(9, 255));
    }

    TEST(network, backward_gives_the_input_gradient_only_when_asked)
    {
        using net_t = network<input<3, double>, dense<2>, sigmoid>;
        net_t net(normal{0, 1}, 1);
        net_t::workspace<1> ws;
        const double x[] = {0.5, -0.5, 1.0};
        net.forward(matrix_view<const double, 1, 3>(x), ws, mode::training);
        ws.output_gradient()(0, 0) = 1.0;
        ws.output_gradient()(0, 1) = 0.0;
        std::fill_n(ws.gradient<0>().data(), 3, 42.0);
        net.backward(ws);
        EXPECT_EQ(ws.gradient<0>()(0, 0), 42.0);  // untouched, and not offered as the input gradient
        EXPECT_THROW((void)ws.input_gradient(), std::logic_error);
        net.backward(ws, true);
        // d y0 / d x_i = y0 (1 - y0) W[0][i]
        const double y0 = ws.output()(0, 0);
        for (std::size_t i = 0; i < 3; ++i)
        {
            EXPECT_NEAR(ws.input_gradient()(0, i), y0 * (1 - y0) * net.at<0>().weights()(0, i), 1e-15);
        }
    }
}

namespace
{
    unsigned control_register()
    {
#if defined(__x86_64__)
        return _mm_getcsr() & ~0x3Fu;  // the control bits; the low six are sticky exception flags any operation may raise
#else
        return 0;
#endif
    }

    // 1e-20 x 1e-20 = 1e-40 is subnormal in float (the smallest normal is 1.2e-38): flushed to 0 by default,
    // kept when flushing is off; the caller's floating-point control state is the same before and after.
    TEST(network, flushes_subnormal_results_to_zero_by_default_and_restores_the_caller_state)
    {
#if !defined(__x86_64__)
        GTEST_SKIP() << "denormal control is implemented for x86-64 only";
#else
        using net_t = precast::network<precast::input<1>, precast::dense<1, precast::no_bias>>;
        net_t net;
        net.at<0>().parameters()[0] = 1e-20f;
        net_t::workspace<1> ws;
        ws.input()(0, 0) = 1e-20f;
        const unsigned before = control_register();
        EXPECT_EQ(net.forward(ws)(0, 0), 0.0f);
        EXPECT_EQ(control_register(), before);

        precast::set_flush_denormals(false);
        const float kept = net.forward(ws)(0, 0);
        precast::set_flush_denormals(true);
        EXPECT_GT(kept, 0.0f);
        EXPECT_LT(kept, std::numeric_limits<float>::min());
        EXPECT_EQ(control_register(), before);
#endif
    }

    // The scope keeps the caller's mode with FTZ and DAZ added per thread: a caller that changes its own mode
    // between calls (here: rounding towards zero, then FTZ alone, then back) gets that mode back each time, and
    // every pass still flushes.
    TEST(network, restores_each_caller_mode_when_the_caller_changes_it_between_passes)
    {
#if !defined(__x86_64__)
        GTEST_SKIP() << "denormal control is implemented for x86-64 only";
#else
        using net_t = precast::network<precast::input<1>, precast::dense<1, precast::no_bias>>;
        net_t net;
        net.at<0>().parameters()[0] = 1e-20f;
        net_t::workspace<1> ws;
        ws.input()(0, 0) = 1e-20f;
        const unsigned original = _mm_getcsr() & ~0x3Fu;
        const unsigned toward_zero = (original & ~0x6000u) | 0x6000u;  // rounding control bits 13-14: 11
        const unsigned ftz_only = (original & ~0x8040u) | 0x8000u;
        // 0.1f x 3 rounds differently to nearest and towards zero: the pass must run in the caller's rounding mode.
        net_t rounding;
        rounding.at<0>().parameters()[0] = 0.1f;
        net_t::workspace<1> three;
        three.input()(0, 0) = 3.0f;
        const auto product_in = [](unsigned mode) {
            _mm_setcsr(mode);
            volatile float a = 0.1f, b = 3.0f;
            const float p = a * b;
            return p;
        };
        ASSERT_NE(product_in(toward_zero), product_in(original));
        for (const unsigned mode : {toward_zero, ftz_only, original, toward_zero, original})
        {
            const float expected = product_in(mode);
            EXPECT_EQ(net.forward(ws)(0, 0), 0.0f) << "mode " << mode;
            EXPECT_EQ(control_register(), mode & ~0x3Fu);
            EXPECT_EQ(rounding.forward(three)(0, 0), expected) << "mode " << mode;
            EXPECT_EQ(control_register(), mode & ~0x3Fu);
        }
        _mm_setcsr(original);
#endif
    }
}
