// XOR, the problem a single neuron cannot solve: a 2-2-1 sigmoid network trained by full-batch gradient
// descent (learning rate 0.1) on binary cross-entropy. Weights start from N(0, 1) with a fixed seed.
// With seed 1 all four outputs are on the right side of 0.5 after 2898 steps; some seeds (6, 7, 8) land in
// XOR's well-known local minimum instead, where two outputs stay at 0.5.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <precast/precast.hpp>

namespace examples
{
    using xor_network = precast::network<precast::input<2>, precast::dense<2>, precast::sigmoid, precast::dense<1>, precast::sigmoid>;
    // Four tanh hidden units: far fewer initializations end in a local minimum than with two.
    using wide_xor_network = precast::network<precast::input<2>, precast::dense<4>, precast::tanh, precast::dense<1>, precast::sigmoid>;

    inline constexpr std::array<float, 8> xor_inputs{0, 0, 0, 1, 1, 0, 1, 1};
    inline constexpr std::array<float, 4> xor_targets{0, 1, 1, 0};

    struct xor_result
    {
        std::array<float, 4> outputs{};
        std::size_t solved_at_step = 0;  // first step after which all four outputs were right; 0 = never
        double final_loss = 0;
    };

    // Any optimizer type trains it; gradient descent at 0.1 is the classic setting.
    template <class Network = xor_network, class Observer, precast::optimizer Optimizer = precast::gradient_descent>
    xor_result train_xor(std::uint64_t seed, std::size_t steps, Observer&& on_step, Optimizer optimizer = precast::gradient_descent(0.1))
    {
        Network net(precast::normal{0.0, 1.0}, seed);
        precast::trainer<4, Network, precast::binary_cross_entropy, Optimizer> t(net, {}, optimizer);
        const precast::matrix_view<const float, 4, 2> x(xor_inputs.data());
        const precast::matrix_view<const float, 4, 1> y(xor_targets.data());
        xor_result r;
        for (std::size_t step = 1; step <= steps; ++step)
        {
            r.final_loss = t.step(x, y);
            on_step(step, r.final_loss);
        }
        typename Network::template workspace<4> ws;
        const auto out = net.forward(x, ws);  // the trained network, in inference mode
        for (std::size_t i = 0; i < 4; ++i)
        {
            r.outputs[i] = out(i, 0);
        }
        return r;
    }

    inline bool xor_solved(const std::array<float, 4>& outputs)
    {
        for (std::size_t i = 0; i < 4; ++i)
        {
            if ((outputs[i] > 0.5f) != (xor_targets[i] > 0.5f))
            {
                return false;
            }
        }
        return true;
    }

    // The first step count at which the network classifies all four inputs right (0 if not within max_steps).
    template <precast::optimizer Optimizer = precast::gradient_descent>
    std::size_t steps_to_solve_xor(std::uint64_t seed, std::size_t max_steps, Optimizer optimizer = precast::gradient_descent(0.1))
    {
        xor_network net(precast::normal{0.0, 1.0}, seed);
        precast::trainer<4, xor_network, precast::binary_cross_entropy, Optimizer> t(net, {}, optimizer);
        const precast::matrix_view<const float, 4, 2> x(xor_inputs.data());
        const precast::matrix_view<const float, 4, 1> y(xor_targets.data());
        for (std::size_t step = 1; step <= max_steps; ++step)
        {
            (void)t.step(x, y);
            const auto out = t.workspace().output();  // outputs before this step's update
            if (xor_solved({out(0, 0), out(1, 0), out(2, 0), out(3, 0)}))
            {
                return step;
            }
        }
        return 0;
    }
}
