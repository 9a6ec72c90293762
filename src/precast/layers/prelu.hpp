// prelu<>: y = x for x > 0, else a x, with the slope a learned (PyTorch's PReLU); prelu<per_channel> learns one
// slope per channel (the last axis of a channels-last sample, PyTorch's PReLU(num_parameters=C)).
// initial_slope<V> sets where training starts (PyTorch's init, 0.25 by default).
// Backward: dx = dy (x > 0 ? 1 : a), da = the sum of dy x over the values with x <= 0.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>

namespace precast
{
    // Options of prelu<...>.
    PRECAST_EXPORT struct per_channel
    {
    };
    PRECAST_EXPORT template <double V>
    struct initial_slope
    {
        static constexpr double value = V;
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape, bool PerChannel = false, double InitialSlope = 0.25>
    class prelu_layer : public parameter_slot<T, PerChannel ? last_extent<Shape> : 1>
    {
        static constexpr std::size_t channels = last_extent<Shape>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "prelu";
        static constexpr std::size_t parameter_count = PerChannel ? channels : 1;
        static constexpr std::array<parameter_tensor, 1> parameter_tensors{{{"slopes", 0, {parameter_count}}}};
        static constexpr std::size_t forward_flops = Shape::size;
        static constexpr std::size_t backward_flops = 3 * Shape::size;

        using parameter_slot<T, parameter_count>::parameters;
        using parameter_slot<T, parameter_count>::gradients;

        template <std::size_t B>
        using workspace = no_workspace;

        // Every slope at InitialSlope; the network's initializer is for weights, not for these.
        template <initializer Init>
        void initialize(const Init& /*init*/, random_engine& /*rng*/)
        {
            parameters().fill(static_cast<T>(InitialSlope));
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            const T* a = parameters().data();
            for (std::size_t row = 0; row < B * leading_size<Shape>; ++row)
            {
                const T* in = x.data() + row * channels;
                T* out = y.data() + row * channels;
                for (std::size_t c = 0; c < channels; ++c)
                {
                    const T slope = a[PerChannel ? c : 0];
                    out[c] = in[c] > T(0) ? in[c] : slope * in[c];
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> x, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      no_workspace& /*ws*/) noexcept
        {
            const T* a = parameters().data();
            T* da = gradients().data();
            gradients().fill(T(0));
            for (std::size_t row = 0; row < B * leading_size<Shape>; ++row)
            {
                const T* in = x.data() + row * channels;
                const T* g = dy.data() + row * channels;
                for (std::size_t c = 0; c < channels; ++c)
                {
                    da[PerChannel ? c : 0] += in[c] > T(0) ? T(0) : g[c] * in[c];
                }
                if (!dx.empty())
                {
                    T* d = dx.data() + row * channels;
                    for (std::size_t c = 0; c < channels; ++c)
                    {
                        d[c] = in[c] > T(0) ? g[c] : g[c] * a[PerChannel ? c : 0];
                    }
                }
            }
        }

        // The same layer on one position (concepts.hpp, positionwise_layer): streaming_network runs it a step at a time.
        using per_position = prelu_layer<T, shape<channels>, PerChannel, InitialSlope>;
        [[nodiscard]] per_position per_position_form() const
        {
            per_position one;
            one.parameters() = parameters();
            return one;
        }
    };

    namespace detail
    {
        template <class Option>
        struct prelu_option
        {
            static constexpr bool known = false;
            static constexpr bool slope = false;
            static constexpr double value = 0;
        };
        template <>
        struct prelu_option<per_channel>
        {
            static constexpr bool known = true;
            static constexpr bool slope = false;
            static constexpr double value = 0;
        };
        template <double V>
        struct prelu_option<initial_slope<V>>
        {
            static constexpr bool known = true;
            static constexpr bool slope = true;
            static constexpr double value = V;
        };
        template <class... Options>
        consteval double initial_slope_of() noexcept
        {
            double v = 0.25;
            ((prelu_option<Options>::slope ? (v = prelu_option<Options>::value, 0) : 0), ...);
            return v;
        }
    }

    // The spec: prelu<>, prelu<per_channel>, prelu<initial_slope<0.1>>, in any combination.
    PRECAST_EXPORT template <class... Options>
    struct prelu
    {
        static_assert((detail::prelu_option<Options>::known && ...), "precast::prelu<Options...>: the options are per_channel and initial_slope<V>");
        template <scalar T, static_shape In>
        using bind = prelu_layer<T, In, (std::is_same_v<Options, per_channel> || ...), detail::initial_slope_of<Options...>()>;
    };
}
