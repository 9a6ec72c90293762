// XOR with a 2-2-1 sigmoid network: training, then what it learned.
#include <cstdio>
#include <cstdlib>

#include "xor.hpp"

// Change this one name to train with another optimizer (precast::adam, precast::rmsprop, precast::momentum ...).
using optimizer_type = precast::gradient_descent;

int main()
{
    constexpr std::size_t steps = 10000;
    const optimizer_type optimizer({.learning_rate = 0.1});
    std::printf("XOR: 2-2-1 sigmoid network, binary cross-entropy, %s lr 0.1, N(0, 1) init, seed 1\n", optimizer_type::name);
    const auto r = examples::train_xor(
        1, steps,
        [](std::size_t step, double loss) {
            if (step == 1 || step % 2000 == 0)
            {
                std::printf("  step %5zu  loss %.5f\n", step, loss);
            }
        },
        optimizer);
    for (std::size_t i = 0; i < 4; ++i)
    {
        std::printf("  %g xor %g = %g  ->  %.4f\n", examples::xor_inputs[2 * i], examples::xor_inputs[2 * i + 1], examples::xor_targets[i], r.outputs[i]);
    }
    const bool solved = examples::xor_solved(r.outputs);
    std::printf("all four on the right side of 0.5 after %zu steps: %s (first at step %zu)\n", steps, solved ? "yes" : "NO",
                examples::steps_to_solve_xor(1, steps, optimizer));
    std::printf("seeds 1-10, steps to solve (0 = stuck in the local minimum):");
    for (std::uint64_t seed = 1; seed <= 10; ++seed)
    {
        std::printf(" %zu", examples::steps_to_solve_xor(seed, steps, optimizer));
    }
    std::printf("\n");
    return solved ? EXIT_SUCCESS : EXIT_FAILURE;
}
