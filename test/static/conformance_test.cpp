// The static conformance suite: every shipped layer, loss, optimizer and initializer satisfies its concept, and
// near-miss types fail exactly the named part of the contract they lack. Compiling this file is the test; the
// program only says how many checks it holds.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include <precast/precast.hpp>

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity
    using s3 = shape<3>;
    using s45 = shape<4, 5>;

    // ---- shipped layers, at rank 1 and rank 2, float and double ----------------------------------------------------
    template <class T, class S>
    consteval bool every_layer_conforms()
    {
        static_assert(trainable_layer<dense_layer<T, S, 7>> && epilogue_layer<dense_layer<T, S, 7>> && layer_with_cost<dense_layer<T, S, 7>>);
        static_assert(trainable_layer<dense_layer<T, S, 7, false>>);
        static_assert(fusable_activation<relu_layer<T, S>> && frozen_form<relu_layer<T, S>> && layer_with_cost<relu_layer<T, S>>);
        static_assert(fusable_activation<tanh_layer<T, S>> && fusable_activation<sigmoid_layer<T, S>>);
        static_assert(fusable_activation<leaky_relu_layer<T, S, 0.1>> && fusable_activation<elu_layer<T, S, 1.0>>);
        static_assert(fusable_activation<identity_layer<T, S>>);
        static_assert(layer<softmax_layer<T, S>> && !fusable_activation<softmax_layer<T, S>> && !trainable_layer<softmax_layer<T, S>>);
        static_assert(layer<dropout_layer<T, S, 0.5>> && seeded_layer<dropout_layer<T, S, 0.5>> && frozen_form<dropout_layer<T, S, 0.5>>);
        static_assert(positioned_layer<dropout_layer<T, S, 0.5>>);
        static_assert(workspace_bytes_of<dropout_layer<T, S, 0.5>, 8>() == 8 * S::size * sizeof(T));
        static_assert(workspace_bytes_of<dense_layer<T, S, 7>, 8>() == 0);
        static_assert(layer<reshape_layer<T, S, shape<S::size>>> && frozen_form<reshape_layer<T, S, shape<S::size>>>);
        return true;
    }
    static_assert(every_layer_conforms<float, s3>() && every_layer_conforms<double, s3>());
    static_assert(every_layer_conforms<float, s45>() && every_layer_conforms<double, s45>());

    // A dense layer on a vector has a batch-1 form of its own; on [steps, features] it runs its forward pass.
    static_assert(frozen_form<dense_layer<float, s3, 7>> && !frozen_form<dense_layer<float, s45, 7>>);

    // Position-wise layers run a step at a time in streaming_network; reshaping is not position-wise.
    static_assert(positionwise_layer<dense_layer<float, s45, 7>> && positionwise_layer<relu_layer<float, s45>> &&
                  positionwise_layer<softmax_layer<float, s45>>);
    static_assert(positionwise_layer<dropout_layer<double, s45, 0.5>> && !positionwise_layer<reshape_layer<float, s45, shape<20>>>);

    // Blocks: trainable when a layer inside is, with a cost, composite; position-wise when every layer inside is.
    using res = residual_layer<float, s45, dense<5>, relu, dense<5>>;
    static_assert(trainable_layer<res> && layer_with_cost<res> && composite_layer<res> && positionwise_layer<res> && !epilogue_layer<res>);
    static_assert(!trainable_layer<sequential_layer<float, s3, relu, precast::tanh>> && composite_layer<sequential_layer<float, s3, relu, precast::tanh>>);
    static_assert(seeded_layer<sequential_layer<float, s3, dropout<0.5>>> && positioned_layer<sequential_layer<float, s3, dropout<0.5>>>);
    static_assert(!seeded_layer<sequential_layer<float, s3, relu>>);
    static_assert(stateful_layer<sequential_layer<float, s45, lstm<3, stateful>>> && recurrent_state<sequential_layer<float, s45, lstm<3>>> &&
                  !stateful_layer<sequential_layer<float, s45, lstm<3>>>);
    static_assert(!positionwise_layer<parallel_layer<float, s45, concat<0>, dense<2>, dense<2>>> &&
                  positionwise_layer<parallel_layer<float, s45, concat<>, dense<2>, dense<3>>>);
    static_assert(layer_spec<residual<dense<4>>> && layer_spec<parallel<add, dense<4>>> && layer_spec<sequential<relu>>);

    // Networks: precast::network is a neural_network; a register form for every layer keeps a sample in registers.
    static_assert(neural_network<network<input<3>, dense<4>, relu>> && neural_network<network<input<3>, relu>>);
    static_assert(neural_network<network<input_of<s45>, residual<dense<5>, precast::tanh>, dense<2>>>);
    static_assert(register_form<dense_layer<float, s3, 4>> && register_form<relu_layer<float, s3>> && !register_form<softmax_layer<float, s3>>);
    static_assert(loss_with_minimum_row_size<softmax_cross_entropy> && !loss_with_minimum_row_size<mean_squared_error>);

    // Recurrent layers: trainable, with a cost, state in the workspace (stateful or not) and a streaming form.
    template <class L>
    constexpr bool recurrent_conforms = trainable_layer<L> && layer_with_cost<L> && recurrent_state<L> && streamable_layer<L> && !positionwise_layer<L>;
    static_assert(recurrent_conforms<rnn_layer<float, s45, 3>> && recurrent_conforms<rnn_layer<double, s45, 3, relu_function, sequence_output::last_step>>);
    static_assert(recurrent_conforms<gru_layer<float, s45, 3>> && recurrent_conforms<gru_layer<double, s45, 3, sequence_output::every_step, true>>);
    static_assert(recurrent_conforms<lstm_layer<float, s45, 3>> && recurrent_conforms<lstm_layer<double, s45, 1, sequence_output::last_step, true, 1.0>>);
    static_assert(recurrent_cell<rnn_cell<tanh_function>> && recurrent_cell<gru_cell> && recurrent_cell<lstm_cell<>> && recurrent_cell<gru_reset_before_cell>);
    static_assert(recurrent_conforms<gru_layer<float, s45, 3, sequence_output::last_step, true, true>>);

    // A cell reads and writes one step's rows through cell_forward_rows / cell_backward_rows; one without a
    // backward_row is no cell, nor is one whose backward_row takes the forward rows. The positional form of the
    // previous version is still a cell.
    struct cell_without_backward
    {
        static constexpr std::size_t gates = 1;
        static constexpr bool has_cell_state = false;
        static constexpr const char* name = "near_miss";
        template <class T, bool KeepGates = true>
        static void forward_row(std::size_t, const cell_forward_rows<T>&) noexcept
        {
        }
    };
    struct cell_with_backward_on_forward_rows : cell_without_backward
    {
        template <class T>
        static void backward_row(std::size_t, const cell_forward_rows<T>&) noexcept
        {
        }
    };
    struct cell_of_named_rows : cell_without_backward
    {
        template <class T>
        static void backward_row(std::size_t, const cell_backward_rows<T>&) noexcept
        {
        }
    };
    struct cell_of_positional_rows
    {
        static constexpr std::size_t gates = 1;
        static constexpr bool has_cell_state = false;
        static constexpr const char* name = "positional";
        template <class T, bool KeepGates = true>
        static void forward_row(std::size_t, T*, const T*, const T*, const T*, T*, T*, T*) noexcept
        {
        }
        template <class T>
        static void backward_row(std::size_t, const T*, const T*, const T*, const T*, const T*, const T*, const T*, T*, T*, T*, T*) noexcept
        {
        }
    };
    static_assert(!recurrent_cell<cell_without_backward> && !recurrent_cell<cell_with_backward_on_forward_rows>);
    static_assert(recurrent_cell<cell_of_named_rows> && recurrent_cell<cell_of_positional_rows>);
    static_assert(std::is_same_v<gru<6, reset_before>::bind<float, s45>::cell_type, gru_reset_before_cell>);
    static_assert(std::is_same_v<lstm<6>::bind<float, s45>::output_shape, shape<4, 6>> &&
                  std::is_same_v<gru<6, last_step>::bind<float, s45>::output_shape, shape<6>>);
    static_assert(lstm<6, stateful>::bind<float, s45>::is_stateful && !lstm<6>::bind<float, s45>::is_stateful);
    static_assert(lstm<6, forget_bias<1.0>>::bind<float, s45>::cell_type::forget_bias == 1.0);
    static_assert(std::is_same_v<rnn<6, relu>::bind<float, s45>::cell_type, rnn_cell<relu_function>>);
    static_assert(layer_spec_for<lstm<6>, float, s45> && layer_spec_for<gru<2, last_step, stateful>, double, s45>);
    static_assert(network<input_of<s45>, lstm<3, stateful>, dense<2>>::has_recurrent_state && !network<input_of<s45>, lstm<3>, dense<2>>::has_recurrent_state);

    // Specs bind on shapes: dense acts on the last axis, elementwise layers keep the shape, flatten and reshape_to
    // keep the elements.
    static_assert(layer_spec<dense<7>> && layer_spec<relu> && layer_spec<dropout<0.5>> && layer_spec<softmax> && layer_spec<flatten>);
    static_assert(layer_spec<reshape_to<2, 3>>);
    static_assert(std::is_same_v<dense<7>::bind<float, s45>::output_shape, shape<4, 7>>);
    static_assert(std::is_same_v<relu::bind<double, s45>::output_shape, s45>);
    static_assert(std::is_same_v<flatten::bind<float, s45>::output_shape, shape<20>>);
    static_assert(std::is_same_v<reshape_to<2, 10>::bind<float, s45>::output_shape, shape<2, 10>>);
    static_assert(layer_spec_for<dense<7>, float, s45> && layer_spec_for<softmax, double, s45>);

    // Convolutions and pooling: specs of rank-2 ([length, channels]) and rank-3 ([height, width, channels]) samples,
    // refusing the other ranks (a conv2d spec is a spec all the same: it is detected without binding).
    using seq = shape<9, 3>;
    using img = shape<5, 6, 2>;
    static_assert(layer_spec<conv2d<4, 3>> && layer_spec<conv1d<4, 3, causal>> && layer_spec<max_pool2d<2>> && layer_spec<global_avg_pool>);
    static_assert(layer_spec_for<conv1d<4, 3>, float, seq> && !layer_spec_for<conv1d<4, 3>, float, img> && !layer_spec_for<conv1d<4, 3>, float, s3>);
    static_assert(layer_spec_for<conv2d<4, 3>, double, img> && !layer_spec_for<conv2d<4, 3>, double, seq>);
    static_assert(layer_spec_for<avg_pool1d<2>, float, seq> && layer_spec_for<max_pool2d<2>, float, img> && !layer_spec_for<max_pool2d<2>, float, seq>);
    static_assert(layer_spec_for<upsample<2>, float, seq> && layer_spec_for<upsample<2>, float, img> && !layer_spec_for<upsample<2>, float, s3>);
    static_assert(layer_spec_for<prelu<per_channel>, float, s3> && layer_spec_for<global_avg_pool, float, img> && !layer_spec_for<global_avg_pool, float, s3>);
    using conv_t = conv2d<4, 3, same>::bind<float, img>;
    static_assert(trainable_layer<conv_t> && epilogue_layer<conv_t> && layer_with_cost<conv_t> && !frozen_form<conv_t>);
    static_assert(workspace_bytes_of<conv_t, 8>() == 2 * 8 * 30 * (2 * 9) * sizeof(float));  // columns and their gradients
    static_assert(workspace_bytes_of<conv2d<4, 1>::bind<float, img>, 8>() == 0);             // pointwise: the input is the matrix
    static_assert(trainable_layer<prelu<>::bind<double, img>> && !trainable_layer<max_pool2d<2>::bind<float, img>>);
    static_assert(workspace_bytes_of<max_pool2d<2>::bind<float, img>, 4>() == 4 * 2 * 3 * 2 * sizeof(std::uint32_t));
    static_assert(neural_network<network<input_of<img>, conv2d<4, 3, same>, relu, max_pool2d<2>, flatten, dense<3>>>);
    static_assert(trainable_layer<conv_transpose1d<4, 3, stride<2>>::bind<float, seq>> && epilogue_layer<conv_transpose2d<4, 3>::bind<double, img>>);
    static_assert(!layer_spec_for<conv_transpose2d<4, 3>, float, seq> && layer_spec_for<conv_transpose1d<4, 3>, float, seq>);
    // A causal conv1d of stride 1 runs one step at a time; a strided or non-causal one does not.
    static_assert(streamable_layer<conv1d<4, 3, causal, dilation<2>>::bind<float, seq>> && streamable_layer<conv1d<4, 1>::bind<float, seq>>);
    static_assert(!streamable_layer<conv1d<4, 3, same>::bind<float, seq>> && !streamable_layer<conv1d<4, 3, causal, stride<2>>::bind<float, seq>>);
    static_assert(positionwise_layer<prelu<per_channel>::bind<float, seq>>);
    // batch_norm: trainable (weight, bias), statistics of its own (running mean and variance, the count), position-wise
    // (streams), an affine map in inference that a dense or convolution layer before it absorbs; blocks holding one have
    // its statistics, and blocks without one have none.
    using norm_t = batch_norm<>::bind<float, img>;
    static_assert(trainable_layer<norm_t> && layer_with_statistics<norm_t> && batch_rows_layer<norm_t> && positionwise_layer<norm_t>);
    static_assert(affine_in_inference<norm_t> && !affine_in_inference<prelu<>::bind<float, img>>);
    static_assert(absorbs_output_affine<conv_t> && absorbs_output_affine<dense<3>::bind<float, s3>> &&
                  !absorbs_output_affine<conv_transpose1d<4, 3>::bind<float, seq>>);
    static_assert(layer_with_statistics<residual<batch_norm<>, relu>::bind<float, seq>> && !layer_with_statistics<residual<dense<3>, relu>::bind<float, seq>>);
    static_assert(batch_rows_layer<sequential<dense<3>, batch_norm<>>::bind<float, s3>> && !batch_rows_layer<sequential<dense<3>, relu>::bind<float, s3>>);
    // The transformer's pieces. GELU and SiLU fuse into a GEMM and run in frozen registers like every vectorized
    // activation; layer_norm and rms_norm are trainable and position-wise, keep no statistics, are the same in both
    // modes (nothing to fold), and take any rank.
    static_assert(fusable_activation<gelu<>::bind<float, seq>> && fusable_activation<gelu<tanh_approximation>::bind<double, s3>> &&
                  register_form<silu::bind<float, s3>>);
    using layer_norm_t = layer_norm<>::bind<float, seq>;
    static_assert(trainable_layer<layer_norm_t> && positionwise_layer<layer_norm_t> && !layer_with_statistics<layer_norm_t> &&
                  !affine_in_inference<layer_norm_t>);
    static_assert(trainable_layer<rms_norm<>::bind<double, img>> && positionwise_layer<rms_norm<epsilon<1e-6>>::bind<float, s3>>);
    static_assert(workspace_bytes_of<layer_norm_t, 4>() == 2 * 4 * 9 * sizeof(float) &&
                  workspace_bytes_of<rms_norm<>::bind<float, seq>, 4>() == 4 * 9 * sizeof(float));
    static_assert(layer_norm<no_bias>::bind<float, s3>::parameter_count == 3 && layer_norm<>::bind<float, s3>::parameter_count == 6);
    // Token ids in: the embedding is a token_layer (and nothing else is); attention and the position layers take
    // sequences only; the causal attention and the position layers stream with a capacity of the input's steps.
    using embed_t = embedding<11, 4>::bind<float, shape<9>>;
    static_assert(token_layer<embed_t> && trainable_layer<embed_t> && streamable_layer<embed_t> && !token_layer<dense<3>::bind<float, s3>>);
    static_assert(!layer_spec_for<embedding<11, 4>, float, seq> && layer_spec_for<embedding<11, 4, padding_id<0>>, double, shape<5>>);
    static_assert(neural_network<network<tokens<9, 11>, embedding<11, 4>, position_embedding<>, multi_head_attention<2, causal>, dense<11>>>);
    using attention_seq_t = multi_head_attention<3, causal>::bind<float, seq>;
    static_assert(trainable_layer<attention_seq_t> && positioned_layer<attention_seq_t> && streamable_layer<attention_seq_t> &&
                  attention_seq_t::stream_capacity == 9);
    static_assert(!streamable_layer<multi_head_attention<3>::bind<float, seq>> && !layer_spec_for<multi_head_attention<3>, float, s3>);
    static_assert(streamable_layer<position_embedding<>::bind<float, seq>> && streamable_layer<sinusoidal_position<>::bind<double, seq>> &&
                  !trainable_layer<sinusoidal_position<>::bind<float, seq>>);

    // ---- shipped losses ---------------------------------------------------------------------------------------------
    static_assert(loss_with_decisions<softmax_cross_entropy> && loss_with_decisions<softmax_cross_entropy_one_hot>);
    static_assert(loss_with_decisions<binary_cross_entropy> && loss_with_decisions<binary_cross_entropy_with_logits>);
    static_assert(loss_with_decisions<categorical_cross_entropy>);
    static_assert(loss<mean_squared_error> && !loss_with_decisions<mean_squared_error>);
    static_assert(loss<half_sum_squared_error> && !loss_with_decisions<half_sum_squared_error>);

    // ---- shipped optimizers and their states --------------------------------------------------------------------------
    template <class O>
    consteval bool conforms_with_saveable_state()
    {
        return optimizer<O> && saveable_state<typename O::template state<float, 5>> && saveable_state<typename O::template state<double, 5>>;
    }
    static_assert(conforms_with_saveable_state<gradient_descent>() && conforms_with_saveable_state<momentum>() &&
                  conforms_with_saveable_state<nesterov_momentum>());
    static_assert(conforms_with_saveable_state<adagrad>() && conforms_with_saveable_state<adadelta>() && conforms_with_saveable_state<rmsprop>());
    static_assert(conforms_with_saveable_state<adam>() && conforms_with_saveable_state<adamw>() && conforms_with_saveable_state<adamax>() &&
                  conforms_with_saveable_state<nadam>());
    static_assert(conforms_with_saveable_state<ftrl>() && conforms_with_saveable_state<proximal_gradient_descent>() &&
                  conforms_with_saveable_state<proximal_adagrad>() && conforms_with_saveable_state<adagrad_da>());
    static_assert(conforms_with_saveable_state<scheduled<adam, cosine_decay>>() && adjusts_step_context<scheduled<adam, cosine_decay>>);
    static_assert(conforms_with_saveable_state<clip_by_global_norm<momentum>>() && adjusts_step_context<clip_by_global_norm<momentum>>);
    static_assert(optimizer<any_optimizer> && !saveable_state<any_optimizer::state<float, 5>>);

    // Gradient reducers: no_reduction is one; a near miss without all_gather is not.
    struct reducer_without_gather
    {
        std::size_t rank() const { return 0; }
        std::size_t size() const { return 1; }
        template <class T>
        void sum(std::span<T>)
        {
        }
        template <class T>
        void broadcast(std::span<T>, std::size_t)
        {
        }
        void broadcast_text(std::string&, std::size_t) {}
    };
    static_assert(gradient_reducer<no_reduction> && !gradient_reducer<reducer_without_gather>);
    static_assert(uses_gradient_norm<clip_by_global_norm<momentum>> && !uses_gradient_norm<clip_by_value<momentum>>);
    static_assert(!uses_gradient_norm<scheduled<adam, cosine_decay>> && uses_gradient_norm<scheduled<clip_by_global_norm<adam>, cosine_decay>>);
    static_assert(state_with_scalars<nadam::state<float, 5>> && !state_with_scalars<adam::state<float, 5>>);

    // ---- shipped initializers -------------------------------------------------------------------------------------------
    static_assert(initializer<glorot_uniform> && initializer<glorot_normal> && initializer<he_uniform> && initializer<he_normal>);
    static_assert(initializer<lecun_normal> && initializer<normal> && initializer<uniform> && initializer<truncated_normal>);
    static_assert(initializer<constant> && initializer<zeros>);

    // ---- near misses: each lacks one named part ---------------------------------------------------------------------
    struct good_layer
    {
        using value_type = float;
        using input_shape = s3;
        using output_shape = s3;
        static constexpr const char* name = "good";
        template <std::size_t B>
        using workspace = no_workspace;
        template <std::size_t B>
        void forward(batch_view<const float, B, s3>, batch_view<float, B, s3>, no_workspace&, mode) const noexcept
        {
        }
        template <std::size_t B>
        void backward(batch_view<const float, B, s3>, batch_view<const float, B, s3>, batch_view<const float, B, s3>, batch_view<float, B, s3>,
                      no_workspace&) const noexcept
        {
        }
    };
    static_assert(layer<good_layer> && named<good_layer> && !trainable_layer<good_layer> && !seeded_layer<good_layer> && !layer_with_cost<good_layer> &&
                  !frozen_form<good_layer> && !fusable_activation<good_layer> && !epilogue_layer<good_layer>);

    // Sizes instead of shapes (the contract before shapes): not layer_shapes.
    struct sized_not_shaped : good_layer
    {
        using input_shape = void;  // the old contract's input_size instead of a shape
    };
    static_assert(!layer_shapes<sized_not_shaped> && !layer<sized_not_shaped>);

    // A workspace that is not no_workspace, without workspace_bytes<B>: not layer_workspace.
    struct workspace_without_bytes : good_layer
    {
        template <std::size_t B>
        struct workspace
        {
            float cache[B];
        };
    };
    static_assert(layer_shapes<workspace_without_bytes> && !layer_workspace<workspace_without_bytes> && !layer<workspace_without_bytes>);

    // forward with the old signature (matrix of sizes for another shape): not layer_forward, still layer_backward.
    struct forward_on_wrong_shape : good_layer
    {
        using input_shape = s45;
        template <std::size_t B>
        void backward(batch_view<const float, B, s45>, batch_view<const float, B, s3>, batch_view<const float, B, s3>, batch_view<float, B, s45>,
                      no_workspace&) const noexcept
        {
        }
    };
    static_assert(!layer_forward<forward_on_wrong_shape> && layer_backward<forward_on_wrong_shape>);

    // A spec whose bind takes only rank-3 samples: a layer_spec (detected without binding at any shape), and a
    // layer_spec_for rank-3 shapes only.
    template <class S>
    concept rank_3_shape = static_shape<S> && S::rank == 3;
    struct images_only_spec
    {
        template <scalar T, rank_3_shape In>
        using bind = identity_layer<T, In>;
    };
    static_assert(layer_spec<images_only_spec> && layer_spec_for<images_only_spec, float, shape<4, 4, 3>>);
    // A `bind` that is not a template: not a spec.
    struct bind_is_not_a_template
    {
        using bind = identity_layer<float, shape<3>>;
    };
    static_assert(!layer_spec<bind_is_not_a_template>);

    // Parameters without parameter_tensors: a layer, not trainable_layer.
    struct parameters_without_tensors : good_layer, parameter_slot<float, 3>
    {
        static constexpr std::size_t parameter_count = 3;
        template <class I>
        void initialize(const I&, random_engine&)
        {
        }
    };
    static_assert(layer<parameters_without_tensors> && !trainable_layer<parameters_without_tensors>);
    // The same with parameter_tensors: trainable.
    struct parameters_with_tensors : parameters_without_tensors
    {
        [[maybe_unused]] static constexpr std::array<parameter_tensor, 1> parameter_tensors{{{"gain", 0, {3}}}};
    };
    static_assert(trainable_layer<parameters_with_tensors>);

    // Parameters in buffers the layer owns (the contract before 0.2): a network cannot move them onto its arena,
    // so the layer is not trainable_layer.
    struct parameters_owned_by_the_layer : good_layer
    {
        static constexpr std::size_t parameter_count = 3;
        [[maybe_unused]] static constexpr std::array<parameter_tensor, 1> parameter_tensors{{{"gain", 0, {3}}}};
        tensor_buffer<float, shape<3>> p, g;
        tensor_buffer<float, shape<3>>& parameters() noexcept { return p; }
        const tensor_buffer<float, shape<3>>& parameters() const noexcept { return p; }
        tensor_buffer<float, shape<3>>& gradients() noexcept { return g; }
        const tensor_buffer<float, shape<3>>& gradients() const noexcept { return g; }
        template <class I>
        void initialize(const I&, random_engine&)
        {
        }
    };
    static_assert(layer<parameters_owned_by_the_layer> && !trainable_layer<parameters_owned_by_the_layer>);

    // A loss without a name: loss_value and loss_gradient hold, loss does not.
    struct unnamed_loss
    {
        static constexpr target_kind targets = target_kind::values;
        template <class T, std::size_t B, std::size_t N>
        T value(matrix_view<const T, B, N>, matrix_view<const T, B, N>, std::size_t) const noexcept
        {
            return T(0);
        }
        template <class T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N>, matrix_view<const T, B, N>, matrix_view<T, B, N>, std::size_t) const noexcept
        {
        }
    };
    static_assert(loss_value<unnamed_loss> && loss_gradient<unnamed_loss> && !named<unnamed_loss> && !loss<unnamed_loss>);

    // A loss whose count_correct returns a bare count: a loss, not loss_with_decisions.
    struct loss_counting_the_old_way : unnamed_loss
    {
        static constexpr const char* name = "old_way";
        template <class T, std::size_t B, std::size_t N>
        std::size_t count_correct(matrix_view<const T, B, N>, matrix_view<const T, B, N>, std::size_t) const noexcept
        {
            return 0;
        }
    };
    static_assert(loss<loss_counting_the_old_way> && !loss_with_decisions<loss_counting_the_old_way>);

    // A network type that does not say where the next batch sits (position_batch): not neural_network.
    struct network_without_position_batch : network<input<3>, dense<2>>
    {
        void position_batch(std::uint64_t, std::size_t) = delete;
    };
    static_assert(!neural_network<network_without_position_batch>);

    // An optimizer without a name.
    struct unnamed_optimizer
    {
        template <class T, std::size_t N>
        struct state
        {
        };
        template <class T, std::size_t N>
        void initialize(state<T, N>&) const noexcept
        {
        }
        template <class T, std::size_t N>
        void update(std::span<T, N>, std::span<const T, N>, state<T, N>&, const step_context&) const noexcept
        {
        }
    };
    static_assert(optimizer_for<unnamed_optimizer, float, 3> && !optimizer<unnamed_optimizer>);
    // Its state lists no tensors: not saveable_state.
    static_assert(!saveable_state<unnamed_optimizer::state<float, 3>>);
}

int main()
{
    std::puts("static conformance: every check held at compile time");
    return 0;
}
