// Data-parallel training over MPI, run by ctest under `mpirun -np N` for N = 1, 2, 3. Every process also trains
// the one-process reference (trainer<12> on the whole global batch) on its own, and compares.
//
//   precast_mpi_tests [gtest options]   the tests below (collective: every process runs the same ones)
//   precast_mpi_tests --fail-in-training  a step fails on one process; nothing catches it (exit code 1 everywhere)
//   precast_mpi_tests --fail-before-training  one process cannot read its file while the others wait in a collective
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <precast/io/model_file.hpp>
#include <precast/mpi.hpp>
#include <precast/precast.hpp>

#include "support/counting_operator_new.hpp"  // a distributed step allocates nothing of its own (MPI uses malloc)

namespace
{
    using namespace precast;

    constexpr std::size_t global_batch = 12;  // 12 = 1 x 12 = 2 x 6 = 3 x 4

    template <class T>
    using mlp = network<input<5, T>, dense<16>, relu, dropout<0.25>, dense<16>, precast::tanh, dense<3>>;

    // n samples of 5 features in [-1, 1) and a label in 0..2 that depends on them (so training has something to
    // learn), from a fixed seed.
    template <class T>
    dataset<T> make_data(std::size_t n, std::uint64_t seed)
    {
        random_engine rng(seed);
        std::vector<T> features(n * 5);
        std::vector<label_type> labels(n);
        for (std::size_t i = 0; i < n; ++i)
        {
            double s = 0;
            for (std::size_t k = 0; k < 5; ++k)
            {
                features[i * 5 + k] = static_cast<T>(rng.uniform(-1, 1));
                s += static_cast<double>(features[i * 5 + k]) * static_cast<double>(k + 1);
            }
            labels[i] = static_cast<label_type>(s < -1 ? 0 : s < 1 ? 1 : 2);
        }
        return dataset<T>::with_labels(std::move(features), 5, std::move(labels), 3);
    }

    std::size_t processes()
    {
        return mpi_allreduce().size();
    }

    // The parameters of every trainable layer, in order.
    template <class Net>
    std::vector<typename Net::value_type> parameters_of(Net& net)
    {
        std::vector<typename Net::value_type> all;
        net.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& l) {
            if constexpr (Net::template is_trainable<I>)
            {
                all.insert(all.end(), l.parameters().data(), l.parameters().data() + l.parameters().size);
            }
        });
        return all;
    }

    template <class T>
    using history_and_parameters = std::pair<std::vector<T>, std::vector<epoch_report>>;

    // Trains mlp<T> with a global batch of 12 on P processes (P = 0: the one-process reference, which exchanges
    // nothing), from a different initialization on every process (process 0's must win), and returns the
    // parameters and the epoch reports.
    template <class T, std::size_t P>
    history_and_parameters<T> train_on(const dataset<T>& data, const fit_options& options, const dataset<T>* validation)
    {
        if constexpr (P == 0)
        {
            mlp<T> net(glorot_uniform{}, 7);
            trainer<global_batch, mlp<T>, softmax_cross_entropy, adam> t(net, {}, adam({.learning_rate = 0.01}));
            fit_options with_validation = options;
            if (validation != nullptr)
            {
                with_validation.validation = *validation;
            }
            auto history = t.fit(data, with_validation);
            return {parameters_of(net), history};
        }
        else
        {
            const mpi_allreduce group;
            mlp<T> net(glorot_uniform{}, 7 + 1000 * group.rank());
            trainer<global_batch / P, mlp<T>, softmax_cross_entropy, adam, mpi_allreduce> t(net, {}, adam({.learning_rate = 0.01}), group);
            fit_options with_validation = options;
            if (validation != nullptr)
            {
                with_validation.validation = *validation;
            }
            auto history = t.fit(data, with_validation);
            return {parameters_of(net), history};
        }
    }

    template <class T>
    history_and_parameters<T> train_distributed(const dataset<T>& data, const fit_options& options, const dataset<T>* validation = nullptr)
    {
        switch (processes())
        {
        case 1:
            return train_on<T, 1>(data, options, validation);
        case 2:
            return train_on<T, 2>(data, options, validation);
        case 3:
            return train_on<T, 3>(data, options, validation);
        default:
            throw std::runtime_error("these tests run on 1, 2 or 3 processes");
        }
    }
    template <class T>
    history_and_parameters<T> train_alone(const dataset<T>& data, const fit_options& options, const dataset<T>* validation = nullptr)
    {
        return train_on<T, 0>(data, options, validation);
    }

    template <class T>
    T largest_difference(const std::vector<T>& a, const std::vector<T>& b)
    {
        EXPECT_EQ(a.size(), b.size());
        T worst = 0;
        for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        {
            worst = std::max(worst, std::abs(a[i] - b[i]));
        }
        return worst;
    }

    template <class T>
    class distributed : public ::testing::Test
    {
    };
    using scalar_types = ::testing::Types<float, double>;
    TYPED_TEST_SUITE(distributed, scalar_types);

    // 100 samples: 8 full global batches and one of 4, which leaves process 1 (of 2 or 3) and process 2 without a
    // row; 6 epochs = 54 steps of Adam through dropout. The tolerance is the rounding of the sums' different order
    // (each process's gradients are summed over its rows first), grown over 54 steps.
    TYPED_TEST(distributed, training_matches_one_process_with_the_global_batch)
    {
        using T = TypeParam;
        const auto data = make_data<T>(100, 1);
        const auto validation = make_data<T>(31, 2);
        const fit_options options{.epochs = 6, .seed = 3};
        const auto [alone, alone_history] = train_alone(data, options, &validation);
        const auto [together, together_history] = train_distributed(data, options, &validation);
        const T tolerance = std::is_same_v<T, float> ? T(2e-6) : T(1e-14);
        const T difference = largest_difference(alone, together);
        EXPECT_LE(difference, tolerance) << processes() << " processes";
        if (mpi_allreduce().rank() == 0)
        {
            std::printf("[   INFO   ] %zu process(es), %s: largest parameter difference from one process after 54 steps: %.3g\n", processes(),
                        std::is_same_v<T, float> ? "float" : "double", static_cast<double>(difference));
        }
        ASSERT_EQ(together_history.size(), alone_history.size());
        for (std::size_t e = 0; e < alone_history.size(); ++e)
        {
            EXPECT_EQ(together_history[e].train.samples, 100U);
            EXPECT_NEAR(together_history[e].train.loss, alone_history[e].train.loss, 1e-5) << "epoch " << e + 1;
            EXPECT_NEAR(together_history[e].train.accuracy, alone_history[e].train.accuracy, 1e-12) << "epoch " << e + 1;
            EXPECT_NEAR(together_history[e].validation.loss, alone_history[e].validation.loss, 1e-5) << "epoch " << e + 1;
            EXPECT_NEAR(together_history[e].validation.accuracy, alone_history[e].validation.accuracy, 1e-12) << "epoch " << e + 1;
        }
        // Training did something (the comparison is not between two untouched networks).
        EXPECT_LT(alone_history.back().train.loss, alone_history.front().train.loss);
    }

    TYPED_TEST(distributed, two_runs_with_the_same_seed_are_bit_identical)
    {
        using T = TypeParam;
        const auto data = make_data<T>(100, 1);
        const fit_options options{.epochs = 2, .seed = 5};
        const auto first = train_distributed(data, options).first;
        const auto second = train_distributed(data, options).first;
        ASSERT_EQ(first.size(), second.size());
        EXPECT_EQ(std::memcmp(first.data(), second.data(), first.size() * sizeof(T)), 0);
    }

    // 50 steps through the exchange (status, weighted gradient sums, update) with dropout: no allocation.
    template <std::size_t B>
    std::size_t allocations_in_50_distributed_steps()
    {
        auto net = std::make_unique<mlp<float>>(glorot_uniform{}, 1);
        trainer<B, mlp<float>, softmax_cross_entropy, adam, mpi_allreduce> t(*net);
        std::fill_n(t.workspace().input().data(), B * 5, 0.25f);
        std::array<label_type, B> labels{};
        labels.fill(2);
        const std::span<const label_type, B> targets(labels);
        (void)t.step(targets);
        const std::size_t before = precast_test::allocations.load();
        for (int i = 0; i < 50; ++i)
        {
            (void)t.step(targets);
        }
        return precast_test::allocations.load() - before;
    }

    TEST(failure, no_allocation_in_a_distributed_step)
    {
        switch (processes())
        {
        case 1:
            EXPECT_EQ(allocations_in_50_distributed_steps<12>(), 0u);
            break;
        case 2:
            EXPECT_EQ(allocations_in_50_distributed_steps<6>(), 0u);
            break;
        default:
            EXPECT_EQ(allocations_in_50_distributed_steps<4>(), 0u);
            break;
        }
    }

    // Fewer samples than processes: process 0 trains on both, the others on nothing, every step.
    TYPED_TEST(distributed, a_data_set_smaller_than_the_processes_still_trains_as_one_process)
    {
        using T = TypeParam;
        const auto data = make_data<T>(2, 4);
        const fit_options options{.epochs = 20, .seed = 1};
        const T tolerance = std::is_same_v<T, float> ? T(2e-6) : T(1e-14);
        EXPECT_LE(largest_difference(train_alone(data, options).first, train_distributed(data, options).first), tolerance);
    }

    // A sample whose features overflow the loss: the process that trains it fails; every process must learn of
    // it at the same step, with the failing process and its message, instead of waiting for it.
    TEST(failure, a_failure_on_one_process_is_raised_on_every_process)
    {
        const mpi_allreduce group;
        const std::size_t P = group.size();
        // Without shuffling, sample 3 * 12 + 5 is row 5 of the 4th global batch: process 5 / (12 / P).
        std::vector<float> features(60 * 5, 0.1f);
        std::fill_n(features.begin() + (3 * 12 + 5) * 5, 5, 3e38f);
        const auto data = dataset<float>::with_labels(std::move(features), 5, std::vector<label_type>(60, 1), 3);
        const std::size_t expected = 5 / (12 / P);
        mlp<float> net(glorot_uniform{}, 1);
        const auto run = [&](auto& t) {
            try
            {
                t.fit(data, {.epochs = 1, .shuffle = false});
                ADD_FAILURE() << "no error";
            }
            catch (const distributed_training_error& e)
            {
                EXPECT_EQ(e.failing_rank(), expected);
                const std::string what = e.what();
                EXPECT_NE(what.find("process " + std::to_string(expected) + " of " + std::to_string(P) + " failed at step 4 (epoch 1, batch 4 of 5)"),
                          std::string::npos)
                    << what;
                EXPECT_NE(what.find("the loss became NaN"), std::string::npos) << what;
            }
        };
        if (P == 1)
        {
            trainer<12, mlp<float>, softmax_cross_entropy, gradient_descent, mpi_allreduce> t(net);
            run(t);
        }
        else if (P == 2)
        {
            trainer<6, mlp<float>, softmax_cross_entropy, gradient_descent, mpi_allreduce> t(net);
            run(t);
        }
        else
        {
            trainer<4, mlp<float>, softmax_cross_entropy, gradient_descent, mpi_allreduce> t(net);
            run(t);
        }
    }

    TEST(failure, replicas_that_diverge_are_detected)
    {
        const mpi_allreduce group;
        mlp<double> net(glorot_uniform{}, 1);
        trainer<4, mlp<double>, softmax_cross_entropy, gradient_descent, mpi_allreduce> t(net);
        EXPECT_NO_THROW(t.check_replicas());
        if (group.size() == 1)
        {
            return;
        }
        if (group.rank() == group.size() - 1)
        {
            net.at<0>().parameters()[3] += 1e-12;
        }
        try
        {
            t.check_replicas();
            ADD_FAILURE() << "no error";
        }
        catch (const training_error& e)
        {
            EXPECT_NE(std::string(e.what()).find("the parameters of process(es) " + std::to_string(group.size() - 1) + " differ from process 0's"),
                      std::string::npos)
                << e.what();
        }
    }

    // A checkpoint written by one process count resumes on another: the save test runs under 2 processes, the
    // resume tests under 1 and 3, and all of them must end where 4 uninterrupted epochs of one process end.
    const char* const checkpoint_file = "mpi_checkpoint.precast";

    TEST(checkpoint, save_after_two_epochs)
    {
        const mpi_allreduce group;
        const auto data = make_data<double>(100, 1);
        mlp<double> net(glorot_uniform{}, 7);
        trainer<global_batch / 2, mlp<double>, softmax_cross_entropy, adam, mpi_allreduce> t(net, {}, adam({.learning_rate = 0.01}), group);
        ASSERT_EQ(group.size(), 2U) << "ctest runs this one on 2 processes";
        t.fit(data, {.epochs = 2, .seed = 3});
        if (group.rank() == 0)
        {
            save_model(checkpoint_file, net, t.optimizer(), t.optimizer_state());
        }
    }

    template <std::size_t P>
    void resume_on()
    {
        const mpi_allreduce group;
        ASSERT_EQ(group.size(), P);
        const auto data = make_data<double>(100, 1);
        const auto reference = train_alone(data, {.epochs = 4, .seed = 3}).first;
        // The seed of the run that saved the checkpoint (the file holds parameters and optimizer state; dropout's
        // seed comes from the network's), on process 0: the others' is overwritten by synchronize().
        mlp<double> net(glorot_uniform{}, 7 + 1000 * group.rank());
        trainer<global_batch / P, mlp<double>, softmax_cross_entropy, adam, mpi_allreduce> t(net, {}, adam({.learning_rate = 0.01}), group);
        if (group.rank() == 0)
        {
            ASSERT_TRUE(std::filesystem::exists(checkpoint_file)) << "run checkpoint.save_after_two_epochs first (ctest does)";
            load_model(checkpoint_file, net, t.optimizer(), t.optimizer_state());
        }
        t.synchronize();  // process 0's checkpoint to every process
        t.fit(data, {.epochs = 4, .seed = 3, .first_epoch = 3});
        EXPECT_LE(largest_difference(reference, parameters_of(net)), 1e-14);
    }

    TEST(checkpoint, resume_on_one_process)
    {
        resume_on<1>();
    }
    TEST(checkpoint, resume_on_three_processes)
    {
        resume_on<3>();
    }

    // --fail-in-training: a step fails on the last process; mpi_session::run turns the error, raised on every
    // process, into exit code 1 everywhere, with the message printed once.
    int fail_in_training(precast::mpi_session& mpi)
    {
        return mpi.run([&] {
            const std::size_t P = mpi.size();
            std::vector<float> features(24 * 5, 0.1f);
            std::fill_n(features.begin() + 11 * 5, 5, 3e38f);  // row 11 of the first global batch: the last process's
            const auto data = dataset<float>::with_labels(std::move(features), 5, std::vector<label_type>(24, 1), 3);
            mlp<float> net(glorot_uniform{}, 1);
            if (P == 2)
            {
                trainer<6, mlp<float>, softmax_cross_entropy, gradient_descent, mpi_allreduce> t(net);
                t.fit(data, {.epochs = 1, .shuffle = false});
            }
            else
            {
                trainer<4, mlp<float>, softmax_cross_entropy, gradient_descent, mpi_allreduce> t(net);
                t.fit(data, {.epochs = 1, .shuffle = false});
            }
            return 0;
        });
    }

    // --fail-before-training: the last process cannot read its data and throws while the others already wait in
    // the trainer's first collective; mpi_session::run must end the job (MPI_Abort), not leave them waiting.
    int fail_before_training(precast::mpi_session& mpi)
    {
        return mpi.run([&] {
            if (mpi.rank() == mpi.size() - 1)
            {
                throw std::runtime_error("cannot open /nonexistent/train.idx");
            }
            mlp<float> net(glorot_uniform{}, 1);
            trainer<4, mlp<float>, softmax_cross_entropy, gradient_descent, mpi_allreduce> t(net);
            return 0;
        });
    }
}

int main(int argc, char** argv)
{
    precast::mpi_session mpi(argc, argv);
    if (argc > 1 && std::strcmp(argv[1], "--fail-in-training") == 0)
    {
        return fail_in_training(mpi);
    }
    if (argc > 1 && std::strcmp(argv[1], "--fail-before-training") == 0)
    {
        return fail_before_training(mpi);
    }
    ::testing::InitGoogleTest(&argc, argv);
    if (mpi.rank() != 0)
    {
        // One process reports; the others still run (and count) every test.
        delete ::testing::UnitTest::GetInstance()->listeners().Release(::testing::UnitTest::GetInstance()->listeners().default_result_printer());
    }
    int failed = RUN_ALL_TESTS();
    // Any process's failure fails the run.
    double any = failed != 0 ? 1.0 : 0.0;
    precast::mpi_allreduce().sum(std::span<double>(&any, 1));
    return any > 0 ? 1 : 0;
}
