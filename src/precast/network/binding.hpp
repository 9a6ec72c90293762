// Binding a network's flat list: input<...> first, then layer specs (bound to the shape the previous element
// outputs) or concrete layers (whose input shape must match). Every mistake is a compile error naming the position,
// the types and the shapes (network/diagnostics.hpp); after a report the result is a stand-in of the right shape,
// so that one mistake gives one error.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/layers/identity.hpp>
#include <precast/network/diagnostics.hpp>

namespace precast
{
    // The first element of a network's list: samples of shape Shape (any rank), of element type T.
    PRECAST_EXPORT template <static_shape Shape, scalar T = float>
    struct input_of
    {
        using value_type = T;
        using shape_type = Shape;
    };

    // The first element of a network's list for vector samples: N values of type T, i.e. input_of<shape<N>, T>.
    PRECAST_EXPORT template <std::size_t N, scalar T = float>
    struct input : input_of<shape<N>, T>
    {
        static_assert(N > 0, "precast::input<N>: a sample needs at least one value");
    };

    namespace detail
    {
        template <class X>
        struct is_input : std::false_type
        {
        };
        template <class S, class T>
        struct is_input<input_of<S, T>> : std::true_type
        {
        };
        template <std::size_t N, class T>
        struct is_input<input<N, T>> : std::true_type
        {
        };

        template <class Input>
        struct input_traits
        {
            using value_type = float;
            using shape_type = shape<1>;
        };
        template <class Input>
            requires is_input<Input>::value
        struct input_traits<Input>
        {
            using value_type = typename Input::value_type;
            using shape_type = typename Input::shape_type;
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

        // Turns one list element into a concrete layer for input shape In, or reports why it cannot.
        template <class T, class In, std::size_t Position, class Previous, class Element>
        consteval auto resolve_layer()
        {
            if constexpr (layer_spec<Element> && !requires { typename Element::template bind<T, In>; })
            {
                static_assert(diagnostic::report<diagnostic::spec_does_not_take_this_shape<diagnostic::at_position<Position>, diagnostic::this_element<Element>,
                                                                                           diagnostic::previous_layer<Previous>, diagnostic::outputs<In>,
                                                                                           diagnostic::element_type<T>>>());
                return std::type_identity<identity_layer<T, In>>{};
            }
            else if constexpr (layer_spec<Element>)
            {
                using bound = typename Element::template bind<T, In>;
                if constexpr (!layer<bound>)
                {
                    static_assert(diagnostic::report<diagnostic::spec_binds_to_something_that_is_not_a_layer<
                                      diagnostic::at_position<Position>, diagnostic::this_element<Element>, diagnostic::binds_to<bound>,
                                      diagnostic::fix<diagnostic::make_the_bound_type_satisfy_precast_layer>>>());
                    return std::type_identity<identity_layer<T, In>>{};
                }
                else
                {
                    return std::type_identity<bound>{};
                }
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
                else if constexpr (!std::is_same_v<typename Element::input_shape, In>)
                {
                    static_assert(diagnostic::report<diagnostic::layer_input_does_not_match_previous_output<
                                      diagnostic::at_position<Position>, diagnostic::previous_layer<Previous>, diagnostic::outputs<In>,
                                      diagnostic::this_layer<Element>, diagnostic::takes<typename Element::input_shape>>>());
                    return std::type_identity<Element>{};
                }
                else
                {
                    return std::type_identity<Element>{};
                }
            }
            else
            {
                static_assert(
                    diagnostic::report<diagnostic::not_a_layer<diagnostic::at_position<Position>, diagnostic::this_element<Element>,
                                                               diagnostic::fix<diagnostic::give_it_a_bind_template_or_make_it_satisfy_precast_layer>>>());
                return std::type_identity<identity_layer<T, In>>{};
            }
        }

        template <class T, class In, std::size_t Position, class Previous, class... Elements>
        struct bind_layers
        {
            using type = std::tuple<>;
        };

        template <class T, class In, std::size_t Position, class Previous, class Element, class... Rest>
        struct bind_layers<T, In, Position, Previous, Element, Rest...>
        {
            using layer_type = typename decltype(resolve_layer<T, In, Position, Previous, Element>())::type;
            using rest = typename bind_layers<T, typename layer_type::output_shape, Position + 1, layer_type, Rest...>::type;
            using type = decltype(std::tuple_cat(std::declval<std::tuple<layer_type>>(), std::declval<rest>()));
        };
    }
}
