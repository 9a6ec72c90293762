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
// The network owns the parameters and their gradients: one block each for all its layers (its arena), each
// trainable layer working on its slice (core/parameters.hpp), so that one optimizer step, one data-parallel
// reduction and one model-file write cover them all. Activations live in a workspace<B> for a batch size B
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
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
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
#include <precast/kernels/softmax.hpp>
#include <precast/network/binding.hpp>
#include <precast/network/chain.hpp>
#include <precast/network/parameter_table.hpp>
#include <precast/network/workspace.hpp>
#include <precast/optimizers/optimizer_state.hpp>

namespace precast
{
    namespace detail
    {
        // A sample whose length is known only at run time (a std::vector, a std::span<const T>); a sample whose type
        // already says it holds N values takes the std::span<const T, N> overloads.
        template <class Sample, class T, std::size_t N>
        concept dynamic_sample_of =
            std::same_as<std::remove_cv_t<std::ranges::range_value_t<Sample>>, T> && !std::convertible_to<const Sample&, std::span<const T, N>>;

        template <class T, static_shape Shape, class Sample>
        std::span<const T, Shape::size> checked_sample(const Sample& x, const char* function)
        {
            const std::size_t n = std::ranges::size(x);
            if (n != Shape::size)
            {
                std::string text = "precast::network::" + std::string(function) + ": the sample has " + std::to_string(n) +
                                   " values; this network's input has " + std::to_string(Shape::size);
                if constexpr (Shape::rank > 1)
                {
                    text += " (shape [";
                    for (std::size_t a = 0; a < Shape::rank; ++a)
                    {
                        text += std::to_string(Shape::extents[a]) + (a + 1 < Shape::rank ? ", " : "])");
                    }
                }
                throw std::invalid_argument(text);
            }
            return std::span<const T, Shape::size>(std::ranges::data(x), Shape::size);
        }

        template <class Layer>
        constexpr bool ends_in_probabilities = [] {
            if constexpr (requires { Layer::name; })
            {
                return std::string_view(Layer::name) == "softmax" || std::string_view(Layer::name) == "sigmoid";
            }
            else
            {
                return false;
            }
        }();

        // Softmax over each run of Classes values (sigmoid when Classes is 1), in place.
        template <class T, std::size_t Classes, std::size_t N>
        void to_probabilities(std::span<T, N> y)
        {
            for (std::size_t row = 0; row < N; row += Classes)
            {
                if constexpr (Classes == 1)
                {
                    y[row] = static_cast<T>(1.0 / (1.0 + std::exp(-static_cast<double>(y[row]))));
                }
                else
                {
                    kernels::softmax(y.data() + row, y.data() + row, Classes);
                }
            }
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
        static_assert(detail::check_token_layers<Input, layers_type>());

        // Networks declared with tokens<Steps, Vocabulary>: the vocabulary's size (0 for inputs of values). Their
        // forward, predict and classify take token ids.
        static constexpr std::size_t token_vocabulary = detail::input_traits<Input>::vocabulary;
        static constexpr bool takes_token_ids = token_vocabulary > 0;

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
        using chain = detail::layer_chain<layers_type>;

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
        static constexpr std::size_t parameter_count = detail::parameter_offsets<layers_type>[depth];
        static constexpr std::size_t parameter_bytes = parameter_count * sizeof(T);
        // Where layer I's parameters start in parameters() (and its gradients in gradients()).
        template <std::size_t I>
        static constexpr std::size_t parameter_offset = detail::parameter_offsets<layers_type>[I];
        // Every parameter tensor, named as PyTorch's state_dict names a module's ("0.weights", "2.body.0.bias"),
        // with its offset in parameters(): what model files, .npz files and the gradient checker walk.
        static constexpr const auto& parameter_table = detail::tensor_table<"", layers_type>::tensors;
        // Which layer each entry of parameter_table belongs to, and its name within the layer.
        static constexpr const auto& parameter_table_layers = detail::tensor_table<"", layers_type>::layers;
        static constexpr const auto& parameter_table_local_names = detail::tensor_table<"", layers_type>::local_names;
        // Statistics that layers keep up to date themselves and that are not trained (batch_norm's running mean
        // and variance: concepts.hpp, layer_with_statistics), all in one block, statistics(), named alike
        // ("1.running_mean"); model files and .npz files save them after the parameters.
        static constexpr std::size_t statistic_count = detail::statistic_offsets<layers_type>[depth];
        static constexpr const auto& statistic_table = detail::tensor_table<"", layers_type, true, true>::tensors;
        // Nominal FLOPs per sample (a multiply-add counts 2, an activation 1 per value).
        static constexpr std::size_t forward_flops_per_sample = detail::sum_forward_flops<layers_type>;
        static constexpr std::size_t backward_flops_per_sample = detail::sum_backward_flops<layers_type>;
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
        network()
        {
            attach();
            initialize(glorot_uniform{}, 0);
        }

        template <initializer Init>
        explicit network(const Init& init, std::uint64_t seed = 0)
        {
            attach();
            initialize(init, seed);
        }

        // A copy has an arena of its own.
        network(const network& other) : arena_(other.arena_), statistics_(other.statistics_), layers_(other.layers_) { attach(); }
        network(network&& other) : arena_(std::move(other.arena_)), statistics_(std::move(other.statistics_)), layers_(std::move(other.layers_)) { attach(); }
        network& operator=(const network& other)
        {
            arena_ = other.arena_;
            statistics_ = other.statistics_;
            layers_ = other.layers_;
            return *this;
        }
        network& operator=(network&& other) { return *this = static_cast<const network&>(other); }
        ~network() = default;

        // All parameters, layer after layer (layer I's from parameter_offset<I>), and their gradients.
        [[nodiscard]] parameter_view<T, parameter_count>& parameters() noexcept
            requires(parameter_count > 0)
        {
            return arena_.parameters();
        }
        [[nodiscard]] const parameter_view<T, parameter_count>& parameters() const noexcept
            requires(parameter_count > 0)
        {
            return arena_.parameters();
        }
        [[nodiscard]] parameter_view<T, parameter_count>& gradients() noexcept
            requires(parameter_count > 0)
        {
            return arena_.gradients();
        }
        [[nodiscard]] const parameter_view<T, parameter_count>& gradients() const noexcept
            requires(parameter_count > 0)
        {
            return arena_.gradients();
        }

        // Every layer's statistics, layer after layer (statistic_table says which is which).
        [[nodiscard]] parameter_view<T, statistic_count>& statistics() noexcept
            requires(statistic_count > 0)
        {
            return statistics_.statistics();
        }
        [[nodiscard]] const parameter_view<T, statistic_count>& statistics() const noexcept
            requires(statistic_count > 0)
        {
            return statistics_.statistics();
        }

        // Only the first `rows` rows of the batches that follow are samples; the rest pad a partial last batch
        // (concepts.hpp, batch_rows_layer). compute_gradients and the trainer call it; batch statistics then
        // leave the padding out.
        void use_rows(std::size_t rows) noexcept { detail::use_rows_each(layers_, rows); }

        // Refills every trainable layer's weights from init (biases to zero) and reseeds stochastic layers
        // (dropout), all from one seed: the same seed gives the same network on every compiler and library.
        template <initializer Init>
        void initialize(const Init& init, std::uint64_t seed)
        {
            random_engine rng(seed);
            detail::initialize_each(layers_, init, rng);
            detail::seed_each(layers_, seed);
        }

        // Where the next training batch sits in the run, for the layers that draw random numbers (dropout): its
        // index (the trainer passes its step count) and the index of its first row in the global batch (a
        // process's shard offset in data-parallel training). A sample's dropout mask then depends on the seed,
        // the batch index and its global row only.
        void position_batch(std::uint64_t batch, std::size_t first_row) noexcept { detail::position_each(layers_, batch, first_row); }

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

        // A layer that takes epilogues (dense) followed by a vectorized activation (relu, tanh, sigmoid, ...) runs
        // as one step (network/chain.hpp): the workspace holds the same values as with separate steps.
        template <std::size_t I>
        static constexpr bool activation_fused_after = chain::template activation_fused_after<I>;
        template <std::size_t I>
        static constexpr bool activation_fused_before = chain::template activation_fused_before<I>;

        // Runs the layers on ws.input(); returns the output (also ws.output()).
        template <std::size_t B>
        batch_view<const T, B, output_shape> forward(workspace<B>& ws, mode m = mode::inference)
        {
            const denormal_scope flush_subnormals;
            ws.set_input_gradient_current(false);
            if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(ws.register_path())>, detail::no_register_path>)
            {
                // A small network at batch 1: the sample stays in registers (network/register_path.hpp).
                if (m == mode::inference)
                {
                    ws.register_path().run(parameters().data(), layers_, detail::workspace_buffers<workspace<B>>{&ws});
                    return ws.output();
                }
            }
            chain::forward(layers_, detail::workspace_buffers<workspace<B>>{&ws}, m);
            return ws.output();
        }

        // Copies x into ws.input(), then forward(ws, m).
        template <std::size_t B>
        batch_view<const T, B, output_shape> forward(batch_view<const T, B, input_shape> x, workspace<B>& ws, mode m = mode::inference)
        {
            std::copy_n(x.data(), B * input_size, ws.input().data());
            return forward(ws, m);
        }

        // Token ids (tokens<Steps, Vocabulary>): copies B samples of ids into ws.input(), each checked against the
        // vocabulary (std::out_of_range naming the first one outside it), then forward(ws, m).
        template <std::size_t B>
            requires takes_token_ids
        batch_view<const T, B, output_shape> forward(std::span<const token_id, B * input_size> ids, workspace<B>& ws, mode m = mode::inference)
        {
            detail::copy_token_ids<T, token_vocabulary>(ids.data(), B * input_size, input_size, ws.input().data(), "forward");
            return forward(ws, m);
        }

        // Propagates ws.output_gradient() back through the layers, writing every trainable layer's gradients().
        // The gradient with respect to the input is computed only if asked for (a first dense layer's dx costs
        // as much as its forward pass).
        template <std::size_t B>
        void backward(workspace<B>& ws, bool input_gradient = false)
        {
            const denormal_scope flush_subnormals;
            chain::backward(layers_, detail::workspace_buffers<workspace<B>>{&ws}, input_gradient);
            ws.set_input_gradient_current(input_gradient);
        }

        // Starts every stream afresh in this workspace: each stateful recurrent layer (concepts.hpp,
        // recurrent_state) begins its next forward pass from zeros. Layers without state are untouched.
        template <std::size_t B>
        void reset_state(workspace<B>& ws) noexcept
        {
            chain::reset_state(ws);
        }

        // Whether a forward pass depends on the previous one on the same workspace (a stateful recurrent layer).
        static constexpr bool has_recurrent_state = detail::any_stateful<layers_type>;

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

        // The same for a sample held in any contiguous run of values (a std::vector, a dataset's features(i), a
        // std::span): its length is checked when it runs, and a wrong one is a std::invalid_argument naming both.
        template <std::ranges::contiguous_range Sample>
            requires detail::dynamic_sample_of<Sample, T, input_size>
        [[nodiscard]] tensor<T, output_shape> predict(const Sample& x)
        {
            return predict(detail::checked_sample<T, input_shape>(x, "predict"));
        }

        // The output for one sample of token ids (tokens<Steps, Vocabulary>), of any contiguous run of ids: its length
        // (std::invalid_argument) and each id (std::out_of_range) are checked.
        template <std::ranges::contiguous_range Sample>
            requires takes_token_ids && std::same_as<std::remove_cvref_t<std::ranges::range_value_t<Sample>>, token_id>
        [[nodiscard]] tensor<T, output_shape> predict(const Sample& ids)
        {
            const auto checked = detail::checked_sample<token_id, input_shape>(ids, "predict");
            auto ws = std::make_unique<workspace<1>>();
            detail::copy_token_ids<T, token_vocabulary>(checked.data(), input_size, input_size, ws->input().data(), "predict");
            const auto y = forward(*ws);
            tensor<T, output_shape> result;
            std::copy_n(y.data(), output_size, result.data());
            return result;
        }

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
        template <std::ranges::contiguous_range Sample>
            requires detail::dynamic_sample_of<Sample, T, input_size>
        [[nodiscard]] auto classify(const Sample& x)
        {
            return classify(detail::checked_sample<T, input_shape>(x, "classify"));
        }

        // The same for one sample of token ids (tokens<Steps, Vocabulary>), each checked.
        template <std::ranges::contiguous_range Sample>
            requires takes_token_ids && std::same_as<std::remove_cvref_t<std::ranges::range_value_t<Sample>>, token_id>
        [[nodiscard]] auto classify(const Sample& ids)
        {
            const auto classes = argmax<output_shape::rank - 1>(predict(ids));
            if constexpr (output_shape::rank == 1)
            {
                return std::size_t{classes[0]};
            }
            else
            {
                return classes;
            }
        }

        // Probabilities for one sample, whatever the last layer: predict gives what the last layer gives, which is
        // logits when the network is trained with softmax_cross_entropy or binary_cross_entropy_with_logits. Over
        // the last axis: softmax of the outputs (several classes) or sigmoid (one output, yes/no); the outputs as
        // they are when the network already ends in softmax or sigmoid.
        [[nodiscard]] tensor<T, output_shape> probabilities(std::span<const T, input_size> x)
        {
            auto y = predict(x);
            if constexpr (!detail::ends_in_probabilities<layer_type<depth - 1>>)
            {
                detail::to_probabilities<T, last_extent<output_shape>>(std::span<T, output_size>(y.data(), output_size));
            }
            return y;
        }
        [[nodiscard]] tensor<T, output_shape> probabilities(const tensor<T, input_shape>& x)
        {
            return probabilities(std::span<const T, input_size>(x.data(), input_size));
        }
        template <std::ranges::contiguous_range Sample>
            requires detail::dynamic_sample_of<Sample, T, input_size>
        [[nodiscard]] tensor<T, output_shape> probabilities(const Sample& x)
        {
            return probabilities(detail::checked_sample<T, input_shape>(x, "probabilities"));
        }

        // The class of each of B samples (for an output [steps, classes]: [B, steps] classes).
        template <std::size_t B>
        [[nodiscard]] auto classify(batch_view<const T, B, input_shape> x)
        {
            const auto outputs = predict(x);
            return argmax<output_shape::rank>(outputs);
        }

        // ---- optimizer -------------------------------------------------------------------------------------------

        // What optimizer O keeps between steps for this network: one state over the arena (network/optimizer_state.hpp).
        template <optimizer O>
        using optimizer_state = parameter_optimizer_state<O, T, (parameter_count > 0 ? parameter_count : 1)>;

        // The 2-norm of all parameter gradients together (what clip_by_global_norm compares with its limit).
        [[nodiscard]] double gradient_norm() const noexcept
        {
            if constexpr (parameter_count == 0)
            {
                return 0.0;
            }
            else
            {
                return std::sqrt(static_cast<double>(kernels::dot(gradients().data(), gradients().data(), parameter_count)));
            }
        }

        // One update of all parameters from their gradients. The first update after the state was created or
        // reset initializes it (accumulators to their starting values).
        template <optimizer O>
        void apply(const O& opt, optimizer_state<O>& state)
        {
            if constexpr (parameter_count > 0)
            {
                const denormal_scope flush_subnormals;
                state.step(opt, parameters().span(), std::as_const(*this).gradients().span(), [&] { return gradient_norm(); });
            }
        }

    private:
        // Every trainable layer onto its slice of the arena.
        void attach() noexcept
        {
            if constexpr (parameter_count > 0)
            {
                detail::attach_each(layers_, arena_.parameters().data(), arena_.gradients().data());
            }
            if constexpr (statistic_count > 0)
            {
                detail::attach_statistics_each(layers_, statistics_.statistics().data());
            }
        }

        struct no_arena
        {
        };
        [[no_unique_address]] std::conditional_t<(parameter_count > 0), parameter_slot<T, (parameter_count > 0 ? parameter_count : 1)>, no_arena> arena_;
        struct no_statistics
        {
        };
        [[no_unique_address]] std::conditional_t<(statistic_count > 0), statistics_slot<T, (statistic_count > 0 ? statistic_count : 1)>, no_statistics>
            statistics_;

    private:
        layers_type layers_;
    };
}

namespace precast
{
    // Before 0.2, the optimizer state kept one state per layer; it is now one state over the network's arena.
    PRECAST_EXPORT template <class Layers, optimizer O>
    using network_optimizer_state [[deprecated("use network<...>::optimizer_state<O>: one state over the network's arena")]] = parameter_optimizer_state<
        O, typename std::tuple_element_t<0, Layers>::value_type,
        (detail::parameter_offsets<Layers>[std::tuple_size_v<Layers>] > 0 ? detail::parameter_offsets<Layers>[std::tuple_size_v<Layers>] : 1)>;
}
