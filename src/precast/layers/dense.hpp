// dense<Out>: a fully connected layer, y = x W^T + b, with W of shape [Out][In] (row-major, as PyTorch's
// Linear.weight) and b of Out values. dense<Out, no_bias> drops b.
//
// Parameters are one flat vector: W (Out * In values, row o holds the weights into output o), then b.
// Backward: dW = dy^T x, db = sum over the batch of dy, dx = dy W.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>

#include <precast/concepts.hpp>
#include <precast/core/matrix_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/kernels/gemm.hpp>
#include <precast/layers/activation.hpp>

namespace precast
{
    struct with_bias
    {
        static constexpr bool value = true;
    };
    struct no_bias
    {
        static constexpr bool value = false;
    };

    template <scalar T, std::size_t In, std::size_t Out, bool HasBias = true>
    class dense_layer
    {
        static_assert(In > 0 && Out > 0, "precast::dense_layer: input and output sizes must be at least 1");

    public:
        using value_type = T;
        static constexpr const char* name = HasBias ? "dense" : "dense_no_bias";
        static constexpr std::size_t input_size = In;
        static constexpr std::size_t output_size = Out;
        static constexpr bool has_bias = HasBias;
        static constexpr std::size_t weight_count = Out * In;
        static constexpr std::size_t parameter_count = weight_count + (HasBias ? Out : 0);
        // Nominal FLOPs per sample (a multiply-add is 2). Backward counts dW and dx; dx is skipped for a first layer.
        static constexpr std::size_t forward_flops = 2 * In * Out + (HasBias ? Out : 0);
        static constexpr std::size_t backward_flops = 4 * In * Out + (HasBias ? Out : 0);

        static constexpr auto parameter_tensors = [] {
            if constexpr (HasBias)
            {
                return std::array<parameter_tensor, 2>{{{"weights", 0, Out, In}, {"bias", weight_count, Out, 1}}};
            }
            else
            {
                return std::array<parameter_tensor, 1>{{{"weights", 0, Out, In}}};
            }
        }();

        using parameter_vector = tensor_buffer<T, shape<parameter_count>>;

        template <std::size_t B>
        using workspace = no_workspace;

        // Below this batch size the forward pass uses dot products instead of the GEMM.
        static constexpr std::size_t small_batch_limit = 4;

        [[nodiscard]] parameter_vector& parameters() noexcept { return parameters_; }
        [[nodiscard]] const parameter_vector& parameters() const noexcept { return parameters_; }
        [[nodiscard]] parameter_vector& gradients() noexcept { return gradients_; }
        [[nodiscard]] const parameter_vector& gradients() const noexcept { return gradients_; }

        [[nodiscard]] matrix_view<T, Out, In> weights() noexcept { return matrix_view<T, Out, In>(parameters_.data()); }
        [[nodiscard]] matrix_view<const T, Out, In> weights() const noexcept { return matrix_view<const T, Out, In>(parameters_.data()); }
        [[nodiscard]] std::span<T, Out> bias() noexcept
            requires HasBias
        {
            return std::span<T, Out>(parameters_.data() + weight_count, Out);
        }
        [[nodiscard]] std::span<const T, Out> bias() const noexcept
            requires HasBias
        {
            return std::span<const T, Out>(parameters_.data() + weight_count, Out);
        }

        // Weights from the initializer (fan_in = In, fan_out = Out); bias zero.
        template <initializer Init>
        void initialize(const Init& init, random_engine& rng)
        {
            init.fill(std::span<T>(parameters_.data(), weight_count), In, Out, rng);
            for (std::size_t i = weight_count; i < parameter_count; ++i)
            {
                parameters_[i] = T(0);
            }
        }

        // The network passes an epilogue to fuse the following activation (kernels/gemm.hpp, layers/activation.hpp).
        static constexpr bool accepts_epilogues = true;

        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void forward(matrix_view<const T, B, In> x, matrix_view<T, B, Out> y, no_workspace& /*ws*/, mode /*m*/,
                     const Epilogue& epilogue = {}) const noexcept
        {
            const T* w = parameters_.data();
            const T* b = HasBias ? w + weight_count : nullptr;
            if constexpr (B >= small_batch_limit)
            {
                // Y = X W^T + b: W is [Out][In], i.e. B(k, j) = W[j][k].
                kernels::gemm<T, B, Out, In, In, 1, 1, In, Out>(x.data(), w, y.data(), false, b, epilogue);
            }
            else
            {
                // A few samples: one dot product per output reads W in place, where the GEMM would first have to
                // repack all of W for too little work.
                for (std::size_t s = 0; s < B; ++s)
                {
                    const T* x_row = x.data() + s * In;
                    for (std::size_t o = 0; o < Out; ++o)
                    {
                        const T sum = kernels::dot(x_row, w + o * In, In);
                        y(s, o) = HasBias ? sum + b[o] : sum;
                    }
                }
                kernels::apply_epilogue(epilogue, y.data(), B * Out);
            }
        }

        // dx_epilogue runs on dx (the network fuses the previous activation's derivative this way).
        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void backward(matrix_view<const T, B, In> x, matrix_view<const T, B, Out> /*y*/, matrix_view<const T, B, Out> dy,
                      matrix_view<T, B, In> dx, no_workspace& /*ws*/, const Epilogue& dx_epilogue = {}) noexcept
        {
            T* dw = gradients_.data();
            // dW = dY^T X: A(i, k) = dY[k][i].
            kernels::gemm<T, Out, In, B, 1, Out, In, 1, In>(dy.data(), x.data(), dw, false);
            if constexpr (HasBias)
            {
                T* db = dw + weight_count;
                std::copy_n(dy.data(), Out, db);
                for (std::size_t s = 1; s < B; ++s)
                {
                    kernels::axpy(T(1), dy.data() + s * Out, db, Out);
                }
            }
            if (!dx.empty())
            {
                // dX = dY W.
                kernels::gemm<T, B, In, Out, Out, 1, In, 1, In>(dy.data(), parameters_.data(), dx.data(), false, nullptr, dx_epilogue);
            }
        }

    private:
        parameter_vector parameters_;
        parameter_vector gradients_;
    };

    // The spec: dense<Out> binds to the previous layer's output size; dense<Out, no_bias> has no bias.
    template <std::size_t Out, class Bias = with_bias>
    struct dense
    {
        static_assert(Out > 0, "precast::dense<Out>: a dense layer needs at least one output");

        template <scalar T, std::size_t In>
        using bind = dense_layer<T, In, Out, Bias::value>;
    };
}
