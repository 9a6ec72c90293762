// expected-error: layer_input_does_not_match_previous_output<.*at_position<2>.*previous_layer<precast::dense_layer<float, precast::shape<4, 8>, 5.*outputs<precast::shape<4, 5>.*this_layer<precast::dense_layer<float, precast::shape<20>, 1.*takes<precast::shape<20>
// A layer that takes a vector of 20 after one that outputs [4, 5]: the same number of values, another shape (flatten first).
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<4, 8>>, precast::dense<5>, precast::dense_layer<float, precast::shape<20>, 1>> net;
    return static_cast<int>(net.depth);
}
