// expected-error: precast: the loss does not fit the network's output: a loss over classes
// softmax cross-entropy over one output is always 0: a compile error where the trainer is named, not a run-time one.
#include <precast/precast.hpp>
int main()
{
    using net = precast::network<precast::input<2>, precast::dense<1>>;
    net n;
    precast::trainer<4, net, precast::softmax_cross_entropy, precast::gradient_descent> t(n);
    return static_cast<int>(t.steps());
}
