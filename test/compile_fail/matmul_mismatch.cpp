// expected-error: precast::matmul: the number of columns of a must equal the number of rows of b
#include <precast/precast.hpp>

int main()
{
    const precast::tensor<float, precast::shape<2, 3>> a{};
    const auto c = precast::matmul(a, a);
    return static_cast<int>(c(0, 0));
}
