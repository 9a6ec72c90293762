// batch_norm: its contract and tables; every mode against PyTorch (test/reference/batch_norm_reference.py wrote
// test/data/batch_norm_reference.txt), running statistics included; a partial batch counts its samples only; the
// statistics survive model files and .npz files, and bad ones are refused by name; frozen and streaming forms
// (folded into the convolution or dense layer before) compute what inference mode does; a CNN with it learns.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
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
    using bound = typename Spec::template bind<double, In>;

    // ---- the contract and the tables -----------------------------------------------------------------------------------

    using image_norm = bound<batch_norm<>, shape<4, 4, 6>>;
    static_assert(trainable_layer<image_norm> && layer_with_statistics<image_norm> && positionwise_layer<image_norm> && batch_rows_layer<image_norm>);
    // PyTorch's BatchNorm2d(6): weight and bias (12 parameters); running_mean, running_var, num_batches_tracked.
    static_assert(image_norm::parameter_count == 12 && image_norm::statistic_count == 13);
    static_assert(image_norm::epsilon == 1e-5 && image_norm::momentum == 0.1);
    static_assert(bound<batch_norm<statistics_momentum<0.01>, epsilon<1e-3>>, shape<3>>::epsilon == 1e-3 &&
                  bound<batch_norm<statistics_momentum<0.01>, epsilon<1e-3>>, shape<3>>::momentum == 0.01);

    // Statistics are numbered as parameters are, through blocks; layers without them take no room.
    using nested = network<input_of<shape<6, 3>, double>, conv1d<4, 3, no_bias>, batch_norm<>, relu, residual<batch_norm<>, prelu<>>, dense<2>>;
    static_assert(nested::statistic_count == 2 * (2 * 4 + 1));
    static_assert(std::string_view(nested::statistic_table[0].name) == "1.running_mean");
    static_assert(std::string_view(nested::statistic_table[2].name) == "1.num_batches_tracked" && nested::statistic_table[2].rank == 0);
    static_assert(std::string_view(nested::statistic_table[4].name) == "3.body.0.running_var" && nested::statistic_table[4].offset == 9 + 4);
    static_assert(network<input<4>, dense<3>, relu>::statistic_count == 0);

    // ---- against PyTorch ------------------------------------------------------------------------------------------------

    const precast_test::reference_arrays& reference()
    {
        static const precast_test::reference_arrays arrays("batch_norm_reference.txt");
        return arrays;
    }

    // Parameters and running statistics (before) from PyTorch, `earlier` training passes, then the written one in
    // mode m: y, every gradient of sum(y * r) and the statistics after, within 1e-12.
    template <class Net, std::size_t B>
    void matches_pytorch(const std::string& name, mode m, std::size_t earlier = 0)
    {
        precast_test::matches_pytorch<Net, B>(reference(), name, m, 1e-12, earlier);
    }

    TEST(batch_norm, training_mode_matches_pytorch_on_features_sequences_and_images)
    {
        matches_pytorch<network<input_of<shape<5>, double>, batch_norm<>>, 4>("features", mode::training);
        matches_pytorch<network<input_of<shape<7, 3>, double>, batch_norm<>>, 2>("sequence", mode::training);
        matches_pytorch<network<input_of<shape<5, 6, 2>, double>, batch_norm<epsilon<1e-3>, statistics_momentum<0.01>>>, 3>("image_eps_momentum",
                                                                                                                            mode::training);
    }

    TEST(batch_norm, inference_mode_uses_the_running_statistics_as_pytorch_does)
    {
        matches_pytorch<network<input_of<shape<5, 6, 2>, double>, batch_norm<>>, 3>("image_inference", mode::inference);
    }

    TEST(batch_norm, running_statistics_follow_pytorch_over_batches_far_from_zero)
    {
        // Three batches of values around 50 with a spread of 1: the running variance and the count after them.
        matches_pytorch<network<input_of<shape<6, 4>, double>, batch_norm<>>, 3>("three_batches", mode::training, 2);
    }

    TEST(batch_norm, a_cnn_with_batch_norm_matches_pytorch)
    {
        // conv2d without bias, then batch_norm, relu (not fused: batch_norm takes no epilogue), pooling and a head.
        matches_pytorch<network<input_of<shape<4, 6, 2>, double>, conv2d<4, 3, same, no_bias>, batch_norm<>, relu, max_pool2d<2>, flatten, dense<3>>, 3>(
            "cnn", mode::training);
    }

    // ---- a partial batch ------------------------------------------------------------------------------------------------

    TEST(batch_norm, a_partial_batch_counts_its_samples_only)
    {
        // Three samples padded to a batch of 5 give what the same three give as a batch of 3: loss, every gradient,
        // the running statistics. (The padding rows are zeros, which would pull each mean towards 0.)
        using net_type = network<input_of<shape<2, 3>, double>, dense<4>, batch_norm<>, precast::tanh, flatten, dense<2>>;
        net_type padded(glorot_uniform{}, 3);
        net_type exact = padded;
        auto big = std::make_unique<net_type::workspace<5>>();
        auto small = std::make_unique<net_type::workspace<3>>();
        std::vector<double> targets5(5 * 2, 0.0);
        for (std::size_t i = 0; i < 3 * 6; ++i)
        {
            big->input().data()[i] = small->input().data()[i] = std::sin(0.9 * static_cast<double>(i)) + 0.5;
        }
        std::fill(big->input().data() + 18, big->input().data() + 30, 0.0);
        for (std::size_t i = 0; i < 6; ++i)
        {
            targets5[i] = std::cos(static_cast<double>(i));
        }
        const double loss5 = compute_gradients(padded, *big, mean_squared_error{}, matrix_view<const double, 5, 2>(targets5.data()), 3);
        const double loss3 = compute_gradients(exact, *small, mean_squared_error{}, matrix_view<const double, 3, 2>(targets5.data()));
        EXPECT_NEAR(loss5, loss3, 1e-14);
        for (std::size_t i = 0; i < net_type::parameter_count; ++i)
        {
            EXPECT_NEAR(padded.gradients()[i], exact.gradients()[i], 1e-14) << "gradient " << i;
        }
        for (std::size_t i = 0; i < net_type::statistic_count; ++i)
        {
            EXPECT_NEAR(padded.statistics()[i], exact.statistics()[i], 1e-14) << "statistic " << i;
        }
        // The next pass without rows sees the whole batch again.
        padded.forward(*big, mode::training);
        EXPECT_NE(padded.statistics()[0], exact.statistics()[0]);
    }

    // ---- files ----------------------------------------------------------------------------------------------------------

    class batch_norm_files : public ::testing::Test
    {
    protected:
        void SetUp() override
        {
            dir_ = std::filesystem::temp_directory_path() / ("precast_batch_norm_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
            std::filesystem::create_directories(dir_);
        }
        void TearDown() override { std::filesystem::remove_all(dir_); }
        std::filesystem::path dir_;
    };

    using file_net = network<input_of<shape<5, 2>, double>, conv1d<3, 2, no_bias>, batch_norm<>, relu, residual<batch_norm<>, prelu<>>, flatten, dense<2>>;

    // A network whose running statistics moved away from (0, 1) over a few training passes.
    file_net trained_net()
    {
        file_net net(glorot_uniform{}, 8);
        auto ws = std::make_unique<file_net::workspace<4>>();
        for (std::size_t pass = 0; pass < 3; ++pass)
        {
            for (std::size_t i = 0; i < 4 * 10; ++i)
            {
                ws->input().data()[i] = std::sin(0.3 * static_cast<double>(i + 7 * pass)) * 2.0 + 1.0;
            }
            net.forward(*ws, mode::training);
        }
        return net;
    }

    template <class Net>
    std::vector<double> inference(Net& net)
    {
        auto ws = std::make_unique<typename Net::template workspace<2>>();
        for (std::size_t i = 0; i < 2 * Net::input_size; ++i)
        {
            ws->input().data()[i] = std::cos(0.4 * static_cast<double>(i));
        }
        const auto y = net.forward(*ws, mode::inference);
        return {y.data(), y.data() + 2 * Net::output_size};
    }

    TEST_F(batch_norm_files, model_files_and_npz_files_keep_the_running_statistics)
    {
        file_net net = trained_net();
        ASSERT_EQ(net.at<1>().batches_tracked(), 3u);
        save_model(dir_ / "bn.precast", net);
        save_npz(dir_ / "bn.npz", net);
        file_net from_model;
        file_net from_npz;
        load_model(dir_ / "bn.precast", from_model);
        load_npz(dir_ / "bn.npz", from_npz);
        for (std::size_t i = 0; i < file_net::statistic_count; ++i)
        {
            EXPECT_EQ(from_model.statistics()[i], net.statistics()[i]) << i;
            EXPECT_EQ(from_npz.statistics()[i], net.statistics()[i]) << i;
        }
        EXPECT_EQ(inference(from_model), inference(net));
        EXPECT_EQ(from_npz.at<3>().body().at<0>().batches_tracked(), 3u);
        // The .npz names them as PyTorch's state_dict does; num_batches_tracked is a scalar, shape ().
        const auto arrays = load_npz_arrays<double>(dir_ / "bn.npz");
        ASSERT_TRUE(arrays.contains("1.running_var") && arrays.contains("3.body.0.running_mean") && arrays.contains("1.num_batches_tracked"));
        EXPECT_TRUE(arrays.at("1.num_batches_tracked").shape.empty());
        EXPECT_EQ(arrays.at("1.num_batches_tracked").values, std::vector<double>{3.0});
    }

    TEST_F(batch_norm_files, a_file_without_the_statistics_or_with_a_negative_variance_is_refused_by_name)
    {
        // A network without batch_norm has another fingerprint; an .npz without the running statistics says which.
        file_net net = trained_net();
        net.statistics()[file_net::statistic_table[1].offset + 2] = -0.5;  // 1.running_var[2]
        save_model(dir_ / "negative.precast", net);
        file_net target;
        try
        {
            load_model(dir_ / "negative.precast", target);
            FAIL() << "a negative running variance loaded";
        }
        catch (const model_file_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast::load_model: " + (dir_ / "negative.precast").string() +
                                                 ": holds a negative variance in statistics value 5 (1.running_var[2]); the network it was saved from "
                                                 "had diverged");
        }
        std::map<std::string, npy_array<double>> arrays = load_npz_arrays<double>([&] {
            save_npz(dir_ / "full.npz", trained_net());
            return dir_ / "full.npz";
        }());
        arrays.erase("3.body.0.running_mean");
        save_npz<double>(dir_ / "partial.npz", arrays);
        try
        {
            load_npz(dir_ / "partial.npz", target);
            FAIL() << "an .npz without running_mean loaded";
        }
        catch (const npy_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast: " + (dir_ / "partial.npz").string() + ": has no array 3.body.0.running_mean (this network's layer 3)");
        }
    }

    TEST(batch_norm, an_int64_count_as_pytorch_saves_it_loads)
    {
        // np.save of a state_dict's num_batches_tracked: int64, shape (), little-endian; here the value 300.
        std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (), }";
        header.append(128 - 10 - header.size() - 1, ' ');  // magic, version and length take 10 bytes; the data starts at 128
        header += '\n';
        std::vector<std::uint8_t> bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<std::uint8_t>(header.size()), 0};
        bytes.insert(bytes.end(), header.begin(), header.end());
        const std::int64_t count = 300;
        const auto* raw = reinterpret_cast<const std::uint8_t*>(&count);
        bytes.insert(bytes.end(), raw, raw + 8);
        const auto array = load_npy<float>(std::span<const std::uint8_t>(bytes));
        EXPECT_TRUE(array.shape.empty());
        EXPECT_EQ(array.values, std::vector<float>{300.0f});
    }

    // ---- frozen and streaming forms -------------------------------------------------------------------------------------

    TEST(batch_norm, frozen_networks_compute_inference_mode)
    {
        file_net net = trained_net();
        net.at<1>().parameters()[4] = 1.7;  // a bias and a weight away from 0 and 1: folding uses them
        net.at<1>().parameters()[1] = -0.6;
        const auto expected = inference(net);
        frozen_network<file_net> frozen(net);
        // The batch_norm after the convolution runs inside it; the one opening the residual body has no producer.
        static_assert(frozen_network<file_net>::folded_layers == 1);
        std::vector<double> x(file_net::input_size);
        for (std::size_t s = 0; s < 2; ++s)
        {
            for (std::size_t i = 0; i < x.size(); ++i)
            {
                x[i] = std::cos(0.4 * static_cast<double>(s * x.size() + i));
            }
            const auto y = frozen(std::span<const double, file_net::input_size>(x.data(), x.size()));
            for (std::size_t o = 0; o < file_net::output_size; ++o)
            {
                EXPECT_NEAR(y[o], expected[s * file_net::output_size + o], 1e-13) << "sample " << s << ", output " << o;
            }
        }
    }

    TEST(batch_norm, a_dense_layer_takes_a_batch_norm_in_and_keeps_the_sample_in_registers)
    {
        using mlp = network<input_of<shape<6>, double>, dense<8, no_bias>, batch_norm<>, precast::tanh, dense<5>, batch_norm<>, dense<2>>;
        static_assert(frozen_network<mlp>::folded_layers == 2 && frozen_network<mlp>::keeps_samples_in_registers);
        mlp net(glorot_uniform{}, 12);
        auto ws = std::make_unique<mlp::workspace<4>>();
        for (std::size_t pass = 0; pass < 3; ++pass)
        {
            for (std::size_t i = 0; i < 4 * 6; ++i)
            {
                ws->input().data()[i] = std::sin(0.7 * static_cast<double>(i + pass)) * 2.0 + 0.5;
            }
            net.forward(*ws, mode::training);
        }
        const auto y = net.forward(*ws, mode::inference);
        frozen_network<mlp> frozen(net);
        for (std::size_t s = 0; s < 4; ++s)
        {
            const auto out = frozen(std::span<const double, 6>(ws->input().data() + 6 * s, 6));
            EXPECT_NEAR(out[0], y.data()[2 * s], 1e-13) << "sample " << s;
            EXPECT_NEAR(out[1], y.data()[2 * s + 1], 1e-13) << "sample " << s;
        }
    }

    TEST(batch_norm, a_causal_stack_with_batch_norm_streams_as_inference_mode_computes)
    {
        constexpr std::size_t steps = 32;
        using tcn = network<input_of<shape<steps, 1>, double>, conv1d<6, 3, causal, no_bias>, batch_norm<>, prelu<per_channel>,
                            residual<conv1d<6, 3, causal, dilation<2>>, batch_norm<>, precast::tanh>, dense<1>>;
        tcn net(glorot_uniform{}, 6);
        std::vector<double> x(steps);
        auto ws = std::make_unique<tcn::workspace<2>>();
        for (std::size_t pass = 0; pass < 4; ++pass)  // statistics away from (0, 1)
        {
            for (std::size_t i = 0; i < 2 * steps; ++i)
            {
                ws->input().data()[i] = std::sin(0.17 * static_cast<double>(i + pass)) * 3.0 - 1.0;
            }
            net.forward(*ws, mode::training);
        }
        for (std::size_t t = 0; t < steps; ++t)
        {
            x[t] = std::sin(0.23 * static_cast<double>(t)) * 2.0;
        }
        auto one = std::make_unique<tcn::workspace<1>>();
        const auto y = net.forward(batch_view<const double, 1, shape<steps, 1>>(x.data()), *one, mode::inference);
        streaming_network<tcn> stream(net);
        static_assert(streaming_network<tcn>::folded_layers == 1);  // and the one in the residual body, inside the block's stream
        for (std::size_t t = 0; t < steps; ++t)
        {
            EXPECT_NEAR(stream.step(std::span<const double, 1>(x.data() + t, 1))[0], y.data()[t], 1e-12) << "step " << t;
        }
    }

    // ---- learning -------------------------------------------------------------------------------------------------------

    TEST(batch_norm, an_mlp_with_batch_norm_learns_a_badly_scaled_problem)
    {
        // Two features on scales 1000 and 0.001 decide the class together; batch_norm on the input (and after the
        // hidden layer) lets plain gradient descent learn it. Evaluation runs in inference mode: on the running
        // statistics, which must have converged to the data's.
        std::vector<float> features;
        std::vector<label_type> labels;
        random_engine rng(4);
        for (std::size_t i = 0; i < 256; ++i)
        {
            const double a = rng.uniform(-1.0, 1.0);
            const double b = rng.uniform(-1.0, 1.0);
            features.push_back(static_cast<float>(1000.0 * a));
            features.push_back(static_cast<float>(0.001 * b));
            labels.push_back(a + b > 0 ? 1 : 0);
        }
        const auto data = dataset<float>::with_labels(std::move(features), 2, std::move(labels), 2);
        using mlp = network<input<2>, batch_norm<>, dense<16, no_bias>, batch_norm<>, relu, dense<2>>;
        mlp net(he_normal{}, 2);
        trainer<32, mlp, softmax_cross_entropy, gradient_descent> t(net, {}, gradient_descent(0.1));
        t.fit(data, {.epochs = 60, .seed = 1});
        EXPECT_GT(t.evaluate(data).accuracy, 0.95);
    }
}
