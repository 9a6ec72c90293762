// The teaching material's 2-4-3-2 sigmoid MLP, trained by mini-batch stochastic gradient descent: points of the
// square [-1, 1]^2 are class 1 inside the circle x^2 + y^2 < 0.5 and class 0 outside; the two sigmoid outputs are
// trained towards one-hot targets on the half sum of squared errors; a point's class is the larger output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <precast/precast.hpp>

namespace examples
{
    using mlp_2432 =
        precast::network<precast::input<2>, precast::dense<4>, precast::sigmoid, precast::dense<3>, precast::sigmoid, precast::dense<2>, precast::sigmoid>;

    inline precast::dataset<float> make_circle_data(std::size_t count, std::uint64_t seed)
    {
        precast::random_engine rng(seed);
        std::vector<float> features;
        std::vector<float> targets;
        for (std::size_t i = 0; i < count; ++i)
        {
            const double x = rng.uniform(-1.0, 1.0);
            const double y = rng.uniform(-1.0, 1.0);
            const bool inside = x * x + y * y < 0.5;
            features.insert(features.end(), {static_cast<float>(x), static_cast<float>(y)});
            targets.insert(targets.end(), {inside ? 0.0f : 1.0f, inside ? 1.0f : 0.0f});
        }
        return precast::dataset<float>::with_targets(std::move(features), 2, std::move(targets), 2);
    }

    // Fraction of samples whose larger output is the one the target marks.
    inline double argmax_accuracy(mlp_2432& net, const precast::dataset<float>& data)
    {
        mlp_2432::workspace<1> ws;
        std::size_t correct = 0;
        for (std::size_t i = 0; i < data.size(); ++i)
        {
            std::copy_n(data.features(i).data(), 2, ws.input().data());
            const auto y = net.forward(ws);
            const bool predicted_inside = y(0, 1) > y(0, 0);
            if (predicted_inside == (data.targets(i)[1] > 0.5f))
            {
                ++correct;
            }
        }
        return static_cast<double>(correct) / static_cast<double>(data.size());
    }

    struct mlp_result
    {
        double train_accuracy = 0;
        double test_accuracy = 0;
        std::vector<precast::epoch_report> history;
    };

    // Any optimizer type trains it; gradient descent at 0.5 is the classic setting.
    template <class Observer, precast::optimizer Optimizer = precast::gradient_descent>
    mlp_result train_mlp(std::size_t epochs, Observer&& observer, Optimizer optimizer = precast::gradient_descent(0.5))
    {
        const auto train_set = make_circle_data(400, 11);
        const auto test_set = make_circle_data(200, 12);
        mlp_2432 net(precast::glorot_uniform{}, 3);
        // 400 samples in mini-batches of 16: 25 updates per epoch; 1000 epochs reach about 98 % test accuracy.
        precast::trainer<16, mlp_2432, precast::half_sum_squared_error, Optimizer> t(net, {}, optimizer);
        mlp_result r;
        r.history = t.fit(train_set, {.epochs = epochs, .seed = 5, .validation = test_set}, observer);
        r.train_accuracy = argmax_accuracy(net, train_set);
        r.test_accuracy = argmax_accuracy(net, test_set);
        return r;
    }
}
