// Gradient descent on functions of one and two variables, with a precast optimizer updating a parameter vector
// exactly as it updates a network's weights (precast::vector_optimizer keeps its state and step count).
// gradient_descent by default; any optimizer type can be passed.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include <precast/precast.hpp>

namespace examples
{
    struct descent_result
    {
        double x = 0.0;
        double y = 0.0;  // unused for one variable
        double f = 0.0;
        std::size_t steps = 0;
    };

    // f(x) = x^4 - 12 x^2 - 12 x, f'(x) = 4 x^3 - 24 x - 12. Stops when |x_new - x_old| <= tolerance.
    inline double quartic(double x)
    {
        return x * x * x * x - 12 * x * x - 12 * x;
    }
    inline double quartic_derivative(double x)
    {
        return 4 * x * x * x - 24 * x - 12;
    }

    template <precast::optimizer Optimizer>
    descent_result minimize_quartic(Optimizer optimizer_type, double x0, double tolerance = 1e-9, std::size_t max_steps = 100000)
    {
        precast::vector_optimizer<Optimizer, double, 1> optimizer(optimizer_type);
        precast::tensor_buffer<double, precast::shape<1>> x(x0);
        precast::tensor_buffer<double, precast::shape<1>> gradient;
        descent_result r;
        for (r.steps = 1; r.steps <= max_steps; ++r.steps)
        {
            const double old = x[0];
            gradient[0] = quartic_derivative(old);
            optimizer.step(x, gradient);
            if (std::fabs(x[0] - old) <= tolerance)
            {
                break;
            }
        }
        r.x = x[0];
        r.f = quartic(r.x);
        return r;
    }
    inline descent_result minimize_quartic(double x0, double rho = 0.005, double tolerance = 1e-9, std::size_t max_steps = 100000)
    {
        return minimize_quartic(precast::gradient_descent(rho), x0, tolerance, max_steps);
    }

    // f(x, y) = 2 x^2 + 2 x y + y^2, gradient (4 x + 2 y, 2 x + 2 y); its minimum is (0, 0).
    template <precast::optimizer Optimizer>
    descent_result minimize_bowl(Optimizer optimizer_type, double x0, double y0, double tolerance = 1e-9, std::size_t max_steps = 100000)
    {
        precast::vector_optimizer<Optimizer, double, 2> optimizer(optimizer_type);
        precast::tensor_buffer<double, precast::shape<2>> p;
        p[0] = x0;
        p[1] = y0;
        precast::tensor_buffer<double, precast::shape<2>> gradient;
        descent_result r;
        for (r.steps = 1; r.steps <= max_steps; ++r.steps)
        {
            const double old_x = p[0];
            const double old_y = p[1];
            gradient[0] = 4 * old_x + 2 * old_y;
            gradient[1] = 2 * old_x + 2 * old_y;
            optimizer.step(p, gradient);
            if (std::hypot(p[0] - old_x, p[1] - old_y) <= tolerance)
            {
                break;
            }
        }
        r.x = p[0];
        r.y = p[1];
        r.f = 2 * r.x * r.x + 2 * r.x * r.y + r.y * r.y;
        return r;
    }
    inline descent_result minimize_bowl(double x0, double y0, double rho = 0.1, double tolerance = 1e-9, std::size_t max_steps = 100000)
    {
        return minimize_bowl(precast::gradient_descent(rho), x0, y0, tolerance, max_steps);
    }
}
