// Compile-time errors of the layer list. Each is a class template that is declared and never defined: when the
// network finds a problem it names one of them, and the compiler's first error line is that type's full name,
// which says what is wrong, where (the position in network<...>, counting input<> as 0) and with what.
//
//   error: ... incomplete type 'precast::diagnostic::layer_input_does_not_match_previous_output<
//       precast::diagnostic::at_position<2>, precast::diagnostic::previous_layer<precast::dense_layer<float, precast::shape<4, 8>, 5>>,
//       precast::diagnostic::outputs<precast::shape<4, 5>>, precast::diagnostic::this_layer<precast::dense_layer<float, precast::shape<20>, 1>>,
//       precast::diagnostic::takes<precast::shape<20>>>'
#pragma once

#include <cstddef>

namespace precast::diagnostic
{
    template <std::size_t Position>
    struct at_position
    {
    };
    template <class Layer>
    struct previous_layer
    {
    };
    template <class Shape>
    struct outputs
    {
    };
    template <class Layer>
    struct this_layer
    {
    };
    template <class Shape>
    struct takes
    {
    };
    template <class Element>
    struct this_element
    {
    };
    template <class T>
    struct network_element_type
    {
    };
    template <class T>
    struct layer_element_type
    {
    };
    template <class Fix>
    struct fix
    {
    };
    template <class T>
    struct element_type
    {
    };
    template <class Layer>
    struct binds_to
    {
    };
    struct give_it_a_bind_template_or_make_it_satisfy_precast_layer
    {
    };
    struct make_the_bound_type_satisfy_precast_layer
    {
    };
    struct start_the_list_with_precast_input_of_the_sample_size
    {
    };
    template <class Block>
    struct in_block
    {
    };
    template <class Layer>
    struct last_layer
    {
    };
    template <class Shape>
    struct block_input
    {
    };
    template <class Shape>
    struct body_output
    {
    };
    template <std::size_t Branch>
    struct branch
    {
    };
    template <class Shape>
    struct first_branch_outputs
    {
    };
    template <class Shape>
    struct this_branch_outputs
    {
    };
    template <int Axis>
    struct on_axis
    {
    };
    struct end_the_body_with_a_layer_that_outputs_the_block_input_shape
    {
    };
    struct make_every_branch_output_the_same_shape
    {
    };
    struct make_the_branches_agree_on_every_axis_but_the_concat_axis
    {
    };
    struct pick_an_axis_of_the_sample_from_minus_rank_to_rank_minus_1
    {
    };

    // A layer's input size differs from what the layer before it outputs.
    template <class... What>
    struct layer_input_does_not_match_previous_output;

    // An element of the list is neither a layer spec (dense<10>, relu, ...) nor a layer.
    template <class... What>
    struct not_a_layer;

    // A spec's bind<T, Shape> does not take the shape the layer before it outputs (its constraints refuse it).
    template <class... What>
    struct spec_does_not_take_this_shape;

    // A spec's bind<T, Shape> names a type that is not a layer (a user's spec with an incomplete layer).
    template <class... What>
    struct spec_binds_to_something_that_is_not_a_layer;

    // A concrete layer computes in another element type than the network's input<N, T>.
    template <class... What>
    struct layer_element_type_differs_from_network;

    // The first element of network<...> must be input<N> (or input<N, double>, input_of<shape<...>>).
    template <class... What>
    struct network_must_start_with_input;

    // residual<...>: the body's output shape differs from the block's input shape, so y = x + f(x) cannot be formed.
    template <class... What>
    struct residual_body_changes_the_shape;

    // parallel<add, ...>: two branches output different shapes.
    template <class... What>
    struct parallel_branches_differ_in_shape;

    // parallel<concat<Axis>, ...>: two branches differ on an axis other than Axis, or Axis is not an axis of the sample.
    template <class... What>
    struct parallel_branches_cannot_be_concatenated;

    // ---- windows (convolution, pooling) ----
    template <class Spec>
    struct in_layer
    {
    };
    struct along_length
    {
    };
    struct along_height
    {
    };
    struct along_width
    {
    };
    template <std::size_t N>
    struct input_extent
    {
    };
    template <std::size_t Before, std::size_t After>
    struct plus_padding
    {
    };
    template <std::size_t N>
    struct window_span
    {
    };
    template <std::size_t N>
    struct input_channels
    {
    };
    template <std::size_t N>
    struct filter_count
    {
    };
    template <std::size_t N>
    struct group_count
    {
    };
    struct make_the_window_smaller_or_pad_the_input
    {
    };
    struct make_the_groups_divide_the_channels_and_the_filters
    {
    };

    // A window (kernel, dilated by its dilation) is wider than the input plus its padding along one axis.
    template <class... What>
    struct window_larger_than_padded_input;

    // groups<G> (or depthwise) does not divide the input channels or the filter count.
    template <class... What>
    struct groups_do_not_divide_the_channels;

    struct make_the_padding_smaller_than_the_window
    {
    };
    // A pooling window lies wholly on padding: there is nothing to take the maximum or the mean of.
    template <class... What>
    struct pooling_window_lies_on_padding_only;

    // Names the diagnostic type in a context that needs it complete: the compiler reports it by its full name.
    template <class Diagnostic>
    consteval bool report() noexcept
    {
        return sizeof(Diagnostic) == 0;
    }

    // report<Diagnostic>() where Ok is false, true where it holds: static_assert(require<fits, what_is_wrong<...>>()).
    template <bool Ok, class Diagnostic>
    consteval bool require() noexcept
    {
        if constexpr (Ok)
        {
            return true;
        }
        else
        {
            return report<Diagnostic>();
        }
    }
}
