// expected-error: precast::shape: every extent must be at least 1
#include <precast/precast.hpp>

int main()
{
    precast::tensor_buffer<float, precast::shape<3, 0>> empty;
    return static_cast<int>(empty.size);
}
