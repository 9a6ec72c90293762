// expected-error: precast::lstm<H, Options...>: an option is not one of every_step, last_step, stateful, forget_bias<V>
// relu is an option of rnn, not of lstm.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<4, 2>>, precast::lstm<3, precast::relu>> net;
    return static_cast<int>(net.depth);
}
