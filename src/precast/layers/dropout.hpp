// dropout<Rate>: in training, each value is zeroed with probability Rate and the survivors are scaled by
// 1 / (1 - Rate) ("inverted" dropout), so inference needs no rescaling: there the layer is the identity.
// The mask comes from the layer's own random_engine, seeded by the network (seed + layer position), so a run
// is reproducible. Backward multiplies by the mask of the last training forward pass.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <precast/core/matrix_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>

namespace precast
{
    template <scalar T, std::size_t N, double Rate>
    class dropout_layer
    {
        static_assert(Rate >= 0.0 && Rate < 1.0, "precast::dropout<Rate>: Rate is the probability of dropping a value; it must be in [0, 1)");

    public:
        using value_type = T;
        static constexpr const char* name = "dropout";
        static constexpr std::size_t input_size = N;
        static constexpr std::size_t output_size = N;
        static constexpr std::size_t forward_flops = N;
        static constexpr std::size_t backward_flops = N;
        static constexpr double rate = Rate;

        template <std::size_t B>
        struct workspace
        {
            tensor_buffer<T, shape<B, N>> mask;  // 0 or 1 / (1 - Rate)
            bool active = false;                 // whether the last forward pass dropped anything
        };

        void seed(std::uint64_t s) noexcept { rng_ = random_engine(s); }

        template <std::size_t B>
        void forward(matrix_view<const T, B, N> x, matrix_view<T, B, N> y, workspace<B>& ws, mode m) noexcept
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
        void backward(matrix_view<const T, B, N> /*x*/, matrix_view<const T, B, N> /*y*/, matrix_view<const T, B, N> dy,
                      matrix_view<T, B, N> dx, workspace<B>& ws) const noexcept
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

    private:
        random_engine rng_{0};
    };

    template <double Rate>
    struct dropout
    {
        template <scalar T, std::size_t In>
        using bind = dropout_layer<T, In, Rate>;
    };
}
