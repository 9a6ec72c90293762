#include <cstdio>
#include <precast/precast.hpp>  // or: import precast;

using namespace precast;
using xor_net = network<input<2>, dense<2>, sigmoid, dense<1>, sigmoid>;  // the architecture is the type

int main()
{
    xor_net net(normal{0.0, 1.0}, /*seed=*/1);
    const auto data = dataset<float>::with_targets({0, 0, 0, 1, 1, 0, 1, 1}, 2, {0, 1, 1, 0}, 1);
    trainer<4, xor_net, binary_cross_entropy, gradient_descent> t(net, {}, gradient_descent(0.1));
    t.fit(data, {.epochs = 10000});
    const auto result = t.evaluate(data);
    std::printf("XOR: loss %.4f, accuracy %.0f %%\n", result.loss, 100 * result.accuracy);
    return result.accuracy == 1.0 ? 0 : 1;
}
