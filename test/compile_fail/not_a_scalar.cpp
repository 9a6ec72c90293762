// expected-error: constraints not satisfied for class template 'tensor_buffer' \[with T = int|template constraint failure for .*precast::tensor_buffer
#include <precast/precast.hpp>

int main()
{
    precast::tensor_buffer<int, precast::shape<4>> integers;
    return static_cast<int>(integers.size);
}
