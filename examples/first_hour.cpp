#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <precast/precast.hpp>
#include <span>

using namespace precast;
// Next to <cmath>, a bare `tanh` would also name std's ::tanh (ambiguous): write precast::tanh.
using net_t = network<input<2, double>, dense<8>, precast::tanh, dense<3>>;

int main()
{
    // Three classes of points in the plane; fit() tells its observers of every batch and epoch.
    const auto data = dataset<double>::with_labels({0, 0, 1, 1, 0, 1, 1, 0, 2, 2, -1, -1}, 2, {0, 1, 1, 0, 2, 2}, 3);
    net_t net(glorot_uniform{}, /*seed=*/1);
    trainer<2, net_t, softmax_cross_entropy, adam> t(net, {}, adam({.learning_rate = 0.05}));
    t.fit(data, {.epochs = 100, .seed = 1}, [](const epoch_report& e) {
        if (e.epoch % 50 == 0)
        {
            std::printf("epoch %zu: loss %.3f, accuracy %.0f %%\n", e.epoch, e.train.loss, 100 * e.train.accuracy);
        }
    });
    // (observers(progress_bar(), csv_log("run.csv"), svg_plot("run.svg")), from <precast/report.hpp>, draws, logs and plots instead.)

    // Predictions for one sample; argmax and the other tensor operations also take a batch of outputs.
    const tensor<double, shape<2>> point{2, 2};
    std::printf("(2, 2) is class %zu\n", net.classify(point));

    // Gradients without a step: the loss of a batch, and each layer's gradients named like its parameters.
    net_t::workspace<2> ws;
    const std::array<double, 4> batch{0, 0, 1, 1};
    std::copy(batch.begin(), batch.end(), ws.input().data());
    const std::array<label_type, 2> labels{0, 1};
    const double loss = compute_gradients(net, ws, softmax_cross_entropy{}, std::span<const label_type, 2>(labels));
    std::printf("loss %.3f, dLoss/dW[0][1] of the first layer %.3f, dLoss/db[0] %.3f\n", loss, net.at<0>().weight_gradients()(0, 1),
                net.at<0>().bias_gradients()[0]);

    // An optimizer on a plain vector: gradient descent on f(x, y) = 2x^2 + 2xy + y^2 from (1, 1).
    vector_optimizer<gradient_descent, double, 2> opt(gradient_descent(0.1));
    std::array<double, 2> p{1, 1};
    for (int i = 0; i < 100; ++i)
    {
        opt.step(p, {4 * p[0] + 2 * p[1], 2 * p[0] + 2 * p[1]});
    }
    std::printf("minimum near (%.4f, %.4f) after %llu steps\n", p[0], p[1], static_cast<unsigned long long>(opt.steps()));
    return t.evaluate(data).accuracy == 1.0 ? 0 : 1;
}
