// expected-error: residual_body_changes_the_shape<.*in_block<precast::residual<precast::dense<8.*last_layer<precast::dense_layer<float, precast::shape<8>, 3.*block_input<precast::shape<4>.*body_output<precast::shape<3>
// A residual block whose body ends with 3 values while the block takes 4: y = x + f(x) cannot be formed.
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input<4>, precast::residual<precast::dense<8>, precast::relu, precast::dense<3>>, precast::dense<1>> net;
    return static_cast<int>(net.depth);
}
