// Layers with deliberately wrong backward passes, to prove that the gradient checker fails when it should: a wrong
// derivative, one wrong weight gradient, a backward that accumulates into its gradients instead of overwriting
// them, and one that skips the elements whose gradient is zero.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace precast_test
{
    // tanh with dy/dx = 1 - y instead of 1 - y^2.
    struct broken_tanh_function
    {
        template <class T>
        static T value(T x) noexcept
        {
            return std::tanh(x);
        }
        template <class T>
        static T derivative(T /*x*/, T y) noexcept
        {
            return T(1) - y;
        }
    };

    template <class T, class Shape>
    class broken_tanh_layer : public precast::activation_layer<broken_tanh_function, T, Shape>
    {
    public:
        static constexpr const char* name = "broken_tanh";
    };

    // A dense layer (double) whose weight gradient is wrong by 10 % at flat index 5 only.
    template <std::size_t In, std::size_t Out, std::uint64_t Seed>
    class dense_with_one_wrong_weight_gradient : public precast::dense_layer<double, precast::shape<In>, Out>
    {
        using base = precast::dense_layer<double, precast::shape<In>, Out>;

    public:
        dense_with_one_wrong_weight_gradient()
        {
            precast::random_engine rng(Seed);
            this->initialize(precast::normal{0.0, 1.0}, rng);
        }

        template <std::size_t B>
        void backward(precast::matrix_view<const double, B, In> x, precast::matrix_view<const double, B, Out> y, precast::matrix_view<const double, B, Out> dy,
                      precast::matrix_view<double, B, In> dx, precast::no_workspace& ws) noexcept
        {
            base::backward(x, y, dy, dx, ws);
            this->gradients()[5] *= 1.1;
        }
    };

    // A dense layer that adds its parameter gradients to what the buffer held (as if the caller had zeroed it):
    // right on zeroed buffers, wrong as soon as a second backward runs without zeroing.
    template <class T, std::size_t In, std::size_t Out>
    class dense_accumulating_gradients : public precast::dense_layer<T, precast::shape<In>, Out>
    {
        using base = precast::dense_layer<T, precast::shape<In>, Out>;

    public:
        template <std::size_t B>
        void backward(precast::matrix_view<const T, B, In> x, precast::matrix_view<const T, B, Out> y, precast::matrix_view<const T, B, Out> dy,
                      precast::matrix_view<T, B, In> dx, precast::no_workspace& ws) noexcept
        {
            const auto before = this->gradients().to_tensor();
            base::backward(x, y, dy, dx, ws);
            for (std::size_t i = 0; i < base::parameter_count; ++i)
            {
                this->gradients()[i] += before[i];
            }
        }
    };

    // relu whose backward writes dx only where x > 0, and leaves the zeros of the other elements unwritten.
    template <class T, std::size_t N>
    class relu_skipping_zero_gradients : public precast::relu_layer<T, precast::shape<N>>
    {
    public:
        template <std::size_t B>
        void backward(precast::matrix_view<const T, B, N> x, precast::matrix_view<const T, B, N> /*y*/, precast::matrix_view<const T, B, N> dy,
                      precast::matrix_view<T, B, N> dx, precast::no_workspace& /*ws*/) const noexcept
        {
            for (std::size_t i = 0; i < B * N; ++i)
            {
                if (x.data()[i] > T(0))
                {
                    dx.data()[i] = dy.data()[i];
                }
            }
        }
    };
}
