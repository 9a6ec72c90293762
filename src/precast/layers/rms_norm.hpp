// rms_norm<>: scales each position's last axis by the inverse of its root mean square, y = weight x / sqrt(mean(x^2)
// + epsilon) (Zhang & Sennrich 2019; LLaMA's), as PyTorch's nn.RMSNorm(last extent). No centring, no bias.
// Option: epsilon<V>; without it the machine epsilon of the element type, as PyTorch's eps=None. Parameter
// "weight" (1).
// Backward, per row of D values (x^ = x r, r = 1 / sqrt(mean(x^2) + epsilon), g = dy weight):
//   dweight = sum over rows dy x^, dx = r (g - x^ mean(g x^)).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
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
    PRECAST_EXPORT template <scalar T, static_shape Shape, double Epsilon>
    class rms_norm_layer : public parameter_slot<T, last_extent<Shape>>
    {
        static_assert(Epsilon > 0.0, "precast::rms_norm: epsilon<V> must be positive (it keeps 1 / sqrt(mean square + epsilon) finite)");
        static constexpr std::size_t features = last_extent<Shape>;
        static constexpr std::size_t positions = leading_size<Shape>;
        using slot = parameter_slot<T, features>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "rms_norm";
        static constexpr double epsilon = Epsilon;
        static constexpr std::size_t parameter_count = features;
        static constexpr std::array<parameter_tensor, 1> parameter_tensors{{{"weight", 0, {features}}}};
        static constexpr std::size_t forward_flops = 4 * Shape::size;
        static constexpr std::size_t backward_flops = 7 * Shape::size;

        using slot::gradients;
        using slot::parameters;

        // Each row's r = 1 / sqrt(mean square + epsilon), for backward.
        template <std::size_t B>
        struct workspace
        {
            std::array<T, B * positions> inverse_root_mean_square{};
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = B * positions * sizeof(T);

        // weight 1, as PyTorch's reset_parameters.
        template <initializer Init>
        void initialize(const Init& /*init*/, random_engine& /*rng*/)
        {
            std::fill_n(parameters().data(), features, T(1));
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, workspace<B>& ws, mode /*m*/) const noexcept
        {
            const T* weight = parameters().data();
            for (std::size_t row = 0; row < B * positions; ++row)
            {
                const T* in = x.data() + row * features;
                T* out = y.data() + row * features;
                const T r = detail::inverse_root_mean_square<features>(in, static_cast<T>(Epsilon));
                ws.inverse_root_mean_square[row] = r;
                for (std::size_t i = 0; i < features; ++i)
                {
                    out[i] = in[i] * r * weight[i];
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> x, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      workspace<B>& ws) noexcept
        {
            const T* weight = parameters().data();
            T* dweight = gradients().data();
            std::fill_n(dweight, features, T(0));
            // One row's x^ and dy weight; the loops without a sum in them vectorize.
            std::array<T, features> normalized;
            std::array<T, features> scaled;
            for (std::size_t row = 0; row < B * positions; ++row)
            {
                const T* in = x.data() + row * features;
                const T* g = dy.data() + row * features;
                const T r = ws.inverse_root_mean_square[row];
                for (std::size_t i = 0; i < features; ++i)
                {
                    normalized[i] = in[i] * r;
                    scaled[i] = g[i] * weight[i];
                    dweight[i] += g[i] * normalized[i];
                }
                if (dx.empty())
                {
                    continue;
                }
                const T gx_mean = kernels::dot(scaled.data(), normalized.data(), features) / static_cast<T>(features);
                T* d = dx.data() + row * features;
                for (std::size_t i = 0; i < features; ++i)
                {
                    d[i] = r * (scaled[i] - normalized[i] * gx_mean);
                }
            }
        }

        // The same layer on one position (concepts.hpp, positionwise_layer), for streaming_network.
        using per_position = rms_norm_layer<T, shape<features>, Epsilon>;
        [[nodiscard]] per_position per_position_form() const
        {
            per_position one;
            one.parameters() = parameters();
            return one;
        }
    };

    // The spec: rms_norm<> (epsilon: the element type's machine epsilon, as PyTorch's eps=None), rms_norm<epsilon<1e-6>>.
    PRECAST_EXPORT template <class... Options>
    struct rms_norm
    {
        static_assert(((detail::normalization_option<Options>::kind == 1) && ...), "precast::rms_norm<Options...>: the one option is epsilon<V>");
        template <scalar T, static_shape In>
        using bind = rms_norm_layer<T, In, detail::normalization_epsilon<Options...>(static_cast<double>(std::numeric_limits<T>::epsilon()))>;
    };
}
