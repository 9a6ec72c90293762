// softmax: y_j = e^(x_j - m) / sum_k e^(x_k - m) over the last axis, m = max_k x_k (so no exponent overflows);
// a sample of shape [steps, classes] gets one distribution per step.
// Backward is the true Jacobian-vector product: dx_j = y_j (dy_j - sum_k dy_k y_k).
// For classification, softmax_cross_entropy on the logits is cheaper and more accurate than softmax + a loss on
// probabilities; this layer is for when the probabilities themselves are needed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/softmax.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape Shape>
    class softmax_layer
    {
        static constexpr std::size_t N = last_extent<Shape>;
        static constexpr std::size_t P = leading_size<Shape>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "softmax";
        static constexpr std::size_t forward_flops = 3 * Shape::size;
        static constexpr std::size_t backward_flops = 4 * Shape::size;

        template <std::size_t B>
        using workspace = no_workspace;

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x_in, batch_view<T, B, Shape> y_out, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            const auto x = x_in.rows_of_last_axis();
            const auto y = y_out.rows_of_last_axis();
            for (std::size_t b = 0; b < B * P; ++b)
            {
                kernels::softmax(x.row(b).data(), y.row(b).data(), N);
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> /*x*/, batch_view<const T, B, Shape> y_in, batch_view<const T, B, Shape> dy_in,
                      batch_view<T, B, Shape> dx_out, no_workspace& /*ws*/) const noexcept
        {
            if (dx_out.empty())
            {
                return;
            }
            const auto y = y_in.rows_of_last_axis();
            const auto dy = dy_in.rows_of_last_axis();
            const auto dx = dx_out.rows_of_last_axis();
            for (std::size_t b = 0; b < B * P; ++b)
            {
                T dot = 0;
                for (std::size_t j = 0; j < N; ++j)
                {
                    dot += dy(b, j) * y(b, j);
                }
                for (std::size_t j = 0; j < N; ++j)
                {
                    dx(b, j) = y(b, j) * (dy(b, j) - dot);
                }
            }
        }

        // One position (one distribution), for streaming_network.
        using per_position = softmax_layer<T, shape<N>>;
        [[nodiscard]] per_position per_position_form() const noexcept { return {}; }
    };

    PRECAST_EXPORT struct softmax
    {
        template <scalar T, static_shape In>
        using bind = softmax_layer<T, In>;
    };
}
