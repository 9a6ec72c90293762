// Pooling over channels-last samples, each channel on its own: max_pool1d / max_pool2d and avg_pool1d /
// avg_pool2d over windows (stride = the window unless stride<...> says otherwise; padding<...>, padding_sides<...>,
// same; dilation<...> for max pooling), and global_avg_pool over every position ([..., channels] -> [channels]).
//
//   max_pool2d<2>                     [28, 28, 32] -> [14, 14, 32]
//   avg_pool1d<3, stride<1>, same>    [L, C] -> [L, C], padding counted as zeros (PyTorch's default)
//   avg_pool2d<3, padding<1>, exclude_padding>   PyTorch's count_include_pad=False (and Keras' "same" pooling)
//
// Max pooling skips padding (PyTorch pads with -infinity) and passes NaN on (a window holding NaN yields NaN);
// of equal values the first in the window wins, and backward sends dy to it alone. Every window must cover at
// least one input value.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/core/window.hpp>
#include <precast/export.hpp>
#include <precast/kernels/im2col.hpp>
#include <precast/network/diagnostics.hpp>

namespace precast
{
    PRECAST_EXPORT struct max_pooling
    {
        static constexpr const char* name = "max_pool";
    };
    PRECAST_EXPORT struct average_pooling
    {
        static constexpr const char* name = "avg_pool";
    };

    namespace detail
    {
        // Whether every window along the axis covers at least one input value.
        consteval bool windows_reach_input(const window_axis& a) noexcept
        {
            for (std::size_t o = 0; o < a.output(); ++o)
            {
                bool reaches = false;
                for (std::size_t k = 0; k < a.kernel; ++k)
                {
                    reaches = reaches || kernels::source_index(a, o, k) != kernels::no_source;
                }
                if (!reaches)
                {
                    return false;
                }
            }
            return true;
        }
    }

    // Pooling of each channel over windows G of a sample [length, channels] (G.height a single row) or [height,
    // width, channels]. Reduction is max_pooling or average_pooling; CountPadding: average over the whole window
    // (padding as zeros) or over the input values it covers.
    PRECAST_EXPORT template <scalar T, static_shape InputShape, window_geometry G, class Reduction, bool CountPadding = true>
    class pooling_layer
    {
        static_assert(InputShape::rank == 2 || InputShape::rank == 3,
                      "precast::pooling_layer: the sample is [length, channels] (1-D pooling) or [height, width, channels] (2-D)");
        static_assert(G.fits() && detail::windows_reach_input(G.height) && detail::windows_reach_input(G.width),
                      "precast::pooling_layer: every window must cover at least one input value");

        static constexpr bool one_dimensional = InputShape::rank == 2;
        static constexpr std::size_t channels = last_extent<InputShape>;
        static constexpr std::size_t positions = G.positions();
        static constexpr bool is_max = std::is_same_v<Reduction, max_pooling>;

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = std::conditional_t<one_dimensional, shape<G.width.output(), channels>, shape<G.height.output(), G.width.output(), channels>>;
        static constexpr const char* name = Reduction::name;
        static constexpr window_geometry geometry = G;
        static constexpr bool counts_padding = CountPadding;
        static constexpr std::size_t forward_flops = positions * channels * G.taps();
        static constexpr std::size_t backward_flops = positions * channels * (is_max ? 1 : G.taps());

        // Max pooling: where each output's value came from (the input's flat index in the batch), for backward.
        template <std::size_t B>
        struct argmax_workspace
        {
            std::vector<std::uint32_t> source = std::vector<std::uint32_t>(B * positions * channels);
        };
        template <std::size_t B>
        using workspace = std::conditional_t<is_max, argmax_workspace<B>, no_workspace>;
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = is_max ? B * positions * channels * sizeof(std::uint32_t) : 0;
        static_assert(!is_max || InputShape::size < (std::size_t{1} << 24), "precast::max_pool: a sample this large needs wider indices than 32 bits");

        template <std::size_t B>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, workspace<B>& ws, mode /*m*/) const noexcept
        {
            const T* in = x.data();
            T* out = y.data();
            if constexpr (is_max)
            {
                std::uint32_t* source = ws.source.data();
                std::fill_n(source, B * positions * channels, none);
                kernels::for_each_window_tap<G, B, channels>([&](std::size_t row, std::size_t, std::size_t at) {
                    if (at == kernels::no_source)
                    {
                        return;
                    }
                    for (std::size_t c = 0; c < channels; ++c)
                    {
                        const std::size_t o = row * channels + c;
                        const T v = in[at + c];
                        // The first value of a window, a larger one, or NaN (which then stays).
                        if (source[o] == none || (!std::isnan(out[o]) && (v > out[o] || std::isnan(v))))
                        {
                            out[o] = v;
                            source[o] = static_cast<std::uint32_t>(at + c);
                        }
                    }
                });
            }
            else
            {
                std::fill_n(out, B * positions * channels, T(0));
                kernels::for_each_window_tap<G, B, channels>([&](std::size_t row, std::size_t, std::size_t at) {
                    if (at != kernels::no_source)
                    {
                        for (std::size_t c = 0; c < channels; ++c)
                        {
                            out[row * channels + c] += in[at + c];
                        }
                    }
                });
                for (std::size_t row = 0; row < B * positions; ++row)
                {
                    const T scale = T(1) / static_cast<T>(divisor(row % positions));
                    for (std::size_t c = 0; c < channels; ++c)
                    {
                        out[row * channels + c] *= scale;
                    }
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, input_shape> /*x*/, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, workspace<B>& ws) const noexcept
        {
            if (dx.empty())
            {
                return;
            }
            std::fill_n(dx.data(), B * InputShape::size, T(0));
            const T* g = dy.data();
            T* d = dx.data();
            if constexpr (is_max)
            {
                const std::uint32_t* source = ws.source.data();
                for (std::size_t o = 0; o < B * positions * channels; ++o)
                {
                    d[source[o]] += g[o];
                }
            }
            else
            {
                kernels::for_each_window_tap<G, B, channels>([&](std::size_t row, std::size_t, std::size_t at) {
                    if (at != kernels::no_source)
                    {
                        const T scale = T(1) / static_cast<T>(divisor(row % positions));
                        for (std::size_t c = 0; c < channels; ++c)
                        {
                            d[at + c] += g[row * channels + c] * scale;
                        }
                    }
                });
            }
        }

    private:
        static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);

        // What average pooling divides output position p's sum by.
        static constexpr std::size_t divisor(std::size_t p) noexcept
        {
            if constexpr (CountPadding)
            {
                return G.taps();
            }
            else
            {
                std::size_t covered_h = 0;
                std::size_t covered_w = 0;
                for (std::size_t k = 0; k < G.height.kernel; ++k)
                {
                    covered_h += kernels::source_index(G.height, p / G.width.output(), k) != kernels::no_source;
                }
                for (std::size_t k = 0; k < G.width.kernel; ++k)
                {
                    covered_w += kernels::source_index(G.width, p % G.width.output(), k) != kernels::no_source;
                }
                return covered_h * covered_w;
            }
        }
    };

    // The mean of each channel over every position: [length, channels] or [height, width, channels] -> [channels].
    PRECAST_EXPORT template <scalar T, static_shape InputShape>
    class global_average_pooling_layer
    {
        static constexpr std::size_t channels = last_extent<InputShape>;
        static constexpr std::size_t positions = leading_size<InputShape>;

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = shape<channels>;
        static constexpr const char* name = "global_avg_pool";
        static constexpr std::size_t forward_flops = InputShape::size;
        static constexpr std::size_t backward_flops = InputShape::size;

        template <std::size_t B>
        using workspace = no_workspace;

        template <std::size_t B>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            for (std::size_t b = 0; b < B; ++b)
            {
                const T* in = x.data() + b * InputShape::size;
                T* out = y.data() + b * channels;
                std::copy_n(in, channels, out);
                for (std::size_t p = 1; p < positions; ++p)
                {
                    for (std::size_t c = 0; c < channels; ++c)
                    {
                        out[c] += in[p * channels + c];
                    }
                }
                for (std::size_t c = 0; c < channels; ++c)
                {
                    out[c] /= static_cast<T>(positions);
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, input_shape> /*x*/, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, no_workspace& /*ws*/) const noexcept
        {
            if (dx.empty())
            {
                return;
            }
            const T scale = T(1) / static_cast<T>(positions);
            for (std::size_t b = 0; b < B; ++b)
            {
                for (std::size_t p = 0; p < positions; ++p)
                {
                    for (std::size_t c = 0; c < channels; ++c)
                    {
                        dx.data()[b * InputShape::size + p * channels + c] = dy.data()[b * channels + c] * scale;
                    }
                }
            }
        }
    };

    namespace detail
    {
        template <class Spec, scalar T, static_shape In, window Window, class Reduction, class... Options>
        struct checked_pooling
        {
            static constexpr bool one_dimensional = In::rank == 2;
            static constexpr window_settings settings = window_settings_of<Options...>();
            static constexpr window_geometry geometry =
                make_window_geometry<Options...>(one_dimensional ? 1 : In::extents[0], In::extents[one_dimensional ? 0 : 1], Window, Window, one_dimensional);
            static_assert(window_fits<Spec, geometry, one_dimensional>());
            static_assert(
                diagnostic::require<windows_reach_input(geometry.height) && windows_reach_input(geometry.width),
                                    diagnostic::pooling_window_lies_on_padding_only<
                                        diagnostic::in_layer<Spec>, diagnostic::input_extent<geometry.height.input>,
                                        diagnostic::input_extent<geometry.width.input>, diagnostic::window_span<geometry.height.span()>,
                                        diagnostic::window_span<geometry.width.span()>, diagnostic::plus_padding<geometry.height.before, geometry.height.after>,
                                        diagnostic::plus_padding<geometry.width.before, geometry.width.after>,
                                        diagnostic::fix<diagnostic::make_the_padding_smaller_than_the_window>>>());
            using type = pooling_layer<T, In, geometry, Reduction, !settings.exclude_padding>;
        };

        template <bool Max, bool TwoDimensional, class... Options>
        consteval bool pooling_options_valid() noexcept
        {
            constexpr window_settings s = window_settings_of<Options...>();
            return s.unknown == 0 && s.output_paddings == 0 && s.group_options == 0 && s.bias_options == 0 && s.causal_options == 0 &&
                   (Max ? s.pad_options == 0 : s.dilations == 0) && s.strides <= 1 && s.dilations <= 1 && s.paddings <= 1 && s.pad_options <= 1 &&
                   (TwoDimensional ? s.two_sides == 0 : s.two_axis_values == 0 && s.four_sides == 0);
        }
    }

    // The specs. Window: the extent (pool1d) or window{h, w} / window{n} (pool2d).
    PRECAST_EXPORT template <std::size_t Window, class... Options>
    struct max_pool1d
    {
        static_assert(Window > 0, "precast::max_pool1d<Window>: a window of at least one value");
        static_assert(detail::pooling_options_valid<true, false, Options...>(),
                      "precast::max_pool1d<Window, Options...>: options are stride<S>, padding<P>, padding_sides<Before, After>, valid, same, dilation<D>, "
                      "each at most once");
        template <scalar T, static_shape In>
            requires(In::rank == 2)
        using bind = typename detail::checked_pooling<max_pool1d, T, In, window{1, Window}, max_pooling, Options...>::type;
    };
    PRECAST_EXPORT template <window Window, class... Options>
    struct max_pool2d
    {
        static_assert(Window.height > 0 && Window.width > 0, "precast::max_pool2d<Window>: a window of at least one value on each axis");
        static_assert(detail::pooling_options_valid<true, true, Options...>(),
                      "precast::max_pool2d<Window, Options...>: options are stride<...>, padding<...>, padding_sides<Top, Bottom, Left, Right>, valid, "
                      "same, dilation<...>, each at most once");
        template <scalar T, static_shape In>
            requires(In::rank == 3)
        using bind = typename detail::checked_pooling<max_pool2d, T, In, Window, max_pooling, Options...>::type;
    };
    PRECAST_EXPORT template <std::size_t Window, class... Options>
    struct avg_pool1d
    {
        static_assert(Window > 0, "precast::avg_pool1d<Window>: a window of at least one value");
        static_assert(detail::pooling_options_valid<false, false, Options...>(),
                      "precast::avg_pool1d<Window, Options...>: options are stride<S>, padding<P>, padding_sides<Before, After>, valid, same, "
                      "exclude_padding, each at most once");
        template <scalar T, static_shape In>
            requires(In::rank == 2)
        using bind = typename detail::checked_pooling<avg_pool1d, T, In, window{1, Window}, average_pooling, Options...>::type;
    };
    PRECAST_EXPORT template <window Window, class... Options>
    struct avg_pool2d
    {
        static_assert(Window.height > 0 && Window.width > 0, "precast::avg_pool2d<Window>: a window of at least one value on each axis");
        static_assert(detail::pooling_options_valid<false, true, Options...>(),
                      "precast::avg_pool2d<Window, Options...>: options are stride<...>, padding<...>, padding_sides<Top, Bottom, Left, Right>, valid, "
                      "same, exclude_padding, each at most once");
        template <scalar T, static_shape In>
            requires(In::rank == 3)
        using bind = typename detail::checked_pooling<avg_pool2d, T, In, Window, average_pooling, Options...>::type;
    };

    // The mean of each channel over all positions of a [length, channels] or [height, width, channels] sample.
    PRECAST_EXPORT struct global_avg_pool
    {
        template <scalar T, static_shape In>
            requires(In::rank >= 2)
        using bind = global_average_pooling_layer<T, In>;
    };
}
