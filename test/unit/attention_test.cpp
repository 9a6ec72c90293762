// The transformer's layers: their contract; each against PyTorch (test/reference/attention_reference.py wrote
// test/data/attention_reference.txt) in double within 1e-12; frozen and streaming forms compute what the network
// computes; NaN in the data stays visible.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/pytorch_parity.hpp"

#include "support/precast_under_test.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    template <class Spec, class In>
    using bound = typename Spec::template bind<double, In>;

    // ---- the contract -----------------------------------------------------------------------------------------------

    // Attention: PyTorch's nn.MultiheadAttention parameters, in its state_dict's order and names.
    using attention_t = bound<multi_head_attention<2, causal>, shape<5, 8>>;
    static_assert(trainable_layer<attention_t> && positioned_layer<attention_t> && layer_with_cost<attention_t>);
    static_assert(attention_t::parameter_count == 3 * 8 * 8 + 3 * 8 + 8 * 8 + 8 && attention_t::head_width == 4 && attention_t::is_causal);
    static_assert(std::string_view(attention_t::parameter_tensors[1].name) == "in_proj_bias" && attention_t::parameter_tensors[2].offset == 3 * 64 + 24);
    static_assert(bound<multi_head_attention<4, no_bias, attention_dropout<0.1>>, shape<3, 8>>::parameter_count == 4 * 64);
    static_assert(!layer_spec_for<multi_head_attention<2>, double, shape<8>>);  // a sequence, not a vector

    // GELU and SiLU are vectorized activations: fused into a neighbouring dense layer's GEMM, frozen, per position.
    static_assert(fusable_activation<bound<gelu<>, shape<5>>> && fusable_activation<bound<gelu<tanh_approximation>, shape<5>>> &&
                  fusable_activation<bound<silu, shape<5>>>);
    static_assert(std::string_view(bound<gelu<tanh_approximation>, shape<5>>::name) == "gelu_tanh");
    // The normalizations: over the last axis, per position, PyTorch's parameters and default epsilons.
    using sequence_norm = bound<layer_norm<>, shape<6, 8>>;
    static_assert(trainable_layer<sequence_norm> && positionwise_layer<sequence_norm> && !layer_with_statistics<sequence_norm>);
    static_assert(sequence_norm::parameter_count == 16 && sequence_norm::epsilon == 1e-5);
    static_assert(bound<layer_norm<no_bias, epsilon<1e-6>>, shape<8>>::parameter_count == 8 &&
                  bound<layer_norm<no_bias, epsilon<1e-6>>, shape<8>>::epsilon == 1e-6);
    static_assert(trainable_layer<bound<rms_norm<>, shape<6, 8>>> && positionwise_layer<bound<rms_norm<>, shape<6, 8>>>);
    static_assert(bound<rms_norm<>, shape<8>>::parameter_count == 8);
    static_assert(bound<rms_norm<>, shape<8>>::epsilon == std::numeric_limits<double>::epsilon());
    static_assert(rms_norm<>::bind<float, shape<8>>::epsilon == static_cast<double>(std::numeric_limits<float>::epsilon()));
    using normed = network<input_of<shape<3, 4>, double>, dense<8>, layer_norm<>, gelu<>, dense<4>, rms_norm<>>;
    static_assert(std::string_view(normed::parameter_table[2].name) == "1.weight" && std::string_view(normed::parameter_table[3].name) == "1.bias");
    static_assert(std::string_view(normed::parameter_table[6].name) == "4.weight" && normed::statistic_count == 0);

    // ---- against PyTorch ---------------------------------------------------------------------------------------------

    const precast_test::reference_arrays& reference()
    {
        static const precast_test::reference_arrays arrays("attention_reference.txt");
        return arrays;
    }

    template <class Net, std::size_t B>
    void matches_pytorch(const std::string& name)
    {
        precast_test::matches_pytorch<Net, B>(reference(), name);
    }

    TEST(attention_layers, gelu_in_both_forms_and_silu_match_pytorch_over_both_tails)
    {
        using sequence = input_of<shape<4, 7>, double>;
        matches_pytorch<network<sequence, gelu<>>, 3>("gelu");
        matches_pytorch<network<sequence, gelu<tanh_approximation>>, 3>("gelu_tanh");
        matches_pytorch<network<sequence, silu>, 3>("silu");
    }

    TEST(attention_layers, layer_norm_matches_pytorch_with_and_without_bias_and_far_from_zero)
    {
        matches_pytorch<network<input_of<shape<5, 8>, double>, layer_norm<>>, 3>("layer_norm");
        // Values around 100 with a spread of 1 and epsilon 1e-3.
        matches_pytorch<network<input_of<shape<6>, double>, layer_norm<epsilon<1e-3>>>, 4>("layer_norm_offset");
        matches_pytorch<network<input_of<shape<3, 7>, double>, layer_norm<no_bias>>, 2>("layer_norm_no_bias");
    }

    TEST(attention_layers, rms_norm_matches_its_definition_in_pytorch)
    {
        matches_pytorch<network<input_of<shape<5, 8>, double>, rms_norm<epsilon<1e-6>>>, 3>("rms_norm");
        matches_pytorch<network<input_of<shape<5>, double>, rms_norm<>>, 2>("rms_norm_machine_epsilon");
    }

    TEST(attention_layers, a_stack_of_them_matches_pytorch)
    {
        // dense, layer_norm, gelu, dense, rms_norm, silu: the normalizations between the products keep every activation unfused.
        matches_pytorch<network<input_of<shape<4, 6>, double>, dense<16>, layer_norm<>, gelu<>, dense<6>, rms_norm<>, silu>, 3>("stack");
    }

    TEST(attention_layers, multi_head_attention_matches_pytorch_plain_causal_and_without_biases)
    {
        matches_pytorch<network<input_of<shape<5, 8>, double>, multi_head_attention<2>>, 3>("attention");
        matches_pytorch<network<input_of<shape<4, 6>, double>, multi_head_attention<3, causal>>, 2>("attention_causal");
        matches_pytorch<network<input_of<shape<3, 4>, double>, multi_head_attention<1, no_bias>>, 2>("attention_no_bias");
    }

    TEST(attention_layers, a_pre_norm_transformer_block_of_composite_layers_matches_pytorch)
    {
        using block = network<input_of<shape<6, 8>, double>, residual<layer_norm<>, multi_head_attention<2, causal>>,
                              residual<layer_norm<>, dense<32>, gelu<>, dense<8>>>;
        matches_pytorch<block, 2>("block");
    }

    TEST(attention_layers, a_one_block_gpt_has_pytorchs_loss_and_gradients)
    {
        constexpr std::size_t steps = 7, vocabulary = 11, width = 8;
        using gpt = network<tokens<steps, vocabulary, double>, embedding<vocabulary, width>, position_embedding<>,
                            residual<layer_norm<>, multi_head_attention<2, causal>>, residual<layer_norm<>, dense<4 * width>, gelu<>, dense<width>>,
                            layer_norm<>, dense<vocabulary>>;
        gpt net;
        for (const parameter_tensor& t : gpt::parameter_table)
        {
            const auto& values = reference()["gpt." + precast_test::pytorch_name(t.name)];
            ASSERT_EQ(values.size(), t.size()) << t.name;
            std::copy(values.begin(), values.end(), net.parameters().data() + t.offset);
        }
        auto ws = std::make_unique<gpt::workspace<3>>();
        const auto& ids = reference()["gpt.x"];
        std::copy(ids.begin(), ids.end(), ws->input().data());
        std::array<label_type, 3 * steps> labels{};
        std::transform(reference()["gpt.labels"].begin(), reference()["gpt.labels"].end(), labels.begin(), [](double l) { return static_cast<label_type>(l); });
        const double loss = compute_gradients(net, *ws, softmax_cross_entropy{}, std::span<const label_type, 3 * steps>(labels));
        EXPECT_NEAR(loss, reference()["gpt.loss"][0], 1e-12);
        for (const parameter_tensor& t : gpt::parameter_table)
        {
            const auto& expected = reference()["gpt." + precast_test::pytorch_name(t.name) + ".grad"];
            for (std::size_t i = 0; i < t.size(); ++i)
            {
                EXPECT_NEAR(net.gradients()[t.offset + i], expected[i], 1e-12) << t.name << "[" << i << "]";
            }
        }
    }

    TEST(attention_layers, embeddings_match_pytorch_with_repeated_ids_and_a_padding_id)
    {
        matches_pytorch<network<tokens<9, 7, double>, embedding<7, 5>>, 3>("embedding");
        matches_pytorch<network<tokens<5, 6, double>, embedding<6, 4, padding_id<0>>>, 2>("embedding_padding");
        matches_pytorch<network<tokens<6, 10, double>, embedding<10, 8>, layer_norm<>, dense<10>>, 2>("token_model");
    }

    // ---- token ids at the data boundary --------------------------------------------------------------------------------

    using token_model = network<tokens<4, 5, double>, embedding<5, 3>, dense<5>>;
    static_assert(token_model::takes_token_ids && token_model::token_vocabulary == 5 && !network<input<4>, dense<2>>::takes_token_ids);
    static_assert(std::string_view(token_model::parameter_table[0].name) == "0.weight" && token_model::parameter_table[0].extents[0] == 5);

    TEST(attention_layers, an_id_outside_the_vocabulary_is_refused_by_name_and_never_read)
    {
        token_model net;
        auto ws = std::make_unique<token_model::workspace<2>>();
        const std::array<token_id, 8> ids{0, 1, 2, 3, 4, 4, 5, 1};
        EXPECT_EQ(precast_test::error_of([&] { net.forward<2>(std::span<const token_id, 8>(ids), *ws); }),
                  "precast::network::forward: token id 5 at position 2 of sample 1 is outside the vocabulary of 5 tokens (ids 0 to 4)");
        EXPECT_EQ(precast_test::error_of([&] { static_cast<void>(net.predict(std::vector<token_id>{1, 2, 9, 0})); }),
                  "precast::network::predict: token id 9 at position 2 of sample 0 is outside the vocabulary of 5 tokens (ids 0 to 4)");
        EXPECT_EQ(
            precast_test::error_of([&] { static_cast<void>(dataset<double>::with_tokens(std::vector<token_id>{1, 2, 3, 4, 4, 3, 7, 1}, 4, 5, {0, 1}, 2)); }),
            "precast::dataset: token id 7 at position 2 of sample 1 is outside the vocabulary of 5 tokens (ids 0 to 4)");
        // Written into a workspace directly, a value that is no token id (too large, negative, fractional, NaN)
        // gives its position a NaN row, and the others their rows.
        for (const double bad : {5.0, -1.0, 2.5, std::numeric_limits<double>::quiet_NaN()})
        {
            const std::array<double, 4> x{1, bad, 0, 4};
            std::copy(x.begin(), x.end(), ws->input().data());
            const auto y = net.forward(*ws);
            for (std::size_t o = 0; o < 5; ++o)
            {
                EXPECT_TRUE(std::isnan(y.data()[5 + o])) << bad;
                EXPECT_FALSE(std::isnan(y.data()[o])) << bad;
            }
        }
    }

    TEST(attention_layers, a_trainer_takes_token_data_sets_only_for_token_networks)
    {
        const std::vector<token_id> ids{0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 0};
        const std::vector<label_type> next{1, 2, 3, 4, 2, 3, 4, 0, 3, 4, 0, 1};  // each position's next token
        const auto tokens_data = dataset<double>::with_tokens(ids, 4, 5, next, 5, 4);
        EXPECT_EQ(tokens_data.token_vocabulary(), 5U);
        token_model net;
        trainer<3, token_model, softmax_cross_entropy, adam> t(net, {}, adam(0.05));
        using value_model = network<input_of<shape<4>, double>, dense<5>>;
        value_model values_net;
        trainer<3, value_model, softmax_cross_entropy, adam> values_trainer(values_net);
        EXPECT_EQ(precast_test::error_of([&] { values_trainer.fit(tokens_data, {.epochs = 1}); }),
                  "precast::trainer: the data set holds token ids (dataset::with_tokens), but the network's input takes values: declare it with "
                  "tokens<Steps, Vocabulary> and an embedding first");
        const auto value_data = dataset<double>::with_labels(std::vector<double>(12, 1.0), 4, next, 5, 4);
        EXPECT_EQ(precast_test::error_of([&] { t.fit(value_data, {.epochs = 1}); }),
                  "precast::trainer: the network takes token ids (tokens<Steps, 5>), but the data set holds values: make it with dataset::with_tokens");
        // It learns the successor of each token (a lookup an embedding and a dense layer hold exactly).
        t.fit(tokens_data, {.epochs = 150, .seed = 3});
        const auto result = t.evaluate(tokens_data);
        EXPECT_EQ(result.accuracy, 1.0);
        const auto classes = net.classify(std::vector<token_id>{4, 0, 1, 2});
        const std::array<std::size_t, 4> successors{0, 1, 2, 3};
        for (std::size_t i = 0; i < 4; ++i)
        {
            EXPECT_EQ(classes[i], successors[i]) << i;
        }
    }

    // ---- frozen and streaming forms ----------------------------------------------------------------------------------

    TEST(attention_layers, frozen_and_streaming_forms_compute_what_the_network_computes)
    {
        constexpr std::size_t steps = 6;
        // streaming_network needs a layer over time: a causal convolution opens the stack.
        using net_type =
            network<input_of<shape<steps, 4>, double>, conv1d<8, 3, causal>, gelu<tanh_approximation>, layer_norm<>, dense<5>, silu, rms_norm<>, dense<2>>;
        net_type net(glorot_uniform{}, 5);
        for (std::size_t i = 0; i < net_type::parameter_count; ++i)
        {
            net.parameters()[i] += 0.1 * std::sin(static_cast<double>(i));  // norms' weights and biases away from 1 and 0
        }
        auto ws = std::make_unique<net_type::workspace<1>>();
        for (std::size_t i = 0; i < net_type::input_size; ++i)
        {
            ws->input().data()[i] = 2.0 * std::cos(0.3 * static_cast<double>(i * i));
        }
        const auto y = net.forward(*ws);
        streaming_network<net_type> stream(net);
        for (std::size_t t = 0; t < steps; ++t)
        {
            const auto out = stream.step(std::span<const double, 4>(ws->input().data() + 4 * t, 4));
            EXPECT_NEAR(out[0], y.data()[2 * t], 1e-13) << "step " << t;
            EXPECT_NEAR(out[1], y.data()[2 * t + 1], 1e-13) << "step " << t;
        }
        frozen_network<net_type> frozen(net);
        const auto whole = frozen(std::span<const double, net_type::input_size>(ws->input().data(), net_type::input_size));
        for (std::size_t o = 0; o < net_type::output_size; ++o)
        {
            EXPECT_NEAR(whole[o], y.data()[o], 1e-13) << "output " << o;
        }
    }

    // A GPT generating one token at a time with its key/value cache gives, at every position, what the whole
    // pass gives there; past its steps it says so; reset() starts over.
    TEST(attention_layers, a_gpt_streams_token_by_token_as_the_whole_pass_computes)
    {
        constexpr std::size_t steps = 9, vocabulary = 13, width = 12;
        using gpt = network<tokens<steps, vocabulary, double>, embedding<vocabulary, width>, position_embedding<>,
                            residual<layer_norm<>, multi_head_attention<3, causal>>, residual<layer_norm<>, dense<2 * width>, gelu<>, dense<width>>,
                            residual<rms_norm<>, multi_head_attention<2, causal, no_bias>>, layer_norm<>, dense<vocabulary>>;
        gpt net(glorot_uniform{}, 8);
        auto ws = std::make_unique<gpt::workspace<1>>();
        std::array<token_id, steps> ids{};
        for (std::size_t t = 0; t < steps; ++t)
        {
            ids[t] = static_cast<token_id>((t * 5 + 2) % vocabulary);
        }
        const auto y = net.forward<1>(std::span<const token_id, steps>(ids), *ws);
        streaming_network<gpt> stream(net);
        static_assert(streaming_network<gpt>::step_capacity == steps && streaming_network<gpt>::step_input_size == 1);
        for (int pass = 0; pass < 2; ++pass)  // the second after reset()
        {
            for (std::size_t t = 0; t < steps; ++t)
            {
                const auto out = stream.step(ids[t]);
                for (std::size_t o = 0; o < vocabulary; ++o)
                {
                    EXPECT_NEAR(out[o], y.data()[t * vocabulary + o], 1e-12) << "pass " << pass << ", step " << t << ", output " << o;
                }
            }
            EXPECT_EQ(precast_test::error_of([&] { stream.step(ids[0]); }),
                      "precast::streaming_network::step: this network attends to at most 9 steps (its input's), and this is step 10: call reset() to "
                      "start a new sequence, or keep the last steps and run them again");
            stream.reset();
        }
        EXPECT_EQ(precast_test::error_of([&] { stream.step(token_id{13}); }),
                  "precast::streaming_network::step: token id 13 is outside the vocabulary of 13 tokens (ids 0 to 12)");
        EXPECT_EQ(stream.steps(), 0U);
    }

    TEST(attention_layers, sinusoidal_positions_are_the_table_of_vaswani_et_al)
    {
        using net_type = network<input_of<shape<5, 6>, double>, sinusoidal_position<>>;
        net_type net;
        auto ws = std::make_unique<net_type::workspace<1>>();
        const auto y = net.forward(*ws);  // zeros in: the table out
        for (std::size_t t = 0; t < 5; ++t)
        {
            for (std::size_t i = 0; i < 6; i += 2)
            {
                const double angle = static_cast<double>(t) * std::exp(-std::log(10000.0) * static_cast<double>(i) / 6.0);
                EXPECT_NEAR(y.data()[t * 6 + i], std::sin(angle), 1e-15) << t << ", " << i;
                EXPECT_NEAR(y.data()[t * 6 + i + 1], std::cos(angle), 1e-15) << t << ", " << i + 1;
            }
        }
        EXPECT_EQ(y.data()[6 * 1 + 0], std::sin(1.0));
        EXPECT_EQ(y.data()[6 * 0 + 1], 1.0);
    }

    // ---- bad data ----------------------------------------------------------------------------------------------------

    TEST(attention_layers, nan_in_a_position_stays_in_that_position)
    {
        // A NaN makes its own row NaN (its mean and variance are NaN) and leaves every other row as it was.
        using net_type = network<input_of<shape<3, 4>, double>, layer_norm<>, gelu<>, rms_norm<>, silu>;
        net_type net;
        auto ws = std::make_unique<net_type::workspace<1>>();
        for (std::size_t i = 0; i < 12; ++i)
        {
            ws->input().data()[i] = 0.5 * static_cast<double>(i % 5) - 1.0;
        }
        const auto clean = std::vector<double>(net.forward(*ws).data(), net.forward(*ws).data() + 12);
        ws->input().data()[5] = std::numeric_limits<double>::quiet_NaN();
        const auto y = net.forward(*ws);
        for (std::size_t i = 0; i < 12; ++i)
        {
            if (i / 4 == 1)
            {
                EXPECT_TRUE(std::isnan(y.data()[i])) << i;
            }
            else
            {
                EXPECT_EQ(y.data()[i], clean[i]) << i;
            }
        }
    }
}
