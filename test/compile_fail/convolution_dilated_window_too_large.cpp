// expected-error: window_larger_than_padded_input<.*in_layer<precast::conv1d<4, 3, precast::dilation<4>.*along_length.*input_extent<8>.*plus_padding<0, 0>.*window_span<9>
// Kernel 3 dilated by 4 spans 9 values; the sequence has 8 (causal padding would fit it).
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<8, 2>>, precast::conv1d<4, 3, precast::dilation<4>>> net;
    return static_cast<int>(net.depth);
}
