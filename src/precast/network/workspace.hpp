// network_workspace<Layers, InputShape, B>: the activations of one batch of B samples for a bound layer list
// (a std::tuple of layers), their gradients, and each layer's own workspace<B>. A network's workspace<B> is this.
// Its buffers go to the heap once, at construction, when large (tensor_buffer); nothing is allocated after.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/network/chain.hpp>
#include <precast/network/register_path.hpp>

namespace precast
{
    PRECAST_EXPORT template <class Layers, static_shape InputShape, std::size_t B>
    class network_workspace
    {
        static_assert(B > 0, "precast::network::workspace<B>: the batch size must be at least 1");
        static constexpr std::size_t depth = std::tuple_size_v<Layers>;
        using T = typename std::tuple_element_t<0, Layers>::value_type;

    public:
        template <std::size_t I>
        using shape_at = typename detail::activation_shape<Layers, InputShape, I>::type;
        using input_shape = InputShape;
        using output_shape = shape_at<depth>;
        static constexpr std::size_t batch_size = B;

    private:
        template <std::size_t... I>
        static auto make_activations(std::index_sequence<I...>) -> std::tuple<tensor_buffer<T, batched_shape<B, shape_at<I>>>...>;
        template <std::size_t... I>
        static auto make_layer_workspaces(std::index_sequence<I...>) -> std::tuple<typename std::tuple_element_t<I, Layers>::template workspace<B>...>;
        using activations_type = decltype(make_activations(std::make_index_sequence<depth + 1>{}));

    public:
        // The batch the next forward pass reads; fill it, or pass a view to forward(x, ws).
        [[nodiscard]] batch_view<T, B, input_shape> input() noexcept { return activation<0>(); }
        // The network's output after forward.
        [[nodiscard]] batch_view<const T, B, output_shape> output() const noexcept { return activation<depth>(); }
        // Where backward expects dLoss/d(output); a loss writes it.
        [[nodiscard]] batch_view<T, B, output_shape> output_gradient() noexcept { return gradient<depth>(); }
        // dLoss/d(input), after backward(ws, /*input_gradient=*/true). Asking for it after a forward pass, or after
        // a backward pass that did not compute it, throws std::logic_error: its values would be those of an
        // older pass.
        [[nodiscard]] batch_view<const T, B, input_shape> input_gradient() const
        {
            if (!input_gradient_current_)
            {
                throw std::logic_error("precast::network::workspace::input_gradient(): the last backward pass on this workspace did not compute "
                                       "the input gradient (or a forward pass came after it); call backward(ws, /*input_gradient=*/true) first");
            }
            return gradient<0>();
        }
        // Kept by network::forward and backward: whether gradient<0>() belongs to the last pass.
        void set_input_gradient_current(bool current) noexcept { input_gradient_current_ = current; }

        // The values entering layer I (I = 0: the input) or, for I = depth, the output.
        template <std::size_t I>
        [[nodiscard]] batch_view<T, B, shape_at<I>> activation() noexcept
        {
            return batch_view<T, B, shape_at<I>>(std::get<I>(activations_).data());
        }
        template <std::size_t I>
        [[nodiscard]] batch_view<const T, B, shape_at<I>> activation() const noexcept
        {
            return batch_view<const T, B, shape_at<I>>(std::get<I>(activations_).data());
        }
        // dLoss/d(the values entering layer I), after backward.
        template <std::size_t I>
        [[nodiscard]] batch_view<T, B, shape_at<I>> gradient() noexcept
        {
            return batch_view<T, B, shape_at<I>>(std::get<I>(gradients_).data());
        }
        template <std::size_t I>
        [[nodiscard]] batch_view<const T, B, shape_at<I>> gradient() const noexcept
        {
            return batch_view<const T, B, shape_at<I>>(std::get<I>(gradients_).data());
        }
        template <std::size_t I>
        [[nodiscard]] auto& layer_workspace() noexcept
        {
            return std::get<I>(layer_workspaces_);
        }
        template <std::size_t I>
        [[nodiscard]] auto& workspace() noexcept
        {
            return std::get<I>(layer_workspaces_);
        }
        // The batch-1 forms network::forward runs a small network on (network/register_path.hpp).
        [[nodiscard]] auto& register_path() noexcept { return register_path_; }

    private:
        activations_type activations_;
        activations_type gradients_;
        decltype(make_layer_workspaces(std::make_index_sequence<depth>{})) layer_workspaces_;
        bool input_gradient_current_ = false;
        [[no_unique_address]] detail::register_path_for<Layers, InputShape, B> register_path_;
    };

    namespace detail
    {
        // A network's workspace as a chain sees it (network/chain.hpp): every activation and gradient is in it.
        template <class Workspace>
        struct workspace_buffers
        {
            Workspace* ws;

            template <std::size_t I>
            [[nodiscard]] auto input() const noexcept
            {
                return std::as_const(*ws).template activation<I>();
            }
            template <std::size_t I>
            [[nodiscard]] auto output() const noexcept
            {
                return ws->template activation<I + 1>();
            }
            template <std::size_t I>
            [[nodiscard]] auto input_gradient() const noexcept
            {
                return ws->template gradient<I>();
            }
            template <std::size_t I>
            [[nodiscard]] auto output_gradient() const noexcept
            {
                return std::as_const(*ws).template gradient<I + 1>();
            }
            template <std::size_t I>
            [[nodiscard]] auto& workspace() const noexcept
            {
                return ws->template layer_workspace<I>();
            }
        };
    }
}
