// Binding a network's flat list: input<...> first, then layer specs (bound to the shape the previous element
// outputs) or concrete layers (whose input shape must match). Every mistake is a compile error naming the position,
// the types and the shapes (network/diagnostics.hpp); after a report the result is a stand-in of the right shape,
// so that one mistake gives one error.
#pragma once

#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
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

    // The first element of a network's list for token sequences: Steps token ids (token_id), each below Vocabulary.
    // The first layer must take them (an embedding<Vocabulary, Dim>); the layers compute in T. The network's
    // forward, predict and trainer take token ids and refuse one outside the vocabulary by name; in a workspace
    // the ids sit as values of T (exact: at most 2^24 of them for float).
    PRECAST_EXPORT template <std::size_t Steps, std::size_t Vocabulary, scalar T = float>
    struct tokens : input_of<shape<Steps>, T>
    {
        static_assert(Steps > 0, "precast::tokens<Steps, Vocabulary>: a sample needs at least one token");
        static_assert(Vocabulary >= 2, "precast::tokens<Steps, Vocabulary>: a vocabulary has at least 2 tokens");
        static_assert(Vocabulary <= (std::size_t{1} << std::numeric_limits<T>::digits),
                      "precast::tokens<Steps, Vocabulary, T>: T cannot hold every token id exactly (float holds ids up to 2^24): use double");
        static constexpr std::size_t vocabulary = Vocabulary;
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
        template <std::size_t S, std::size_t V, class T>
        struct is_input<tokens<S, V, T>> : std::true_type
        {
        };

        template <class Input>
        struct input_traits
        {
            using value_type = float;
            using shape_type = shape<1>;
            static constexpr std::size_t vocabulary = 0;
        };
        template <class Input>
            requires is_input<Input>::value
        struct input_traits<Input>
        {
            using value_type = typename Input::value_type;
            using shape_type = typename Input::shape_type;
            // Token inputs: the vocabulary's size; 0 for inputs of values.
            static constexpr std::size_t vocabulary = [] {
                if constexpr (requires { Input::vocabulary; })
                {
                    return Input::vocabulary;
                }
                else
                {
                    return std::size_t{0};
                }
            }();
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

        // A token input and an embedding come together: tokens<Steps, Vocabulary> first, then a layer that takes
        // them (of the same vocabulary), and no layer elsewhere that takes token ids.
        template <class Input, class Layers>
        consteval bool check_token_layers()
        {
            constexpr std::size_t vocabulary = input_traits<Input>::vocabulary;
            using first = std::tuple_element_t<0, Layers>;
            if constexpr (vocabulary > 0)
            {
                static_assert(token_layer<first>,
                              "precast::network: the input is tokens<Steps, Vocabulary> (token ids), so the first layer must take token ids: "
                              "put an embedding<Vocabulary, Dim> first");
                if constexpr (token_layer<first>)
                {
                    static_assert(first::vocabulary == vocabulary,
                                  "precast::network: the embedding's vocabulary differs from the one tokens<Steps, Vocabulary> declares: make them equal");
                }
            }
            else
            {
                static_assert(!token_layer<first>, "precast::network: the first layer takes token ids (an embedding): declare the input as tokens<Steps, "
                                                   "Vocabulary> instead of input<...> or input_of<...>");
            }
            constexpr bool token_layer_after_first = []<std::size_t... I>(std::index_sequence<I...>) {
                return (false || ... || token_layer<std::tuple_element_t<I + 1, Layers>>);
            }(std::make_index_sequence<std::tuple_size_v<Layers> - 1>{});
            static_assert(!token_layer_after_first,
                          "precast::network: a layer that takes token ids (an embedding) can only be the first: only the input holds token ids");
            return true;
        }

        // Copies B samples of token ids into a workspace's input, as values of T; an id outside the vocabulary is
        // a std::out_of_range naming it and where it is.
        template <class T, std::size_t Vocabulary>
        void copy_token_ids(const token_id* ids, std::size_t count, std::size_t steps, T* into, const char* function)
        {
            for (std::size_t i = 0; i < count; ++i)
            {
                if (ids[i] >= Vocabulary)
                {
                    throw std::out_of_range("precast::network::" + std::string(function) + ": token id " + std::to_string(ids[i]) + " at position " +
                                            std::to_string(i % steps) + " of sample " + std::to_string(i / steps) + " is outside the vocabulary of " +
                                            std::to_string(Vocabulary) + " tokens (ids 0 to " + std::to_string(Vocabulary - 1) + ")");
                }
                into[i] = static_cast<T>(ids[i]);
            }
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
