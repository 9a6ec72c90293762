// residual<Elements...>: y = x + f(x), where f, the body, is sequential<Elements...> (a skip connection around
// it, as in ResNet blocks and pre-norm transformer blocks).
//
//   using block = precast::residual<precast::dense<64>, precast::relu, precast::dense<64>>;
//   using net = precast::network<precast::input<64>, block, precast::relu, block, precast::dense<10>>;
//
// The body must output the shape it takes; if it does not, the first error line names the block, the body's last
// layer and both shapes. Parameters are the body's, named "body.<position>.<tensor>" as a PyTorch module with a
// `body` submodule names them. Backward: dx = dy + f'(x)^T dy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <tuple>
#include <type_traits>

#include <precast/blocks/block.hpp>
#include <precast/blocks/sequential.hpp>
#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/network/diagnostics.hpp>
#include <precast/network/parameter_table.hpp>
#include <precast/network/stages.hpp>

namespace precast
{
    PRECAST_EXPORT template <class... Elements>
    struct residual;

    PRECAST_EXPORT template <scalar T, static_shape InputShape, class... Elements>
    class residual_layer;

    namespace detail
    {
        template <class Body, class Block>
        consteval bool check_residual_body()
        {
            if constexpr (!std::is_same_v<typename Body::output_shape, typename Body::input_shape>)
            {
                static_assert(diagnostic::report<diagnostic::residual_body_changes_the_shape<
                                  diagnostic::in_block<Block>, diagnostic::last_layer<std::tuple_element_t<Body::depth - 1, typename Body::layers_type>>,
                                  diagnostic::block_input<typename Body::input_shape>, diagnostic::body_output<typename Body::output_shape>,
                                  diagnostic::fix<diagnostic::end_the_body_with_a_layer_that_outputs_the_block_input_shape>>>());
            }
            return true;
        }

        template <bool Positionwise, class T, class InputShape, class BodyLayers>
        struct residual_per_position
        {
            using type = void;
        };
        template <class T, class InputShape, class... BodyLayers>
        struct residual_per_position<true, T, InputShape, std::tuple<BodyLayers...>>
        {
            using type = residual_layer<T, shape<last_extent<InputShape>>, typename BodyLayers::per_position...>;
        };
    }

    template <scalar T, static_shape InputShape, class... Elements>
    class residual_layer : public detail::block_base<T, std::tuple<sequential_layer<T, InputShape, Elements...>>>
    {
        using body_type = sequential_layer<T, InputShape, Elements...>;
        using base = detail::block_base<T, std::tuple<body_type>>;
        using list = typename base::layers_type;
        static_assert(detail::check_residual_body<body_type, residual<Elements...>>());

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = InputShape;
        static constexpr const char* name = "residual";

        static constexpr const auto& parameter_tensors = detail::tensor_table<"body.", list, false>::tensors;
        static constexpr const auto& statistic_tensors = detail::tensor_table<"body.", list, false, true>::tensors;
        static constexpr std::size_t forward_flops = body_type::forward_flops + InputShape::size;
        static constexpr std::size_t backward_flops = body_type::backward_flops + InputShape::size;
        static constexpr bool is_stateful = detail::any_stateful<list>;

        // The body's own workspace, and its output (the body's last layer may need it in backward).
        template <std::size_t B>
        struct workspace
        {
            typename body_type::template workspace<B> body;
            tensor_buffer<T, batched_shape<B, typename body_type::output_shape>> body_output;

            void reset_state() noexcept
                requires recurrent_state<body_type>
            {
                body.reset_state();
            }
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = body_type::template workspace_bytes<B> + B * body_type::output_shape::size * sizeof(T);

        [[nodiscard]] body_type& body() noexcept { return this->template at<0>(); }
        [[nodiscard]] const body_type& body() const noexcept { return this->template at<0>(); }

        template <std::size_t B>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, workspace<B>& ws, mode m)
        {
            const batch_view<T, B, typename body_type::output_shape> f(ws.body_output.data());
            body().forward(x, f, ws.body, m);
            const T* xs = x.data();
            const T* fs = f.data();
            T* ys = y.data();
            for (std::size_t i = 0; i < B * InputShape::size; ++i)
            {
                ys[i] = xs[i] + fs[i];
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, input_shape> x, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, workspace<B>& ws)
        {
            body().backward(x, batch_view<const T, B, typename body_type::output_shape>(ws.body_output.data()),
                            batch_view<const T, B, typename body_type::output_shape>(dy.data()), dx, ws.body);
            if (!dx.empty())
            {
                kernels::axpy(T(1), dy.data(), dx.data(), B * InputShape::size);
            }
        }

        // The same block on one position of the last axis, when the body is position-wise (streaming_network).
        using per_position = typename detail::residual_per_position<positionwise_layer<body_type>, T, InputShape, typename body_type::layers_type>::type;
        [[nodiscard]] per_position per_position_form() const
            requires positionwise_layer<body_type>
        {
            per_position one;
            one.body() = body().per_position_form();
            return one;
        }

        // One step at a time (streaming_network), when the body runs step by step and is not position-wise: a
        // residual block around causal convolutions or recurrent layers; y_t = x_t + f(x)_t.
        static constexpr bool streams = InputShape::rank == 2 && !positionwise_layer<body_type> && detail::runs_step_by_step<typename body_type::layers_type>;
        static constexpr sequence_output output = sequence_output::every_step;

        class stream_form
        {
        public:
            explicit stream_form(const residual_layer& l) : body_(l.body()) {}
            void refresh(const residual_layer& l) { body_.refresh(l.body()); }
            void reset() noexcept { body_.reset(); }
            void run(const T* in, T* out) noexcept
            {
                body_.run(in, out);
                for (std::size_t i = 0; i < last_extent<InputShape>; ++i)
                {
                    out[i] += in[i];
                }
            }

        private:
            detail::step_chain<body_type> body_;
        };
        using stream = std::conditional_t<streams, stream_form, void>;
    };

    // The spec for a network's list.
    template <class... Elements>
    struct residual
    {
        static_assert(sizeof...(Elements) > 0, "precast::residual<>: the body needs at least one layer, e.g. residual<dense<64>, relu, dense<64>>");
        template <scalar T, static_shape In>
        using bind = residual_layer<T, In, Elements...>;
    };
}
