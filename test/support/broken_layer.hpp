// Layers with deliberately wrong backward passes, to prove that the gradient checker fails when it should.
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

    template <class T, std::size_t N>
    class broken_tanh_layer : public precast::activation_layer<broken_tanh_function, T, N>
    {
    public:
        static constexpr const char* name = "broken_tanh";
    };

    // A dense layer (double) whose weight gradient is wrong by 10 % at flat index 5 only.
    template <std::size_t In, std::size_t Out, std::uint64_t Seed>
    class dense_with_one_wrong_weight_gradient : public precast::dense_layer<double, In, Out>
    {
    public:
        dense_with_one_wrong_weight_gradient()
        {
            precast::random_engine rng(Seed);
            this->initialize(precast::normal{0.0, 1.0}, rng);
        }

        template <std::size_t B>
        void backward(precast::matrix_view<const double, B, In> x, precast::matrix_view<const double, B, Out> y,
                      precast::matrix_view<const double, B, Out> dy, precast::matrix_view<double, B, In> dx, precast::no_workspace& ws) noexcept
        {
            precast::dense_layer<double, In, Out>::backward(x, y, dy, dx, ws);
            this->gradients()[5] *= 1.1;
        }
    };
}
