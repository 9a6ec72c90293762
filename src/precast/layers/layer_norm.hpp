// layer_norm<>: normalizes each position's last axis (a transformer's model dimension, a dense layer's features)
// by its own mean and variance and then scales and shifts it, y = weight (x - mean) / sqrt(var + epsilon) + bias,
// as PyTorch's nn.LayerNorm(last extent) (Keras' LayerNormalization(axis=-1)). Unlike batch_norm it keeps no
// statistics and does the same in training and inference; samples never mix.
// Options: epsilon<V> (1e-5, PyTorch's), no_bias (PyTorch's bias=False). Parameters "weight" (1) and "bias" (0).
// Backward, per row of D values (x^ = (x - mean) r, r = 1 / sqrt(var + epsilon), g = dy weight):
//   dweight = sum over rows dy x^, dbias = sum dy, dx = r (g - mean(g) - x^ mean(g x^)).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/layers/normalization.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape Shape, double Epsilon = 1e-5, bool Bias = true>
    class layer_norm_layer : public parameter_slot<T, (Bias ? 2 : 1) * last_extent<Shape>>
    {
        static_assert(Epsilon > 0.0, "precast::layer_norm: epsilon<V> must be positive (it keeps 1 / sqrt(var + epsilon) finite)");
        static constexpr std::size_t features = last_extent<Shape>;
        static constexpr std::size_t positions = leading_size<Shape>;
        using slot = parameter_slot<T, (Bias ? 2 : 1) * features>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "layer_norm";
        static constexpr double epsilon = Epsilon;
        static constexpr bool has_bias = Bias;
        static constexpr std::size_t parameter_count = (Bias ? 2 : 1) * features;
        static constexpr auto parameter_tensors = [] {
            if constexpr (Bias)
            {
                return std::array<parameter_tensor, 2>{{{"weight", 0, {features}}, {"bias", features, {features}}}};
            }
            else
            {
                return std::array<parameter_tensor, 1>{{{"weight", 0, {features}}}};
            }
        }();
        static constexpr std::size_t forward_flops = 7 * Shape::size;
        static constexpr std::size_t backward_flops = 10 * Shape::size;

        using slot::gradients;
        using slot::parameters;

        // Each row's mean and r = 1 / sqrt(var + epsilon), for backward.
        template <std::size_t B>
        struct workspace
        {
            std::array<T, B * positions> mean{};
            std::array<T, B * positions> inverse_deviation{};
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = 2 * B * positions * sizeof(T);

        // weight 1, bias 0, as PyTorch's reset_parameters.
        template <initializer Init>
        void initialize(const Init& /*init*/, random_engine& /*rng*/)
        {
            std::fill_n(parameters().data(), features, T(1));
            if constexpr (Bias)
            {
                std::fill_n(parameters().data() + features, features, T(0));
            }
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, workspace<B>& ws, mode /*m*/) const noexcept
        {
            const T* weight = parameters().data();
            for (std::size_t row = 0; row < B * positions; ++row)
            {
                const T* in = x.data() + row * features;
                T* out = y.data() + row * features;
                const auto [mean, r] = detail::row_moments<features>(in, static_cast<T>(Epsilon), out);  // out holds x - mean
                ws.mean[row] = mean;
                ws.inverse_deviation[row] = r;
                for (std::size_t i = 0; i < features; ++i)
                {
                    out[i] *= r * weight[i];
                }
                if constexpr (Bias)
                {
                    for (std::size_t i = 0; i < features; ++i)
                    {
                        out[i] += weight[features + i];
                    }
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> x, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      workspace<B>& ws) noexcept
        {
            const T* weight = parameters().data();
            T* dweight = gradients().data();
            std::fill_n(dweight, parameter_count, T(0));
            // One row's x^ and dy weight; the loops without a sum in them vectorize.
            std::array<T, features> normalized;
            std::array<T, features> scaled;
            for (std::size_t row = 0; row < B * positions; ++row)
            {
                const T* in = x.data() + row * features;
                const T* g = dy.data() + row * features;
                const T mean = ws.mean[row];
                const T r = ws.inverse_deviation[row];
                for (std::size_t i = 0; i < features; ++i)
                {
                    normalized[i] = (in[i] - mean) * r;
                    scaled[i] = g[i] * weight[i];
                    dweight[i] += g[i] * normalized[i];
                }
                if constexpr (Bias)
                {
                    for (std::size_t i = 0; i < features; ++i)
                    {
                        dweight[features + i] += g[i];
                    }
                }
                if (dx.empty())
                {
                    continue;
                }
                const T g_mean = kernels::sum(scaled.data(), features) / static_cast<T>(features);
                const T gx_mean = kernels::dot(scaled.data(), normalized.data(), features) / static_cast<T>(features);
                T* d = dx.data() + row * features;
                for (std::size_t i = 0; i < features; ++i)
                {
                    d[i] = r * (scaled[i] - g_mean - normalized[i] * gx_mean);
                }
            }
        }

        // The same layer on one position (concepts.hpp, positionwise_layer), for streaming_network.
        using per_position = layer_norm_layer<T, shape<features>, Epsilon, Bias>;
        [[nodiscard]] per_position per_position_form() const
        {
            per_position one;
            one.parameters() = parameters();
            return one;
        }
    };

    // The spec: layer_norm<>, layer_norm<epsilon<1e-6>, no_bias>, options in any order.
    PRECAST_EXPORT template <class... Options>
    struct layer_norm
    {
        static_assert(((detail::normalization_option<Options>::kind != 0) && ...), "precast::layer_norm<Options...>: the options are epsilon<V> and no_bias");
        template <scalar T, static_shape In>
        using bind = layer_norm_layer<T, In, detail::normalization_epsilon<Options...>(1e-5), !(std::is_same_v<Options, no_bias> || ...)>;
    };
}
