// dropout<Rate>: in training, each value is zeroed with probability Rate and the survivors are scaled by
// 1 / (1 - Rate) ("inverted" dropout), so inference needs no rescaling: there the layer is the identity.
// The mask comes from the layer's own random_engine, seeded by the network (seed + layer position), so a run
// is reproducible. Backward multiplies by the mask of the last training forward pass.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <precast/core/batch_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape Shape, double Rate>
    class dropout_layer
    {
        static_assert(Rate >= 0.0 && Rate < 1.0, "precast::dropout<Rate>: Rate is the probability of dropping a value; it must be in [0, 1)");
        static constexpr std::size_t N = Shape::size;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "dropout";
        static constexpr std::size_t forward_flops = N;
        static constexpr std::size_t backward_flops = N;
        static constexpr double rate = Rate;

        template <std::size_t B>
        struct workspace
        {
            tensor_buffer<T, shape<B, N>> mask;  // 0 or 1 / (1 - Rate)
            bool active = false;                 // whether the last forward pass dropped anything
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = B * N * sizeof(T);

        void seed(std::uint64_t s) noexcept { rng_ = random_engine(s); }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, workspace<B>& ws, mode m) noexcept
        {
            ws.active = m == mode::training && Rate > 0.0;
            if (!ws.active)
            {
                std::copy_n(x.data(), B * N, y.data());
                return;
            }
            const T keep_scale = static_cast<T>(1.0 / (1.0 - Rate));
            for (std::size_t i = 0; i < B * N; ++i)
            {
                const T mask = rng_.uniform() < Rate ? T(0) : keep_scale;
                ws.mask[i] = mask;
                y.data()[i] = x.data()[i] * mask;
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> /*x*/, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy,
                      batch_view<T, B, Shape> dx, workspace<B>& ws) const noexcept
        {
            if (dx.empty())
            {
                return;
            }
            if (!ws.active)
            {
                std::copy_n(dy.data(), B * N, dx.data());
                return;
            }
            for (std::size_t i = 0; i < B * N; ++i)
            {
                dx.data()[i] = dy.data()[i] * ws.mask[i];
            }
        }

        // One position, for streaming_network (inference: the identity).
        using per_position = dropout_layer<T, shape<last_extent<Shape>>, Rate>;
        [[nodiscard]] per_position per_position_form() const noexcept { return {}; }

        // The batch-1 form for frozen_network: inference, so the identity on the padded sample.
        class frozen
        {
        public:
            explicit frozen(const dropout_layer&) noexcept {}
            void refresh(const dropout_layer&) noexcept {}
            void run(const T* in, T* out) const noexcept { std::copy_n(in, kernels::padded_size<T>(N), out); }
        };

    private:
        random_engine rng_{0};
    };

    PRECAST_EXPORT template <double Rate>
    struct dropout
    {
        template <scalar T, static_shape In>
        using bind = dropout_layer<T, In, Rate>;
    };
}
