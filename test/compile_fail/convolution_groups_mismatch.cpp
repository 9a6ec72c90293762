// expected-error: groups_do_not_divide_the_channels<.*in_layer<precast::conv2d<4, .*input_channels<3>.*filter_count<4>.*group_count<2>
// groups<2> on 3 input channels: the channels cannot be split into two equal groups.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<5, 5, 3>>, precast::conv2d<4, 3, precast::groups<2>>> net;
    return static_cast<int>(net.depth);
}
