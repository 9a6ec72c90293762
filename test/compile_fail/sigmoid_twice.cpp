// expected-error: precast: sigmoid twice: the network ends in a sigmoid layer, and binary_cross_entropy_with_logits applies sigmoid itself
// The same mistake with one output: sigmoid before the loss that applies sigmoid.
#include <precast/precast.hpp>
int main()
{
    using net = precast::network<precast::input<4>, precast::dense<1>, precast::sigmoid>;
    net n;
    precast::trainer<8, net, precast::binary_cross_entropy_with_logits, precast::adam> t(n);
    return static_cast<int>(t.steps());
}
