// reshape_to<Dims...> and flatten: the same values under another shape. Samples are row-major, so neither moves
// anything but a copy into the next layer's buffer; backward copies the gradient back.
//
//   network<input<784>, reshape_to<28, 28>, dense<64>, flatten, dense<10>>   // [28, 28] -> [28, 64] -> [1792]
#pragma once

#include <algorithm>
#include <cstddef>

#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape InputShape, static_shape OutputShape>
    class reshape_layer
    {
        static_assert(InputShape::size == OutputShape::size,
                      "precast::reshape_to<...>: the new shape must have as many elements as the previous layer's output (see the shapes "
                      "in reshape_layer<T, input shape, new shape> below)");

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = OutputShape;
        static constexpr const char* name = "reshape";

        template <std::size_t B>
        using workspace = no_workspace;

        template <std::size_t B>
        void forward(batch_view<const T, B, InputShape> x, batch_view<T, B, OutputShape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            std::copy_n(x.data(), B * InputShape::size, y.data());
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, InputShape> /*x*/, batch_view<const T, B, OutputShape> /*y*/, batch_view<const T, B, OutputShape> dy,
                      batch_view<T, B, InputShape> dx, no_workspace& /*ws*/) const noexcept
        {
            if (!dx.empty())
            {
                std::copy_n(dy.data(), B * InputShape::size, dx.data());
            }
        }

        // The batch-1 form for frozen_network: the padded sample as it is.
        class frozen
        {
        public:
            explicit frozen(const reshape_layer&) noexcept {}
            void refresh(const reshape_layer&) noexcept {}
            void run(const T* in, T* out) const noexcept { std::copy_n(in, kernels::padded_size<T>(InputShape::size), out); }
        };
    };

    // The spec: the previous layer's output as shape<Dims...> (as many elements).
    PRECAST_EXPORT template <std::size_t... Dims>
    struct reshape_to
    {
        template <scalar T, static_shape In>
        using bind = reshape_layer<T, In, shape<Dims...>>;
    };

    // The spec: the previous layer's output as a vector.
    PRECAST_EXPORT struct flatten
    {
        template <scalar T, static_shape In>
        using bind = reshape_layer<T, In, shape<In::size>>;
    };
}
