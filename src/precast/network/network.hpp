// network<input<N>, Specs...>: a neural network whose architecture is its type.
//
//   using mlp = precast::network<precast::input<784>, precast::dense<256>, precast::relu, precast::dense<10>>;
//
// The list is flat. input<N, T = float> gives the sample size and element type; each following element is a
// layer spec (dense<256>, relu, dropout<0.5>: bound to the size the previous element outputs) or a concrete
// layer (dense_layer<float, 784, 256>: its input size must match). A mismatch, a non-layer or a wrong element
// type is a compile error naming the position and the types (network/diagnostics.hpp).
//
// The network owns the parameters (and their gradients). Activations live in a workspace<B> for a batch size B
// fixed at compile time; several workspaces (B = 1 for inference, B = 32 for training) can serve one network.
// Large buffers go to the heap once, when constructed; forward, backward and optimizer steps allocate nothing.
#pragma once

#include <algorithm>
#include <cmath>
#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/denormals.hpp>
#include <precast/core/matrix_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/initializers.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/layers/identity.hpp>
#include <precast/network/diagnostics.hpp>

namespace precast
{
    // The first element of a network's list: N values per sample, of type T.
    template <std::size_t N, scalar T = float>
    struct input
    {
        static_assert(N > 0, "precast::input<N>: a sample needs at least one value");
        using value_type = T;
        static constexpr std::size_t size = N;
    };

    namespace detail
    {
        template <class X>
        struct is_input : std::false_type
        {
        };
        template <std::size_t N, class T>
        struct is_input<input<N, T>> : std::true_type
        {
        };

        // Turns one list element into a concrete layer, or reports why it cannot. After a report the result is
        // a stand-in of the right sizes, so that one mistake gives one error.
        template <class T, std::size_t In, std::size_t Position, class Previous, class Element>
        consteval auto resolve_layer()
        {
            if constexpr (layer_spec<Element>)
            {
                return std::type_identity<typename Element::template bind<T, In>>{};
            }
            else if constexpr (layer<Element>)
            {
                if constexpr (!std::is_same_v<typename Element::value_type, T>)
                {
                    static_assert(diagnostic::report<diagnostic::layer_element_type_differs_from_network<
                                      diagnostic::at_position<Position>, diagnostic::this_layer<Element>,
                                      diagnostic::layer_element_type<typename Element::value_type>, diagnostic::network_element_type<T>>>());
                    return std::type_identity<identity_layer<T, In>>{};
                }
                else if constexpr (Element::input_size != In)
                {
                    static_assert(diagnostic::report<diagnostic::layer_input_does_not_match_previous_output<
                                      diagnostic::at_position<Position>, diagnostic::previous_layer<Previous>, diagnostic::outputs<shape<In>>,
                                      diagnostic::this_layer<Element>, diagnostic::takes<shape<Element::input_size>>>>());
                    return std::type_identity<Element>{};
                }
                else
                {
                    return std::type_identity<Element>{};
                }
            }
            else
            {
                static_assert(diagnostic::report<diagnostic::not_a_layer<diagnostic::at_position<Position>, diagnostic::this_element<Element>,
                                                                         diagnostic::fix<diagnostic::give_it_a_bind_template_or_make_it_satisfy_precast_layer>>>());
                return std::type_identity<identity_layer<T, In>>{};
            }
        }

        template <class T, std::size_t In, std::size_t Position, class Previous, class... Elements>
        struct bind_layers
        {
            using type = std::tuple<>;
        };

        template <class T, std::size_t In, std::size_t Position, class Previous, class Element, class... Rest>
        struct bind_layers<T, In, Position, Previous, Element, Rest...>
        {
            using layer_type = typename decltype(resolve_layer<T, In, Position, Previous, Element>())::type;
            using rest = typename bind_layers<T, layer_type::output_size, Position + 1, layer_type, Rest...>::type;
            using type = decltype(std::tuple_cat(std::declval<std::tuple<layer_type>>(), std::declval<rest>()));
        };

        template <class Input>
        consteval bool check_input()
        {
            if constexpr (!is_input<Input>::value)
            {
                static_assert(diagnostic::report<diagnostic::network_must_start_with_input<
                                  diagnostic::this_element<Input>, diagnostic::fix<diagnostic::start_the_list_with_precast_input_of_the_sample_size>>>());
            }
            return true;
        }

        template <class Input>
        struct input_traits
        {
            using value_type = float;
            static constexpr std::size_t size = 1;
        };
        template <std::size_t N, class T>
        struct input_traits<input<N, T>>
        {
            using value_type = T;
            static constexpr std::size_t size = N;
        };

        template <class L>
        consteval std::size_t forward_flops_of()
        {
            if constexpr (requires { L::forward_flops; })
            {
                return L::forward_flops;
            }
            return 0;
        }
        template <class L>
        consteval std::size_t backward_flops_of()
        {
            if constexpr (requires { L::backward_flops; })
            {
                return L::backward_flops;
            }
            return 0;
        }
        template <class L, std::size_t B>
        consteval std::size_t workspace_bytes_of()
        {
            if constexpr (requires { L::template workspace<B>::mask; })
            {
                return B * L::output_size * sizeof(typename L::value_type);
            }
            return 0;
        }

        template <class F, std::size_t... I>
        constexpr void for_each_index(F&& f, std::index_sequence<I...>)
        {
            (f(std::integral_constant<std::size_t, I>{}), ...);
        }
    }

    template <class Input, class... Elements>
    class network
    {
        static_assert(detail::check_input<Input>());
        static_assert(sizeof...(Elements) > 0, "precast::network: the list has an input<> but no layer; add at least one, e.g. dense<1>");

    public:
        using value_type = typename detail::input_traits<Input>::value_type;
        using layers_type = typename detail::bind_layers<value_type, detail::input_traits<Input>::size, 1, Input, Elements...>::type;

        static constexpr std::size_t depth = std::tuple_size_v<layers_type>;

        template <std::size_t I>
        using layer_type = std::tuple_element_t<I, layers_type>;

    private:
        using T = value_type;

        template <std::size_t... I>
        static consteval std::array<std::size_t, depth + 1> compute_sizes(std::index_sequence<I...>)
        {
            return {detail::input_traits<Input>::size, layer_type<I>::output_size...};
        }

    public:
        // sizes[0] is the input size, sizes[i] the output size of layer i - 1.
        static constexpr std::array<std::size_t, depth + 1> sizes = compute_sizes(std::make_index_sequence<depth>{});
        static constexpr std::size_t input_size = sizes.front();
        static constexpr std::size_t output_size = sizes.back();

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
            return (std::size_t{0} + ... + detail::workspace_bytes_of<layer_type<I>, B>());
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

        // ---- workspace: the activations of one batch of B samples ---------------------------------------------
        template <std::size_t B>
        class workspace
        {
            static_assert(B > 0, "precast::network::workspace<B>: the batch size must be at least 1");

            template <std::size_t... I>
            static auto make_activations(std::index_sequence<I...>) -> std::tuple<tensor_buffer<T, shape<B, sizes[I]>>...>;
            template <std::size_t... I>
            static auto make_layer_workspaces(std::index_sequence<I...>) -> std::tuple<typename layer_type<I>::template workspace<B>...>;

        public:
            static constexpr std::size_t batch_size = B;

            // The batch the next forward pass reads; fill it, or pass a view to forward(x, ws).
            [[nodiscard]] matrix_view<T, B, input_size> input() noexcept { return activation<0>(); }
            // The network's output after forward.
            [[nodiscard]] matrix_view<const T, B, output_size> output() const noexcept { return activation<depth>(); }
            // Where backward expects dLoss/d(output); a loss writes it.
            [[nodiscard]] matrix_view<T, B, output_size> output_gradient() noexcept { return gradient<depth>(); }
            // dLoss/d(input), after backward(ws, /*input_gradient=*/true).
            [[nodiscard]] matrix_view<const T, B, input_size> input_gradient() const noexcept { return gradient<0>(); }

            // The values entering layer I (I = 0: the input) or, for I = depth, the output.
            template <std::size_t I>
            [[nodiscard]] matrix_view<T, B, sizes[I]> activation() noexcept
            {
                return matrix_view<T, B, sizes[I]>(std::get<I>(activations_).data());
            }
            template <std::size_t I>
            [[nodiscard]] matrix_view<const T, B, sizes[I]> activation() const noexcept
            {
                return matrix_view<const T, B, sizes[I]>(std::get<I>(activations_).data());
            }
            template <std::size_t I>
            [[nodiscard]] matrix_view<T, B, sizes[I]> gradient() noexcept
            {
                return matrix_view<T, B, sizes[I]>(std::get<I>(gradients_).data());
            }
            template <std::size_t I>
            [[nodiscard]] matrix_view<const T, B, sizes[I]> gradient() const noexcept
            {
                return matrix_view<const T, B, sizes[I]>(std::get<I>(gradients_).data());
            }
            template <std::size_t I>
            [[nodiscard]] auto& layer_workspace() noexcept
            {
                return std::get<I>(layer_workspaces_);
            }

        private:
            decltype(make_activations(std::make_index_sequence<depth + 1>{})) activations_;
            decltype(make_activations(std::make_index_sequence<depth + 1>{})) gradients_;
            decltype(make_layer_workspaces(std::make_index_sequence<depth>{})) layer_workspaces_;
        };

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
                if constexpr (requires { l.seed(seed); })
                {
                    l.seed(seed ^ (0x9E3779B97F4A7C15ULL * (I + 1)));
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
                return requires { requires layer_type<Dense>::accepts_epilogues && layer_type<Activation>::fuses_into_gemm; };
            }
        }
        template <std::size_t I>
        static constexpr bool activation_fused_after = fusable_pair<I, I + 1>();
        template <std::size_t I>
        static constexpr bool activation_fused_before = I > 0 && fusable_pair<I, I - 1>();

        // Runs the layers on ws.input(); returns the output (also ws.output()).
        template <std::size_t B>
        matrix_view<const T, B, output_size> forward(workspace<B>& ws, mode m = mode::inference)
        {
            const denormal_scope flush_subnormals;
            detail::for_each_index(
                [&](auto index) {
                    constexpr std::size_t I = decltype(index)::value;
                    if constexpr (I > 0 && activation_fused_after<I - 1>)
                    {
                        return;  // ran inside layer I - 1
                    }
                    else if constexpr (activation_fused_after<I>)
                    {
                        using function = typename layer_type<I + 1>::function_type;
                        const detail::activation_value_epilogue<function, T> epilogue{ws.template activation<I + 1>().data(),
                                                                                       ws.template activation<I + 2>().data()};
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
        matrix_view<const T, B, output_size> forward(matrix_view<const T, B, input_size> x, workspace<B>& ws, mode m = mode::inference)
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
                        matrix_view<T, B, sizes[I]> dx = ws.template gradient<I>();
                        if (I == 0 && !input_gradient)
                        {
                            dx = matrix_view<T, B, sizes[I]>();
                        }
                        const auto& cws = std::as_const(ws);
                        if constexpr (activation_fused_before<I>)
                        {
                            // Layer I - 1 is an activation, layer I consumes it: dLoss/d(its input) = dx * f'.
                            using function = typename layer_type<I - 1>::function_type;
                            const detail::activation_derivative_epilogue<function, T> epilogue{
                                dx.data(), cws.template activation<I - 1>().data(), cws.template activation<I>().data(), ws.template gradient<I - 1>().data()};
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
        }

        // ---- optimizer -------------------------------------------------------------------------------------------

    private:
        template <class O, std::size_t I>
        static auto state_type_of()
        {
            if constexpr (is_trainable<I>)
            {
                return std::type_identity<typename O::template state<T, layer_type<I>::parameter_count>>{};
            }
            else
            {
                return std::type_identity<no_optimizer_state>{};
            }
        }
        template <class O, std::size_t... I>
        static auto make_layer_states(std::index_sequence<I...>) -> std::tuple<typename decltype(state_type_of<O, I>())::type...>;

    public:
        // What optimizer O keeps between steps for this network: one O::state per trainable layer, and the number
        // of updates made. Plain fixed-size data; reset() makes the next update start afresh (initialize, step 1).
        template <optimizer O>
        class optimizer_state
        {
        public:
            using layer_states = decltype(make_layer_states<O>(std::make_index_sequence<depth>{}));

            // Updates since the state was created or reset.
            [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }
            void reset() noexcept { steps_ = 0; }
            // For load_model: the step count of a saved state whose tensors are being restored.
            void restore_steps(std::uint64_t steps) noexcept { steps_ = steps; }

            template <std::size_t I>
            [[nodiscard]] auto& layer() noexcept
            {
                return std::get<I>(layers_);
            }
            template <std::size_t I>
            [[nodiscard]] const auto& layer() const noexcept
            {
                return std::get<I>(layers_);
            }

        private:
            friend class network;
            std::uint64_t steps_ = 0;
            layer_states layers_;
        };

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
                if constexpr (requires { requires O::needs_gradient_norm; })
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
