// softmax: y_j = e^(x_j - m) / sum_k e^(x_k - m) per sample, m = max_k x_k (so no exponent overflows).
// Backward is the true Jacobian-vector product: dx_j = y_j (dy_j - sum_k dy_k y_k).
// For classification, softmax_cross_entropy on the logits is cheaper and more accurate than softmax + a loss on
// probabilities; this layer is for when the probabilities themselves are needed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <precast/core/matrix_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    template <scalar T, std::size_t N>
    class softmax_layer
    {
    public:
        using value_type = T;
        static constexpr const char* name = "softmax";
        static constexpr std::size_t input_size = N;
        static constexpr std::size_t output_size = N;
        static constexpr std::size_t forward_flops = 3 * N;
        static constexpr std::size_t backward_flops = 4 * N;

        template <std::size_t B>
        using workspace = no_workspace;

        template <std::size_t B>
        void forward(matrix_view<const T, B, N> x, matrix_view<T, B, N> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            for (std::size_t b = 0; b < B; ++b)
            {
                const auto in = x.row(b);
                const auto out = y.row(b);
                const T max = *std::max_element(in.begin(), in.end());
                T sum = 0;
                for (std::size_t j = 0; j < N; ++j)
                {
                    out[j] = std::exp(in[j] - max);
                    sum += out[j];
                }
                const T inverse = T(1) / sum;
                for (T& v : out)
                {
                    v *= inverse;
                }
            }
        }

        template <std::size_t B>
        void backward(matrix_view<const T, B, N> /*x*/, matrix_view<const T, B, N> y, matrix_view<const T, B, N> dy,
                      matrix_view<T, B, N> dx, no_workspace& /*ws*/) const noexcept
        {
            if (dx.empty())
            {
                return;
            }
            for (std::size_t b = 0; b < B; ++b)
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
    };

    struct softmax
    {
        template <scalar T, std::size_t In>
        using bind = softmax_layer<T, In>;
    };
}
