// Linear regression as the smallest network: network<input<1>, dense<1>> fits y = 0.1 x + 0.3 on 100 points
// by full-batch gradient descent (learning rate 0.5) on the mean squared error, 200 steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <precast/precast.hpp>

namespace examples
{
    using line = precast::network<precast::input<1>, precast::dense<1>>;
    constexpr std::size_t regression_points = 100;

    struct regression_data
    {
        std::vector<float> x;
        std::vector<float> y;
    };

    inline regression_data make_line_data(std::uint64_t seed = 2026)
    {
        precast::random_engine rng(seed);
        regression_data d;
        for (std::size_t i = 0; i < regression_points; ++i)
        {
            d.x.push_back(static_cast<float>(rng.uniform()));
            d.y.push_back(0.1f * d.x.back() + 0.3f);
        }
        return d;
    }

    struct regression_result
    {
        float w = 0;
        float b = 0;
        double first_loss = 0;
        double last_loss = 0;
        precast::gradcheck_result gradient_check;
    };

    template <class Observer, precast::optimizer Optimizer = precast::gradient_descent>
    regression_result fit_line(Observer&& on_step, std::size_t steps = 200, Optimizer optimizer = precast::gradient_descent(0.5))
    {
        const regression_data d = make_line_data();
        line net(precast::uniform{-1.0, 1.0}, 7);
        using trainer_type = precast::trainer<regression_points, line, precast::mean_squared_error, Optimizer>;
        trainer_type t(net, {}, optimizer);
        const precast::matrix_view<const float, regression_points, 1> x(d.x.data());
        const precast::matrix_view<const float, regression_points, 1> y(d.y.data());

        regression_result r;
        // Before training: the analytic gradient against finite differences, in double for a tight check.
        precast::network<precast::input<1, double>, precast::dense<1>> probe(precast::uniform{-1.0, 1.0}, 7);
        const std::vector<double> xd(d.x.begin(), d.x.end());
        const std::vector<double> yd(d.y.begin(), d.y.end());
        r.gradient_check = precast::check_network(probe, precast::mean_squared_error{}, precast::matrix_view<const double, regression_points, 1>(xd.data()),
                                                  precast::matrix_view<const double, regression_points, 1>(yd.data()));
        for (std::size_t step = 0; step < steps; ++step)
        {
            const double loss = t.step(x, y);
            if (step == 0)
            {
                r.first_loss = loss;
            }
            r.last_loss = loss;
            on_step(step, loss, net.at<0>().weights()(0, 0), net.at<0>().bias()[0]);
        }
        r.w = net.at<0>().weights()(0, 0);
        r.b = net.at<0>().bias()[0];
        return r;
    }
}
