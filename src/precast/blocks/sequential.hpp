// sequential<Elements...>: a list of layers as one layer, as PyTorch's nn.Sequential: the body of a residual
// block, a branch of parallel, or a reusable stage of a network.
//
//   using stage = precast::sequential<precast::dense<64>, precast::relu, precast::dense<64>>;
//   using net = precast::network<precast::input<32>, stage, precast::relu, stage, precast::dense<10>>;
//
// The elements are what a network's list holds (specs, concrete layers, blocks), bound in order to the shape
// before them, with the same compile-time checks and messages. Parameters are named as PyTorch names them,
// "<position>.<tensor>" ("0.weights", "2.bias"); inside a network, "<block position>.<position>.<tensor>".
// A dense layer followed by an activation runs fused inside a block as it does in a network.
#pragma once

#include <cstddef>
#include <tuple>

#include <precast/blocks/block.hpp>
#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/network/binding.hpp>
#include <precast/network/chain.hpp>
#include <precast/network/parameter_table.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape InputShape, class... Elements>
    class sequential_layer;

    namespace detail
    {
        // The layers of a list bound from InputShape on (network/binding.hpp).
        template <class T, class InputShape, class... Elements>
        using bound_list = typename bind_layers<T, InputShape, 1, input_of<InputShape, T>, Elements...>::type;

        template <bool Positionwise, class T, class InputShape, class List>
        struct sequential_per_position
        {
            using type = void;
        };
        template <class T, class InputShape, class... Layers>
        struct sequential_per_position<true, T, InputShape, std::tuple<Layers...>>
        {
            using type = sequential_layer<T, shape<last_extent<InputShape>>, typename Layers::per_position...>;
        };
    }

    template <scalar T, static_shape InputShape, class... Elements>
    class sequential_layer : public detail::block_base<T, detail::bound_list<T, InputShape, Elements...>>
    {
        static_assert(sizeof...(Elements) > 0, "precast::sequential<>: a block needs at least one layer, e.g. sequential<dense<8>, relu>");
        using base = detail::block_base<T, detail::bound_list<T, InputShape, Elements...>>;
        using list = typename base::layers_type;
        using chain = detail::layer_chain<list, false>;

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = typename detail::activation_shape<list, InputShape, base::size>::type;
        static constexpr const char* name = "sequential";
        static constexpr std::size_t depth = base::size;

        static constexpr const auto& parameter_tensors = detail::tensor_table<"", list>::tensors;
        static constexpr const auto& statistic_tensors = detail::tensor_table<"", list, true, true>::tensors;
        static constexpr std::size_t forward_flops = detail::sum_forward_flops<list>;
        static constexpr std::size_t backward_flops = detail::sum_backward_flops<list>;
        // Whether a forward pass carries state into the next (a stateful recurrent layer inside).
        static constexpr bool is_stateful = detail::any_stateful<list>;

        template <std::size_t B>
        using workspace = detail::chain_workspace<list, InputShape, B>;
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = workspace<B>::bytes;

        template <std::size_t B>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, workspace<B>& ws, mode m)
        {
            chain::forward(this->layers_, detail::chain_buffers<list, InputShape, B, T>{.x = x.data(), .y = y.data(), .ws = &ws}, m);
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, input_shape> x, batch_view<const T, B, output_shape> y, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, workspace<B>& ws)
        {
            chain::backward(this->layers_,
                            detail::chain_buffers<list, InputShape, B, const T>{.x = x.data(), .y = y.data(), .dy = dy.data(), .dx = dx.data(), .ws = &ws},
                            !dx.empty());
        }

        // The same block on one position of the last axis, when every layer acts on positions alike
        // (positionwise_layer): streaming_network runs it a step at a time. void otherwise.
        using per_position = typename detail::sequential_per_position<detail::all_positionwise<list>, T, InputShape, list>::type;
        [[nodiscard]] per_position per_position_form() const
            requires detail::all_positionwise<list>
        {
            per_position one;
            detail::for_each_index(
                [&](auto index) { one.template at<decltype(index)::value>() = this->template at<decltype(index)::value>().per_position_form(); },
                std::make_index_sequence<depth>{});
            return one;
        }
    };

    // The spec for a network's list: binds its elements from the shape before it.
    PRECAST_EXPORT template <class... Elements>
    struct sequential
    {
        template <scalar T, static_shape In>
        using bind = sequential_layer<T, In, Elements...>;
    };
}
