#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"
#include "support/reference.hpp"

namespace
{
    struct thread_count
    {
        explicit thread_count(int n) { precast::set_threads(n); }
        ~thread_count() { precast::set_threads(1); }
    };

    // Columns are split between threads and each is computed as one thread would: identical bits.
    TEST(threads, a_large_product_gives_identical_bits_on_one_and_two_threads)
    {
        if (!precast::threading_available())
        {
            GTEST_SKIP() << "built without OpenMP";
        }
        constexpr std::size_t m = 64, n = 257, k = 300;
        static_assert(m * n * k >= precast::parallel_work_threshold);
        const auto a = precast_test::random_vector<float>(m * k, 1);
        const auto b = precast_test::random_vector<float>(n * k, 2);
        std::vector<float> one(m * n), two(m * n);
        {
            const thread_count single(1);
            precast::kernels::gemm<float, m, n, k>(a.data(), b.data(), one.data());
        }
        {
            const thread_count pair(2);
            precast::kernels::gemm<float, m, n, k>(a.data(), b.data(), two.data());
        }
        EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0);
    }

    TEST(threads, training_steps_give_identical_parameters_on_one_and_two_threads)
    {
        using net_t = precast::network<precast::input<784>, precast::dense<128>, precast::relu, precast::dense<10>>;
        const net_t start(precast::he_normal{}, 5);
        const auto x = precast_test::random_vector<float>(64 * 784, 3, 0.0, 1.0);
        std::vector<precast::label_type> labels(64);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            labels[i] = static_cast<precast::label_type>(i % 10);
        }
        auto train = [&](int threads) {
            const thread_count count(threads);
            auto net = std::make_unique<net_t>(start);
            precast::trainer<64, net_t, precast::softmax_cross_entropy, precast::gradient_descent> t(*net, {}, precast::gradient_descent(0.1));
            for (int step = 0; step < 3; ++step)
            {
                (void)t.step(precast::matrix_view<const float, 64, 784>(x.data()), std::span<const precast::label_type, 64>(labels.data(), 64));
            }
            return net;
        };
        const auto one = train(1);
        const auto two = train(2);
        const auto& p1 = one->at<0>().parameters();
        EXPECT_EQ(std::memcmp(p1.data(), two->at<0>().parameters().data(), p1.bytes), 0);
        EXPECT_EQ(std::memcmp(one->at<2>().parameters().data(), two->at<2>().parameters().data(), one->at<2>().parameters().bytes), 0);
    }

    TEST(threads, a_cnn_with_batch_norm_trains_to_identical_bits_on_one_and_two_threads)
    {
        // The convolutions' products split between threads (each is past the threshold); the batch statistics
        // are summed on one thread: parameters and running statistics come out the same, bit for bit.
        using namespace precast;  // NOLINT(google-build-using-namespace): test brevity
        using net_t = network<input_of<shape<12, 12, 8>>, conv2d<16, 3, same, no_bias>, batch_norm<>, relu, max_pool2d<2>, conv2d<16, 3, same>, batch_norm<>,
                              relu, global_avg_pool, dense<4>>;
        static_assert(16 * 144 * 72 * 16 >= parallel_work_threshold);
        const net_t start(he_normal{}, 6);
        const auto x = precast_test::random_vector<float>(16 * net_t::input_size, 4, -1.0, 1.0);
        std::vector<label_type> labels(16);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            labels[i] = static_cast<label_type>(i % 4);
        }
        auto train = [&](int threads) {
            const thread_count count(threads);
            auto net = std::make_unique<net_t>(start);
            trainer<16, net_t, softmax_cross_entropy, adam> t(*net, {}, adam(0.01));
            for (int step = 0; step < 3; ++step)
            {
                (void)t.step(batch_view<const float, 16, net_t::input_shape>(x.data()), std::span<const label_type, 16>(labels.data(), 16));
            }
            return net;
        };
        const auto one = train(1);
        const auto two = train(2);
        EXPECT_EQ(std::memcmp(one->parameters().data(), two->parameters().data(), net_t::parameter_bytes), 0);
        EXPECT_EQ(std::memcmp(one->statistics().data(), two->statistics().data(), net_t::statistic_count * sizeof(float)), 0);
        EXPECT_NE(one->statistics()[0], 0.0f);  // the running means moved
    }

    TEST(threads, a_thread_count_below_one_is_rejected)
    {
        try
        {
            precast::set_threads(0);
            FAIL() << "set_threads(0) must throw";
        }
        catch (const std::invalid_argument& e)
        {
            EXPECT_STREQ(e.what(), "precast::set_threads: the thread count must be at least 1, not 0");
        }
        EXPECT_EQ(precast::threads(), 1);
    }
}
