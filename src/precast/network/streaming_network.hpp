// streaming_network<Net>: a recurrent network run one time step at a time, for real-time use (an audio effect
// per sample, a control loop per tick). The network takes sequences [steps, features]; step(x) takes the
// features of the next step and returns that step's output, keeping every recurrent layer's state inside;
// reset() starts a new sequence. A sequence fed step by step gives, at each step, what the network's batch
// forward pass gives at that position (and for a last_step layer, the last step's output is the network's).
//
//   using model = network<input_of<shape<64, 1>>, gru<16>, dense<1>>;
//   streaming_network<model> stream(net);
//   for (float sample : audio) out = stream.step(std::span<const float, 1>(&sample, 1))[0];
//
// Each recurrent layer runs its one-step form (concepts.hpp, streamable_layer: weights transposed and padded to
// whole registers, h and c inside), and so does a causal conv1d of stride 1 (the last (kernel - 1) * dilation
// inputs inside). Every other layer must act on one position at a time (positionwise_layer:
// dense, activations, softmax, dropout) while the steps axis exists, and runs its batch-1 form on one position;
// after a last_step layer the layers see vectors and run as in frozen_network. Everything is allocated at
// construction; step() allocates nothing. One object per thread; refresh(net) takes new weights (the state stays).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/denormals.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/network/frozen_network.hpp>
#include <precast/network/network.hpp>
#include <precast/network/stages.hpp>

namespace precast
{
    namespace detail
    {
        // Whether the values entering layer I of Net still have the steps axis.
        template <class Net, std::size_t I>
        consteval bool steps_axis_at()
        {
            if constexpr (I == 0)
            {
                return true;
            }
            else
            {
                using previous = typename Net::template layer_type<I - 1>;
                if constexpr (streamable_layer<previous>)
                {
                    return previous::output == sequence_output::every_step;
                }
                else
                {
                    return steps_axis_at<Net, I - 1>();
                }
            }
        }

        // The values of one step entering layer I (or leaving the network, I = depth): one token id at the input
        // of a token network.
        template <class Net, std::size_t I>
        consteval std::size_t step_size_at()
        {
            using S = typename Net::template shape_at<I>;
            if constexpr (I == 0 && Net::takes_token_ids)
            {
                return 1;
            }
            else if constexpr (steps_axis_at<Net, I>())
            {
                return last_extent<S>;
            }
            else
            {
                return S::size;
            }
        }

        // A layer on vectors after the steps axis is gone: frozen_network's stage.
        template <class L>
        class vector_stage
        {
        public:
            using T = typename L::value_type;
            explicit vector_stage(const L& l) : stage_(l) {}
            void refresh(const L& l) { stage_.refresh(l); }
            void reset() noexcept {}
            void run(const T* in, T* out) noexcept { stage_.run(in, out); }

        private:
            frozen_stage<L> stage_;
        };

        template <class Net, std::size_t I>
        consteval bool streams_at()
        {
            using L = typename Net::template layer_type<I>;
            return streamable_layer<L> || !steps_axis_at<Net, I>() || positionwise_layer<L>;
        }

        // How many steps a layer's one-step form holds (attention's key/value cache, a position table), through
        // blocks; 0 for no limit.
        template <class L>
        consteval std::size_t stream_capacity_of()
        {
            if constexpr (requires { L::stream_capacity; })
            {
                return L::stream_capacity;
            }
            else if constexpr (requires { typename L::layers_type; })
            {
                return []<std::size_t... I>(std::index_sequence<I...>) {
                    std::size_t capacity = 0;
                    ((capacity =
                          std::min(capacity == 0 ? std::size_t(-1) : capacity, stream_capacity_of<std::tuple_element_t<I, typename L::layers_type>>() == 0
                                                                                   ? std::size_t(-1)
                                                                                   : stream_capacity_of<std::tuple_element_t<I, typename L::layers_type>>())),
                     ...);
                    return capacity == std::size_t(-1) ? std::size_t{0} : capacity;
                }(std::make_index_sequence<std::tuple_size_v<typename L::layers_type>>{});
            }
            else if constexpr (requires { typename L::body_type; })
            {
                return stream_capacity_of<typename L::body_type>();
            }
            else
            {
                return 0;
            }
        }

        template <class Net, std::size_t I>
        struct stream_stage_of
        {
            using L = typename Net::template layer_type<I>;
            static_assert(streams_at<Net, I>(),
                          "precast::streaming_network: a layer of this network mixes the steps axis (a reshape, flatten or a "
                          "layer on whole sequences before the last recurrent layer), so it cannot run one step at a time; "
                          "only recurrent layers, causal conv1d (stride 1) and position-wise layers (dense, activations, softmax, dropout, prelu) can");
            // The stage of layer A here (A is L, or L with a batch_norm folded in).
            template <class A>
            using own_stage = std::conditional_t<steps_axis_at<Net, I>() || streamable_layer<L>, step_stage<A>, vector_stage<A>>;
            using type = typename chain_stage_of<own_stage, typename Net::layers_type, I>::type;
        };
    }

    PRECAST_EXPORT template <neural_network Net>
    class streaming_network
    {
        using T = typename Net::value_type;
        static constexpr std::size_t depth = Net::depth;
        static_assert(Net::input_shape::rank == 2 || Net::takes_token_ids,
                      "precast::streaming_network: the network must take sequences, input_of<shape<steps, features>> or tokens<Steps, Vocabulary>");
        static_assert([]<std::size_t... I>(std::index_sequence<I...>) { return (false || ... || streamable_layer<typename Net::template layer_type<I>>); }(
                          std::make_index_sequence<depth>{}),
                      "precast::streaming_network: the network has no layer over time (a recurrent layer or a causal conv1d); for one sample at a time "
                      "use frozen_network");

        template <std::size_t... I>
        static auto make_stages(std::index_sequence<I...>) -> std::tuple<typename detail::stream_stage_of<Net, I>::type...>;
        using stages_type = decltype(make_stages(std::make_index_sequence<depth>{}));

        static constexpr std::size_t buffer_size = []<std::size_t... I>(std::index_sequence<I...>) {
            std::size_t largest = 0;
            ((largest = std::max(largest, kernels::padded_size<T>(detail::step_size_at<Net, I>()))), ...);
            return largest;
        }(std::make_index_sequence<depth + 1>{});

    public:
        using value_type = T;
        using network_type = Net;
        // The features of one step, and what the network outputs for one step.
        static constexpr std::size_t step_input_size = detail::step_size_at<Net, 0>();
        static constexpr std::size_t step_output_size = detail::step_size_at<Net, depth>();
        // How many of the network's layers (batch_norm) run folded into the dense or convolution layer before them.
        static constexpr std::size_t folded_layers = []<std::size_t... I>(std::index_sequence<I...>) {
            return (std::size_t{0} + ... + (detail::folded_into_previous<typename Net::layers_type, I>() ? 1 : 0));
        }(std::make_index_sequence<depth>{});

        explicit streaming_network(const Net& net) : streaming_network(net, std::make_index_sequence<depth>{}) {}

        // New weights from net (after more training); the recurrent state is kept.
        void refresh(const Net& net)
        {
            detail::for_each_index([&](auto i) { detail::refresh_stage<decltype(i)::value>(std::get<decltype(i)::value>(stages_), net); },
                                   std::make_index_sequence<depth>{});
        }

        // How many steps a sequence may have here: the steps of the network's input when a layer attends to every
        // step so far or adds a position's vector (its cache and table hold that many); 0 for no limit (recurrent
        // and convolutional networks keep a state of fixed size and run forever).
        static constexpr std::size_t step_capacity = []<std::size_t... I>(std::index_sequence<I...>) {
            std::size_t capacity = 0;
            ((capacity = detail::stream_capacity_of<typename Net::template layer_type<I>>() == 0
                             ? capacity
                             : (capacity == 0 ? detail::stream_capacity_of<typename Net::template layer_type<I>>()
                                              : std::min(capacity, detail::stream_capacity_of<typename Net::template layer_type<I>>()))),
             ...);
            return capacity;
        }(std::make_index_sequence<depth>{});

        // A new sequence: every recurrent layer's state to zero, every cache emptied.
        void reset() noexcept
        {
            detail::for_each_index([&](auto i) { std::get<decltype(i)::value>(stages_).reset(); }, std::make_index_sequence<depth>{});
            steps_ = 0;
        }

        // Steps taken since construction or reset().
        [[nodiscard]] std::size_t steps() const noexcept { return steps_; }

        // The next step of the sequence; the result stays valid until the next call (on this object). With a
        // step_capacity, a step past it is a std::length_error (reset() starts a new sequence).
        std::span<const T, step_output_size> step(std::span<const T, step_input_size> x) noexcept(step_capacity == 0)
        {
            const denormal_scope flush_subnormals;
            return std::span<const T, step_output_size>(next_step("step", x), step_output_size);
        }

        // A block of consecutive steps (an audio buffer, say): `in` holds the steps' features one step after another,
        // `out` receives their outputs the same way; both may be one buffer when a step has as many outputs as
        // features. The denormal mode is set once for the block: a step() on its own sets and restores it, and in
        // some code layouts the step waits on those writes of the control register. Sizes that do not fit are a
        // std::invalid_argument naming them; past step_capacity, a std::length_error as step() (the steps before
        // it done).
        void process(std::span<const T> in, std::span<T> out)
            requires(!Net::takes_token_ids)
        {
            const std::size_t count = in.size() / step_input_size;
            if (in.size() % step_input_size != 0 || out.size() != count * step_output_size)
            {
                throw std::invalid_argument("precast::streaming_network::process: the input holds " + std::to_string(in.size()) + " values and the output " +
                                            std::to_string(out.size()) + "; a step takes " + std::to_string(step_input_size) + " and gives " +
                                            std::to_string(step_output_size) + ", so the input must hold whole steps and the output " +
                                            std::to_string(step_output_size) + " values per step of it");
            }
            const denormal_scope flush_subnormals;
            for (std::size_t s = 0; s < count; ++s)
            {
                const T* y = next_step("process", std::span<const T, step_input_size>(in.data() + s * step_input_size, step_input_size));
                std::copy_n(y, step_output_size, out.data() + s * step_output_size);
            }
        }

        // A token network (tokens<Steps, Vocabulary>): the next token; an id outside the vocabulary is a
        // std::out_of_range naming it.
        std::span<const T, step_output_size> step(token_id id)
            requires Net::takes_token_ids
        {
            if (id >= Net::token_vocabulary)
            {
                throw std::out_of_range("precast::streaming_network::step: token id " + std::to_string(id) + " is outside the vocabulary of " +
                                        std::to_string(Net::token_vocabulary) + " tokens (ids 0 to " + std::to_string(Net::token_vocabulary - 1) + ")");
            }
            const T value = static_cast<T>(id);
            return step(std::span<const T, 1>(&value, 1));
        }

    private:
        // One step through the stages, counted (past step_capacity a std::length_error naming `function`);
        // returns where its output is, valid until the next step.
        const T* next_step([[maybe_unused]] const char* function, std::span<const T, step_input_size> x) noexcept(step_capacity == 0)
        {
            if constexpr (step_capacity > 0)
            {
                if (steps_ == step_capacity)
                {
                    throw std::length_error(std::string("precast::streaming_network::") + function + ": this network attends to at most " +
                                            std::to_string(step_capacity) + " steps (its input's), and this is step " + std::to_string(step_capacity + 1) +
                                            ": call reset() to start a new sequence, or keep the last steps and run them again");
                }
            }
            ++steps_;
            return detail::run_stages(stages_, x, buffers_[0].data(), buffers_[1].data());
        }

        template <std::size_t... I>
        streaming_network(const Net& net, std::index_sequence<I...>) : stages_(detail::make_stage<typename detail::stream_stage_of<Net, I>::type, I>(net)...)
        {
        }

        stages_type stages_;
        tensor_buffer<T, shape<buffer_size>> buffers_[2];
        std::size_t steps_ = 0;
    };
}
