// Sliding windows over the spatial axes of a channels-last sample ([length, channels] or [height, width,
// channels]): the options convolutions and pooling share, and the output extents they imply, all at compile time.
//
//   conv2d<32, 3, same>                        3 x 3 kernel, output as large as the input
//   conv2d<16, window{3, 5}, stride<2>, padding<1, 2>>
//   conv1d<8, 3, causal, dilation<4>>          left padding (3 - 1) * 4, as Keras' padding="causal"
//   max_pool2d<2>                              2 x 2 windows, stride 2
//
// Per axis: span = dilation * (kernel - 1) + 1; output = (input + before + after - span) / stride + 1.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/network/diagnostics.hpp>

namespace precast
{
    // A window's extent: window{3} is 3 x 3 in 2-D (3 in 1-D), window{3, 5} is 3 high and 5 wide.
    PRECAST_EXPORT struct window
    {
        std::size_t height = 1;
        std::size_t width = 1;

        constexpr window(std::size_t extent) noexcept : height(extent), width(extent) {}  // NOLINT(google-explicit-constructor): conv2d<8, 3>
        constexpr window(std::size_t h, std::size_t w) noexcept : height(h), width(w) {}
    };

    // ---- options (in any order after the filter count and the window) ---------------------------------------------

    // Steps between windows: stride<S> on every axis, stride<SH, SW> per axis (2-D). Pooling's default is its window.
    PRECAST_EXPORT template <std::size_t... S>
    struct stride
    {
        static_assert(sizeof...(S) == 1 || sizeof...(S) == 2, "precast::stride<S> or stride<SH, SW>: one value, or one per axis of a 2-D window");
        static_assert(((S > 0) && ...), "precast::stride: a stride must be at least 1");
    };
    // Gaps between a kernel's taps: dilation<D> on every axis, dilation<DH, DW> per axis.
    PRECAST_EXPORT template <std::size_t... D>
    struct dilation
    {
        static_assert(sizeof...(D) == 1 || sizeof...(D) == 2, "precast::dilation<D> or dilation<DH, DW>: one value, or one per axis of a 2-D window");
        static_assert(((D > 0) && ...), "precast::dilation: a dilation must be at least 1 (1 is a plain kernel)");
    };
    // Zeros around the input: padding<P> on every side, padding<PH, PW> (2-D) PH above and below, PW left and right
    // (PyTorch's padding=P and padding=(PH, PW)).
    PRECAST_EXPORT template <std::size_t... P>
    struct padding
    {
        static_assert(sizeof...(P) == 1 || sizeof...(P) == 2, "precast::padding<P> or padding<PH, PW>; padding_sides<...> gives each side its own");
    };
    // Each side its own padding: padding_sides<Before, After> (1-D), padding_sides<Top, Bottom, Left, Right> (2-D).
    PRECAST_EXPORT template <std::size_t... P>
    struct padding_sides
    {
        static_assert(sizeof...(P) == 2 || sizeof...(P) == 4, "precast::padding_sides<Before, After> (1-D) or padding_sides<Top, Bottom, Left, Right> (2-D)");
    };
    // No padding (the default).
    PRECAST_EXPORT struct valid
    {
    };
    // Output extent ceil(input / stride), the padding split as TensorFlow and PyTorch do (an odd extra zero goes
    // after).
    PRECAST_EXPORT struct same
    {
    };
    // 1-D: all the padding before, (kernel - 1) * dilation, so output t sees inputs up to t and none later.
    PRECAST_EXPORT struct causal
    {
    };
    // Channels in G independent groups: each filter sees Cin / G channels (PyTorch's groups=G).
    PRECAST_EXPORT template <std::size_t G>
    struct groups
    {
        static_assert(G > 0, "precast::groups<G>: at least one group");
    };
    // One group per input channel (the filter count a multiple of the channels: the depth multiplier).
    PRECAST_EXPORT struct depthwise
    {
    };
    // Transposed convolutions: zeros added after the output along each axis, to tell apart the output extents a
    // stride maps to one input extent (PyTorch's output_padding; smaller than the stride).
    PRECAST_EXPORT template <std::size_t... P>
    struct output_padding
    {
        static_assert(sizeof...(P) == 1 || sizeof...(P) == 2, "precast::output_padding<P> or output_padding<PH, PW>");
    };
    // Average pooling divides by the input values a window covers, not by its size (PyTorch's
    // count_include_pad=False).
    PRECAST_EXPORT struct exclude_padding
    {
    };

    // ---- geometry ---------------------------------------------------------------------------------------------------

    // One spatial axis of a window over an input.
    PRECAST_EXPORT struct window_axis
    {
        std::size_t input = 1;
        std::size_t kernel = 1;
        std::size_t stride = 1;
        std::size_t dilation = 1;
        std::size_t before = 0;  // padding
        std::size_t after = 0;

        [[nodiscard]] constexpr std::size_t span() const noexcept { return dilation * (kernel - 1) + 1; }
        [[nodiscard]] constexpr std::size_t padded() const noexcept { return input + before + after; }
        [[nodiscard]] constexpr bool fits() const noexcept { return padded() >= span(); }
        [[nodiscard]] constexpr std::size_t output() const noexcept { return fits() ? (padded() - span()) / stride + 1 : 0; }
        // Whether every window position reads only the input (no padding, stride and dilation 1, kernel 1).
        [[nodiscard]] constexpr bool is_pointwise() const noexcept { return kernel == 1 && stride == 1 && before == 0 && after == 0; }
        // Whether the last window ends before the padded input does (rows the windows never reach).
        [[nodiscard]] constexpr std::size_t unused() const noexcept { return fits() ? (padded() - span()) % stride : 0; }
    };

    // Both spatial axes; a 1-D window is a 2-D one of height 1.
    PRECAST_EXPORT struct window_geometry
    {
        window_axis height;
        window_axis width;

        [[nodiscard]] constexpr std::size_t positions() const noexcept { return height.output() * width.output(); }
        [[nodiscard]] constexpr std::size_t taps() const noexcept { return height.kernel * width.kernel; }
        [[nodiscard]] constexpr bool fits() const noexcept { return height.fits() && width.fits(); }
        [[nodiscard]] constexpr bool is_pointwise() const noexcept { return height.is_pointwise() && width.is_pointwise(); }
    };

    namespace detail
    {
        enum class padding_kind
        {
            unset,
            valid,
            same,
            causal,
            given
        };

        // What the options say, before the input's extents are known.
        struct window_settings
        {
            std::size_t stride[2] = {0, 0};  // 0: the layer's default
            std::size_t dilation[2] = {1, 1};
            padding_kind pad = padding_kind::unset;
            std::size_t sides[4] = {0, 0, 0, 0};  // top, bottom, left, right
            std::size_t groups = 1;
            bool depthwise = false;
            bool bias = true;
            bool exclude_padding = false;
            std::size_t output_padding[2] = {0, 0};
            // Counted to refuse an option given twice, or one the layer does not take.
            int strides = 0, dilations = 0, paddings = 0, group_options = 0, bias_options = 0, pad_options = 0, unknown = 0, two_axis_values = 0,
                four_sides = 0, two_sides = 0, causal_options = 0, output_paddings = 0;
        };

        template <class Option>
        struct window_option
        {
            static constexpr void apply(window_settings& s) noexcept { ++s.unknown; }
        };
        template <std::size_t... S>
        struct window_option<stride<S...>>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                constexpr std::size_t v[] = {S...};
                s.stride[0] = v[0];
                s.stride[1] = v[sizeof...(S) - 1];
                ++s.strides;
                s.two_axis_values += sizeof...(S) == 2;
            }
        };
        template <std::size_t... D>
        struct window_option<dilation<D...>>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                constexpr std::size_t v[] = {D...};
                s.dilation[0] = v[0];
                s.dilation[1] = v[sizeof...(D) - 1];
                ++s.dilations;
                s.two_axis_values += sizeof...(D) == 2;
            }
        };
        template <std::size_t... P>
        struct window_option<padding<P...>>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                constexpr std::size_t v[] = {P...};
                s.pad = padding_kind::given;
                s.sides[0] = s.sides[1] = v[0];
                s.sides[2] = s.sides[3] = v[sizeof...(P) - 1];
                ++s.paddings;
                s.two_axis_values += sizeof...(P) == 2;
            }
        };
        template <std::size_t... P>
        struct window_option<padding_sides<P...>>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                constexpr std::size_t v[] = {P...};
                s.pad = padding_kind::given;
                if constexpr (sizeof...(P) == 2)
                {
                    s.sides[2] = v[0];
                    s.sides[3] = v[1];
                    ++s.two_sides;
                }
                else
                {
                    for (std::size_t i = 0; i < 4; ++i)
                    {
                        s.sides[i] = v[i];
                    }
                    ++s.four_sides;
                }
                ++s.paddings;
            }
        };
        template <>
        struct window_option<valid>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                s.pad = padding_kind::valid;
                ++s.paddings;
            }
        };
        template <>
        struct window_option<same>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                s.pad = padding_kind::same;
                ++s.paddings;
            }
        };
        template <>
        struct window_option<causal>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                s.pad = padding_kind::causal;
                ++s.paddings;
                ++s.causal_options;
            }
        };
        template <std::size_t G>
        struct window_option<groups<G>>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                s.groups = G;
                ++s.group_options;
            }
        };
        template <>
        struct window_option<depthwise>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                s.depthwise = true;
                ++s.group_options;
            }
        };
        template <>
        struct window_option<no_bias>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                s.bias = false;
                ++s.bias_options;
            }
        };
        template <std::size_t... P>
        struct window_option<output_padding<P...>>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                constexpr std::size_t v[] = {P...};
                s.output_padding[0] = v[0];
                s.output_padding[1] = v[sizeof...(P) - 1];
                ++s.output_paddings;
                s.two_axis_values += sizeof...(P) == 2;
            }
        };
        template <>
        struct window_option<exclude_padding>
        {
            static constexpr void apply(window_settings& s) noexcept
            {
                s.exclude_padding = true;
                ++s.pad_options;
            }
        };

        template <class... Options>
        consteval window_settings window_settings_of() noexcept
        {
            window_settings s;
            (window_option<Options>::apply(s), ...);
            return s;
        }

        // One axis from the settings: axis 0 is the height, 1 the width.
        consteval window_axis make_window_axis(const window_settings& s, std::size_t axis, std::size_t input, std::size_t kernel, std::size_t default_stride)
        {
            window_axis a;
            a.input = input;
            a.kernel = kernel;
            a.stride = s.stride[axis] != 0 ? s.stride[axis] : default_stride;
            a.dilation = s.dilation[axis];
            switch (s.pad)
            {
            case padding_kind::unset:
            case padding_kind::valid:
                break;
            case padding_kind::given:
                a.before = s.sides[2 * axis];
                a.after = s.sides[2 * axis + 1];
                break;
            case padding_kind::causal:
                a.before = a.span() - 1;
                break;
            case padding_kind::same:
            {
                const std::size_t out = (input + a.stride - 1) / a.stride;
                const std::size_t needed = (out - 1) * a.stride + a.span();
                const std::size_t total = needed > input ? needed - input : 0;
                a.before = total / 2;
                a.after = total - a.before;
                break;
            }
            }
            return a;
        }

        // The geometry of a window over a sample with Height x Width positions (Height 1 in 1-D).
        template <class... Options>
        consteval window_geometry make_window_geometry(std::size_t height, std::size_t width, window kernel, window default_stride, bool one_dimensional)
        {
            const window_settings s = window_settings_of<Options...>();
            window_geometry g;
            g.width = make_window_axis(s, 1, width, kernel.width, default_stride.width);
            if (one_dimensional)
            {
                g.height = window_axis{};
            }
            else
            {
                g.height = make_window_axis(s, 0, height, kernel.height, default_stride.height);
            }
            return g;
        }

        // A transposed convolution over Height x Width positions is the adjoint of the convolution whose geometry this
        // returns: that convolution's input has the transposed one's output extents, its output the input extents.
        template <class... Options>
        consteval window_geometry make_transposed_geometry(std::size_t height, std::size_t width, window kernel, bool one_dimensional)
        {
            const window_settings s = window_settings_of<Options...>();
            auto axis = [&](std::size_t a, std::size_t input, std::size_t k) {
                window_axis w;
                w.kernel = k;
                w.stride = s.stride[a] != 0 ? s.stride[a] : 1;
                w.dilation = s.dilation[a];
                w.before = w.after = s.sides[2 * a];
                const std::size_t reach = (input - 1) * w.stride + w.span() + s.output_padding[a];
                w.input = reach > w.before + w.after ? reach - w.before - w.after : 0;
                return w;
            };
            window_geometry g;
            g.width = axis(1, width, kernel.width);
            g.height = one_dimensional ? window_axis{} : axis(0, height, kernel.height);
            return g;
        }

        // Checks a window's fit along each axis and names the first that fails: the spec, the axis, the arithmetic.
        template <class Spec, window_geometry G, bool OneDimensional>
        consteval bool window_fits() noexcept
        {
            using diagnostic::plus_padding;
            using diagnostic::window_span;
            static_assert(
                diagnostic::require<G.height.fits(), diagnostic::window_larger_than_padded_input<
                                                         diagnostic::in_layer<Spec>, diagnostic::along_height, diagnostic::input_extent<G.height.input>,
                                                         plus_padding<G.height.before, G.height.after>, window_span<G.height.span()>,
                                                         diagnostic::fix<diagnostic::make_the_window_smaller_or_pad_the_input>>>());
            static_assert(
                diagnostic::require<G.width.fits(),
                                    diagnostic::window_larger_than_padded_input<
                                        diagnostic::in_layer<Spec>, std::conditional_t<OneDimensional, diagnostic::along_length, diagnostic::along_width>,
                                        diagnostic::input_extent<G.width.input>, plus_padding<G.width.before, G.width.after>, window_span<G.width.span()>,
                                        diagnostic::fix<diagnostic::make_the_window_smaller_or_pad_the_input>>>());
            return true;
        }
    }
}
