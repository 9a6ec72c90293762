// expected-error: precast::conv2d: causal padding is for conv1d
// causal is a 1-D padding: a 2-D image has no "past" to pad.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<5, 5, 1>>, precast::conv2d<2, 3, precast::causal>> net;
    return static_cast<int>(net.depth);
}
