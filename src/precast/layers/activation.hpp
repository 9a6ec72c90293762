// activation_layer: the common body of every elementwise activation (sigmoid, tanh, relu, ...). Each activation
// header supplies a function object with value(x) and derivative(x, y), and names its layer and its spec.
#pragma once

#include <cstddef>

#include <precast/core/matrix_view.hpp>
#include <precast/core/scalar.hpp>

namespace precast
{
    // The workspace of a layer that needs nothing beyond its input and output.
    struct no_workspace
    {
    };

    template <class Function, scalar T, std::size_t N>
    class activation_layer
    {
    public:
        using value_type = T;
        static constexpr std::size_t input_size = N;
        static constexpr std::size_t output_size = N;
        // Nominal FLOPs per sample: one per element each way.
        static constexpr std::size_t forward_flops = N;
        static constexpr std::size_t backward_flops = N;

        template <std::size_t B>
        using workspace = no_workspace;

        template <std::size_t B>
        void forward(matrix_view<const T, B, N> x, matrix_view<T, B, N> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            const T* in = x.data();
            T* out = y.data();
            for (std::size_t i = 0; i < B * N; ++i)
            {
                out[i] = Function::value(in[i]);
            }
        }

        template <std::size_t B>
        void backward(matrix_view<const T, B, N> x, matrix_view<const T, B, N> y, matrix_view<const T, B, N> dy,
                      matrix_view<T, B, N> dx, no_workspace& /*ws*/) const noexcept
        {
            if (dx.empty())
            {
                return;
            }
            for (std::size_t i = 0; i < B * N; ++i)
            {
                dx.data()[i] = dy.data()[i] * Function::derivative(x.data()[i], y.data()[i]);
            }
        }
    };
}
