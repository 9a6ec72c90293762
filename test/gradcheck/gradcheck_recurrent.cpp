// The recurrent layers in the gradient-check suite: every cell in float and double; steps 1, 3 and 7; features
// and hidden sizes 1, 3, 5 and 17; every-step and last-step outputs; per-step products by dot products (batch
// below 4) and by the GEMM; stacked cells inside a network. (Few shapes on purpose: each costs compile time.)
#include <cmath>

#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    namespace
    {
        // Weights drawn with the spread a trained cell has (pre-activations of order 1, gates not saturated),
        // biases non-zero.
        template <class L, std::size_t B>
        void recurrent_case(suite& s)
        {
            L l;
            random_engine rng(L::steps * 131 + L::features * 17 + L::hidden);
            l.initialize(normal{0.0, 1.0 / std::sqrt(static_cast<double>(L::features + L::hidden))}, rng);
            for (auto& b : l.bias_ih())
            {
                b = static_cast<typename L::value_type>(rng.uniform(-0.3, 0.3));
            }
            for (auto& b : l.bias_hh())
            {
                b = static_cast<typename L::value_type>(rng.uniform(-0.3, 0.3));
            }
            s.record(check_layer<L, B>(l));
        }

        constexpr auto last = sequence_output::last_step;

        template <class T>
        void cells(suite& s)
        {
            recurrent_case<rnn_layer<T, shape<1, 1>, 1>, 2>(s);
            recurrent_case<rnn_layer<T, shape<7, 3>, 5, relu_function, last>, 2>(s);
            recurrent_case<gru_layer<T, shape<3, 17>, 3>, 5>(s);
            recurrent_case<gru_layer<T, shape<7, 1>, 17, last>, 1>(s);
            recurrent_case<gru_layer<T, shape<3, 5>, 3, sequence_output::every_step, false, true>, 4>(s);  // reset before the product
            recurrent_case<lstm_layer<T, shape<3, 5>, 17>, 2>(s);
            recurrent_case<lstm_layer<T, shape<1, 3>, 5, last, false, 1.0>, 2>(s);
            recurrent_case<lstm_layer<T, shape<7, 17>, 1>, 4>(s);
            // Stacked cells with a per-step head (labels per step, some ignored).
            network_case<network<input_of<shape<3, 3>, T>, lstm<5>, gru<3>, rnn<4>, dense<3>>, softmax_cross_entropy, 2>(s, {}, 21);
        }
    }

    void check_recurrent(suite& s)
    {
        cells<double>(s);
        cells<float>(s);
    }
}
