// expected-error: spec_does_not_take_this_shape<.*at_position<2>.*this_element<image_only>.*outputs<precast::shape<8> ?>
// A spec whose bind takes only samples of rank 3 ([height, width, channels]), after a layer that outputs a vector.
#include <precast/precast.hpp>

template <class S>
concept image_shape = precast::static_shape<S> && S::rank == 3;

struct image_only
{
    template <precast::scalar T, image_shape In>
    using bind = precast::identity_layer<T, In>;
};

int main()
{
    precast::network<precast::input<4>, precast::dense<8>, image_only> net;
    return static_cast<int>(net.depth);
}
