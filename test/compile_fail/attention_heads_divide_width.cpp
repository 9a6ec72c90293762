// expected-error: Heads must divide the model width
// Three heads cannot share a model width of 8.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<5, 8>>, precast::multi_head_attention<3>> net;
    static_cast<void>(net);
}
