// Blocks (sequential, residual, parallel): alone at rank 1 and 2, nested two deep, with dropout inside, and inside
// whole networks, in double and float.
#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    namespace
    {
        template <class T>
        void blocks_of(suite& s)
        {
            using r1 = precast::shape<6>;
            using r2 = precast::shape<3, 4>;
            // sequential: a fused dense + activation inside, and an activation first (its derivative cannot be fused
            // into the block's input gradient, which the caller may not want).
            layer_case<sequential_layer<T, r1, dense<7>, tanh, dense<3>>, 3>(s);
            layer_case<sequential_layer<T, r1, sigmoid, dense<5>>, 2>(s);
            layer_case<sequential_layer<T, r2, dense<5>, sigmoid, dense<2>>, 2>(s);
            // residual
            layer_case<residual_layer<T, r1, dense<6>, tanh, dense<6>>, 3>(s);
            layer_case<residual_layer<T, r1, tanh, dense<6>>, 1>(s);
            layer_case<residual_layer<T, r2, dense<5>, sigmoid, dense<4>>, 2>(s);
            // parallel: add, concat on the last axis, concat on the first axis of a rank-2 sample
            layer_case<parallel_layer<T, r1, add, dense<3>, sequential<dense<4>, tanh, dense<3>>>, 3>(s);
            layer_case<parallel_layer<T, r1, concat<>, dense<2>, sequential<dense<4>, sigmoid>, identity>, 3>(s);
            layer_case<parallel_layer<T, r2, concat<0>, dense<2>, sequential<dense<3>, tanh, dense<2>>>, 2>(s);
            layer_case<parallel_layer<T, r2, concat<-1>, dense<2>, dense<3>>, 2>(s);
            // nested two deep: a residual whose body holds a parallel of a dense and another residual
            layer_case<residual_layer<T, r1, sequential<dense<6>, tanh>, parallel<add, dense<6>, residual<dense<5>, sigmoid, dense<6>>>>, 2>(s);
            layer_case<sequential_layer<T, r2, residual<dense<4>, tanh, dense<4>>, parallel<concat<>, dense<2>, residual<sigmoid, dense<4>>>>, 2>(s);

            network_case<network<input<5, T>, dense<6>, residual<dense<6>, tanh, dense<6>>, tanh, dense<3>>, softmax_cross_entropy, 3>(s, {}, 21);
            network_case<network<input_of<shape<3, 4>, T>, residual<tanh, dense<4>>, parallel<concat<>, dense<2>, sequential<dense<3>, sigmoid>>, dense<3>>,
                         softmax_cross_entropy, 2>(s, {}, 22);
            network_case<network<input<4, T>, sequential<dense<5>, tanh>, parallel<add, dense<5>, residual<dense<2>, sigmoid, dense<5>>>, dense<1>, sigmoid>,
                         binary_cross_entropy, 3>(s, {}, 23);
        }
    }

    void check_blocks(suite& s)
    {
        blocks_of<double>(s);
        blocks_of<float>(s);
        // Kinks and dropout inside blocks: double only (as for networks).
        layer_case<residual_layer<double, precast::shape<6>, dense<6>, relu, dropout<0.3>, dense<6>>, 3>(s);
        network_case<network<input<6, double>, residual<dense<8>, relu, dropout<0.5>, dense<6>>, relu, dense<3>>, softmax_cross_entropy, 4>(s, {}, 24);
        network_case<network<input<6, double>, residual<dense<8>, relu, dropout<0.5>, dense<6>>, relu, dense<3>>, softmax_cross_entropy, 4>(s, {}, 24,
                                                                                                                                            mode::inference);
    }
}
