// upsample<Factor>: nearest-neighbour upsampling of a channels-last sample, each position repeated Factor times
// along every spatial axis: [length, channels] -> [length * Factor, channels], [height, width, channels] ->
// [height * Factor, width * Factor, channels] (PyTorch's Upsample(scale_factor=Factor), Keras' UpSampling1D/2D).
// Backward sums the gradients of the copies.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape InputShape, std::size_t Factor>
    class upsample_layer
    {
        static_assert(InputShape::rank == 2 || InputShape::rank == 3, "precast::upsample: the sample is [length, channels] or [height, width, channels]");
        static constexpr bool one_dimensional = InputShape::rank == 2;
        static constexpr std::size_t channels = last_extent<InputShape>;
        static constexpr std::size_t height = one_dimensional ? 1 : InputShape::extents[0];
        static constexpr std::size_t width = InputShape::extents[one_dimensional ? 0 : 1];
        static constexpr std::size_t out_height = one_dimensional ? 1 : height * Factor;
        static constexpr std::size_t out_width = width * Factor;

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = std::conditional_t<one_dimensional, shape<out_width, channels>, shape<out_height, out_width, channels>>;
        static constexpr const char* name = "upsample";
        static constexpr std::size_t factor = Factor;
        static constexpr std::size_t backward_flops = output_shape::size;

        template <std::size_t B>
        using workspace = no_workspace;

        template <std::size_t B>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            for (std::size_t b = 0; b < B; ++b)
            {
                for (std::size_t oh = 0; oh < out_height; ++oh)
                {
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                    {
                        const T* in = x.data() + b * InputShape::size + ((one_dimensional ? 0 : oh / Factor) * width + ow / Factor) * channels;
                        std::copy_n(in, channels, y.data() + b * output_shape::size + (oh * out_width + ow) * channels);
                    }
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
            std::fill_n(dx.data(), B * InputShape::size, T(0));
            for (std::size_t b = 0; b < B; ++b)
            {
                for (std::size_t oh = 0; oh < out_height; ++oh)
                {
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                    {
                        T* d = dx.data() + b * InputShape::size + ((one_dimensional ? 0 : oh / Factor) * width + ow / Factor) * channels;
                        const T* g = dy.data() + b * output_shape::size + (oh * out_width + ow) * channels;
                        for (std::size_t c = 0; c < channels; ++c)
                        {
                            d[c] += g[c];
                        }
                    }
                }
            }
        }
    };

    // The spec: every spatial position repeated Factor times along each spatial axis.
    PRECAST_EXPORT template <std::size_t Factor>
    struct upsample
    {
        static_assert(Factor > 0, "precast::upsample<Factor>: a factor of at least 1");
        template <scalar T, static_shape In>
            requires(In::rank == 2 || In::rank == 3)
        using bind = upsample_layer<T, In, Factor>;
    };
}
