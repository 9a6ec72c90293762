// position_embedding<>: adds a learned vector per position to a sequence [Steps, E], y[t] = x[t] + weight[t] (GPT's
// learned positions: PyTorch's nn.Embedding(Steps, E) applied to arange(Steps) and added). Parameter "weight"
// {Steps, E}, drawn from N(0, 1) as nn.Embedding's. Backward: dx = dy, dweight[t] = the sum over the batch of dy[t].
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
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
    class position_embedding_layer : public parameter_slot<T, Shape::size>
    {
        static_assert(Shape::rank == 2, "precast::position_embedding: its input is a sequence [steps, model width]");
        static constexpr std::size_t N = Shape::size;
        using slot = parameter_slot<T, N>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "position_embedding";
        static constexpr std::size_t parameter_count = N;
        static constexpr std::array<parameter_tensor, 1> parameter_tensors{{{"weight", 0, {Shape::extents[0], Shape::extents[1]}}}};
        static constexpr std::size_t forward_flops = N;
        static constexpr std::size_t backward_flops = N;

        using slot::gradients;
        using slot::parameters;

        template <std::size_t B>
        using workspace = no_workspace;

        template <initializer Init>
        void initialize(const Init& /*init*/, random_engine& rng)
        {
            for (std::size_t i = 0; i < N; ++i)
            {
                parameters()[i] = static_cast<T>(rng.normal(0.0, 1.0));
            }
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            std::copy_n(x.data(), B * N, y.data());
            for (std::size_t b = 0; b < B; ++b)
            {
                kernels::axpy(T(1), parameters().data(), y.data() + b * N, N);
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> /*x*/, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      no_workspace& /*ws*/) noexcept
        {
            std::copy_n(dy.data(), N, gradients().data());
            for (std::size_t b = 1; b < B; ++b)
            {
                kernels::axpy(T(1), dy.data() + b * N, gradients().data(), N);
            }
            if (!dx.empty())
            {
                std::copy_n(dy.data(), B * N, dx.data());
            }
        }

        // One step at a time (streaming_network): step t adds weight[t]. Steps positions exist: streaming_network
        // refuses a step past them (stream_capacity); reset() starts again at position 0.
        static constexpr sequence_output output = sequence_output::every_step;
        static constexpr std::size_t stream_capacity = Shape::extents[0];
        class stream
        {
            static constexpr std::size_t width = Shape::extents[1];

        public:
            explicit stream(const position_embedding_layer& l) { refresh(l); }
            void refresh(const position_embedding_layer& l) noexcept { std::copy_n(l.parameters().data(), N, table_.data()); }
            void reset() noexcept { steps_ = 0; }
            void run(const T* in, T* out) noexcept
            {
                std::fill_n(out, kernels::padded_size<T>(width), T(0));
                for (std::size_t i = 0; i < width; ++i)
                {
                    out[i] = steps_ < stream_capacity ? in[i] + table_.data()[steps_ * width + i] : std::numeric_limits<T>::quiet_NaN();
                }
                ++steps_;
            }

        private:
            tensor_buffer<T, Shape> table_;
            std::size_t steps_ = 0;
        };
    };

    // The spec: position_embedding<> after a layer that outputs [Steps, E] (an embedding).
    PRECAST_EXPORT template <class... Options>
    struct position_embedding
    {
        static_assert(sizeof...(Options) == 0, "precast::position_embedding<>: it takes no options");
        template <scalar T, static_shape In>
            requires(In::rank == 2)
        using bind = position_embedding_layer<T, In>;
    };
}
