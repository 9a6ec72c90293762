// expected-error: pooling_window_lies_on_padding_only<.*in_layer<precast::max_pool1d<2, precast::padding_sides<0, 3>
// Windows of 2 at stride 2 over 4 values and 3 zeros after them: the third window covers padding alone.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<4, 1>>, precast::max_pool1d<2, precast::padding_sides<0, 3>>> net;
    return static_cast<int>(net.depth);
}
