// expected-error: spec_does_not_take_this_shape<.*at_position<2>.*this_element<precast::conv2d<8, .*outputs<precast::shape<6, 6> ?>
// conv2d takes [height, width, channels]; a [6, 6] sample has no channel axis (reshape_to<6, 6, 1> gives it one).
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input<36>, precast::reshape_to<6, 6>, precast::conv2d<8, 3>> net;
    return static_cast<int>(net.depth);
}
