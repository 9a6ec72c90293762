// expected-error: layer_element_type_differs_from_network<.*at_position<1>.*this_layer<precast::dense_layer<double, precast::shape<4>, 2.*layer_element_type<double>.*network_element_type<float>
// A double layer in a float network.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input<4>, precast::dense_layer<double, precast::shape<4>, 2>> net;
    return static_cast<int>(net.depth);
}
