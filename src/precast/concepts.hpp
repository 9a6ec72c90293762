// The contract. Every layer, loss, optimizer and initializer in precast (and any you write) satisfies one of
// the concepts below; the network and the trainer accept nothing else. Each big concept is a conjunction of
// named parts, so a compiler that rejects your type names the part that is missing.
//
// Where a new piece goes:
//   a layer        src/precast/layers/<name>.hpp      a spec (layer_spec) + the layer it binds to (layer)
//   a loss         src/precast/losses/<name>.hpp      loss
//   an optimizer   src/precast/optimizers/<name>.hpp  optimizer
//   an initializer src/precast/initializers.hpp       initializer
// then add the header to precast.hpp and its names to modules/precast.cppm, and its cases to the gradient-check
// suite (test/gradcheck/) if it has a gradient.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include <precast/core/matrix_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/optimizers/step_context.hpp>

namespace precast
{
    // ---- layers ---------------------------------------------------------------------------------------------------

    // layer_sizes<L>: L::value_type is a scalar; L::input_size and L::output_size are positive compile-time
    // sizes of one sample (a layer maps a batch matrix_view<T, B, input_size> to matrix_view<T, B, output_size>).
    template <class L>
    concept layer_sizes = requires {
        typename L::value_type;
        { L::input_size } -> std::convertible_to<std::size_t>;
        { L::output_size } -> std::convertible_to<std::size_t>;
    } && scalar<typename L::value_type> && (L::input_size > 0) && (L::output_size > 0);

    // layer_workspace<L>: L::workspace<B> is what one forward pass leaves for its backward pass (a dropout mask,
    // say) beyond the input and output the network keeps anyway; default-constructible, sized at compile time.
    template <class L>
    concept layer_workspace = requires { typename L::template workspace<1>; } &&
                              std::default_initializable<typename L::template workspace<1>>;

    // layer_forward<L>: l.forward(x, y, ws, mode) writes y for a batch x, for every batch size B.
    template <class L>
    concept layer_forward = layer_sizes<L> && layer_workspace<L> &&
        requires(L& l, matrix_view<const typename L::value_type, 1, L::input_size> x,
                 matrix_view<typename L::value_type, 1, L::output_size> y, typename L::template workspace<1>& ws, mode m) {
            l.forward(x, y, ws, m);
        };

    // layer_backward<L>: l.backward(x, y, dy, dx, ws) writes dx = dLoss/dx given dy = dLoss/dy, x and y from the
    // forward pass. An empty dx view (dx.empty()) means the input gradient is not wanted: skip computing it.
    // A trainable layer also writes the gradients of its parameters (overwriting, not accumulating).
    template <class L>
    concept layer_backward = layer_sizes<L> && layer_workspace<L> &&
        requires(L& l, matrix_view<const typename L::value_type, 1, L::input_size> x,
                 matrix_view<const typename L::value_type, 1, L::output_size> y,
                 matrix_view<const typename L::value_type, 1, L::output_size> dy,
                 matrix_view<typename L::value_type, 1, L::input_size> dx, typename L::template workspace<1>& ws) {
            l.backward(x, y, dy, dx, ws);
        };

    // layer: a concrete layer with static shapes, forward and backward.
    template <class L>
    concept layer = layer_sizes<L> && layer_workspace<L> && layer_forward<L> && layer_backward<L>;

    // parameter_tensor: how a trainable layer's flat parameter vector divides into named tensors, for
    // reports and files: `rows x cols` values starting at `offset` (a vector has cols == 1).
    struct parameter_tensor
    {
        const char* name;
        std::size_t offset;
        std::size_t rows;
        std::size_t cols;
    };

    // trainable_layer: a layer whose parameters are one flat vector, l.parameters(), with a gradient vector of
    // the same type, l.gradients(), written by backward; L::parameter_tensors names their parts; initialize(init,
    // rng) fills them. Both vectors are tensor_buffer<T, shape<parameter_count>>, which optimizers update.
    template <class L>
    concept trainable_layer = layer<L> && requires(L& l, const L& cl, random_engine& rng) {
        { L::parameter_count } -> std::convertible_to<std::size_t>;
        { l.parameters() } -> std::same_as<tensor_buffer<typename L::value_type, shape<L::parameter_count>>&>;
        { l.gradients() } -> std::same_as<tensor_buffer<typename L::value_type, shape<L::parameter_count>>&>;
        { cl.parameters() } -> std::same_as<const tensor_buffer<typename L::value_type, shape<L::parameter_count>>&>;
        L::parameter_tensors.size();
    };

    // layer_spec: what a network's layer list holds. S::bind<T, In> is the concrete layer for element type T and
    // In inputs per sample; the output size follows from it. dense<10>, relu and dropout<0.5> are specs.
    template <class S>
    concept layer_spec = requires { typename S::template bind<float, 1>; } && layer<typename S::template bind<float, 1>>;

    // ---- losses ---------------------------------------------------------------------------------------------------

    // What a loss compares predictions with: real-valued targets with as many values per sample as the
    // network's output (regression, binary, one-hot), or one class index per sample.
    enum class target_kind
    {
        values,
        labels,
    };

    using label_type = std::uint32_t;

    // The targets of a batch, as a loss receives them.
    template <target_kind Kind, scalar T, std::size_t B, std::size_t N>
    using target_batch = std::conditional_t<Kind == target_kind::values, matrix_view<const T, B, N>, std::span<const label_type, B>>;

    // loss_value<L>: l.value(y, t, rows) is the loss of the first `rows` samples of the batch (the rest is
    // padding of a partial last batch), reduced as the loss documents.
    template <class L>
    concept loss_value = requires(const L& l, matrix_view<const float, 1, 2> y, target_batch<L::targets, float, 1, 2> t) {
        { L::targets } -> std::convertible_to<target_kind>;
        { l.value(y, t, std::size_t{1}) } -> std::same_as<float>;
    };

    // loss_gradient<L>: l.gradient(y, t, dy, rows) writes dy = d value / d y (zero for padding rows).
    template <class L>
    concept loss_gradient = requires(const L& l, matrix_view<const float, 1, 2> y, target_batch<L::targets, float, 1, 2> t,
                                     matrix_view<float, 1, 2> dy) {
        l.gradient(y, t, dy, std::size_t{1});
    };

    // loss: a value and its gradient with respect to the network's output.
    template <class L>
    concept loss = loss_value<L> && loss_gradient<L>;

    // ---- optimizers -----------------------------------------------------------------------------------------------

    // optimizer_for<O, T, N>: O updates a parameter vector of N values of type T from its gradient, keeping
    // O::state<T, N> between steps (plain fixed-size data: moments, accumulators; empty for gradient descent):
    // o.initialize(state) before the first step, o.update(parameters, gradients, state, context) at each.
    template <class O, class T, std::size_t N>
    concept optimizer_for = requires(const O& o, std::span<T, N> p, std::span<const T, N> g, typename O::template state<T, N>& s,
                                     const step_context& context) {
        requires std::default_initializable<typename O::template state<T, N>>;
        o.initialize(s);
        o.update(p, g, s, context);
    };

    // optimizer: an optimizer_for every parameter vector a layer can have (checked for float and double).
    template <class O>
    concept optimizer = optimizer_for<O, float, 3> && optimizer_for<O, double, 3>;

    // An optimizer may also adjust the context of each step before any layer is updated (learning-rate
    // schedules, gradient clipping: optimizers/schedules.hpp, optimizers/clipping.hpp): o.adjust(context,
    // global_gradient_norm). The network computes the norm only if O::needs_gradient_norm is true.
    template <class O>
    concept adjusts_step_context = requires(const O& o, step_context& context, double norm) { o.adjust(context, norm); };

    // ---- initializers ---------------------------------------------------------------------------------------------

    // initializer: i.fill(values, fan_in, fan_out, rng) sets a layer's weights (float or double).
    template <class I>
    concept initializer = requires(const I& i, std::span<float> f, std::span<double> d, random_engine& rng) {
        i.fill(f, std::size_t{1}, std::size_t{1}, rng);
        i.fill(d, std::size_t{1}, std::size_t{1}, rng);
    };
}
