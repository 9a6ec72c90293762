// y = 0.1 x + 0.3, learned by a one-neuron network: the teaching material's first TensorFlow program.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "linear_regression.hpp"

// Change this one name to fit with another optimizer (precast::adam, precast::momentum ...); lr is its rate.
using optimizer_type = precast::gradient_descent;
constexpr double learning_rate = 0.5;

int main()
{
    std::printf("precast %d.%d.%d, SIMD target %s\n", precast::version.major, precast::version.minor, precast::version.patch,
                precast::kernels::simd_arch_name().data());
    const auto r = examples::fit_line(
        [](std::size_t step, double loss, float w, float b) {
            if (step % 20 == 0)
            {
                std::printf("step %3zu  loss %.3e  W %.6f  b %.6f\n", step, loss, w, b);
            }
        },
        200, optimizer_type({.learning_rate = learning_rate}));
    std::printf("gradient check before training: %s\n", r.gradient_check.summary().c_str());
    const bool fitted = std::fabs(r.w - 0.1f) < 1e-3f && std::fabs(r.b - 0.3f) < 1e-3f;
    std::printf("after 200 steps: y = %.4f x + %.4f (target 0.1 x + 0.3): %s\n", r.w, r.b, fitted ? "fitted" : "NOT fitted");
    return fitted && r.gradient_check.passed() ? EXIT_SUCCESS : EXIT_FAILURE;
}
