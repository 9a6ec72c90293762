// expected-error: a layer of this network mixes the steps axis
// flatten folds the steps before the LSTM reads them: such a network cannot run one step at a time.
#include <precast/precast.hpp>

int main()
{
    using net_t = precast::network<precast::input_of<precast::shape<4, 2>>, precast::flatten, precast::reshape_to<4, 2>, precast::lstm<3>, precast::dense<1>>;
    const net_t net;
    precast::streaming_network<net_t> stream(net);
    return 0;
}
