// sinusoidal_position<>: adds the fixed position table of Vaswani et al. (2017) to a sequence [Steps, E]:
//   y[t][2i] = x[t][2i] + sin(t / 10000^(2i / E)),   y[t][2i + 1] = x[t][2i + 1] + cos(t / 10000^(2i / E)).
// No parameters; dx = dy. The table is computed once, in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>

#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape Shape>
    class sinusoidal_position_layer
    {
        static_assert(Shape::rank == 2, "precast::sinusoidal_position: its input is a sequence [steps, model width]");
        static constexpr std::size_t steps = Shape::extents[0];
        static constexpr std::size_t width = Shape::extents[1];
        static constexpr std::size_t N = Shape::size;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "sinusoidal_position";
        static constexpr std::size_t forward_flops = N;
        static constexpr std::size_t backward_flops = 0;

        template <std::size_t B>
        using workspace = no_workspace;

        sinusoidal_position_layer() { fill(); }
        sinusoidal_position_layer(const sinusoidal_position_layer&) : sinusoidal_position_layer() {}
        sinusoidal_position_layer& operator=(const sinusoidal_position_layer&) noexcept { return *this; }
        sinusoidal_position_layer(sinusoidal_position_layer&&) noexcept = default;
        sinusoidal_position_layer& operator=(sinusoidal_position_layer&&) noexcept = default;
        ~sinusoidal_position_layer() = default;

        // The value added at position t, feature i.
        [[nodiscard]] static double value(std::size_t t, std::size_t i) noexcept
        {
            const double angle = static_cast<double>(t) / std::pow(10000.0, static_cast<double>(i - i % 2) / static_cast<double>(width));
            return i % 2 == 0 ? std::sin(angle) : std::cos(angle);
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            std::copy_n(x.data(), B * N, y.data());
            for (std::size_t b = 0; b < B; ++b)
            {
                kernels::axpy(T(1), table_.data(), y.data() + b * N, N);
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> /*x*/, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      no_workspace& /*ws*/) const noexcept
        {
            if (!dx.empty())
            {
                std::copy_n(dy.data(), B * N, dx.data());
            }
        }

        // One step at a time (streaming_network): step t adds the table's row t; Steps rows exist (stream_capacity).
        static constexpr sequence_output output = sequence_output::every_step;
        static constexpr std::size_t stream_capacity = steps;
        class stream
        {
        public:
            explicit stream(const sinusoidal_position_layer& /*l*/) noexcept {}
            void refresh(const sinusoidal_position_layer& /*l*/) noexcept {}
            void reset() noexcept { steps_ = 0; }
            void run(const T* in, T* out) noexcept
            {
                std::fill_n(out, kernels::padded_size<T>(width), T(0));
                for (std::size_t i = 0; i < width; ++i)
                {
                    out[i] = steps_ < steps ? in[i] + static_cast<T>(value(steps_, i)) : std::numeric_limits<T>::quiet_NaN();
                }
                ++steps_;
            }

        private:
            std::size_t steps_ = 0;
        };

    private:
        void fill() noexcept
        {
            for (std::size_t t = 0; t < steps; ++t)
            {
                for (std::size_t i = 0; i < width; ++i)
                {
                    table_[t * width + i] = static_cast<T>(value(t, i));
                }
            }
        }

        tensor_buffer<T, Shape> table_;
    };

    PRECAST_EXPORT template <class... Options>
    struct sinusoidal_position
    {
        static_assert(sizeof...(Options) == 0, "precast::sinusoidal_position<>: it takes no options");
        template <scalar T, static_shape In>
            requires(In::rank == 2)
        using bind = sinusoidal_position_layer<T, In>;
    };
}
