// expected-error: window_larger_than_padded_input<.*in_layer<precast::conv2d<2, .*along_height.*input_extent<4>.*plus_padding<0, 0>.*window_span<5>
// A 5 x 5 kernel on a 4 x 6 image without padding: no window position fits along the height.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<4, 6, 1>>, precast::conv2d<2, 5>> net;
    return static_cast<int>(net.depth);
}
