// expected-error: the first layer takes token ids \(an embedding\): declare the input as tokens<Steps, Vocabulary>
// An embedding after an input of values: the ids would be read from floats no one checked.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input<16>, precast::embedding<100, 8>, precast::dense<4>> net;
    static_cast<void>(net);
}
