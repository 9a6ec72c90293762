// The contract: every member of a layer, loss, optimizer or initializer that precast ever uses is named here, as
// a concept. Required parts make up `layer`, `loss`, `optimizer` and `initializer`; optional capabilities have a
// concept each, and the library uses a member only through its concept. Each big concept is a conjunction of
// named parts, so a compiler that rejects your type names the part that is missing.
//
// Where a new piece goes (one header each, laid out like its neighbours):
//   a layer        src/precast/layers/<name>.hpp      a spec (layer_spec) + the layer it binds to (layer)
//   a loss         src/precast/losses/<name>.hpp      loss
//   an optimizer   src/precast/optimizers/<name>.hpp  optimizer
//   an initializer src/precast/initializers.hpp       initializer
// mark its public declarations PRECAST_EXPORT (the module exports what is marked), include the header from
// precast.hpp, and add its cases to the gradient-check suite (test/gradcheck/) and the conformance suite
// (test/static/).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>

#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/epilogue.hpp>
#include <precast/kernels/lanes.hpp>

namespace precast
{
    // named<X>: X::name is a string for reports, files and error messages. Required of losses and optimizers;
    // a layer without one is reported as "layer".
    PRECAST_EXPORT template <class X>
    concept named = requires {
        { X::name } -> std::convertible_to<std::string_view>;
    };

    // ---- layers: required ---------------------------------------------------------------------------------------

    // layer_shapes<L>: L::value_type is a scalar; L::input_shape and L::output_shape are the static shapes of one
    // sample (precast::shape<...> of any rank). A layer maps batch_view<T, B, input_shape> to
    // batch_view<T, B, output_shape> for every batch size B.
    PRECAST_EXPORT template <class L>
    concept layer_shapes = requires {
        typename L::value_type;
        typename L::input_shape;
        typename L::output_shape;
    } && scalar<typename L::value_type> && static_shape<typename L::input_shape> && static_shape<typename L::output_shape>;

    // What a layer reads and writes for a batch of B samples.
    PRECAST_EXPORT template <class L, std::size_t B>
    using layer_input = batch_view<const typename L::value_type, B, typename L::input_shape>;
    PRECAST_EXPORT template <class L, std::size_t B>
    using layer_output = batch_view<typename L::value_type, B, typename L::output_shape>;

    // layer_workspace<L>: L::workspace<B> is what one forward pass leaves for its backward pass (a dropout mask,
    // a recurrent layer's gates) beyond the input and output the network keeps anyway; default-constructible,
    // sized at compile time. A layer whose workspace is not no_workspace declares how many bytes it holds for a
    // batch of B, L::workspace_bytes<B> (buffers may live on the heap, where sizeof does not see them).
    PRECAST_EXPORT template <class L>
    concept layer_workspace = requires { typename L::template workspace<1>; } && std::default_initializable<typename L::template workspace<1>> &&
                              (std::same_as<typename L::template workspace<1>, no_workspace> || requires {
                                  { L::template workspace_bytes<1> } -> std::convertible_to<std::size_t>;
                              });

    // layer_forward<L>: l.forward(x, y, ws, mode) writes y for a batch x.
    PRECAST_EXPORT template <class L>
    concept layer_forward =
        layer_shapes<L> && layer_workspace<L> &&
        requires(L& l, layer_input<L, 1> x, layer_output<L, 1> y, typename L::template workspace<1>& ws, mode m) { l.forward(x, y, ws, m); };

    // layer_backward<L>: l.backward(x, y, dy, dx, ws) writes dx = dLoss/dx given dy = dLoss/dy, x and y from the
    // forward pass. It overwrites dx and the parameter gradients (never accumulates into them) and writes every
    // element, zeros included: the gradient checker fills them with NaN first. An empty dx (dx.empty()) means
    // the input gradient is not wanted: skip computing it.
    PRECAST_EXPORT template <class L>
    concept layer_backward =
        layer_shapes<L> && layer_workspace<L> &&
        requires(L& l, layer_input<L, 1> x, batch_view<const typename L::value_type, 1, typename L::output_shape> y,
                 batch_view<const typename L::value_type, 1, typename L::output_shape> dy, batch_view<typename L::value_type, 1, typename L::input_shape> dx,
                 typename L::template workspace<1>& ws) { l.backward(x, y, dy, dx, ws); };

    // layer: a concrete layer with static shapes, forward and backward.
    PRECAST_EXPORT template <class L>
    concept layer = layer_shapes<L> && layer_workspace<L> && layer_forward<L> && layer_backward<L>;

    namespace detail
    {
        // What trainable_layer checks initialize() with; any initializer works the same.
        struct probe_initializer
        {
            template <class T>
            void fill(std::span<T>, std::size_t, std::size_t, random_engine&) const noexcept
            {
            }
        };
    }

    // trainable_layer: a layer with L::parameter_count parameters, one flat vector, l.parameters(), with a gradient
    // vector of the same size, l.gradients(), written by backward; L::parameter_tensors (an array of
    // parameter_tensor) names their parts and shapes; l.initialize(init, rng) fills them. The vectors are
    // parameter_view<T, parameter_count>s onto a slice of the network's arena: l.attach_parameters(values,
    // gradients) moves the layer onto its slice. Derive from parameter_slot<T, parameter_count>
    // (core/parameters.hpp), which provides all three and gives a layer on its own a block of its own.
    PRECAST_EXPORT template <class L>
    concept trainable_layer = layer<L> && requires(L& l, const L& cl, random_engine& rng, typename L::value_type* slice) {
        { L::parameter_count } -> std::convertible_to<std::size_t>;
        { l.parameters() } -> std::same_as<parameter_view<typename L::value_type, L::parameter_count>&>;
        { l.gradients() } -> std::same_as<parameter_view<typename L::value_type, L::parameter_count>&>;
        { cl.parameters() } -> std::same_as<const parameter_view<typename L::value_type, L::parameter_count>&>;
        { cl.gradients() } -> std::same_as<const parameter_view<typename L::value_type, L::parameter_count>&>;
        { L::parameter_tensors[0] } -> std::convertible_to<parameter_tensor>;
        { L::parameter_tensors.size() } -> std::convertible_to<std::size_t>;
        l.initialize(detail::probe_initializer{}, rng);
        l.attach_parameters(slice, slice);
    };

    // The parameters of a layer: L::parameter_count for a trainable layer, 0 for any other.
    PRECAST_EXPORT template <class L>
    inline constexpr std::size_t parameter_count_of = [] {
        if constexpr (trainable_layer<L>)
        {
            return std::size_t{L::parameter_count};
        }
        else
        {
            return std::size_t{0};
        }
    }();

    // layer_with_statistics: L keeps L::statistic_count values that it updates itself while training and that
    // are not trained (batch_norm's running mean and variance): l.statistics(), a parameter_view<T,
    // statistic_count>, named by L::statistic_tensors (parameter_tensors' counterpart). Model files and .npz files
    // save and load them after the parameters. The network keeps every layer's statistics in one block:
    // l.attach_statistics(values) moves the layer onto its slice. Derive from statistics_slot<T, statistic_count>
    // (core/parameters.hpp), which provides all of it.
    PRECAST_EXPORT template <class L>
    concept layer_with_statistics = layer<L> && requires(L& l, const L& cl, typename L::value_type* slice) {
        { L::statistic_count } -> std::convertible_to<std::size_t>;
        { l.statistics() } -> std::same_as<parameter_view<typename L::value_type, L::statistic_count>&>;
        { cl.statistics() } -> std::same_as<const parameter_view<typename L::value_type, L::statistic_count>&>;
        { L::statistic_tensors[0] } -> std::convertible_to<parameter_tensor>;
        { L::statistic_tensors.size() } -> std::convertible_to<std::size_t>;
        l.attach_statistics(slice);
    };

    // The statistics of a layer: L::statistic_count for a layer_with_statistics, 0 for any other.
    PRECAST_EXPORT template <class L>
    inline constexpr std::size_t statistic_count_of = [] {
        if constexpr (layer_with_statistics<L>)
        {
            return std::size_t{L::statistic_count};
        }
        else
        {
            return std::size_t{0};
        }
    }();

    // batch_rows_layer<L>: l.use_rows(n) says that only the first n rows of the batches that follow are samples
    // (the rest pad a partial last batch). A layer whose output depends on the whole batch (batch_norm's batch
    // statistics) computes over those rows only. network::use_rows passes it on; compute_gradients calls it.
    PRECAST_EXPORT template <class L>
    concept batch_rows_layer = requires(L& l, std::size_t n) { l.use_rows(n); };

    namespace detail
    {
        template <template <class, class> class Bind>
        struct spec_probe
        {
        };
    }

    // layer_spec: what a network's layer list holds besides concrete layers. S::bind<T, InputShape> is the
    // concrete layer for element type T and the shape the previous layer outputs. dense<10>, relu and
    // dropout<0.5> are specs. Detected by the member template alone, never by binding at some shape, so a spec
    // whose bind takes only some shapes (a rank-3 image) is a spec all the same; binding it to a shape it does not
    // take is a compile error naming the position, the spec and the shape.
    PRECAST_EXPORT template <class S>
    concept layer_spec = requires { typename detail::spec_probe<S::template bind>; };

    // layer_spec_for<S, T, InputShape>: S binds to a layer for that element type and input shape.
    PRECAST_EXPORT template <class S, class T, class InputShape>
    concept layer_spec_for = layer_spec<S> && layer<typename S::template bind<T, InputShape>>;

    // ---- layers: optional capabilities -----------------------------------------------------------------------------

    // seeded_layer<L>: l.seed(s) sets the layer's own random stream (dropout); the network seeds it from its seed
    // and the layer's position, so a run is reproducible.
    PRECAST_EXPORT template <class L>
    concept seeded_layer = requires(L& l, std::uint64_t s) { l.seed(s); };

    // positioned_layer<L>: a seeded_layer whose random numbers are keyed by where a batch sits in the run,
    // l.position(batch_index, first_row), and whose seed l.seed() tells (data-parallel training makes it the same
    // on every process), so that a sample's draws do not depend on which process of a
    // data-parallel training holds it (network::position_batch passes it on; the trainer calls that each step).
    PRECAST_EXPORT template <class L>
    concept positioned_layer = seeded_layer<L> && requires(L& l, const L& cl, std::uint64_t batch, std::size_t first_row) {
        l.position(batch, first_row);
        { cl.seed() } -> std::same_as<std::uint64_t>;
    };

    // layer_with_cost<L>: nominal FLOPs per sample, L::forward_flops and L::backward_flops (a multiply-add is 2),
    // for the network's totals and the benchmarks' GFLOP/s. A layer without them counts 0.
    PRECAST_EXPORT template <class L>
    concept layer_with_cost = requires {
        { L::forward_flops } -> std::convertible_to<std::size_t>;
        { L::backward_flops } -> std::convertible_to<std::size_t>;
    };

    // Nominal FLOPs per sample of a layer: its own figures (layer_with_cost), else 0.
    PRECAST_EXPORT template <class L>
    inline constexpr std::size_t forward_flops_of = [] {
        if constexpr (layer_with_cost<L>)
        {
            return std::size_t{L::forward_flops};
        }
        else
        {
            return std::size_t{0};
        }
    }();
    PRECAST_EXPORT template <class L>
    inline constexpr std::size_t backward_flops_of = [] {
        if constexpr (layer_with_cost<L>)
        {
            return std::size_t{L::backward_flops};
        }
        else
        {
            return std::size_t{0};
        }
    }();

    // epilogue_layer<L>: forward and backward take one more argument, a GEMM epilogue (kernels/gemm.hpp) that
    // forward runs on each finished tile of y and backward on each tile of dx. The network passes a following
    // (forward) or preceding (backward) fusable_activation's epilogues, so the activation costs no extra pass.
    PRECAST_EXPORT template <class L>
    concept epilogue_layer =
        layer<L> &&
        requires(L& l, layer_input<L, 1> x, layer_output<L, 1> y, batch_view<const typename L::value_type, 1, typename L::output_shape> cy,
                 batch_view<typename L::value_type, 1, typename L::input_shape> dx, typename L::template workspace<1>& ws, const kernels::no_epilogue& e) {
            l.forward(x, y, ws, mode::inference, e);
            l.backward(x, cy, cy, dx, ws, e);
        };

    // fusable_activation<L>: an elementwise layer whose work can run inside a neighbour's GEMM:
    // L::value_epilogue(c, out) writes out = f(C) for the tiles of C, and
    // L::derivative_epilogue(c, x, y, dx) writes dx = C * f'(x, y), both gemm_epilogue objects indexed like C.
    PRECAST_EXPORT template <class L>
    concept fusable_activation =
        layer<L> && std::same_as<typename L::input_shape, typename L::output_shape> && requires(const typename L::value_type* c, typename L::value_type* out) {
            { L::value_epilogue(c, out) } -> kernels::gemm_epilogue<typename L::value_type>;
            { L::derivative_epilogue(c, c, c, out) } -> kernels::gemm_epilogue<typename L::value_type>;
        };

    // frozen_form<L>: L::frozen is the layer's own batch-1 inference form, for frozen_network: built from a
    // const L&, refresh(const L&) takes a new snapshot, run(in, out) maps one sample. Both buffers hold the sample
    // zero-padded to whole SIMD registers (frozen_network's padded_size), and run may rely on that. A layer
    // without one runs its own forward pass at batch 1 instead.
    PRECAST_EXPORT template <class L>
    concept frozen_form = layer<L> && requires(typename L::frozen& f, const L& l, const typename L::value_type* in, typename L::value_type* out) {
        typename L::frozen;
        requires std::constructible_from<typename L::frozen, const L&>;
        f.refresh(l);
        f.run(in, out);
    };

    // register_form<L>: a frozen_form whose batch-1 form also maps a sample held in registers (kernels/lanes.hpp,
    // as wide as the sample needs) to the next one: f.apply(lanes<T, In>) -> lanes<T, Out>, In and Out the values
    // of one sample in and out. When every layer of a network has one, frozen_network keeps the sample in
    // registers from layer to layer (dense and the elementwise activations do), and so does network::forward at
    // batch 1 for a small network (network/register_path.hpp), which rebuilds the forms only when the network's
    // parameters change: a register form depends on nothing but the layer's type and parameters().
    PRECAST_EXPORT template <class L>
    concept register_form = frozen_form<L> && requires(typename L::frozen& f, const kernels::lanes<typename L::value_type, L::input_shape::size>& x) {
        { f.apply(x) } -> std::same_as<kernels::lanes<typename L::value_type, L::output_shape::size>>;
    };

    // token_layer<L>: L takes token ids, not values (embedding): its input shape<Steps> holds ids below
    // L::vocabulary as values of T, and it must be the first layer of a network declared with tokens<Steps,
    // Vocabulary> (network.hpp checks). Ids have no gradient: its backward writes zeros into dx.
    PRECAST_EXPORT template <class L>
    concept token_layer = layer<L> && requires {
        { L::vocabulary } -> std::convertible_to<std::size_t>;
        requires L::takes_token_ids;
    };

    // positionwise_layer<L>: L acts on each position of its input's last axis alike (dense, activations, softmax,
    // dropout): L::per_position is the same layer on one position (input shape<last extent>), and
    // l.per_position_form() makes one with l's parameters. streaming_network runs such layers a step at a time.
    PRECAST_EXPORT template <class L>
    concept positionwise_layer = layer<L> && requires(const L& l) {
        typename L::per_position;
        requires layer<typename L::per_position>;
        requires std::same_as<typename L::per_position::input_shape, shape<last_extent<typename L::input_shape>>>;
        { l.per_position_form() } -> std::same_as<typename L::per_position>;
    };

    // affine_in_inference<L>: in inference mode L maps each channel (the last axis) as y = scale[c] x + shift[c]
    // (batch_norm on its running statistics): l.inference_scale() and l.inference_shift(). Frozen and streaming
    // networks take such a layer into an absorbs_output_affine layer right before it, and skip it.
    PRECAST_EXPORT template <class L>
    concept affine_in_inference = positionwise_layer<L> && requires(const L& l) {
        { l.inference_scale()[0] } -> std::convertible_to<typename L::value_type>;
        { l.inference_shift()[0] } -> std::convertible_to<typename L::value_type>;
    };

    // absorbs_output_affine<L>: a layer whose output channel c can be scaled and shifted through its weights and
    // bias (dense, convolutions): L::with_bias is the same layer with a bias, and l.with_output_affine(scale,
    // shift) makes one computing scale[c] y_c + shift[c].
    PRECAST_EXPORT template <class L>
    concept absorbs_output_affine = layer<L> && requires(const L& l, const std::array<typename L::value_type, last_extent<typename L::output_shape>>& a) {
        typename L::with_bias;
        { l.with_output_affine(a, a) } -> std::same_as<typename L::with_bias>;
    };

    // recurrent_state<L>: L's workspace carries state from one forward pass to the next (a stateful recurrent
    // layer); ws.reset_state() starts afresh. network::reset_state and the trainer (each epoch) call it.
    PRECAST_EXPORT template <class L>
    concept recurrent_state = layer<L> && requires(typename L::template workspace<1>& ws) { ws.reset_state(); };

    // stateful_layer<L>: a recurrent_state layer whose state flows from one forward pass into the next (a recurrent
    // layer with `stateful`, or a block holding one): L::is_stateful is true. A recurrent_state layer without
    // is_stateful counts as stateful.
    PRECAST_EXPORT template <class L>
    concept stateful_layer = recurrent_state<L> && (!requires { L::is_stateful; } || requires { requires L::is_stateful; });

    // streamable_layer<L>: a layer over time, [steps, features] -> [steps, H] or [H], with a one-step form for
    // streaming_network: L::stream, built from a const L&, with refresh(const L&), reset() (zero state) and
    // run(in, out) for one step on padded buffers (as frozen_form's), keeping the state between calls;
    // L::output says whether the layer's output keeps the steps axis. A stream whose output is state it keeps
    // (a recurrent layer's h) may also have run_in_place(in), returning where that output is (padded, valid
    // until its next step): streaming_network then hands the next layer that pointer instead of a copy.
    PRECAST_EXPORT template <class L>
    concept streamable_layer = layer<L> && requires(typename L::stream& s, const L& l, const typename L::value_type* in, typename L::value_type* out) {
        typename L::stream;
        requires std::constructible_from<typename L::stream, const L&>;
        s.refresh(l);
        s.reset();
        s.run(in, out);
        { L::output } -> std::convertible_to<sequence_output>;
    };

    // composite_layer<L>: a layer made of other layers (sequential, residual, parallel: blocks/): L::layers_type is
    // the std::tuple of them, in order. Its parameters are its layers' parameters one after another, and its
    // parameter_tensors name them as PyTorch nests module names ("0.weights", "body.1.bias").
    PRECAST_EXPORT template <class L>
    concept composite_layer = layer<L> && requires { typename L::layers_type; };

    // The bytes a layer's workspace holds for a batch of B (0 for no_workspace).
    PRECAST_EXPORT template <layer L, std::size_t B>
    consteval std::size_t workspace_bytes_of()
    {
        if constexpr (std::same_as<typename L::template workspace<B>, no_workspace>)
        {
            return 0;
        }
        else
        {
            return L::template workspace_bytes<B>;
        }
    }

    // ---- losses ---------------------------------------------------------------------------------------------------

    // The targets of a batch, as a loss receives them: a [B][N] matrix of values, or B labels.
    PRECAST_EXPORT template <target_kind Kind, scalar T, std::size_t B, std::size_t N>
    using target_batch = std::conditional_t < Kind == target_kind::values,
          matrix_view<const T, B, N>, std::span < const label_type, B >>
        ;

    // A loss sees the network's output as a matrix y[R][N] (loss_rows in losses/loss_support.hpp does the folding):
    //   values: one row per sample, all of its values (N = the output's size), targets alike;
    //   labels: one row per position of the output's last axis (N = the classes), one label per row; a vector
    //           output has one position per sample, an output [steps, classes] has `steps`.
    // `rows` counts the real rows at the top (the rest is padding of a partial last batch: no value, zero gradient).

    // loss_value<L>: l.value(y, t, rows) is the loss of the first `rows` rows, reduced as the loss documents.
    PRECAST_EXPORT template <class L>
    concept loss_value = requires(const L& l, matrix_view<const float, 1, 2> y, target_batch<L::targets, float, 1, 2> t) {
        { L::targets } -> std::convertible_to<target_kind>;
        { l.value(y, t, std::size_t{1}) } -> std::same_as<float>;
    };

    // loss_gradient<L>: l.gradient(y, t, dy, rows) writes dy = d value / d y, every element (zero for padding
    // rows and ignored labels).
    PRECAST_EXPORT template <class L>
    concept loss_gradient = requires(const L& l, matrix_view<const float, 1, 2> y, target_batch<L::targets, float, 1, 2> t, matrix_view<float, 1, 2> dy) {
        l.gradient(y, t, dy, std::size_t{1});
    };

    // loss: named, with a value and its gradient with respect to the network's output.
    PRECAST_EXPORT template <class L>
    concept loss = named<L> && loss_value<L> && loss_gradient<L>;

    // loss_with_minimum_row_size<L>: L::minimum_row_size is the fewest values per row (loss_rows) the loss works on
    // (2 for a loss over classes: a distribution over one class is always 1).
    PRECAST_EXPORT template <class L>
    concept loss_with_minimum_row_size = requires {
        { L::minimum_row_size } -> std::convertible_to<std::size_t>;
    };

    // The fewest values per row a loss works on: L::minimum_row_size where it says, else 1.
    PRECAST_EXPORT template <class L>
    inline constexpr std::size_t minimum_row_size_of = [] {
        if constexpr (loss_with_minimum_row_size<L>)
        {
            return std::size_t{L::minimum_row_size};
        }
        else
        {
            return std::size_t{1};
        }
    }();

    // loss_for<L, OutputShape>: a loss that fits a network whose samples come out in OutputShape (its rows are as
    // wide as the loss needs). The trainer and compute_gradients require it.
    PRECAST_EXPORT template <class L, class OutputShape>
    concept loss_for =
        loss<L> && static_shape<OutputShape> && (L::targets == target_kind::labels ? last_extent<OutputShape> : OutputShape::size) >= minimum_row_size_of<L>;

    // loss_with_decisions<L>: l.count_correct(y, t, rows) -> decision_count: how many decisions the batch holds
    // and how many are right (argmax against the label, a threshold against a binary target). The trainer
    // reports accuracy for such losses.
    PRECAST_EXPORT template <class L>
    concept loss_with_decisions = loss<L> && requires(const L& l, matrix_view<const float, 1, 2> y, target_batch<L::targets, float, 1, 2> t) {
        { l.count_correct(y, t, std::size_t{1}) } -> std::same_as<decision_count>;
    };

    // ---- optimizers -----------------------------------------------------------------------------------------------

    // optimizer_for<O, T, N>: O updates a parameter vector of N values of type T from its gradient, keeping
    // O::state<T, N> between steps (plain fixed-size data: moments, accumulators; empty for gradient descent):
    // o.initialize(state) before the first step, o.update(parameters, gradients, state, context) at each.
    PRECAST_EXPORT template <class O, class T, std::size_t N>
    concept optimizer_for = requires(const O& o, std::span<T, N> p, std::span<const T, N> g, typename O::template state<T, N>& s, const step_context& context) {
        requires std::default_initializable<typename O::template state<T, N>>;
        o.initialize(s);
        o.update(p, g, s, context);
    };

    // optimizer: named, and an optimizer_for every parameter vector a layer can have (checked for float and double).
    PRECAST_EXPORT template <class O>
    concept optimizer = named<O> && optimizer_for<O, float, 3> && optimizer_for<O, double, 3>;

    // adjusts_step_context<O>: o.adjust(context, global_gradient_norm) changes each step's context before any layer
    // is updated (learning-rate schedules, gradient clipping). The network computes the norm only if
    // O::needs_gradient_norm is true.
    PRECAST_EXPORT template <class O>
    concept adjusts_step_context = requires(const O& o, step_context& context, double norm) { o.adjust(context, norm); };

    // uses_gradient_norm<O>: an adjusts_step_context optimizer with O::needs_gradient_norm true, for which the
    // network computes the global gradient norm before each step (clip_by_global_norm).
    PRECAST_EXPORT template <class O>
    concept uses_gradient_norm = adjusts_step_context<O> && requires { requires O::needs_gradient_norm; };

    // saveable_state<S>: an optimizer state that model files can save: s.tensors() is a tuple of references to its
    // tensor_buffers.
    PRECAST_EXPORT template <class S>
    concept saveable_state = requires(S& s) {
        { s.tensors() };
        requires std::tuple_size_v<std::remove_cvref_t<decltype(s.tensors())>> >= 0;
    };

    // state_with_scalars<S>: a saveable_state that also has scalar state (a step count of its own, Nadam's mu
    // product): s.scalars() is a tuple of references to numbers, saved as f64.
    PRECAST_EXPORT template <class S>
    concept state_with_scalars = saveable_state<S> && requires(S& s) { s.scalars(); };

    // ---- networks -------------------------------------------------------------------------------------------------

    namespace detail
    {
        // What neural_network checks optimizer_state<O> and apply with: an optimizer that keeps nothing.
        struct probe_optimizer
        {
            static constexpr const char* name = "probe";
            template <class T, std::size_t N>
            struct state
            {
            };
            template <class S>
            void initialize(S&) const noexcept
            {
            }
            template <class T, std::size_t N, class S>
            void update(std::span<T, N>, std::span<const T, N>, S&, const step_context&) const noexcept
            {
            }
        };
    }

    // neural_network<N>: every member the trainer, the gradient checker, model files, .npz files, frozen_network and
    // streaming_network use of a network (precast::network<...> is one): its element type and shapes (input_shape,
    // output_shape, shape_at<I>, sizes, input_size, output_size), its bound layers (layers_type, depth,
    // layer_type<I>, at<I>(), for_each_layer, is_trainable<I>), workspaces for a batch size, forward and backward,
    // its parameters (parameter_count, parameter_bytes, parameter_offset<I>, parameter_table, and parameters() and
    // gradients() when it has any), optimizer_state<O> and apply, position_batch, and whether forward passes carry
    // state (has_recurrent_state; reset_state(ws) clears it).
    PRECAST_EXPORT template <class N>
    concept neural_network =
        requires(N& n, const N& cn, typename N::template workspace<1>& ws, batch_view<const typename N::value_type, 1, typename N::input_shape> x,
                 typename N::template optimizer_state<detail::probe_optimizer>& state) {
            typename N::value_type;
            typename N::input_shape;
            typename N::output_shape;
            typename N::layers_type;
            typename N::template layer_type<0>;
            typename N::template shape_at<0>;
            { N::depth } -> std::convertible_to<std::size_t>;
            { N::sizes[0] } -> std::convertible_to<std::size_t>;
            { N::input_size } -> std::convertible_to<std::size_t>;
            { N::output_size } -> std::convertible_to<std::size_t>;
            { N::template is_trainable<0> } -> std::convertible_to<bool>;
            { N::parameter_count } -> std::convertible_to<std::size_t>;
            { N::parameter_bytes } -> std::convertible_to<std::size_t>;
            { N::template parameter_offset<0> } -> std::convertible_to<std::size_t>;
            { N::parameter_table.size() } -> std::convertible_to<std::size_t>;
            { N::has_recurrent_state } -> std::convertible_to<bool>;
            n.template at<0>();
            cn.template at<0>();
            n.forward(ws, mode::inference);
            n.forward(x, ws, mode::inference);
            n.backward(ws, true);
            n.reset_state(ws);
            n.position_batch(std::uint64_t{0}, std::size_t{0});
            n.apply(detail::probe_optimizer{}, state);
            cn.for_each_layer([](auto, const auto&) {});
            requires N::parameter_count == 0 || requires {
                n.parameters().data();
                n.gradients().data();
                cn.parameters().data();
            };
        } &&
        scalar<typename N::value_type> && static_shape<typename N::input_shape> && static_shape<typename N::output_shape>;

    namespace detail
    {
        // Net::statistic_count of a network whose layers keep statistics (batch_norm), else 0.
        template <class Net>
        inline constexpr std::size_t statistics_in = [] {
            if constexpr (requires { Net::statistic_count; })
            {
                return std::size_t{Net::statistic_count};
            }
            else
            {
                return std::size_t{0};
            }
        }();
    }

    // ---- initializers ---------------------------------------------------------------------------------------------

    // initializer: i.fill(values, fan_in, fan_out, rng) sets a layer's weights (float or double).
    PRECAST_EXPORT template <class I>
    concept initializer = requires(const I& i, std::span<float> f, std::span<double> d, random_engine& rng) {
        i.fill(f, std::size_t{1}, std::size_t{1}, rng);
        i.fill(d, std::size_t{1}, std::size_t{1}, rng);
    };
}
