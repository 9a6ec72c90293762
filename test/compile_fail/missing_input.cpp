// expected-error: network_must_start_with_input<.*this_element<precast::dense<3
// The list must start with input<N>.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::dense<3>, precast::relu> net;
    return static_cast<int>(net.depth);
}
