// Convolutions, pooling, upsampling and PReLU: output shapes and parameter counts worked out by hand, every layer
// and option against PyTorch (test/reference/convolution_reference.py wrote test/data/convolution_reference.txt),
// max pooling's NaN and ties, and a small CNN that learns.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/pytorch_parity.hpp"

#include "support/precast_under_test.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    template <class Spec, class In>
    using bound = typename Spec::template bind<float, In>;

    // ---- shapes and counts, by hand ---------------------------------------------------------------------------------

    // 28 - 5 + 1 = 24; with same and stride 2: ceil(28 / 2) = 14; (28 + 2 - 3) / 2 + 1 = 14.
    static_assert(std::is_same_v<bound<conv2d<6, 5>, shape<28, 28, 1>>::output_shape, shape<24, 24, 6>>);
    static_assert(std::is_same_v<bound<conv2d<8, 3, same, stride<2>>, shape<28, 28, 1>>::output_shape, shape<14, 14, 8>>);
    static_assert(std::is_same_v<bound<conv2d<8, 3, padding<1>, stride<2>>, shape<28, 28, 3>>::output_shape, shape<14, 14, 8>>);
    // window{3, 5} with padding (0, 2) keeps the width: 7 + 4 - 5 + 1 = 7; the height: 9 - 3 + 1 = 7.
    static_assert(std::is_same_v<bound<conv2d<2, window{3, 5}, padding<0, 2>>, shape<9, 7, 4>>::output_shape, shape<7, 7, 2>>);
    // Causal keeps the length whatever the dilation; dilation 4 without padding: 100 - 4 * 2 = 92.
    static_assert(std::is_same_v<bound<conv1d<4, 3, causal, dilation<4>>, shape<100, 2>>::output_shape, shape<100, 4>>);
    static_assert(std::is_same_v<bound<conv1d<4, 3, dilation<4>>, shape<100, 2>>::output_shape, shape<92, 4>>);
    static_assert(bound<conv1d<4, 3, causal, dilation<4>>, shape<100, 2>>::geometry.width.before == 8);
    // PyTorch's Conv2d(1, 32, 3) has 32 * 9 + 32 = 320 parameters; depthwise Conv2d(16, 32, 3, groups=16) 32 * 9 + 32.
    static_assert(bound<conv2d<32, 3>, shape<28, 28, 1>>::parameter_count == 320);
    static_assert(bound<conv2d<32, 3, depthwise, no_bias>, shape<10, 10, 16>>::parameter_count == 288);
    static_assert(bound<conv1d<8, 3, groups<2>>, shape<10, 4>>::parameter_count == 8 * 2 * 3 + 8);
    static_assert(std::is_same_v<bound<max_pool2d<2>, shape<28, 28, 32>>::output_shape, shape<14, 14, 32>>);
    static_assert(std::is_same_v<bound<max_pool2d<3, stride<2>, same>, shape<5, 6, 2>>::output_shape, shape<3, 3, 2>>);
    static_assert(std::is_same_v<bound<avg_pool1d<4>, shape<10, 3>>::output_shape, shape<2, 3>>);  // the last 2 values fall out
    static_assert(std::is_same_v<bound<global_avg_pool, shape<4, 5, 6>>::output_shape, shape<6>>);
    static_assert(std::is_same_v<bound<upsample<2>, shape<4, 5, 6>>::output_shape, shape<8, 10, 6>>);
    static_assert(bound<prelu<per_channel>, shape<4, 5, 6>>::parameter_count == 6 && bound<prelu<>, shape<4, 5, 6>>::parameter_count == 1);

    // Transposed: (L - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1 = 8 * 2 - 2 + 3 + 1 = 18 ... of 9 in.
    static_assert(std::is_same_v<bound<conv_transpose1d<4, 4, stride<2>, padding<1>>, shape<9, 3>>::output_shape, shape<18, 4>>);
    static_assert(std::is_same_v<bound<conv_transpose2d<8, 2, stride<2>>, shape<7, 7, 16>>::output_shape, shape<14, 14, 8>>);
    static_assert(bound<conv_transpose1d<6, 3, groups<3>>, shape<9, 3>>::parameter_count == 3 * 2 * 3 + 6);  // PyTorch: [3][6 / 3][3] + 6

    // The layers satisfy the contract, and conv2d fuses a following activation into its GEMM.
    static_assert(trainable_layer<bound<conv2d<4, 3>, shape<5, 5, 2>>> && trainable_layer<bound<conv1d<4, 3, causal>, shape<5, 2>>>);
    static_assert(epilogue_layer<bound<conv2d<4, 3>, shape<5, 5, 2>>>);
    static_assert(layer<bound<max_pool2d<2>, shape<4, 4, 2>>> && layer<bound<avg_pool1d<2>, shape<4, 2>>> && layer<bound<upsample<2>, shape<4, 2>>>);

    // ---- against PyTorch ----------------------------------------------------------------------------------------------

    const precast_test::reference_arrays& reference()
    {
        static const precast_test::reference_arrays arrays("convolution_reference.txt");
        return arrays;
    }

    // Net's parameters from PyTorch's (the same layout), then y and every gradient of sum(y * r) within 1e-12.
    template <class Net>
    void matches_pytorch(const std::string& name)
    {
        precast_test::matches_pytorch<Net, 2>(reference(), name);
    }

    using sequence = input_of<shape<9, 3>, double>;
    using image = input_of<shape<5, 6, 2>, double>;

    TEST(convolution, conv1d_matches_pytorch_with_every_option)
    {
        matches_pytorch<network<sequence, conv1d<4, 3>>>("conv1d_plain");
        matches_pytorch<network<sequence, conv1d<5, 2, stride<2>, dilation<2>>>>("conv1d_stride_dilation");
        matches_pytorch<network<sequence, conv1d<3, 4, same>>>("conv1d_same_even_kernel");
        matches_pytorch<network<sequence, conv1d<3, 4, same, stride<3>>>>("conv1d_same_stride");
        matches_pytorch<network<sequence, conv1d<2, 3, causal, dilation<3>>>>("conv1d_causal");
        matches_pytorch<network<sequence, conv1d<2, 3, padding_sides<2, 1>, no_bias>>>("conv1d_sides_no_bias");
        matches_pytorch<network<sequence, conv1d<6, 3, groups<3>, padding<1>>>>("conv1d_groups");
        matches_pytorch<network<sequence, conv1d<6, 5, depthwise, same>>>("conv1d_depthwise");
        matches_pytorch<network<sequence, conv1d<4, 1>>>("conv1d_pointwise");
    }

    TEST(convolution, conv2d_matches_pytorch_with_every_option)
    {
        matches_pytorch<network<image, conv2d<3, 3>>>("conv2d_plain");
        matches_pytorch<network<image, conv2d<4, window{2, 3}, stride<2, 1>, padding<1, 2>>>>("conv2d_rectangular");
        matches_pytorch<network<image, conv2d<2, 3, same, stride<2>>>>("conv2d_same_stride");
        matches_pytorch<network<image, conv2d<2, 2, dilation<2, 1>, padding_sides<0, 1, 2, 0>, no_bias>>>("conv2d_dilation_sides");
        matches_pytorch<network<image, conv2d<4, 3, groups<2>, same>>>("conv2d_groups");
        matches_pytorch<network<image, conv2d<4, 3, depthwise, padding<1>>>>("conv2d_depthwise");
    }

    TEST(convolution, transposed_convolutions_match_pytorch)
    {
        matches_pytorch<network<sequence, conv_transpose1d<4, 4, stride<2>, padding<1>>>>("conv_transpose1d");
        matches_pytorch<network<sequence, conv_transpose1d<6, 3, stride<3>, padding<2>, output_padding<1>, groups<3>, dilation<2>>>>(
            "conv_transpose1d_groups_output_padding");
        matches_pytorch<network<image, conv_transpose2d<3, window{3, 2}, stride<2, 1>, padding<1, 0>, no_bias>>>("conv_transpose2d");
    }

    TEST(convolution, pooling_upsampling_and_prelu_match_pytorch)
    {
        matches_pytorch<network<sequence, max_pool1d<3, stride<2>, padding<1>, dilation<2>>>>("max_pool1d");
        matches_pytorch<network<image, max_pool2d<3, stride<2>, same>>>("max_pool2d_same");
        matches_pytorch<network<sequence, avg_pool1d<3, stride<2>, padding<1>>>>("avg_pool1d");
        matches_pytorch<network<image, avg_pool2d<window{3, 2}, stride<1, 2>, padding<1, 0>, exclude_padding>>>("avg_pool2d_exclude_padding");
        matches_pytorch<network<sequence, upsample<2>>>("upsample1d");
        matches_pytorch<network<image, upsample<3>>>("upsample2d");
        matches_pytorch<network<image, prelu<per_channel>>>("prelu_per_channel");
    }

    TEST(convolution, a_small_cnn_matches_pytorch)
    {
        // relu is fused into the convolution's GEMM here, and its derivative into the convolution's backward.
        matches_pytorch<network<input_of<shape<4, 6, 2>, double>, conv2d<4, 3, same>, relu, max_pool2d<2>, flatten, dense<3>>>("cnn");
    }

    // ---- max pooling's edge cases -------------------------------------------------------------------------------------

    TEST(convolution, max_pooling_passes_nan_on_and_gives_a_tie_to_the_first_value)
    {
        using pool = bound<max_pool1d<2>, shape<6, 1>>;
        pool p;
        pool::workspace<1> ws;
        const float nan = std::numeric_limits<float>::quiet_NaN();
        // Windows {1, NaN}, {NaN, 2}... as PyTorch: a window holding NaN yields NaN, wherever it sits.
        const std::vector<float> x{1, nan, nan, 2, 3, 3};
        std::vector<float> y(3);
        p.forward(batch_view<const float, 1, shape<6, 1>>(x.data()), batch_view<float, 1, shape<3, 1>>(y.data()), ws, mode::training);
        EXPECT_TRUE(std::isnan(y[0]));
        EXPECT_TRUE(std::isnan(y[1]));
        EXPECT_EQ(y[2], 3.0f);
        const std::vector<float> dy{10, 20, 30};
        std::vector<float> dx(6, -1.0f);
        p.backward(batch_view<const float, 1, shape<6, 1>>(x.data()), batch_view<const float, 1, shape<3, 1>>(y.data()),
                   batch_view<const float, 1, shape<3, 1>>(dy.data()), batch_view<float, 1, shape<6, 1>>(dx.data()), ws);
        // The gradient goes to the NaN that won, and of the tied 3s to the first.
        EXPECT_EQ(dx, (std::vector<float>{0, 10, 20, 0, 30, 0}));
    }

    // ---- one step at a time -------------------------------------------------------------------------------------------

    TEST(convolution, a_causal_stack_streams_one_step_at_a_time_as_the_whole_sequence_computes)
    {
        // Causal and dilated, grouped, pointwise, with PReLU and an LSTM after: every step's output equals the batch
        // forward pass at that position.
        constexpr std::size_t steps = 40;
        using tcn = network<input_of<shape<steps, 2>>, conv1d<6, 3, causal>, prelu<per_channel>, conv1d<6, 2, causal, dilation<4>, groups<3>>, precast::tanh,
                            conv1d<4, 1>, lstm<5>, dense<1>>;
        tcn net(glorot_uniform{}, 9);
        std::vector<float> x(steps * 2);
        for (std::size_t i = 0; i < x.size(); ++i)
        {
            x[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)) + 0.1 * std::cos(1.3 * static_cast<double>(i)));
        }
        auto ws = std::make_unique<tcn::workspace<1>>();
        const auto y = net.forward(batch_view<const float, 1, shape<steps, 2>>(x.data()), *ws);
        streaming_network<tcn> stream(net);
        for (int pass = 0; pass < 2; ++pass)  // reset() starts a new sequence: the same outputs again
        {
            for (std::size_t t = 0; t < steps; ++t)
            {
                const float out = stream.step(std::span<const float, 2>(x.data() + 2 * t, 2))[0];
                EXPECT_NEAR(out, y.data()[t], 1e-5f) << "step " << t << ", pass " << pass;
            }
            stream.reset();
        }
    }

    TEST(convolution, a_residual_tcn_streams_as_the_whole_sequence_computes)
    {
        // The TCN shape of real-time audio models: residual blocks of a causal dilated convolution and PReLU.
        constexpr std::size_t steps = 48;
        using block1 = residual<conv1d<8, 3, causal>, prelu<per_channel>, conv1d<8, 1>>;
        using block2 = residual<conv1d<8, 3, causal, dilation<4>>, precast::tanh>;
        using tcn = network<input_of<shape<steps, 1>>, conv1d<8, 1>, block1, block2, dense<1>>;
        tcn net(glorot_uniform{}, 4);
        std::vector<float> x(steps);
        for (std::size_t t = 0; t < steps; ++t)
        {
            x[t] = static_cast<float>(std::sin(0.21 * static_cast<double>(t)));
        }
        auto ws = std::make_unique<tcn::workspace<1>>();
        const auto y = net.forward(batch_view<const float, 1, shape<steps, 1>>(x.data()), *ws);
        streaming_network<tcn> stream(net);
        for (std::size_t t = 0; t < steps; ++t)
        {
            EXPECT_NEAR(stream.step(std::span<const float, 1>(x.data() + t, 1))[0], y.data()[t], 1e-5f) << "step " << t;
        }
    }

    // ---- learning -----------------------------------------------------------------------------------------------------

    TEST(convolution, a_cnn_learns_to_tell_horizontal_from_vertical_bars)
    {
        // 6 x 6 images holding one bar, anywhere; a dense layer on the raw pixels would have to learn each position,
        // a convolution sees the same 3-pixel pattern everywhere.
        constexpr std::size_t side = 6;
        std::vector<float> images;
        std::vector<label_type> labels;
        for (std::size_t rep = 0; rep < 4; ++rep)
        {
            for (std::size_t line = 0; line < side; ++line)
            {
                for (std::size_t start = 0; start + 3 <= side; ++start)
                {
                    for (label_type vertical = 0; vertical < 2; ++vertical)
                    {
                        std::vector<float> picture(side * side, 0.0f);
                        for (std::size_t k = 0; k < 3; ++k)
                        {
                            const std::size_t r = vertical == 1 ? start + k : line;
                            const std::size_t c = vertical == 1 ? line : start + k;
                            picture[r * side + c] = 1.0f;
                        }
                        images.insert(images.end(), picture.begin(), picture.end());
                        labels.push_back(vertical);
                    }
                }
            }
        }
        const auto data = dataset<float>::with_labels(std::move(images), side * side, std::move(labels), 2);
        using cnn = network<input_of<shape<side, side, 1>>, conv2d<4, 3, same>, relu, max_pool2d<2>, conv2d<4, 3>, relu, global_avg_pool, dense<2>>;
        cnn net(he_normal{}, 5);
        trainer<16, cnn, softmax_cross_entropy, adam> t(net, {}, adam(0.01));
        const double before = t.evaluate(data).accuracy;
        const auto history = t.fit(data, {.epochs = 40, .seed = 3});
        EXPECT_LT(history.back().train.loss, history.front().train.loss);
        EXPECT_EQ(t.evaluate(data).accuracy, 1.0) << "accuracy before training: " << before;
    }
}
