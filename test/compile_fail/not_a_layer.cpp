// expected-error: not_a_layer<.*at_position<2>.*this_element<int>
// Position 2 of the list (input<> is 0) is not a layer.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input<4>, precast::dense<3>, int, precast::relu> net;
    return static_cast<int>(net.depth);
}
