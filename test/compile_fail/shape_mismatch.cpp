// expected-error: layer_input_does_not_match_previous_output<.*at_position<2>.*previous_layer<precast::dense_layer<float, precast::shape<8>, 3.*outputs<precast::shape<3>.*this_layer<precast::dense_layer<float, precast::shape<5>, 1.*takes<precast::shape<5>
// A layer whose input size is fixed (5) after one that outputs 3.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input<8>, precast::dense_layer<float, precast::shape<8>, 3>, precast::dense_layer<float, precast::shape<5>, 1>> net;
    return static_cast<int>(net.depth);
}
