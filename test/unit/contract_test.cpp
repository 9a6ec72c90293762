// The shaped contract on its own: a layer written here, outside src/, on samples of rank 2, binds in a network,
// gradient-checks and trains; dense acts on the last axis; losses take one label per position, with ignored ones.
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace user
{
    // y[t][f] = gain[t][f] * x[t][f] + bias[f]: a per-position scale with a shared bias, on samples [Steps, Features].
    template <class T, class Shape>
    class positionwise_scale_layer : public precast::parameter_slot<T, Shape::size + Shape::extents[1]>
    {
        static_assert(Shape::rank == 2, "positionwise_scale takes samples [steps, features]");
        static constexpr std::size_t steps = Shape::extents[0];
        static constexpr std::size_t features = Shape::extents[1];
        static constexpr std::size_t cells = steps * features;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "positionwise_scale";
        static constexpr std::size_t parameter_count = cells + features;
        static constexpr std::array<precast::parameter_tensor, 2> parameter_tensors{{{"gain", 0, {steps, features}}, {"bias", cells, {features}}}};

        template <std::size_t B>
        using workspace = precast::no_workspace;

        using precast::parameter_slot<T, parameter_count>::parameters;
        using precast::parameter_slot<T, parameter_count>::gradients;

        template <class Init>
        void initialize(const Init& init, precast::random_engine& rng)
        {
            init.fill(std::span<T>(parameters().data(), cells), features, features, rng);
            for (std::size_t i = 0; i < cells; ++i)
            {
                parameters()[i] += T(1);
            }
            for (std::size_t f = 0; f < features; ++f)
            {
                parameters()[cells + f] = T(0);
            }
        }

        template <std::size_t B>
        void forward(precast::batch_view<const T, B, Shape> x, precast::batch_view<T, B, Shape> y, precast::no_workspace&, precast::mode) const noexcept
        {
            for (std::size_t b = 0; b < B; ++b)
            {
                for (std::size_t t = 0; t < steps; ++t)
                {
                    for (std::size_t f = 0; f < features; ++f)
                    {
                        y(b, t, f) = parameters()[t * features + f] * x(b, t, f) + parameters()[cells + f];
                    }
                }
            }
        }

        template <std::size_t B>
        void backward(precast::batch_view<const T, B, Shape> x, precast::batch_view<const T, B, Shape>, precast::batch_view<const T, B, Shape> dy,
                      precast::batch_view<T, B, Shape> dx, precast::no_workspace&) noexcept
        {
            gradients().fill(T(0));
            for (std::size_t b = 0; b < B; ++b)
            {
                for (std::size_t t = 0; t < steps; ++t)
                {
                    for (std::size_t f = 0; f < features; ++f)
                    {
                        gradients()[t * features + f] += dy(b, t, f) * x(b, t, f);
                        gradients()[cells + f] += dy(b, t, f);
                        if (!dx.empty())
                        {
                            dx(b, t, f) = dy(b, t, f) * parameters()[t * features + f];
                        }
                    }
                }
            }
        }
    };

    // A loss with only what precast::loss requires: a name, the kind of targets, a value and its gradient.
    struct mean_absolute_error
    {
        static constexpr const char* name = "user_mean_absolute_error";
        static constexpr precast::target_kind targets = precast::target_kind::values;

        template <class T, std::size_t B, std::size_t N>
        T value(precast::matrix_view<const T, B, N> y, precast::matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            T sum = 0;
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                sum += std::abs(y.data()[i] - t.data()[i]);
            }
            return rows == 0 ? T(0) : sum / static_cast<T>(rows * N);
        }
        template <class T, std::size_t B, std::size_t N>
        void gradient(precast::matrix_view<const T, B, N> y, precast::matrix_view<const T, B, N> t, precast::matrix_view<T, B, N> dy,
                      std::size_t rows) const noexcept
        {
            for (std::size_t i = 0; i < B * N; ++i)
            {
                const T d = y.data()[i] - t.data()[i];
                dy.data()[i] = i < rows * N ? (d > 0 ? T(1) : d < 0 ? T(-1) : T(0)) / static_cast<T>(rows * N) : T(0);
            }
        }
    };

    struct positionwise_scale
    {
        template <class T, class InputShape>
        using bind = positionwise_scale_layer<T, InputShape>;
    };
}

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    static_assert(trainable_layer<user::positionwise_scale_layer<float, shape<4, 3>>> && layer_spec<user::positionwise_scale>);

    // [4, 3] -> scale -> [4, 3] -> dense<5> -> [4, 5] -> tanh -> dense<2> -> [4, 2]: two classes per step.
    template <class T>
    using sequence_classifier = network<input_of<shape<4, 3>, T>, user::positionwise_scale, dense<5>, precast::tanh, dense<2>>;
    static_assert(std::is_same_v<sequence_classifier<float>::output_shape, shape<4, 2>>);
    static_assert(std::is_same_v<sequence_classifier<float>::shape_at<2>, shape<4, 5>>);
    static_assert(sequence_classifier<float>::parameter_count == (12 + 3) + (5 * 3 + 5) + (2 * 5 + 2));

    TEST(shaped_contract, a_user_layer_of_rank_2_passes_the_gradient_check)
    {
        user::positionwise_scale_layer<double, shape<4, 3>> l;
        random_engine rng(3);
        l.initialize(glorot_uniform{}, rng);
        const auto r = check_layer<decltype(l), 3>(l);
        EXPECT_TRUE(r.passed()) << r.summary();
        ASSERT_EQ(r.tensors.size(), 3u);
        EXPECT_EQ(r.tensors[1].name, "gain");
        EXPECT_EQ(r.tensors[1].total, 12u);
        EXPECT_NE(r.subject.find("[4, 3]->[4, 3]"), std::string::npos) << r.subject;
    }

    // Hand values of the dense test in layers_test.cpp, as one sample of shape [2, 2]: each row is a position.
    TEST(shaped_contract, dense_acts_on_the_last_axis)
    {
        dense_layer<double, shape<2, 2>, 3> l;
        const double params[] = {1, 2, 3, 4, 5, 6, 0.5, -1, 0};
        std::copy(std::begin(params), std::end(params), l.parameters().data());
        const std::vector<double> x{1, -1, 2, 0.5};
        std::vector<double> y(6);
        no_workspace ws;
        l.forward(batch_view<const double, 1, shape<2, 2>>(x.data()), batch_view<double, 1, shape<2, 3>>(y.data()), ws, mode::training);
        EXPECT_EQ(y, (std::vector<double>{-0.5, -2, -1, 3.5, 7, 13}));
        const std::vector<double> dy{1, 0, -1, 0.5, 1, 2};
        std::vector<double> dx(4);
        l.backward(batch_view<const double, 1, shape<2, 2>>(x.data()), batch_view<const double, 1, shape<2, 3>>(y.data()),
                   batch_view<const double, 1, shape<2, 3>>(dy.data()), batch_view<double, 1, shape<2, 2>>(dx.data()), ws);
        EXPECT_EQ(std::vector<double>(l.gradients().data(), l.gradients().data() + 9), (std::vector<double>{2, -0.75, 2, 0.5, 3, 2, 1.5, 1, 1}));
        EXPECT_EQ(dx, (std::vector<double>{-4, -4, 13.5, 17}));
    }

    // z = [[0, 0], [1, 3], [2, 0]], labels [0, ignored, 0]: mean over the two labelled rows, the ignored row's
    // gradient zero. log(1 + e^-2) = 0.126928..., softmax([2, 0]) = (0.880797..., 0.119202...).
    TEST(shaped_contract, softmax_cross_entropy_skips_ignored_labels)
    {
        const std::vector<double> z{0, 0, 1, 3, 2, 0};
        const label_type labels[] = {0, ignore_label, 0};
        const softmax_cross_entropy loss;
        const auto value = loss.value(matrix_view<const double, 3, 2>(z.data()), std::span<const label_type, 3>(labels), 3);
        EXPECT_NEAR(value, (std::log(2.0) + std::log(1.0 + std::exp(-2.0))) / 2.0, 1e-15);
        std::vector<double> dz(6, 99.0);
        loss.gradient(matrix_view<const double, 3, 2>(z.data()), std::span<const label_type, 3>(labels), matrix_view<double, 3, 2>(dz.data()), 3);
        const double s = 1.0 / (1.0 + std::exp(-2.0));
        EXPECT_NEAR(dz[0], (0.5 - 1.0) / 2.0, 1e-15);
        EXPECT_NEAR(dz[1], 0.5 / 2.0, 1e-15);
        EXPECT_EQ(dz[2], 0.0);
        EXPECT_EQ(dz[3], 0.0);
        EXPECT_NEAR(dz[4], (s - 1.0) / 2.0, 1e-15);
        EXPECT_NEAR(dz[5], (1.0 - s) / 2.0, 1e-15);
        const auto decisions = loss.count_correct(matrix_view<const double, 3, 2>(z.data()), std::span<const label_type, 3>(labels), 3);
        EXPECT_EQ(decisions.total, 2u);
        EXPECT_EQ(decisions.correct, 2u);  // row 0 ties and argmax picks the first, 0; row 2 picks 0
        const label_type all_ignored[] = {ignore_label, ignore_label, ignore_label};
        EXPECT_EQ(loss.value(matrix_view<const double, 3, 2>(z.data()), std::span<const label_type, 3>(all_ignored), 3), 0.0);
    }

    TEST(shaped_contract, a_network_with_one_label_per_step_passes_the_gradient_check)
    {
        const sequence_classifier<double> net(glorot_normal{}, 4);
        std::vector<double> x(2 * 12);
        for (std::size_t i = 0; i < x.size(); ++i)
        {
            x[i] = std::sin(0.7 * static_cast<double>(i) + 0.3);
        }
        const label_type labels[] = {0, 1, 1, ignore_label, 1, 0, ignore_label, 0};
        const auto r = check_network(net, softmax_cross_entropy{}, batch_view<const double, 2, shape<4, 3>>(x.data()), std::span<const label_type, 8>(labels));
        EXPECT_TRUE(r.passed()) << r.summary();
        EXPECT_EQ(r.tensors[1].name, "layer 1 positionwise_scale gain");

        using reshaping = network<input<6, double>, reshape_to<2, 3>, dense<4>, precast::tanh, flatten, dense<2>>;
        static_assert(std::is_same_v<reshaping::shape_at<2>, shape<2, 4>> && reshaping::output_size == 2);
        const reshaping rnet(glorot_normal{}, 5);
        const double targets[] = {0.5, -0.25, 0.0, 1.0};
        const auto rr = check_network(rnet, mean_squared_error{}, batch_view<const double, 2, shape<6>>(x.data()), matrix_view<const double, 2, 2>(targets));
        EXPECT_TRUE(rr.passed()) << rr.summary();
    }

    // Each step's class is whether its first feature exceeds its second; every other sample's last step is padding.
    dataset<float> steps_data(std::size_t samples, std::uint64_t seed)
    {
        random_engine rng(seed);
        std::vector<float> x(samples * 12);
        std::vector<label_type> labels(samples * 4);
        for (std::size_t s = 0; s < samples; ++s)
        {
            for (std::size_t t = 0; t < 4; ++t)
            {
                float* cell = x.data() + s * 12 + t * 3;
                for (std::size_t f = 0; f < 3; ++f)
                {
                    cell[f] = static_cast<float>(rng.uniform(-1.0, 1.0));
                }
                labels[s * 4 + t] = (t == 3 && s % 2 == 1) ? ignore_label : (cell[0] > cell[1] ? 0u : 1u);
            }
        }
        return dataset<float>::with_labels(std::move(x), 12, std::move(labels), 2, 4);
    }

    TEST(shaped_contract, a_network_with_one_label_per_step_trains)
    {
        sequence_classifier<float> net(glorot_uniform{}, 1);
        trainer<16, sequence_classifier<float>, softmax_cross_entropy, adam> t(net, {}, adam({.learning_rate = 0.01}));
        const auto train = steps_data(512, 7);
        const auto test = steps_data(128, 8);
        const auto before = t.evaluate(test);
        t.fit(train, {.epochs = 30, .seed = 2});
        const auto after = t.evaluate(test);
        EXPECT_LT(after.loss, 0.25 * before.loss);
        EXPECT_GT(after.accuracy, 0.95);

        // The accuracy counts labelled steps only: recount by hand from the network's outputs.
        std::size_t correct = 0;
        std::size_t labelled = 0;
        auto ws = std::make_unique<sequence_classifier<float>::workspace<1>>();
        for (std::size_t s = 0; s < test.size(); ++s)
        {
            const auto f = test.features(s);
            std::copy(f.begin(), f.end(), ws->input().data());
            const auto y = net.forward(*ws);
            for (std::size_t step = 0; step < 4; ++step)
            {
                const label_type label = test.labels(s)[step];
                if (label == ignore_label)
                {
                    continue;
                }
                ++labelled;
                correct += (y(0, step, 0) >= y(0, step, 1) ? 0u : 1u) == label ? 1u : 0u;
            }
        }
        EXPECT_EQ(labelled, 128u * 4u - 64u);
        EXPECT_DOUBLE_EQ(after.accuracy, static_cast<double>(correct) / static_cast<double>(labelled));
    }

    // A user's loss that satisfies precast::loss and nothing more trains through the trainer: y = 0.1 x + 0.3.
    TEST(shaped_contract, a_user_loss_with_only_the_required_members_trains)
    {
        static_assert(loss<user::mean_absolute_error> && !loss_with_decisions<user::mean_absolute_error>);
        std::vector<float> x(32);
        std::vector<float> y(32);
        for (std::size_t i = 0; i < x.size(); ++i)
        {
            x[i] = static_cast<float>(i) / 16.0f - 1.0f;
            y[i] = 0.1f * x[i] + 0.3f;
        }
        const auto data = dataset<float>::with_targets(x, 1, y, 1);
        using line = network<input<1>, dense<1>>;
        line net(zeros{}, 1);
        trainer<8, line, user::mean_absolute_error, gradient_descent> t(net, {}, gradient_descent({.learning_rate = 0.01}));
        const auto history = t.fit(data, {.epochs = 400, .seed = 3});
        EXPECT_TRUE(std::isnan(history.back().train.accuracy));  // no notion of correct
        EXPECT_NEAR(net.at<0>().parameters()[0], 0.1f, 0.01f);
        EXPECT_NEAR(net.at<0>().parameters()[1], 0.3f, 0.01f);
        EXPECT_LT(t.evaluate(data).loss, 0.01);
    }

    // .npz files carry the full shape of every parameter tensor: a gain of shape (4, 3) does not load where one of
    // shape (3, 4) is expected, although both hold 12 values.
    TEST(shaped_contract, npz_files_carry_the_shapes_of_parameter_tensors)
    {
        const auto dir = std::filesystem::temp_directory_path() / "precast_contract_npz";
        std::filesystem::create_directories(dir);
        const auto file = dir / "seq.npz";
        const sequence_classifier<float> saved(glorot_uniform{}, 3);
        save_npz(file, saved);
        sequence_classifier<float> loaded(glorot_uniform{}, 4);
        load_npz(file, loaded);
        for (std::size_t i = 0; i < 15; ++i)
        {
            ASSERT_EQ(loaded.at<0>().parameters()[i], saved.at<0>().parameters()[i]) << i;
        }
        network<input_of<shape<3, 4>>, user::positionwise_scale, dense<5>, precast::tanh, dense<2>> transposed_shape;
        try
        {
            load_npz(file, transposed_shape);
            ADD_FAILURE() << "loaded a (4, 3) gain into a (3, 4) one";
        }
        catch (const npy_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast: " + file.string() + ": array 0.gain has shape (4, 3); this network needs (3, 4)");
        }
        std::filesystem::remove_all(dir);
    }

    TEST(shaped_contract, labels_per_sample_must_match_the_output_positions)
    {
        sequence_classifier<float> net;
        trainer<4, sequence_classifier<float>, softmax_cross_entropy, gradient_descent> t(net);
        const auto one_per_sample = dataset<float>::with_labels(std::vector<float>(24, 0.5f), 12, {0, 1}, 2);
        try
        {
            (void)t.evaluate(one_per_sample);
            ADD_FAILURE() << "no error";
        }
        catch (const std::invalid_argument& e)
        {
            EXPECT_STREQ(e.what(), "precast::trainer: the data set has 1 labels per sample, but the network's output has 4 positions (one label each)");
        }
        try
        {
            (void)dataset<float>::with_labels(std::vector<float>(24, 0.5f), 12, {0, 1, 1, 0, 1, 5, 0, 0}, 2, 4);
            ADD_FAILURE() << "no error";
        }
        catch (const std::invalid_argument& e)
        {
            EXPECT_STREQ(e.what(), "precast::dataset: label 5 at position 1 of sample 1 is out of range: the data set has 2 classes (0 to 1, or "
                                   "precast::ignore_label for a padded position)");
        }
    }

    // Renamed public names keep a deprecated alias for at least one minor version (CHANGELOG.md).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    static_assert(precast::dense_layer<float, precast::shape<3>, 2>::input_size == 3 && precast::dense_layer<float, precast::shape<3>, 2>::output_size == 2);
#pragma GCC diagnostic pop
}
