// conv1d<Filters, Kernel, options...> and conv2d<Filters, Kernel, options...>: convolutions over channels-last
// samples, [length, channels] -> [length', Filters] and [height, width, channels] -> [height', width', Filters].
// Options (core/window.hpp), in any order: stride<...>, dilation<...>, padding<...>, padding_sides<...>, valid
// (the default), same, causal (1-D), groups<G>, depthwise, no_bias.
//
//   network<input_of<shape<28, 28, 1>>, conv2d<32, 3, same>, relu, max_pool2d<2>, flatten, dense<10>>
//
// Parameters: weights in PyTorch's layout, [Filters][channels / groups][kernel] (1-D) or [...][kH][kW] (2-D), so a
// Conv1d's or Conv2d's state_dict loads as it is; then the bias (Filters values). From Keras' kernel [kH, kW, Cin,
// Cout], weights[o][c][h][w] = kernel[h][w][c][o].
//
// Algorithm: im2col (kernels/im2col.hpp) lays each output position's window out as one row of a workspace
// matrix, Cin * taps values, and each group's output is one GEMM of those rows with its filters; a pointwise
// convolution (kernel 1, stride 1, no padding) multiplies the input itself. Backward: dW = dY^T columns,
// d(columns) = dY W, then col2im adds the columns' gradients back onto dx.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/window.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/kernels/epilogue.hpp>
#include <precast/kernels/gemm.hpp>
#include <precast/kernels/gemv.hpp>
#include <precast/kernels/im2col.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/network/diagnostics.hpp>

namespace precast
{
    namespace detail
    {
        template <static_shape InputShape, std::size_t Groups, window_geometry G, bool HasBias, std::size_t Filters>
        inline constexpr std::size_t convolution_parameters = Filters * (last_extent<InputShape> / Groups) * G.taps() + (HasBias ? Filters : 0);
    }

    // A convolution over samples of rank 2 ([length, channels], 1-D: G.height is a single row) or rank 3.
    PRECAST_EXPORT template <scalar T, static_shape InputShape, std::size_t Filters, window_geometry G, std::size_t Groups = 1, bool HasBias = true>
    class convolution_layer : public parameter_slot<T, detail::convolution_parameters<InputShape, Groups, G, HasBias, Filters>>
    {
        static_assert(InputShape::rank == 2 || InputShape::rank == 3,
                      "precast::convolution_layer: the sample is [length, channels] (conv1d) or [height, width, channels] (conv2d)");
        static_assert(G.fits(), "precast::convolution_layer: the window is larger than the padded input");
        static_assert(last_extent<InputShape> % Groups == 0 && Filters % Groups == 0,
                      "precast::convolution_layer: the groups must divide both the input channels and the filters");

        static constexpr bool one_dimensional = InputShape::rank == 2;
        static constexpr std::size_t in_channels = last_extent<InputShape>;
        static constexpr std::size_t group_channels = in_channels / Groups;
        static constexpr std::size_t group_filters = Filters / Groups;
        static constexpr std::size_t taps = G.taps();
        static constexpr std::size_t filter_size = group_channels * taps;  // one filter's weights: a GEMM's K
        static constexpr std::size_t row_size = in_channels * taps;        // one im2col row: every group's K
        static constexpr std::size_t positions = G.positions();
        static constexpr bool pointwise = G.is_pointwise();

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = std::conditional_t<one_dimensional, shape<G.width.output(), Filters>, shape<G.height.output(), G.width.output(), Filters>>;
        static constexpr const char* name = one_dimensional ? "conv1d" : "conv2d";
        static constexpr window_geometry geometry = G;
        static constexpr std::size_t filters = Filters;
        static constexpr std::size_t groups = Groups;
        static constexpr bool has_bias = HasBias;
        static constexpr std::size_t weight_count = Filters * filter_size;
        static constexpr std::size_t parameter_count = weight_count + (HasBias ? Filters : 0);
        static constexpr std::size_t forward_flops = positions * Filters * (2 * filter_size + (HasBias ? 1 : 0));
        static constexpr std::size_t backward_flops = positions * Filters * (4 * filter_size + (HasBias ? 1 : 0));

        static constexpr auto parameter_tensors = [] {
            constexpr parameter_tensor weights = one_dimensional ? parameter_tensor{"weights", 0, {Filters, group_channels, G.width.kernel}}
                                                                 : parameter_tensor{"weights", 0, {Filters, group_channels, G.height.kernel, G.width.kernel}};
            if constexpr (HasBias)
            {
                return std::array<parameter_tensor, 2>{{weights, {"bias", weight_count, {Filters}}}};
            }
            else
            {
                return std::array<parameter_tensor, 1>{{weights}};
            }
        }();

        using parameter_slot<T, parameter_count>::parameters;
        using parameter_slot<T, parameter_count>::gradients;

        // The im2col rows of the last forward pass (backward's dW reads them) and their gradients; a pointwise
        // convolution reads the input itself and needs neither.
        template <std::size_t B>
        struct columns_workspace
        {
            tensor_buffer<T, shape<B * positions * row_size>> columns;
            tensor_buffer<T, shape<B * positions * row_size>> gradient_columns;
        };
        template <std::size_t B>
        using workspace = std::conditional_t<pointwise, no_workspace, columns_workspace<B>>;
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = pointwise ? 0 : 2 * B * positions * row_size * sizeof(T);

        // Weights from the initializer with PyTorch's fans (in: channels per group * taps, out: Filters * taps);
        // bias zero.
        template <initializer Init>
        void initialize(const Init& init, random_engine& rng)
        {
            init.fill(std::span<T>(parameters().data(), weight_count), filter_size, Filters * taps, rng);
            std::fill_n(parameters().data() + weight_count, parameter_count - weight_count, T(0));
        }

        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, workspace<B>& ws, mode /*m*/,
                     const Epilogue& epilogue = {}) const noexcept
        {
            constexpr std::size_t M = B * positions;
            const T* columns = x.data();
            if constexpr (!pointwise)
            {
                kernels::im2col<T, G, B, in_channels>(x.data(), ws.columns.data());
                columns = ws.columns.data();
            }
            const T* w = parameters().data();
            for (std::size_t g = 0; g < Groups; ++g)
            {
                // Y_g = columns_g W_g^T + b_g, written into the group's columns of y.
                kernels::gemm<T, M, group_filters, filter_size, kernels::layout<row_size, 1>, kernels::transposed<filter_size>, kernels::layout<Filters, 1>>(
                    columns + g * filter_size, w + g * group_filters * filter_size, y.data() + g * group_filters, false,
                    HasBias ? w + weight_count + g * group_filters : nullptr, epilogue);
            }
        }

        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void backward(batch_view<const T, B, input_shape> x, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, workspace<B>& ws, const Epilogue& dx_epilogue = {}) noexcept
        {
            constexpr std::size_t M = B * positions;
            const T* columns = x.data();
            if constexpr (!pointwise)
            {
                columns = ws.columns.data();
            }
            const T* w = parameters().data();
            T* dw = gradients().data();
            for (std::size_t g = 0; g < Groups; ++g)
            {
                // dW_g = dY_g^T columns_g: A(i, k) = dY[k][g * group_filters + i].
                kernels::gemm<T, group_filters, filter_size, M, kernels::layout<1, Filters>, kernels::layout<row_size, 1>>(
                    dy.data() + g * group_filters, columns + g * filter_size, dw + g * group_filters * filter_size, false);
            }
            if constexpr (HasBias)
            {
                T* db = dw + weight_count;
                std::copy_n(dy.data(), Filters, db);
                for (std::size_t r = 1; r < M; ++r)
                {
                    kernels::axpy(T(1), dy.data() + r * Filters, db, Filters);
                }
            }
            if (dx.empty())
            {
                return;
            }
            // d(columns_g) = dY_g W_g; for a pointwise convolution the columns are dx itself.
            T* dcolumns = dx.data();
            if constexpr (!pointwise)
            {
                dcolumns = ws.gradient_columns.data();
            }
            for (std::size_t g = 0; g < Groups; ++g)
            {
                if constexpr (pointwise)
                {
                    kernels::gemm<T, M, filter_size, group_filters, kernels::layout<Filters, 1>, kernels::row_major<filter_size>, kernels::layout<row_size, 1>>(
                        dy.data() + g * group_filters, w + g * group_filters * filter_size, dcolumns + g * filter_size, false, nullptr, dx_epilogue);
                }
                else
                {
                    kernels::gemm<T, M, filter_size, group_filters, kernels::layout<Filters, 1>, kernels::row_major<filter_size>, kernels::layout<row_size, 1>>(
                        dy.data() + g * group_filters, w + g * group_filters * filter_size, dcolumns + g * filter_size, false);
                }
            }
            if constexpr (!pointwise)
            {
                kernels::col2im<T, G, B, in_channels>(dcolumns, dx.data());
                kernels::apply_epilogue(dx_epilogue, dx.data(), B * InputShape::size);
            }
        }

        // A causal 1-D convolution with stride 1 runs one step at a time in streaming_network (concepts.hpp,
        // streamable_layer): it keeps the last span inputs in a ring, gathers the window in im2col's order and
        // computes out = bias + sum_k window[k] W^T[k] on whole registers of filters (W^T copied once, padded, zeros
        // where a group's filter does not see a channel), as a dense layer's batch-1 form does.
        static constexpr bool streams = one_dimensional && G.width.stride == 1 && G.width.after == 0 && G.width.before == G.width.span() - 1;
        static constexpr sequence_output output = sequence_output::every_step;

        class stream_form
        {
            static constexpr std::size_t span = G.width.span();
            static constexpr std::size_t out_padded = kernels::padded_size<T>(Filters);

        public:
            explicit stream_form(const convolution_layer& l)
            {
                refresh(l);
                reset();
            }
            void refresh(const convolution_layer& l) noexcept
            {
                const T* w = l.parameters().data();
                for (std::size_t k = 0; k < row_size; ++k)
                {
                    const std::size_t channel = k / taps;
                    const std::size_t group = channel / group_channels;
                    for (std::size_t f = 0; f < out_padded; ++f)
                    {
                        const bool seen = f < Filters && f / group_filters == group;
                        weights_t_.data()[k * out_padded + f] = seen ? w[f * filter_size + (channel - group * group_channels) * taps + k % taps] : T(0);
                    }
                }
                for (std::size_t f = 0; f < out_padded; ++f)
                {
                    bias_.data()[f] = HasBias && f < Filters ? w[weight_count + f] : T(0);
                }
            }
            void reset() noexcept
            {
                history_.fill(T(0));
                newest_ = 0;
            }
            void run(const T* in, T* out) noexcept
            {
                newest_ = newest_ + 1 == span ? 0 : newest_ + 1;
                std::copy_n(in, in_channels, history_.data() + newest_ * in_channels);
                // Tap k of the kernel reads the input (K - 1 - k) * dilation steps back.
                for (std::size_t k = 0; k < taps; ++k)
                {
                    const std::size_t back = (taps - 1 - k) * G.width.dilation;
                    const T* step = history_.data() + ((newest_ + span - back) % span) * in_channels;
                    for (std::size_t c = 0; c < in_channels; ++c)
                    {
                        window_.data()[c * taps + k] = step[c];
                    }
                }
                kernels::broadcast_tiles<T, out_padded, 0, out_padded / kernels::simd_width<T>, row_size, 0>(weights_t_.data(), window_.data(), nullptr,
                                                                                                             nullptr, bias_.data(), out);
            }

        private:
            tensor_buffer<T, shape<row_size * out_padded>> weights_t_;
            tensor_buffer<T, shape<out_padded>> bias_;
            tensor_buffer<T, shape<span * in_channels>> history_;  // zeros: the causal padding
            tensor_buffer<T, shape<row_size>> window_;
            std::size_t newest_ = 0;
        };
        using stream = std::conditional_t<streams, stream_form, void>;

        // The same convolution computing scale[f] y_f + shift[f] (concepts.hpp, absorbs_output_affine): how frozen
        // and streaming networks run a batch_norm after it, at no cost.
        using with_bias = convolution_layer<T, InputShape, Filters, G, Groups, true>;
        [[nodiscard]] with_bias with_output_affine(const std::array<T, Filters>& scale, const std::array<T, Filters>& shift) const
        {
            with_bias folded;
            detail::scale_output_rows(this->parameters(), HasBias, folded.parameters(), filter_size, scale, shift);
            return folded;
        }
    };

    namespace detail
    {
        template <class Spec, scalar T, static_shape In, std::size_t Filters, window Kernel, class... Options>
        struct checked_convolution
        {
            static constexpr bool one_dimensional = In::rank == 2;
            static constexpr window_settings settings = window_settings_of<Options...>();
            static constexpr std::size_t channels = last_extent<In>;
            static constexpr std::size_t group_count = settings.depthwise ? channels : settings.groups;
            static constexpr window_geometry geometry = make_window_geometry<Options...>(
                one_dimensional ? 1 : In::extents[0], In::extents[one_dimensional ? 0 : 1], Kernel, window{1}, one_dimensional);
            static_assert(window_fits<Spec, geometry, one_dimensional>());
            static_assert(diagnostic::require<
                          channels % group_count == 0 && Filters % group_count == 0,
                          diagnostic::groups_do_not_divide_the_channels<diagnostic::in_layer<Spec>, diagnostic::input_channels<channels>,
                                                                        diagnostic::filter_count<Filters>, diagnostic::group_count<group_count>,
                                                                        diagnostic::fix<diagnostic::make_the_groups_divide_the_channels_and_the_filters>>>());
            using type = convolution_layer<T, In, Filters, geometry, group_count, settings.bias>;
        };
    }

    // The spec: a 1-D convolution with Filters filters of Kernel taps, on samples [length, channels].
    PRECAST_EXPORT template <std::size_t Filters, std::size_t Kernel, class... Options>
    struct conv1d
    {
        static_assert(Filters > 0, "precast::conv1d<Filters, Kernel>: at least one filter");
        static_assert(Kernel > 0, "precast::conv1d<Filters, Kernel>: a kernel of at least one tap");
        static constexpr detail::window_settings settings = detail::window_settings_of<Options...>();
        static_assert(settings.unknown == 0 && settings.pad_options == 0 && settings.output_paddings == 0,
                      "precast::conv1d<Filters, Kernel, Options...>: an option is not one of stride<S>, dilation<D>, padding<P>, padding_sides<Before, "
                      "After>, valid, same, causal, groups<G>, depthwise, no_bias");
        static_assert(settings.two_axis_values == 0 && settings.four_sides == 0,
                      "precast::conv1d: a 1-D window has one axis: write stride<S>, dilation<D>, padding<P>, padding_sides<Before, After>");
        static_assert(settings.strides <= 1 && settings.dilations <= 1 && settings.paddings <= 1 && settings.group_options <= 1 && settings.bias_options <= 1,
                      "precast::conv1d: each kind of option at most once (one of padding, padding_sides, valid, same, causal; one of groups, depthwise)");

        template <scalar T, static_shape In>
            requires(In::rank == 2)
        using bind = typename detail::checked_convolution<conv1d, T, In, Filters, window{1, Kernel}, Options...>::type;
    };

    // The spec: a 2-D convolution with Filters filters of Kernel (window{3} or window{3, 5}), on samples [height,
    // width, channels].
    PRECAST_EXPORT template <std::size_t Filters, window Kernel, class... Options>
    struct conv2d
    {
        static_assert(Filters > 0, "precast::conv2d<Filters, Kernel>: at least one filter");
        static_assert(Kernel.height > 0 && Kernel.width > 0, "precast::conv2d<Filters, Kernel>: a kernel of at least one tap on each axis");
        static constexpr detail::window_settings settings = detail::window_settings_of<Options...>();
        static_assert(settings.unknown == 0 && settings.pad_options == 0 && settings.output_paddings == 0,
                      "precast::conv2d<Filters, Kernel, Options...>: an option is not one of stride<...>, dilation<...>, padding<...>, padding_sides<Top, "
                      "Bottom, Left, Right>, valid, same, groups<G>, depthwise, no_bias");
        static_assert(settings.causal_options == 0, "precast::conv2d: causal padding is for conv1d (a sequence); pad a 2-D input with padding_sides<...>");
        static_assert(settings.two_sides == 0, "precast::conv2d: padding_sides takes four values, <Top, Bottom, Left, Right>");
        static_assert(settings.strides <= 1 && settings.dilations <= 1 && settings.paddings <= 1 && settings.group_options <= 1 && settings.bias_options <= 1,
                      "precast::conv2d: each kind of option at most once (one of padding, padding_sides, valid, same; one of groups, depthwise)");

        template <scalar T, static_shape In>
            requires(In::rank == 3)
        using bind = typename detail::checked_convolution<conv2d, T, In, Filters, Kernel, Options...>::type;
    };
}
