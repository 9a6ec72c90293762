// A 2-4-3-2 sigmoid MLP learns a circular decision boundary by mini-batch gradient descent.
#include <cstdio>
#include <cstdlib>

#include "mlp.hpp"

namespace
{
    struct print_every_200_epochs
    {
        void on_epoch(const precast::epoch_report& e) const
        {
            if (e.epoch % 200 == 0)
            {
                std::printf("  epoch %4zu  train loss %.4f  test loss %.4f\n", e.epoch, e.train.loss, e.validation.loss);
            }
        }
    };
}

// Change this one name to train with another optimizer (precast::adam, precast::momentum ...); lr is its rate.
using optimizer_type = precast::gradient_descent;
constexpr double learning_rate = 0.5;

int main()
{
    std::printf("2-4-3-2 sigmoid MLP, half sum of squared errors, mini-batches of 16, %s lr %g\n", optimizer_type::name, learning_rate);
    const auto r = examples::train_mlp(1000, print_every_200_epochs{}, optimizer_type({.learning_rate = learning_rate}));
    std::printf("accuracy: train %.1f %%, test %.1f %%\n", 100 * r.train_accuracy, 100 * r.test_accuracy);
    return r.test_accuracy >= 0.95 ? EXIT_SUCCESS : EXIT_FAILURE;
}
