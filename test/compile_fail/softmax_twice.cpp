// expected-error: precast: softmax twice: the network ends in a softmax layer, and softmax_cross_entropy applies softmax itself
// A final softmax before softmax_cross_entropy trains on softmax(softmax(z)): a compile error, not a worse model.
#include <precast/precast.hpp>
int main()
{
    using net = precast::network<precast::input<4>, precast::dense<3>, precast::softmax>;
    net n;
    precast::trainer<8, net, precast::softmax_cross_entropy, precast::adam> t(n);
    return static_cast<int>(t.steps());
}
