// expected-error: 'int' does not satisfy 'scalar'|satisfaction of [^ ]*scalar<T>[^ ]* \[with T = int\]
#include <precast/precast.hpp>

int main()
{
    precast::tensor_buffer<int, precast::shape<4>> integers;
    return static_cast<int>(integers.size);
}
