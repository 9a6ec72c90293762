// layer_chain<Layers>: runs a bound list of layers (a std::tuple) forward and backward, the one engine behind a
// network and behind every block that holds a list (sequential, residual, the branches of parallel).
//
// A chain reads and writes through a Buffers object, so a network (whose workspace holds every activation) and a
// block (whose input and output belong to the network around it) share the code:
//   b.template input<I>()              the values entering layer I              (read-only view)
//   b.template output<I>()             layer I's output                         (writable in forward)
//   b.template input_gradient<I>()     dLoss/d(layer I's input), to be written   (empty for I = 0: not wanted)
//   b.template output_gradient<I>()    dLoss/d(layer I's output)                (read-only view)
//   b.template workspace<I>()          layer I's own workspace
//
// A layer that takes epilogues followed by a fusable activation runs as one step: the activation is applied to
// each tile of the product while it is in registers, and in backward its derivative is applied to the layer's
// input gradient the same way (concepts.hpp, epilogue_layer and fusable_activation).
#pragma once

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>

namespace precast::detail
{
    template <class F, std::size_t... I>
    constexpr void for_each_index(F&& f, std::index_sequence<I...>)
    {
        (f(std::integral_constant<std::size_t, I>{}), ...);
    }

    template <class T, std::size_t B, class S>
    [[nodiscard]] constexpr batch_view<const T, B, S> read_only(batch_view<T, B, S> v) noexcept
    {
        return v;
    }

    // Where each layer's parameters start in a block that holds a list's parameters one after another, in order
    // (offsets[depth] is the total).
    template <class Layers>
    inline constexpr auto parameter_offsets = []<std::size_t... I>(std::index_sequence<I...>) {
        std::array<std::size_t, sizeof...(I) + 1> offsets{};
        std::size_t at = 0;
        ((offsets[I] = at, at += parameter_count_of<std::tuple_element_t<I, Layers>>), ...);
        offsets[sizeof...(I)] = at;
        return offsets;
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});

    // Each trainable layer of a list onto its slice of values[0, total) and gradients[0, total).
    template <class Layers, class T>
    void attach_each(Layers& layers, T* values, T* gradients) noexcept
    {
        for_each_index(
            [&](auto index) {
                constexpr std::size_t I = decltype(index)::value;
                if constexpr (trainable_layer<std::tuple_element_t<I, Layers>>)
                {
                    constexpr std::size_t at = parameter_offsets<Layers>[I];
                    std::get<I>(layers).attach_parameters(values + at, gradients + at);
                }
            },
            std::make_index_sequence<std::tuple_size_v<Layers>>{});
    }

    // The same for the statistics of the layers that keep some (layer_with_statistics).
    template <class Layers>
    inline constexpr auto statistic_offsets = []<std::size_t... I>(std::index_sequence<I...>) {
        std::array<std::size_t, sizeof...(I) + 1> offsets{};
        std::size_t at = 0;
        ((offsets[I] = at, at += statistic_count_of<std::tuple_element_t<I, Layers>>), ...);
        offsets[sizeof...(I)] = at;
        return offsets;
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});

    template <class Layers, class T>
    void attach_statistics_each(Layers& layers, T* values) noexcept
    {
        for_each_index(
            [&](auto index) {
                constexpr std::size_t I = decltype(index)::value;
                if constexpr (layer_with_statistics<std::tuple_element_t<I, Layers>>)
                {
                    std::get<I>(layers).attach_statistics(values + statistic_offsets<Layers>[I]);
                }
            },
            std::make_index_sequence<std::tuple_size_v<Layers>>{});
    }

    template <class Layers>
    void use_rows_each(Layers& layers, std::size_t rows) noexcept
    {
        std::apply(
            [&](auto&... l) {
                (
                    [&](auto& one) {
                        if constexpr (batch_rows_layer<std::remove_cvref_t<decltype(one)>>)
                        {
                            one.use_rows(rows);
                        }
                    }(l),
                    ...);
            },
            layers);
    }

    // Initializes each trainable layer of a list in order, from one stream of random numbers.
    template <class Layers, class Init>
    void initialize_each(Layers& layers, const Init& init, random_engine& rng)
    {
        std::apply(
            [&](auto&... l) {
                (
                    [&](auto& one) {
                        if constexpr (trainable_layer<std::remove_cvref_t<decltype(one)>>)
                        {
                            one.initialize(init, rng);
                        }
                    }(l),
                    ...);
            },
            layers);
    }

    // The seed a list gives its layer I from its own seed s: distinct per position, the same on every platform.
    [[nodiscard]] constexpr std::uint64_t seed_for_position(std::uint64_t s, std::size_t position) noexcept
    {
        return s ^ (0x9E3779B97F4A7C15ULL * (position + 1));
    }

    template <class Layers>
    inline constexpr bool any_seeded = []<std::size_t... I>(std::index_sequence<I...>) {
        return (false || ... || seeded_layer<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});
    template <class Layers>
    inline constexpr bool any_positioned = []<std::size_t... I>(std::index_sequence<I...>) {
        return (false || ... || positioned_layer<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});
    template <class Layers>
    inline constexpr bool any_recurrent_state = []<std::size_t... I>(std::index_sequence<I...>) {
        return (false || ... || recurrent_state<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});
    template <class Layers>
    inline constexpr bool any_stateful = []<std::size_t... I>(std::index_sequence<I...>) {
        return (false || ... || stateful_layer<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});
    template <class Layers>
    inline constexpr bool any_batch_rows = []<std::size_t... I>(std::index_sequence<I...>) {
        return (false || ... || batch_rows_layer<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});
    template <class Layers>
    inline constexpr bool all_positionwise = []<std::size_t... I>(std::index_sequence<I...>) {
        return (true && ... && positionwise_layer<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});
    template <class Layers>
    inline constexpr std::size_t sum_forward_flops = []<std::size_t... I>(std::index_sequence<I...>) {
        return (std::size_t{0} + ... + forward_flops_of<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});
    template <class Layers>
    inline constexpr std::size_t sum_backward_flops = []<std::size_t... I>(std::index_sequence<I...>) {
        return (std::size_t{0} + ... + backward_flops_of<std::tuple_element_t<I, Layers>>);
    }(std::make_index_sequence<std::tuple_size_v<Layers>>{});

    // Seeds each seeded layer of a list from the list's seed.
    template <class Layers>
    void seed_each(Layers& layers, std::uint64_t s) noexcept
    {
        for_each_index(
            [&](auto index) {
                if constexpr (seeded_layer<std::tuple_element_t<decltype(index)::value, Layers>>)
                {
                    std::get<decltype(index)::value>(layers).seed(seed_for_position(s, decltype(index)::value));
                }
            },
            std::make_index_sequence<std::tuple_size_v<Layers>>{});
    }
    template <class Layers>
    void position_each(Layers& layers, std::uint64_t batch, std::size_t first_row) noexcept
    {
        std::apply(
            [&](auto&... l) {
                (
                    [&](auto& one) {
                        if constexpr (positioned_layer<std::remove_cvref_t<decltype(one)>>)
                        {
                            one.position(batch, first_row);
                        }
                    }(l),
                    ...);
            },
            layers);
    }

    // FuseIntoInput: whether an activation at position 0 may have its derivative applied inside layer 1's
    // backward, which writes input_gradient<0>. A network always has that buffer; a block's is its caller's dx,
    // which is empty when the caller does not want it.
    template <class Layers, bool FuseIntoInput = true>
    struct layer_chain
    {
        static constexpr std::size_t depth = std::tuple_size_v<Layers>;
        template <std::size_t I>
        using layer_type = std::tuple_element_t<I, Layers>;

        // Layer Producer takes epilogues and layer Activation is a fusable activation.
        template <std::size_t Producer, std::size_t Activation>
        static consteval bool fusable_pair()
        {
            if constexpr (Producer >= depth || Activation >= depth)
            {
                return false;
            }
            else
            {
                return epilogue_layer<layer_type<Producer>> && fusable_activation<layer_type<Activation>>;
            }
        }
        template <std::size_t I>
        static constexpr bool activation_fused_after = fusable_pair<I, I + 1>();
        template <std::size_t I>
        static constexpr bool activation_fused_before = I > (FuseIntoInput ? 0 : 1) && fusable_pair<I, I - 1>();

        template <class Buffers>
        static void forward(Layers& layers, const Buffers& b, mode m)
        {
            for_each_index(
                [&](auto index) {
                    constexpr std::size_t I = decltype(index)::value;
                    if constexpr (I > 0 && activation_fused_after<I - 1>)
                    {
                        return;  // ran inside layer I - 1
                    }
                    else if constexpr (activation_fused_after<I>)
                    {
                        const auto epilogue = layer_type<I + 1>::value_epilogue(b.template output<I>().data(), b.template output<I + 1>().data());
                        std::get<I>(layers).forward(b.template input<I>(), b.template output<I>(), b.template workspace<I>(), m, epilogue);
                    }
                    else
                    {
                        std::get<I>(layers).forward(b.template input<I>(), b.template output<I>(), b.template workspace<I>(), m);
                    }
                },
                std::make_index_sequence<depth>{});
        }

        // input_gradient: whether input_gradient<0> is wanted (it is left unwritten if not).
        template <class Buffers>
        static void backward(Layers& layers, const Buffers& b, bool input_gradient)
        {
            for_each_index(
                [&](auto reverse_index) {
                    constexpr std::size_t I = depth - 1 - decltype(reverse_index)::value;
                    if constexpr (I + 1 < depth && activation_fused_before<I + 1>)
                    {
                        return;  // layer I + 1 ran this one's backward inside its own
                    }
                    else
                    {
                        auto dx = b.template input_gradient<I>();
                        if (I == 0 && !input_gradient)
                        {
                            dx = decltype(dx)();
                        }
                        if constexpr (activation_fused_before<I>)
                        {
                            // Layer I - 1 is an activation, layer I consumes it: dLoss/d(its input) = dx * f'.
                            const auto epilogue = layer_type<I - 1>::derivative_epilogue(
                                dx.data(), b.template input<I - 1>().data(), b.template input<I>().data(), b.template input_gradient<I - 1>().data());
                            std::get<I>(layers).backward(b.template input<I>(), read_only(b.template output<I>()), b.template output_gradient<I>(), dx,
                                                         b.template workspace<I>(), epilogue);
                        }
                        else
                        {
                            std::get<I>(layers).backward(b.template input<I>(), read_only(b.template output<I>()), b.template output_gradient<I>(), dx,
                                                         b.template workspace<I>());
                        }
                    }
                },
                std::make_index_sequence<depth>{});
        }

        // Each stateful layer's workspace starts afresh (recurrent_state).
        template <class Workspaces>
        static void reset_state(Workspaces& workspaces) noexcept
        {
            for_each_index(
                [&](auto index) {
                    if constexpr (recurrent_state<layer_type<decltype(index)::value>>)
                    {
                        workspaces.template workspace<decltype(index)::value>().reset_state();
                    }
                },
                std::make_index_sequence<depth>{});
        }
    };

    // The shape entering layer I of Layers (I = 0: the input), or the output for I = depth.
    template <class Layers, class InputShape, std::size_t I>
    struct activation_shape
    {
        using type = typename std::tuple_element_t<I - 1, Layers>::output_shape;
    };
    template <class Layers, class InputShape>
    struct activation_shape<Layers, InputShape, 0>
    {
        using type = InputShape;
    };

    // What a block keeps for a batch of B: the values between its layers and their gradients (its input and
    // output belong to the layers around it), and each layer's workspace.
    template <class Layers, static_shape InputShape, std::size_t B>
    class chain_workspace
    {
        static constexpr std::size_t depth = std::tuple_size_v<Layers>;
        using T = typename std::tuple_element_t<0, Layers>::value_type;

    public:
        template <std::size_t I>
        using shape_at = typename activation_shape<Layers, InputShape, I>::type;

    private:
        template <std::size_t I>
        using inner_buffer = std::conditional_t<(I == 0 || I == depth), no_workspace, tensor_buffer<T, batched_shape<B, shape_at<I>>>>;
        template <std::size_t... I>
        static auto make_buffers(std::index_sequence<I...>) -> std::tuple<inner_buffer<I>...>;
        template <std::size_t... I>
        static auto make_workspaces(std::index_sequence<I...>) -> std::tuple<typename std::tuple_element_t<I, Layers>::template workspace<B>...>;
        using buffers_type = decltype(make_buffers(std::make_index_sequence<depth + 1>{}));

        template <std::size_t... I>
        static consteval std::size_t sum_bytes(std::index_sequence<I...>)
        {
            return (std::size_t{0} + ... + ((I == 0 || I == depth) ? 0 : 2 * B * shape_at<I>::size * sizeof(T))) +
                   (std::size_t{0} + ... + (I < depth ? workspace_bytes_of<std::tuple_element_t<(I < depth ? I : 0), Layers>, B>() : 0));
        }

    public:
        // Bytes held, for the block's workspace_bytes<B>.
        static constexpr std::size_t bytes = sum_bytes(std::make_index_sequence<depth + 1>{});

        // For 0 < I < depth.
        template <std::size_t I>
        [[nodiscard]] T* activation() noexcept
        {
            return std::get<I>(activations_).data();
        }
        template <std::size_t I>
        [[nodiscard]] T* gradient() noexcept
        {
            return std::get<I>(gradients_).data();
        }
        template <std::size_t I>
        [[nodiscard]] auto& workspace() noexcept
        {
            return std::get<I>(workspaces_);
        }

        void reset_state() noexcept
            requires any_recurrent_state<Layers>
        {
            layer_chain<Layers>::reset_state(*this);
        }

    private:
        buffers_type activations_;
        buffers_type gradients_;
        decltype(make_workspaces(std::make_index_sequence<depth>{})) workspaces_;
    };

    // A block's view of its chain for one pass: x and dx are the block's input and its gradient, y and dy its
    // output and its gradient; between them, the chain's workspace. Y is T in forward, const T in backward.
    template <class Layers, static_shape InputShape, std::size_t B, class Y>
    struct chain_buffers
    {
        static constexpr std::size_t depth = std::tuple_size_v<Layers>;
        using T = std::remove_const_t<Y>;
        using workspace_type = chain_workspace<Layers, InputShape, B>;
        template <std::size_t I>
        using shape_at = typename workspace_type::template shape_at<I>;

        const T* x = nullptr;
        Y* y = nullptr;
        const T* dy = nullptr;
        T* dx = nullptr;
        workspace_type* ws = nullptr;

        template <std::size_t I>
        [[nodiscard]] batch_view<const T, B, shape_at<I>> input() const noexcept
        {
            if constexpr (I == 0)
            {
                return batch_view<const T, B, shape_at<I>>(x);
            }
            else
            {
                return batch_view<const T, B, shape_at<I>>(ws->template activation<I>());
            }
        }
        template <std::size_t I>
        [[nodiscard]] auto output() const noexcept
        {
            if constexpr (I + 1 == depth)
            {
                return batch_view<Y, B, shape_at<I + 1>>(y);
            }
            else
            {
                return batch_view<Y, B, shape_at<I + 1>>(ws->template activation<I + 1>());
            }
        }
        template <std::size_t I>
        [[nodiscard]] batch_view<T, B, shape_at<I>> input_gradient() const noexcept
        {
            if constexpr (I == 0)
            {
                return batch_view<T, B, shape_at<I>>(dx);
            }
            else
            {
                return batch_view<T, B, shape_at<I>>(ws->template gradient<I>());
            }
        }
        template <std::size_t I>
        [[nodiscard]] batch_view<const T, B, shape_at<I + 1>> output_gradient() const noexcept
        {
            if constexpr (I + 1 == depth)
            {
                return batch_view<const T, B, shape_at<I + 1>>(dy);
            }
            else
            {
                return batch_view<const T, B, shape_at<I + 1>>(ws->template gradient<I + 1>());
            }
        }
        template <std::size_t I>
        [[nodiscard]] auto& workspace() const noexcept
        {
            return ws->template workspace<I>();
        }
    };
}
