// Convolutions, pooling, upsampling, batch norm and PReLU: every option at odd sizes, alone and in small CNNs, in double and
// float.
#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    namespace
    {
        // A batch_norm with parameters and running statistics away from their starting values (1, 0; 0, 1), in mode m.
        template <class L, std::size_t B>
        void batch_norm_case(suite& s, mode m)
        {
            L l;
            random_engine rng(L::parameter_count * 17 + B);
            constexpr std::size_t channels = L::parameter_count / 2;
            for (std::size_t c = 0; c < channels; ++c)
            {
                l.parameters()[c] = static_cast<typename L::value_type>(rng.uniform(0.5, 1.5));
                l.parameters()[channels + c] = static_cast<typename L::value_type>(rng.uniform(-0.5, 0.5));
                l.statistics()[c] = static_cast<typename L::value_type>(rng.uniform(-0.5, 0.5));
                l.statistics()[channels + c] = static_cast<typename L::value_type>(rng.uniform(0.5, 2.0));
            }
            gradcheck_options options;
            options.forward_mode = m;
            s.record(check_layer<L, B>(l, options));
        }

        template <class T>
        void convolutions_of(suite& s)
        {
            using sequence = precast::shape<9, 3>;  // [length, channels]
            using image = precast::shape<5, 6, 2>;  // [height, width, channels]
            // conv1d: plain (batch 1 and by the GEMM), stride, dilation, same, causal, explicit sides, groups,
            // depthwise, no bias, pointwise.
            layer_case<conv1d<4, 3>::bind<T, sequence>, 1>(s);
            layer_case<conv1d<4, 3>::bind<T, sequence>, 3>(s);
            layer_case<conv1d<5, 2, stride<2>, dilation<2>>::bind<T, sequence>, 2>(s);
            layer_case<conv1d<3, 4, same, stride<3>>::bind<T, sequence>, 2>(s);
            layer_case<conv1d<2, 3, causal, dilation<3>>::bind<T, sequence>, 2>(s);
            layer_case<conv1d<2, 3, padding_sides<2, 1>, no_bias>::bind<T, sequence>, 2>(s);
            layer_case<conv1d<6, 3, groups<3>, padding<1>>::bind<T, sequence>, 2>(s);
            layer_case<conv1d<6, 5, depthwise, same>::bind<T, sequence>, 2>(s);
            layer_case<conv1d<4, 1>::bind<T, sequence>, 2>(s);
            layer_case<conv1d<6, 1, groups<3>>::bind<T, sequence>, 2>(s);
            // conv2d: square and rectangular kernels, per-axis stride, dilation and padding, groups, depthwise.
            layer_case<conv2d<3, 3>::bind<T, image>, 2>(s);
            layer_case<conv2d<4, window{2, 3}, stride<2, 1>, padding<1, 2>>::bind<T, image>, 2>(s);
            layer_case<conv2d<2, 3, same, stride<2>>::bind<T, image>, 2>(s);
            layer_case<conv2d<2, 2, dilation<2, 1>, padding_sides<0, 1, 2, 0>, no_bias>::bind<T, image>, 2>(s);
            layer_case<conv2d<4, 3, groups<2>, same>::bind<T, image>, 1>(s);
            layer_case<conv2d<4, 3, depthwise, padding<1>>::bind<T, image>, 2>(s);
            layer_case<conv2d<3, 1>::bind<T, image>, 2>(s);
            // transposed: stride and padding, output padding with groups and dilation, 2-D per-axis
            layer_case<conv_transpose1d<4, 4, stride<2>, padding<1>>::bind<T, sequence>, 2>(s);
            layer_case<conv_transpose1d<6, 3, stride<3>, padding<2>, output_padding<1>, groups<3>, dilation<2>>::bind<T, sequence>, 2>(s);
            layer_case<conv_transpose2d<3, window{3, 2}, stride<2, 1>, padding<1, 0>, no_bias>::bind<T, image>, 2>(s);
            // pooling (max with distinct values only: random inputs), upsampling, global average, PReLU
            layer_case<avg_pool1d<2>::bind<T, sequence>, 2>(s);
            layer_case<avg_pool1d<3, stride<2>, padding<1>>::bind<T, sequence>, 2>(s);
            layer_case<avg_pool1d<3, stride<1>, same, exclude_padding>::bind<T, sequence>, 2>(s);
            layer_case<avg_pool2d<2>::bind<T, image>, 2>(s);
            layer_case<avg_pool2d<window{3, 2}, stride<1, 2>, padding<1, 0>, exclude_padding>::bind<T, image>, 2>(s);
            layer_case<global_avg_pool::bind<T, sequence>, 2>(s);
            layer_case<global_avg_pool::bind<T, image>, 2>(s);
            layer_case<upsample<2>::bind<T, sequence>, 2>(s);
            layer_case<upsample<3>::bind<T, image>, 2>(s);
            // batch_norm: in training mode every gradient goes through the batch's mean and variance; inference mode
            // on the running statistics; one sample whose positions make the batch; in a CNN, both modes.
            batch_norm_case<batch_norm<>::bind<T, precast::shape<7>>, 5>(s, mode::training);
            batch_norm_case<batch_norm<epsilon<1e-3>>::bind<T, sequence>, 1>(s, mode::training);
            batch_norm_case<batch_norm<>::bind<T, image>, 3>(s, mode::training);
            batch_norm_case<batch_norm<>::bind<T, image>, 3>(s, mode::inference);
            using normalized_cnn = network<input_of<image, T>, conv2d<4, 3, same, no_bias>, batch_norm<>, tanh, avg_pool2d<2>, flatten, dense<3>>;
            network_case<normalized_cnn, softmax_cross_entropy, 3>(s, {}, 35);
            network_case<normalized_cnn, softmax_cross_entropy, 3>(s, {}, 36, mode::inference);
            network_case<network<input_of<image, T>, conv2d<3, 3, same>, tanh, avg_pool2d<2>, flatten, dense<3>>, softmax_cross_entropy, 3>(s, {}, 31);
            network_case<network<input_of<sequence, T>, conv1d<4, 3, causal>, sigmoid, conv1d<2, 2, causal, dilation<2>>, global_avg_pool, dense<2>>,
                         softmax_cross_entropy, 2>(s, {}, 32);
        }
    }

    void check_convolutions(suite& s)
    {
        convolutions_of<double>(s);
        // float: one case per GEMM shape family (a group's strided columns, a pointwise product on the input itself,
        // depthwise), since each case costs a second of compile time.
        using sequence_f = precast::shape<9, 3>;
        using image_f = precast::shape<5, 6, 2>;
        layer_case<conv1d<6, 3, groups<3>, causal, dilation<2>>::bind<float, sequence_f>, 3>(s);
        layer_case<conv1d<4, 1>::bind<float, sequence_f>, 2>(s);
        layer_case<conv2d<4, window{2, 3}, stride<2, 1>, padding<1, 2>>::bind<float, image_f>, 2>(s);
        layer_case<conv2d<4, 3, depthwise, same>::bind<float, image_f>, 2>(s);
        layer_case<avg_pool2d<2>::bind<float, image_f>, 2>(s);
        batch_norm_case<batch_norm<>::bind<float, image_f>, 3>(s, mode::training);
        layer_case<conv_transpose1d<6, 3, stride<3>, padding<2>, output_padding<1>, groups<3>>::bind<float, sequence_f>, 2>(s);
        // Kinks (max, PReLU, ReLU fused into the convolution's GEMM and into its dx): double only, where the step is far
        // smaller than any distance from a kink.
        using sequence = precast::shape<9, 3>;
        using image = precast::shape<5, 6, 2>;
        layer_case<max_pool1d<2>::bind<double, sequence>, 2>(s);
        layer_case<max_pool1d<3, stride<2>, padding<1>, dilation<2>>::bind<double, sequence>, 2>(s);
        layer_case<max_pool2d<2>::bind<double, image>, 2>(s);
        layer_case<max_pool2d<3, stride<2>, same>::bind<double, image>, 2>(s);
        layer_case<prelu<>::bind<double, image>, 2>(s);
        layer_case<prelu<per_channel, initial_slope<-0.5>>::bind<double, image>, 2>(s);
        network_case<network<input_of<image, double>, conv2d<4, 3, same>, relu, conv2d<4, 3, padding<1>>, prelu<per_channel>, max_pool2d<2>, flatten, dense<3>>,
                     softmax_cross_entropy, 2>(s, {}, 33);
        network_case<network<input_of<sequence, double>, conv1d<4, 2, causal>, relu, conv1d<3, 1>, leaky_relu<0.1>, max_pool1d<3>, flatten, dense<2>>,
                     softmax_cross_entropy, 3>(s, {}, 34);
    }
}
