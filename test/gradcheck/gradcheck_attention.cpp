// The transformer's pieces: GELU (both forms), SiLU, layer and RMS normalization, token and position embeddings,
// multi-head attention, at odd sizes and ranks, alone and
// in small networks, in double and float.
#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    namespace
    {
        // A normalization with its weight (and bias) away from 1 (and 0).
        template <class L, std::size_t B>
        void normalization_case(suite& s)
        {
            L l;
            random_engine rng(L::parameter_count * 29 + B);
            for (std::size_t i = 0; i < L::parameter_count; ++i)
            {
                l.parameters()[i] = static_cast<typename L::value_type>(rng.uniform(-1.5, 1.5));
            }
            s.record(check_layer<L, B>(l));
        }

        template <class T>
        void for_sizes(suite& s)
        {
            // 1, a partial register, several registers and a tail (kernels/elementwise.hpp).
            layer_case<gelu_layer<T, precast::shape<1>>, 3>(s);
            layer_case<gelu_layer<T, precast::shape<33>>, 3>(s);
            layer_case<gelu_layer<T, precast::shape<33>, true>, 3>(s);
            layer_case<silu_layer<T, precast::shape<33>>, 3>(s);
        }

        template <class T>
        void activations_and_norms_of(suite& s)
        {
            for_sizes<T>(s);
            using sequence = precast::shape<5, 7>;
            layer_case<gelu<>::bind<T, sequence>, 2>(s);
            layer_case<gelu<tanh_approximation>::bind<T, sequence>, 2>(s);
            layer_case<silu::bind<T, sequence>, 2>(s);
            normalization_case<layer_norm<>::bind<T, precast::shape<7>>, 3>(s);
            normalization_case<layer_norm<>::bind<T, sequence>, 2>(s);
            normalization_case<layer_norm<epsilon<1e-3>, no_bias>::bind<T, precast::shape<3, 2, 9>>, 2>(s);
            normalization_case<rms_norm<>::bind<T, precast::shape<7>>, 3>(s);
            normalization_case<rms_norm<epsilon<1e-6>>::bind<T, sequence>, 2>(s);
            // 27 ids of a vocabulary of 7: repeated tokens add their gradients into one row. (A padding_id's row is
            // used forward but never trained, by definition: attention_test checks it against PyTorch instead.)
            layer_case<embedding<7, 5>::bind<T, precast::shape<9>>, 3>(s);
            layer_case<position_embedding<>::bind<T, sequence>, 2>(s);
            layer_case<sinusoidal_position<>::bind<T, sequence>, 2>(s);
            // Attention: heads of 1, 2 and 3 values, causal or not, without biases; one step; dropout on the weights
            // (every evaluation of the check draws the same mask).
            layer_case<multi_head_attention<2>::bind<T, precast::shape<5, 4>>, 2>(s);
            layer_case<multi_head_attention<2, causal>::bind<T, precast::shape<5, 6>>, 2>(s);
            layer_case<multi_head_attention<3, causal, no_bias>::bind<T, precast::shape<4, 3>>, 2>(s);
            layer_case<multi_head_attention<1>::bind<T, precast::shape<1, 5>>, 3>(s);
            layer_case<multi_head_attention<2, attention_dropout<0.3>, causal>::bind<T, precast::shape<6, 4>>, 2>(s);
        }

    }

    void check_attention(suite& s)
    {
        activations_and_norms_of<double>(s);
        activations_and_norms_of<float>(s);
        // A pre-norm MLP block, its activations fused into the dense layers' GEMMs, and a normalization at the end.
        network_case<network<input_of<precast::shape<4, 6>, double>, residual<layer_norm<>, dense<12>, gelu<>, dense<6>>, rms_norm<>, silu, flatten, dense<3>>,
                     softmax_cross_entropy, 3>(s, {}, 41);
        // A one-block GPT (token and position embeddings, causal attention, MLP, both pre-norm, a next-token head),
        // in double and float.
        network_case<network<tokens<6, 9, double>, embedding<9, 8>, position_embedding<>, residual<layer_norm<>, multi_head_attention<2, causal>>,
                             residual<layer_norm<>, dense<16>, gelu<>, dense<8>>, layer_norm<>, dense<9>>,
                     softmax_cross_entropy, 2>(s, {}, 44);
        network_case<network<tokens<5, 7, float>, embedding<7, 8>, sinusoidal_position<>, residual<rms_norm<>, multi_head_attention<4, causal>>,
                             residual<rms_norm<>, dense<16>, silu, dense<8>>, rms_norm<>, dense<7>>,
                     softmax_cross_entropy, 2>(s, {}, 45);
        // A token model: embedding, a pre-norm MLP block, a next-token head per position.
        network_case<network<tokens<6, 9, double>, embedding<9, 8>, residual<layer_norm<>, dense<16>, gelu<>, dense<8>>, layer_norm<>, dense<9>>,
                     softmax_cross_entropy, 3>(s, {}, 43);
        network_case<network<input_of<precast::shape<4, 6>, float>, residual<layer_norm<>, dense<12>, gelu<tanh_approximation>, dense<6>>, layer_norm<>,
                             flatten, dense<3>>,
                     softmax_cross_entropy, 3>(s, {}, 42);
    }
}
