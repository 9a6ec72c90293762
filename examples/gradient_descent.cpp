// Gradient descent finds a minimum, but which one depends on where it starts.
#include <cstdio>

#include "gradient_descent.hpp"

int main()
{
    std::printf("f(x) = x^4 - 12x^2 - 12x, rho = 0.005, stop when |x_new - x_old| <= 1e-9\n");
    for (const double x0 : {4.0, -3.0})
    {
        const auto r = examples::minimize_quartic(x0);
        std::printf("  from x0 = %+.0f: x = %+.6f, f(x) = %.4f after %zu steps (%s)\n", x0, r.x, r.f, r.steps,
                    r.x > 0 ? "the global minimum" : "trapped in the local minimum");
    }
    const auto bowl = examples::minimize_bowl(3.0, -2.0);
    std::printf("f(x, y) = 2x^2 + 2xy + y^2, rho = 0.1, from (3, -2): (%.2e, %.2e), f = %.2e after %zu steps\n", bowl.x, bowl.y, bowl.f, bowl.steps);
    // The same bowl with other optimizers (any precast optimizer type goes here).
    auto report = [](const char* name, const examples::descent_result& r) {
        std::printf("  %-34s (%+.1e, %+.1e), f = %.1e after %zu steps\n", name, r.x, r.y, r.f, r.steps);
    };
    report("momentum lr 0.1, 0.9", examples::minimize_bowl(precast::momentum({.learning_rate = 0.1, .momentum = 0.9}), 3.0, -2.0));
    report("nesterov_momentum lr 0.1, 0.9", examples::minimize_bowl(precast::nesterov_momentum({.learning_rate = 0.1, .momentum = 0.9}), 3.0, -2.0));
    report("adam lr 0.1", examples::minimize_bowl(precast::adam({.learning_rate = 0.1}), 3.0, -2.0));
    report("rmsprop lr 0.01", examples::minimize_bowl(precast::rmsprop({.learning_rate = 0.01}), 3.0, -2.0));
    return 0;
}
