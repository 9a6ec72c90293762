// expected-error: a recurrent layer \(rnn, gru, lstm\) takes samples of shape \[steps, features\]
// An LSTM after a layer that outputs a vector: it needs a steps axis (input_of<shape<steps, features>>).
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input<8>, precast::dense<4>, precast::lstm<3>> net;
    return static_cast<int>(net.depth);
}
