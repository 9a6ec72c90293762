// conv_transpose1d<Filters, Kernel, options...> and conv_transpose2d<Filters, Kernel, options...>: transposed
// ("fractionally strided") convolutions over channels-last samples, PyTorch's ConvTranspose1d / ConvTranspose2d:
// [L, C] -> [(L - 1) stride - 2 padding + dilation (Kernel - 1) + output_padding + 1, Filters], likewise per axis
// in 2-D. Options: stride<...>, padding<...> (symmetric, as PyTorch's), output_padding<...> (below the stride),
// dilation<...>, groups<G>, no_bias.
//
//   network<input_of<shape<16, 8>>, conv_transpose1d<4, 4, stride<2>, padding<1>>>   // [16, 8] -> [32, 4]
//
// Parameters: weights in PyTorch's layout, [C][Filters / groups][kernel] (1-D) or [...][kH][kW] (2-D), then the
// bias (Filters values).
//
// Algorithm: a transposed convolution is the adjoint of a convolution (the one from this layer's output shape to
// its input shape, with the same weights): forward is that convolution's input gradient (a GEMM of x with the
// weights into im2col columns, then col2im onto y), backward its forward pass (im2col of dy, a GEMM) and its
// weight gradient.
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
#include <precast/kernels/im2col.hpp>

namespace precast
{
    // G is the geometry of the adjoint convolution: G's input extents are this layer's output extents, G's output
    // extents this layer's input extents.
    PRECAST_EXPORT template <scalar T, static_shape InputShape, std::size_t Filters, window_geometry G, std::size_t Groups = 1, bool HasBias = true>
    class transposed_convolution_layer : public parameter_slot<T, last_extent<InputShape>*(Filters / Groups) * G.taps() + (HasBias ? Filters : 0)>
    {
        static_assert(InputShape::rank == 2 || InputShape::rank == 3,
                      "precast::transposed_convolution_layer: the sample is [length, channels] or [height, width, channels]");
        static_assert(G.positions() * last_extent<InputShape> == InputShape::size,
                      "precast::transposed_convolution_layer: the geometry's output extents must be the input's (see conv_transpose1d/2d)");
        static_assert(last_extent<InputShape> % Groups == 0 && Filters % Groups == 0,
                      "precast::transposed_convolution_layer: the groups must divide both the input channels and the filters");

        static constexpr bool one_dimensional = InputShape::rank == 2;
        static constexpr std::size_t in_channels = last_extent<InputShape>;
        static constexpr std::size_t group_inputs = in_channels / Groups;
        static constexpr std::size_t group_filters = Filters / Groups;
        static constexpr std::size_t taps = G.taps();
        static constexpr std::size_t filter_size = group_filters * taps;  // one input channel's weights
        static constexpr std::size_t row_size = Filters * taps;           // one im2col row of the output
        static constexpr std::size_t positions = G.positions();           // input positions

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = std::conditional_t<one_dimensional, shape<G.width.input, Filters>, shape<G.height.input, G.width.input, Filters>>;
        static constexpr const char* name = one_dimensional ? "conv_transpose1d" : "conv_transpose2d";
        static constexpr window_geometry geometry = G;
        static constexpr std::size_t filters = Filters;
        static constexpr std::size_t groups = Groups;
        static constexpr bool has_bias = HasBias;
        static constexpr std::size_t weight_count = in_channels * filter_size;
        static constexpr std::size_t parameter_count = weight_count + (HasBias ? Filters : 0);
        static constexpr std::size_t forward_flops = positions * in_channels * 2 * filter_size + (HasBias ? output_shape::size : 0);
        static constexpr std::size_t backward_flops = positions * in_channels * 4 * filter_size + (HasBias ? output_shape::size : 0);

        static constexpr auto parameter_tensors = [] {
            constexpr parameter_tensor weights = one_dimensional
                                                     ? parameter_tensor{"weights", 0, {in_channels, group_filters, G.width.kernel}}
                                                     : parameter_tensor{"weights", 0, {in_channels, group_filters, G.height.kernel, G.width.kernel}};
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

        // The im2col columns of the output: forward builds them from x, backward from dy.
        template <std::size_t B>
        struct workspace
        {
            tensor_buffer<T, shape<B * positions * row_size>> columns;
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = B * positions * row_size * sizeof(T);

        // PyTorch's fans for a transposed convolution: in = (Filters / groups) * taps, out = C * taps.
        template <initializer Init>
        void initialize(const Init& init, random_engine& rng)
        {
            init.fill(std::span<T>(parameters().data(), weight_count), filter_size, in_channels * taps, rng);
            std::fill_n(parameters().data() + weight_count, parameter_count - weight_count, T(0));
        }

        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, workspace<B>& ws, mode /*m*/,
                     const Epilogue& epilogue = {}) const noexcept
        {
            constexpr std::size_t M = B * positions;
            const T* w = parameters().data();
            T* columns = ws.columns.data();
            for (std::size_t g = 0; g < Groups; ++g)
            {
                // columns_g = X_g W_g: the adjoint convolution's input gradient, before col2im.
                kernels::gemm<T, M, filter_size, group_inputs, kernels::layout<in_channels, 1>, kernels::row_major<filter_size>, kernels::layout<row_size, 1>>(
                    x.data() + g * group_inputs, w + g * group_inputs * filter_size, columns + g * filter_size, false);
            }
            kernels::col2im<T, G, B, Filters>(columns, y.data());
            if constexpr (HasBias)
            {
                const T* bias = w + weight_count;
                for (std::size_t row = 0; row < B * output_shape::size / Filters; ++row)
                {
                    kernels::axpy(T(1), bias, y.data() + row * Filters, Filters);
                }
            }
            kernels::apply_epilogue(epilogue, y.data(), B * output_shape::size);
        }

        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void backward(batch_view<const T, B, input_shape> x, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, workspace<B>& ws, const Epilogue& dx_epilogue = {}) noexcept
        {
            constexpr std::size_t M = B * positions;
            T* columns = ws.columns.data();
            kernels::im2col<T, G, B, Filters>(dy.data(), columns);
            const T* w = parameters().data();
            T* dw = gradients().data();
            for (std::size_t g = 0; g < Groups; ++g)
            {
                // dW_g = X_g^T columns_g: A(i, k) = x[k][g * group_inputs + i].
                kernels::gemm<T, group_inputs, filter_size, M, kernels::layout<1, in_channels>, kernels::layout<row_size, 1>>(
                    x.data() + g * group_inputs, columns + g * filter_size, dw + g * group_inputs * filter_size, false);
            }
            if constexpr (HasBias)
            {
                T* db = dw + weight_count;
                std::copy_n(dy.data(), Filters, db);
                for (std::size_t row = 1; row < B * output_shape::size / Filters; ++row)
                {
                    kernels::axpy(T(1), dy.data() + row * Filters, db, Filters);
                }
            }
            if (dx.empty())
            {
                return;
            }
            for (std::size_t g = 0; g < Groups; ++g)
            {
                // dX_g = columns_g W_g^T: the adjoint convolution's forward pass.
                kernels::gemm<T, M, group_inputs, filter_size, kernels::layout<row_size, 1>, kernels::transposed<filter_size>, kernels::layout<in_channels, 1>>(
                    columns + g * filter_size, w + g * group_inputs * filter_size, dx.data() + g * group_inputs, false, nullptr, dx_epilogue);
            }
        }
    };

    namespace detail
    {
        template <class Spec, scalar T, static_shape In, std::size_t Filters, window Kernel, class... Options>
        struct checked_transposed_convolution
        {
            static constexpr bool one_dimensional = In::rank == 2;
            static constexpr window_settings settings = window_settings_of<Options...>();
            static constexpr std::size_t channels = last_extent<In>;
            static constexpr std::size_t group_count = settings.depthwise ? channels : settings.groups;
            static constexpr window_geometry geometry =
                make_transposed_geometry<Options...>(one_dimensional ? 1 : In::extents[0], In::extents[one_dimensional ? 0 : 1], Kernel, one_dimensional);
            static_assert(geometry.height.input > 0 && geometry.width.input > 0,
                          "precast::conv_transpose: the padding removes the whole output; make it smaller than the kernel's reach");
            static_assert((one_dimensional || settings.output_padding[0] < geometry.height.stride) && settings.output_padding[1] < geometry.width.stride,
                          "precast::conv_transpose: output_padding must be smaller than the stride");
            static_assert(diagnostic::require<
                          channels % group_count == 0 && Filters % group_count == 0,
                          diagnostic::groups_do_not_divide_the_channels<diagnostic::in_layer<Spec>, diagnostic::input_channels<channels>,
                                                                        diagnostic::filter_count<Filters>, diagnostic::group_count<group_count>,
                                                                        diagnostic::fix<diagnostic::make_the_groups_divide_the_channels_and_the_filters>>>());
            using type = transposed_convolution_layer<T, In, Filters, geometry, group_count, settings.bias>;
        };

        template <bool TwoDimensional, class... Options>
        consteval bool transposed_options_valid() noexcept
        {
            constexpr window_settings s = window_settings_of<Options...>();
            return s.unknown == 0 && s.pad_options == 0 && s.causal_options == 0 && s.four_sides == 0 && s.two_sides == 0 &&
                   (s.paddings == 0 || s.pad == padding_kind::given) && s.strides <= 1 && s.dilations <= 1 && s.paddings <= 1 && s.group_options <= 1 &&
                   s.bias_options <= 1 && s.output_paddings <= 1 && (TwoDimensional || s.two_axis_values == 0);
        }
    }

    // The specs: Filters output channels, a kernel of Kernel taps (1-D) or Kernel (2-D: 3 or window{3, 5}).
    PRECAST_EXPORT template <std::size_t Filters, std::size_t Kernel, class... Options>
    struct conv_transpose1d
    {
        static_assert(Filters > 0 && Kernel > 0, "precast::conv_transpose1d<Filters, Kernel>: at least one filter of at least one tap");
        static_assert(detail::transposed_options_valid<false, Options...>(),
                      "precast::conv_transpose1d<Filters, Kernel, Options...>: options are stride<S>, padding<P>, output_padding<P>, dilation<D>, "
                      "groups<G>, depthwise, no_bias, each at most once");
        template <scalar T, static_shape In>
            requires(In::rank == 2)
        using bind = typename detail::checked_transposed_convolution<conv_transpose1d, T, In, Filters, window{1, Kernel}, Options...>::type;
    };
    PRECAST_EXPORT template <std::size_t Filters, window Kernel, class... Options>
    struct conv_transpose2d
    {
        static_assert(Filters > 0 && Kernel.height > 0 && Kernel.width > 0, "precast::conv_transpose2d<Filters, Kernel>: at least one filter and one tap");
        static_assert(detail::transposed_options_valid<true, Options...>(),
                      "precast::conv_transpose2d<Filters, Kernel, Options...>: options are stride<...>, padding<...>, output_padding<...>, "
                      "dilation<...>, groups<G>, depthwise, no_bias, each at most once");
        template <scalar T, static_shape In>
            requires(In::rank == 3)
        using bind = typename detail::checked_transposed_convolution<conv_transpose2d, T, In, Filters, Kernel, Options...>::type;
    };
}
