// precast from several threads, under ThreadSanitizer: std::threads sharing one network for inference (each
// with its own workspace, or its own frozen_network), std::threads training networks of their own while another
// changes set_threads, and products split over OpenMP threads (threads_test.cpp, compiled into this program too).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"
#include "support/reference.hpp"

namespace
{
    using net_t = precast::network<precast::input<64>, precast::dense<256>, precast::relu, precast::dense<256>, precast::tanh, precast::dense<10>>;

    TEST(concurrency, threads_share_a_network_for_inference_each_with_its_own_workspace)
    {
        const auto net = std::make_shared<net_t>(precast::he_normal{}, 3);
        const auto x = precast_test::random_vector<float>(8 * 64, 1, -1.0, 1.0);
        net_t::workspace<8> reference_ws;
        const auto reference = net->forward(precast::matrix_view<const float, 8, 64>(x.data()), reference_ws);
        std::vector<float> expected(reference.data(), reference.data() + 80);

        std::vector<std::thread> threads;
        std::vector<int> same(4, 0);
        for (int t = 0; t < 4; ++t)
        {
            threads.emplace_back([&, t] {
                auto ws = std::make_unique<net_t::workspace<8>>();
                precast::frozen_network<net_t> frozen(*net);
                bool all = true;
                for (int repeat = 0; repeat < 20; ++repeat)
                {
                    const auto y = net->forward(precast::matrix_view<const float, 8, 64>(x.data()), *ws);
                    all = all && std::memcmp(y.data(), expected.data(), expected.size() * sizeof(float)) == 0;
                    const auto one = frozen(std::span<const float, 64>(x.data(), 64));
                    for (std::size_t i = 0; i < 10; ++i)
                    {
                        all = all && std::abs(one[i] - expected[i]) <= 1e-5f * (1 + std::abs(expected[i]));  // batch 1: its own summation order
                    }
                }
                same[static_cast<std::size_t>(t)] = all ? 1 : 0;
            });
        }
        for (auto& thread : threads)
        {
            thread.join();
        }
        EXPECT_EQ(same, (std::vector<int>{1, 1, 1, 1}));
    }

    TEST(concurrency, threads_train_their_own_networks_while_the_thread_count_changes)
    {
        using big_t = precast::network<precast::input<1024>, precast::dense<1024>, precast::relu, precast::dense<4>>;
        const auto x = precast_test::random_vector<float>(4 * 1024, 2, 0.0, 1.0);
        std::vector<precast::label_type> labels{0, 1, 2, 3};
        std::vector<std::thread> threads;
        for (int t = 0; t < 2; ++t)
        {
            threads.emplace_back([&, t] {
                auto net = std::make_unique<big_t>(precast::he_normal{}, static_cast<std::uint64_t>(t));
                precast::trainer<4, big_t, precast::softmax_cross_entropy, precast::adam> trainer(*net);
                for (int step = 0; step < 3; ++step)
                {
                    (void)trainer.step(precast::matrix_view<const float, 4, 1024>(x.data()), std::span<const precast::label_type, 4>(labels.data(), 4));
                }
            });
        }
        threads.emplace_back([] {
            for (int n = 1; n <= 4; ++n)
            {
                precast::set_threads(n % 2 + 1);
            }
        });
        for (auto& thread : threads)
        {
            thread.join();
        }
        precast::set_threads(1);
    }
}
