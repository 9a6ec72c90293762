// network<input<N>, Specs...>: a neural network whose architecture is its type.
//
//   using mlp = precast::network<precast::input<784>, precast::dense<256>, precast::relu, precast::dense<10>>;
//   using seq = precast::network<precast::input_of<precast::shape<20, 8>>, precast::dense<16>, precast::tanh, precast::dense<4>>;
//
// The list is flat. input<N, T = float> (or input_of<shape<...>, T> for samples of any rank) gives the sample
// shape and element type; each following element is a layer spec (dense<256>, relu, dropout<0.5>: bound to the
// shape the previous element outputs) or a concrete layer (dense_layer<float, shape<784>, 256>: its input shape
// must match). A mismatch, a non-layer or a wrong element type is a compile error naming the position, the types
// and the shapes (network/binding.hpp, network/diagnostics.hpp).
//
// The network owns the parameters (and their gradients). Activations live in a workspace<B> for a batch size B
// fixed at compile time (network/workspace.hpp); several workspaces (B = 1 for inference, B = 32 for training)
// can serve one network. Large buffers go to the heap once, when constructed; forward, backward and optimizer
// steps allocate nothing. Everything the network knows of a layer it asks through the concepts of concepts.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/denormals.hpp>
#include <precast/core/random.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/tensor.hpp>
#include <precast/core/tensor_ops.hpp>
#include <precast/export.hpp>
#include <precast/initializers.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/network/binding.hpp>
#include <precast/network/optimizer_state.hpp>
#include <precast/network/workspace.hpp>

namespace precast
{
    namespace detail
    {
        template <class L>
        consteval std::size_t forward_flops_of()
        {
            if constexpr (layer_with_cost<L>)
            {
                return L::forward_flops;
            }
            return 0;
        }
        // A layer whose state flows from one forward pass into the next (a recurrent layer with `stateful`).
        template <class L>
        consteval bool carries_state()
        {
            if constexpr (!recurrent_state<L>)
            {
                return false;
            }
            else if constexpr (requires { L::is_stateful; })
            {
                return L::is_stateful;
            }
            return true;
        }
        template <class L>
        consteval std::size_t backward_flops_of()
        {
            if constexpr (layer_with_cost<L>)
            {
                return L::backward_flops;
            }
            return 0;
        }
    }

    PRECAST_EXPORT template <class Input, class... Elements>
    class network
    {
        static_assert(detail::check_input<Input>());
        static_assert(sizeof...(Elements) > 0, "precast::network: the list has an input<> but no layer; add at least one, e.g. dense<1>");

    public:
        using value_type = typename detail::input_traits<Input>::value_type;
        using input_shape = typename detail::input_traits<Input>::shape_type;
        using layers_type = typename detail::bind_layers<value_type, input_shape, 1, Input, Elements...>::type;

        static constexpr std::size_t depth = std::tuple_size_v<layers_type>;

        template <std::size_t I>
        using layer_type = std::tuple_element_t<I, layers_type>;

        // The shape of the values entering layer I (I = 0: the input), or the output for I = depth.
        template <std::size_t I>
        using shape_at = typename network_workspace<layers_type, input_shape, 1>::template shape_at<I>;
        using output_shape = shape_at<depth>;

    private:
        using T = value_type;

        template <std::size_t... I>
        static consteval std::array<std::size_t, depth + 1> compute_sizes(std::index_sequence<I...>)
        {
            return {input_shape::size, layer_type<I>::output_shape::size...};
        }

    public:
        // sizes[0] is the number of values in one input sample, sizes[i] in layer i - 1's output.
        static constexpr std::array<std::size_t, depth + 1> sizes = compute_sizes(std::make_index_sequence<depth>{});
        static constexpr std::size_t input_size = input_shape::size;
        static constexpr std::size_t output_size = output_shape::size;

        template <std::size_t I>
        static constexpr bool is_trainable = trainable_layer<layer_type<I>>;

    private:
        template <std::size_t... I>
        static consteval std::size_t sum_parameters(std::index_sequence<I...>)
        {
            return (std::size_t{0} + ... + (is_trainable<I> ? parameter_count_of<I>() : 0));
        }
        template <std::size_t I>
        static consteval std::size_t parameter_count_of()
        {
            if constexpr (is_trainable<I>)
            {
                return layer_type<I>::parameter_count;
            }
            return 0;
        }
        template <std::size_t... I>
        static consteval std::size_t sum_forward_flops(std::index_sequence<I...>)
        {
            return (std::size_t{0} + ... + detail::forward_flops_of<layer_type<I>>());
        }
        template <std::size_t... I>
        static consteval std::size_t sum_backward_flops(std::index_sequence<I...>)
        {
            return (std::size_t{0} + ... + detail::backward_flops_of<layer_type<I>>());
        }
        template <std::size_t B, std::size_t... I>
        static consteval std::size_t sum_layer_workspace_bytes(std::index_sequence<I...>)
        {
            return (std::size_t{0} + ... + workspace_bytes_of<layer_type<I>, B>());
        }
        static consteval std::size_t sum_sizes()
        {
            std::size_t total = 0;
            for (std::size_t s : sizes)
            {
                total += s;
            }
            return total;
        }

    public:
        // ---- facts known at compile time -------------------------------------------------------------------------
        static constexpr std::size_t parameter_count = sum_parameters(std::make_index_sequence<depth>{});
        static constexpr std::size_t parameter_bytes = parameter_count * sizeof(T);
        // Nominal FLOPs per sample (a multiply-add counts 2, an activation 1 per value).
        static constexpr std::size_t forward_flops_per_sample = sum_forward_flops(std::make_index_sequence<depth>{});
        static constexpr std::size_t backward_flops_per_sample = sum_backward_flops(std::make_index_sequence<depth>{});
        // Memory a training step needs beyond the parameters: activations and their gradients for every layer
        // (workspace<B>), per-layer state such as dropout masks, and the parameter gradients.
        template <std::size_t B>
        static constexpr std::size_t training_workspace_bytes =
            2 * B * sum_sizes() * sizeof(T) + sum_layer_workspace_bytes<B>(std::make_index_sequence<depth>{}) + parameter_bytes;

        // ---- workspace: the activations of one batch of B samples (network/workspace.hpp) ---------------------
        template <std::size_t B>
        using workspace = network_workspace<layers_type, input_shape, B>;

        // ---- construction and initialization ---------------------------------------------------------------------

        // Glorot-uniform weights and zero biases from seed 0: a network is usable, and reproducible, as declared.
        network() { initialize(glorot_uniform{}, 0); }

        template <initializer Init>
        explicit network(const Init& init, std::uint64_t seed = 0)
        {
            initialize(init, seed);
        }

        // Refills every trainable layer's weights from init (biases to zero) and reseeds stochastic layers
        // (dropout), all from one seed: the same seed gives the same network on every compiler and library.
        template <initializer Init>
        void initialize(const Init& init, std::uint64_t seed)
        {
            random_engine rng(seed);
            for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& l) {
                if constexpr (is_trainable<I>)
                {
                    l.initialize(init, rng);
                }
                if constexpr (seeded_layer<std::remove_cvref_t<decltype(l)>>)
                {
                    l.seed(seed ^ (0x9E3779B97F4A7C15ULL * (I + 1)));
                }
            });
        }

        // Where the next training batch sits in the run, for the layers that draw random numbers (dropout): its
        // index (the trainer passes its step count) and the index of its first row in the global batch (a
        // process's shard offset in data-parallel training). A sample's dropout mask then depends on the seed,
        // the batch index and its global row only.
        void position_batch(std::uint64_t batch, std::size_t first_row) noexcept
        {
            for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& l) {
                if constexpr (positioned_layer<std::remove_cvref_t<decltype(l)>>)
                {
                    l.position(batch, first_row);
                }
            });
        }

        template <std::size_t I>
        [[nodiscard]] layer_type<I>& at() noexcept
        {
            return std::get<I>(layers_);
        }
        template <std::size_t I>
        [[nodiscard]] const layer_type<I>& at() const noexcept
        {
            return std::get<I>(layers_);
        }

        // Calls f(std::integral_constant<std::size_t, I>{}, layer) for each layer in order.
        template <class F>
        void for_each_layer(F&& f)
        {
            detail::for_each_index([&](auto index) { f(index, std::get<decltype(index)::value>(layers_)); }, std::make_index_sequence<depth>{});
        }
        template <class F>
        void for_each_layer(F&& f) const
        {
            detail::for_each_index([&](auto index) { f(index, std::get<decltype(index)::value>(layers_)); }, std::make_index_sequence<depth>{});
        }

        // ---- forward and backward ----------------------------------------------------------------------------------

        // A dense layer followed by a vectorized activation (relu, tanh, sigmoid, ...) runs as one step: the
        // activation is applied to each tile of the product while it is in registers, and in backward its
        // derivative is applied to the dense layer's input gradient the same way. The workspace holds the same
        // values as with separate steps: the same vector code runs on the same numbers.
        // Layer Dense takes epilogues and layer Activation is a vectorized activation.
        template <std::size_t Dense, std::size_t Activation>
        static consteval bool fusable_pair()
        {
            if constexpr (Dense >= depth || Activation >= depth)
            {
                return false;
            }
            else
            {
                return epilogue_layer<layer_type<Dense>> && fusable_activation<layer_type<Activation>>;
            }
        }
        template <std::size_t I>
        static constexpr bool activation_fused_after = fusable_pair<I, I + 1>();
        template <std::size_t I>
        static constexpr bool activation_fused_before = I > 0 && fusable_pair<I, I - 1>();

        // Runs the layers on ws.input(); returns the output (also ws.output()).
        template <std::size_t B>
        batch_view<const T, B, output_shape> forward(workspace<B>& ws, mode m = mode::inference)
        {
            const denormal_scope flush_subnormals;
            ws.set_input_gradient_current(false);
            detail::for_each_index(
                [&](auto index) {
                    constexpr std::size_t I = decltype(index)::value;
                    if constexpr (I > 0 && activation_fused_after<I - 1>)
                    {
                        return;  // ran inside layer I - 1
                    }
                    else if constexpr (activation_fused_after<I>)
                    {
                        const auto epilogue = layer_type<I + 1>::value_epilogue(ws.template activation<I + 1>().data(), ws.template activation<I + 2>().data());
                        std::get<I>(layers_).forward(std::as_const(ws).template activation<I>(), ws.template activation<I + 1>(),
                                                     ws.template layer_workspace<I>(), m, epilogue);
                    }
                    else
                    {
                        std::get<I>(layers_).forward(std::as_const(ws).template activation<I>(), ws.template activation<I + 1>(),
                                                     ws.template layer_workspace<I>(), m);
                    }
                },
                std::make_index_sequence<depth>{});
            return ws.output();
        }

        // Copies x into ws.input(), then forward(ws, m).
        template <std::size_t B>
        batch_view<const T, B, output_shape> forward(batch_view<const T, B, input_shape> x, workspace<B>& ws, mode m = mode::inference)
        {
            std::copy_n(x.data(), B * input_size, ws.input().data());
            return forward(ws, m);
        }

        // Propagates ws.output_gradient() back through the layers, writing every trainable layer's gradients().
        // The gradient with respect to the input is computed only if asked for (a first dense layer's dx costs
        // as much as its forward pass).
        template <std::size_t B>
        void backward(workspace<B>& ws, bool input_gradient = false)
        {
            const denormal_scope flush_subnormals;
            detail::for_each_index(
                [&](auto reverse_index) {
                    constexpr std::size_t I = depth - 1 - decltype(reverse_index)::value;
                    if constexpr (I + 1 < depth && activation_fused_before<I + 1>)
                    {
                        return;  // layer I + 1 ran this one's backward inside its own
                    }
                    else
                    {
                        batch_view<T, B, shape_at<I>> dx = ws.template gradient<I>();
                        if (I == 0 && !input_gradient)
                        {
                            dx = batch_view<T, B, shape_at<I>>();
                        }
                        const auto& cws = std::as_const(ws);
                        if constexpr (activation_fused_before<I>)
                        {
                            // Layer I - 1 is an activation, layer I consumes it: dLoss/d(its input) = dx * f'.
                            const auto epilogue = layer_type<I - 1>::derivative_epilogue(dx.data(), cws.template activation<I - 1>().data(),
                                                                                         cws.template activation<I>().data(), ws.template gradient<I - 1>().data());
                            std::get<I>(layers_).backward(cws.template activation<I>(), cws.template activation<I + 1>(), cws.template gradient<I + 1>(),
                                                          dx, ws.template layer_workspace<I>(), epilogue);
                        }
                        else
                        {
                            std::get<I>(layers_).backward(cws.template activation<I>(), cws.template activation<I + 1>(), cws.template gradient<I + 1>(),
                                                          dx, ws.template layer_workspace<I>());
                        }
                    }
                },
                std::make_index_sequence<depth>{});
            ws.set_input_gradient_current(input_gradient);
        }

        // Starts every stream afresh in this workspace: each stateful recurrent layer (concepts.hpp,
        // recurrent_state) begins its next forward pass from zeros. Layers without state are untouched.
        template <std::size_t B>
        void reset_state(workspace<B>& ws) noexcept
        {
            detail::for_each_index(
                [&](auto index) {
                    if constexpr (recurrent_state<layer_type<decltype(index)::value>>)
                    {
                        ws.template layer_workspace<decltype(index)::value>().reset_state();
                    }
                },
                std::make_index_sequence<depth>{});
        }

        // Whether a forward pass depends on the previous one on the same workspace (a stateful recurrent layer).
        static constexpr bool has_recurrent_state = [] {
            return []<std::size_t... I>(std::index_sequence<I...>) { return (false || ... || detail::carries_state<layer_type<I>>()); }(std::make_index_sequence<depth>{});
        }();

        // ---- predictions -------------------------------------------------------------------------------------------
        // For the everyday case: each call makes a workspace of its own (heap memory for a large network) and
        // runs in inference mode (dropout off, recurrent state from zeros). In a loop, keep a workspace and call
        // forward(x, ws), or use frozen_network (batch 1) or streaming_network (one step at a time).

        // The output for one sample.
        [[nodiscard]] tensor<T, output_shape> predict(std::span<const T, input_size> x)
        {
            auto ws = std::make_unique<workspace<1>>();
            const auto y = forward(batch_view<const T, 1, input_shape>(x.data()), *ws);
            tensor<T, output_shape> result;
            std::copy_n(y.data(), output_size, result.data());
            return result;
        }
        [[nodiscard]] tensor<T, output_shape> predict(const tensor<T, input_shape>& x) { return predict(std::span<const T, input_size>(x.data(), input_size)); }

        // The outputs for a batch of B samples, [B, output...].
        template <std::size_t B>
        [[nodiscard]] tensor_buffer<T, batched_shape<B, output_shape>> predict(batch_view<const T, B, input_shape> x)
        {
            auto ws = std::make_unique<workspace<B>>();
            const auto y = forward(x, *ws);
            tensor_buffer<T, batched_shape<B, output_shape>> result;
            std::copy_n(y.data(), B * output_size, result.data());
            return result;
        }

        // The class of one sample: the index of its largest output (the first on ties). For an output
        // [steps, classes], one class per step.
        [[nodiscard]] auto classify(std::span<const T, input_size> x)
        {
            const auto classes = argmax<output_shape::rank - 1>(predict(x));
            if constexpr (output_shape::rank == 1)
            {
                return std::size_t{classes[0]};
            }
            else
            {
                return classes;
            }
        }
        [[nodiscard]] auto classify(const tensor<T, input_shape>& x) { return classify(std::span<const T, input_size>(x.data(), input_size)); }

        // The class of each of B samples (for an output [steps, classes]: [B, steps] classes).
        template <std::size_t B>
        [[nodiscard]] auto classify(batch_view<const T, B, input_shape> x)
        {
            const auto outputs = predict(x);
            return argmax<output_shape::rank>(outputs);
        }

        // ---- optimizer -------------------------------------------------------------------------------------------

        // What optimizer O keeps between steps for this network (network/optimizer_state.hpp).
        template <optimizer O>
        using optimizer_state = network_optimizer_state<layers_type, O>;

        // The 2-norm of all parameter gradients together (what clip_by_global_norm compares with its limit).
        [[nodiscard]] double gradient_norm() const noexcept
        {
            double sum = 0;
            for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& l) {
                if constexpr (is_trainable<I>)
                {
                    const auto& g = l.gradients();
                    sum += static_cast<double>(kernels::dot(g.data(), g.data(), g.size));
                }
            });
            return std::sqrt(sum);
        }

        // One update of every trainable layer's parameters from its gradients(). The first update after the state
        // was created or reset initializes it (accumulators to their starting values).
        template <optimizer O>
        void apply(const O& opt, optimizer_state<O>& state)
        {
            const denormal_scope flush_subnormals;
            if (state.steps_ == 0)
            {
                for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto&) {
                    if constexpr (is_trainable<I>)
                    {
                        opt.initialize(std::get<I>(state.layers_));
                    }
                });
            }
            ++state.steps_;
            step_context context{.step = state.steps_};
            if constexpr (adjusts_step_context<O>)
            {
                double norm = 0;
                if constexpr (uses_gradient_norm<O>)
                {
                    norm = gradient_norm();
                }
                opt.adjust(context, norm);
            }
            for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& l) {
                if constexpr (is_trainable<I>)
                {
                    opt.update(l.parameters().span(), std::as_const(l).gradients().span(), std::get<I>(state.layers_), context);
                }
            });
        }

    private:
        layers_type layers_;
    };
}
