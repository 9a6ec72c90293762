// A training step allocates nothing: global operator new is replaced by a counting one, and 100 steps of
// forward + loss + backward + optimizer update must leave the count unchanged.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "support/counting_operator_new.hpp"
#include "support/precast_under_test.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    template <class Net, class Loss, std::size_t B, class Optimizer = gradient_descent>
    std::size_t allocations_in_100_steps(const std::vector<typename Net::value_type>& x, auto targets, Optimizer optimizer = gradient_descent(0.01))
    {
        auto net = std::make_unique<Net>(he_normal{}, 1);
        trainer<B, Net, Loss, Optimizer> t(*net, {}, optimizer);
        std::copy(x.begin(), x.end(), t.workspace().input().data());
        (void)t.step(targets);  // the first step after construction, too
        const std::size_t before = precast_test::allocations.load();
        for (int i = 0; i < 99; ++i)
        {
            (void)t.step(targets);
        }
        return precast_test::allocations.load() - before;
    }

    TEST(training_step, allocates_nothing_for_an_mlp_with_dropout_and_softmax_cross_entropy)
    {
        using net_t = network<input<784>, dense<256>, relu, dropout<0.2>, dense<128>, precast::tanh, dense<10>>;
        std::vector<float> x(32 * 784, 0.5f);
        std::vector<label_type> labels(32);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            labels[i] = static_cast<label_type>(i % 10);
        }
        const std::size_t before = precast_test::allocations.load();
        const std::size_t during = allocations_in_100_steps<net_t, softmax_cross_entropy, 32>(x, std::span<const label_type, 32>(labels.data(), 32));
        EXPECT_EQ(during, 0u);
        EXPECT_GT(precast_test::allocations.load(), before);  // construction did allocate: the counter works
    }

    TEST(training_step, allocates_nothing_for_a_double_network_with_every_activation_and_a_value_loss)
    {
        using net_t = network<input<17, double>, dense<33>, sigmoid, dense<7>, leaky_relu<>, dense<7>, elu<>, dense<3>, softmax>;
        std::vector<double> x(4 * 17, 0.25);
        std::vector<double> targets(4 * 3, 0.0);
        targets[0] = targets[4] = targets[8] = targets[9] = 1.0;
        EXPECT_EQ((allocations_in_100_steps<net_t, categorical_cross_entropy, 4>(x, matrix_view<const double, 4, 3>(targets.data()))), 0u);
    }

    // Blocks: a residual block with dropout inside, and a parallel of a chain and a dense layer, trained with Adam.
    TEST(training_step, allocates_nothing_for_blocks)
    {
        using net_t = network<input<12>, dense<16>, residual<dense<16>, relu, dropout<0.25>, dense<16>>, precast::tanh,
                              parallel<concat<>, dense<4>, sequential<dense<8>, sigmoid, dense<3>>>, dense<5>>;
        std::vector<float> x(8 * 12, 0.5f);
        std::vector<label_type> labels(8);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            labels[i] = static_cast<label_type>(i % 5);
        }
        EXPECT_EQ((allocations_in_100_steps<net_t, softmax_cross_entropy, 8, adam>(x, std::span<const label_type, 8>(labels.data(), 8), adam())), 0u);
    }

    // A CNN: im2col's columns, max pooling's sources, the grouped GEMMs and batch_norm's statistics live in the
    // workspace and the network.
    TEST(training_step, allocates_nothing_for_a_cnn)
    {
        using net_t = network<input_of<shape<12, 12, 1>>, conv2d<6, 3, same>, relu, max_pool2d<2>, conv2d<12, 3, depthwise>, prelu<per_channel>, avg_pool2d<2>,
                              flatten, dense<5>>;
        using tcn_t = network<input_of<shape<16, 2>, double>, conv1d<4, 3, causal, dilation<2>, no_bias>, batch_norm<>, relu, conv1d<4, 1>, upsample<2>,
                              global_avg_pool, dense<3>>;
        std::vector<float> x(8 * 144, 0.5f);
        std::vector<double> xd(8 * 32, 0.25);
        std::vector<label_type> labels(8);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            x[i * 144 + i * 7] = 1.0f;
            labels[i] = static_cast<label_type>(i % 3);
        }
        EXPECT_EQ((allocations_in_100_steps<net_t, softmax_cross_entropy, 8, adam>(x, std::span<const label_type, 8>(labels.data(), 8), adam())), 0u);
        EXPECT_EQ((allocations_in_100_steps<tcn_t, softmax_cross_entropy, 8>(xd, std::span<const label_type, 8>(labels.data(), 8))), 0u);
    }

    // Every optimizer (and a schedule and clipping around one): the state is allocated with the trainer, and
    // no update allocates.
    TEST(training_step, allocates_nothing_with_any_optimizer)
    {
        using net_t = network<input<33>, dense<65>, relu, dense<9>>;
        std::vector<float> x(8 * 33, 0.5f);
        std::vector<label_type> labels(8);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            labels[i] = static_cast<label_type>(i % 9);
        }
        const std::span<const label_type, 8> targets(labels.data(), 8);
        auto check = [&](const auto& optimizer) {
            using optimizer_type = std::remove_cvref_t<decltype(optimizer)>;
            EXPECT_EQ((allocations_in_100_steps<net_t, softmax_cross_entropy, 8, optimizer_type>(x, targets, optimizer)), 0u) << optimizer_type::name;
        };
        check(gradient_descent(0.01));
        check(momentum());
        check(nesterov_momentum());
        check(adagrad());
        check(adadelta());
        check(rmsprop({.learning_rate = 0.01, .momentum = 0.9, .centered = true}));
        check(adam({.learning_rate = 0.001, .amsgrad = true}));
        check(adamw());
        check(adamax());
        check(nadam());
        check(ftrl());
        check(proximal_gradient_descent());
        check(proximal_adagrad());
        check(adagrad_da());
        check(clip_by_global_norm<scheduled<adam, linear_warmup<cosine_decay>>>({adam(), linear_warmup<cosine_decay>(10, cosine_decay(100))}, 1.0));
        check(any_optimizer::named("nadam", 0.002));  // its state is made by the first step; none after
    }

    TEST(training_step, inference_allocates_nothing)
    {
        using net_t = network<input<8>, dense<16>, precast::tanh, dense<16>, precast::tanh, dense<1>>;
        const net_t net;
        net_t copy = net;
        net_t::workspace<1> ws;
        const std::size_t before = precast_test::allocations.load();
        float sum = 0;
        for (int i = 0; i < 1000; ++i)
        {
            ws.input()(0, static_cast<std::size_t>(i % 8)) = static_cast<float>(i) * 1e-3f;
            if (i % 10 == 0)
            {
                // A batch-1 pass rebuilds its forms after a change to the parameters (network/register_path.hpp).
                copy.parameters()[static_cast<std::size_t>(i) % net_t::parameter_count] += 1e-3f;
            }
            sum += copy.forward(ws)(0, 0);
        }
        EXPECT_EQ(precast_test::allocations.load() - before, 0u);
        EXPECT_TRUE(std::isfinite(sum));
        // A layer whose batch-1 form holds heap blocks (W^T of 40 x 40 floats): made with the workspace.
        using wider_t = network<input<40>, dense<40>, precast::tanh, dense<1>>;
        wider_t wider(glorot_uniform{}, 2);
        wider_t::workspace<1> wider_ws;
        const std::size_t before_wider = precast_test::allocations.load();
        for (int i = 0; i < 100; ++i)
        {
            wider.parameters()[static_cast<std::size_t>(i)] += 1e-3f;
            sum += wider.forward(wider_ws)(0, 0);
        }
        EXPECT_EQ(precast_test::allocations.load() - before_wider, 0u);

        precast::frozen_network<net_t> frozen(net);
        const std::size_t before_frozen = precast_test::allocations.load();
        float x[8] = {};
        for (int i = 0; i < 1000; ++i)
        {
            x[i % 8] = static_cast<float>(i) * 1e-3f;
            sum += frozen(std::span<const float, 8>(x))[0];
        }
        EXPECT_EQ(precast_test::allocations.load() - before_frozen, 0u);
    }

    // Recurrent layers: every step of BPTT works in the workspace made with the trainer (batches below and above
    // the GEMM threshold of the per-step products, a stateful stack, one label per step).
    TEST(training_step, allocates_nothing_for_recurrent_networks)
    {
        using lstm_net = network<input_of<shape<6, 3>>, lstm<5, stateful>, gru<7>, dense<3>>;
        using rnn_net = network<input_of<shape<5, 3>, double>, rnn<7, relu>, lstm<5, last_step>, dense<2>>;
        std::vector<float> x(4 * 6 * 3, 0.25f);
        std::vector<label_type> labels(4 * 6);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            labels[i] = static_cast<label_type>(i % 3);
        }
        EXPECT_EQ((allocations_in_100_steps<lstm_net, softmax_cross_entropy, 4, adam>(x, std::span<const label_type, 24>(labels.data(), 24), adam())), 0u);
        std::vector<double> xd(2 * 15, 0.5);
        std::vector<label_type> two{0, 1};
        EXPECT_EQ((allocations_in_100_steps<rnn_net, softmax_cross_entropy, 2>(xd, std::span<const label_type, 2>(two.data(), 2))), 0u);
    }

    // A GPT of token ids: embeddings, causal attention with dropout on its weights, normalizations, a GELU MLP.
    using gpt_t = network<tokens<16, 20>, embedding<20, 16, padding_id<0>>, position_embedding<>,
                          residual<layer_norm<>, multi_head_attention<4, causal, attention_dropout<0.1>>>, residual<rms_norm<>, dense<32>, gelu<>, dense<16>>,
                          layer_norm<>, dense<20>>;

    TEST(training_step, allocates_nothing_for_a_transformer)
    {
        std::vector<float> ids(4 * 16);
        std::vector<label_type> next(4 * 16);
        for (std::size_t i = 0; i < ids.size(); ++i)
        {
            ids[i] = static_cast<float>(i * 7 % 20);
            next[i] = static_cast<label_type>((i * 7 + 1) % 20);
        }
        EXPECT_EQ((allocations_in_100_steps<gpt_t, softmax_cross_entropy, 4, adamw>(ids, std::span<const label_type, 64>(next.data(), 64), adamw())), 0u);
    }

    TEST(streaming, generating_a_token_allocates_nothing)
    {
        const gpt_t net(glorot_uniform{}, 2);
        streaming_network<gpt_t> stream(net);
        const std::size_t before = precast_test::allocations.load();
        float sum = 0;
        token_id next = 1;
        for (int i = 0; i < 160; ++i)
        {
            const auto scores = stream.step(next);
            next = static_cast<token_id>(std::max_element(scores.begin(), scores.end()) - scores.begin());
            sum += scores[0];
            if (stream.steps() == 16)
            {
                stream.reset();
            }
        }
        EXPECT_EQ(precast_test::allocations.load() - before, 0u);
        EXPECT_TRUE(std::isfinite(sum));
    }

    TEST(streaming, a_step_allocates_nothing)
    {
        // Causal convolutions (their rings of past inputs) with a batch_norm folded in, PReLU, and recurrent layers after them.
        using net_t = network<input_of<shape<64, 1>>, conv1d<8, 3, causal, dilation<2>, no_bias>, batch_norm<>, prelu<per_channel>, gru<16>, lstm<8>, dense<1>>;
        const net_t net(glorot_uniform{}, 1);
        streaming_network<net_t> stream(net);
        const std::size_t before = precast_test::allocations.load();
        float sum = 0;
        for (int i = 0; i < 1000; ++i)
        {
            const float x = static_cast<float>(i % 17) * 0.05f;
            sum += stream.step(std::span<const float, 1>(&x, 1))[0];
            if (i % 100 == 99)
            {
                stream.reset();
            }
        }
        // A block of steps at once (process): the same.
        std::array<float, 64> block{};
        for (std::size_t i = 0; i < block.size(); ++i)
        {
            block[i] = static_cast<float>(i % 13) * 0.05f;
        }
        for (int i = 0; i < 20; ++i)
        {
            stream.process(block, block);
        }
        EXPECT_EQ(precast_test::allocations.load() - before, 0u);
        EXPECT_TRUE(std::isfinite(sum));
        EXPECT_TRUE(std::isfinite(block[63]));
    }
}
