// dense<Out>: a fully connected layer on the last axis, y = x W^T + b, with W of shape [Out][In] (row-major, as
// PyTorch's Linear.weight) and b of Out values; dense<Out, no_bias> drops b. Every leading axis of the sample
// is a position that shares W and b: [steps, In] -> [steps, Out] is one GEMM of B * steps rows (as PyTorch's
// Linear and Keras' Dense).
//
// Parameters are one flat vector: W (Out * In values, row o holds the weights into output o), then b.
// Backward: dW = dy^T x, db = sum over the rows of dy, dx = dy W.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/kernels/gemm.hpp>
#include <precast/kernels/gemv.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    namespace detail
    {
        template <scalar T, std::size_t In, std::size_t Out, bool HasBias>
        class frozen_dense;
    }

    PRECAST_EXPORT template <scalar T, static_shape InputShape, std::size_t Out, bool HasBias = true>
    class dense_layer : public parameter_slot<T, Out * last_extent<InputShape> + (HasBias ? Out : 0)>
    {
        static_assert(Out > 0, "precast::dense_layer: a dense layer needs at least one output");
        static constexpr std::size_t In = last_extent<InputShape>;
        // Positions per sample: rows of the GEMM per sample.
        static constexpr std::size_t P = leading_size<InputShape>;

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = with_last_extent<InputShape, Out>;
        static constexpr const char* name = HasBias ? "dense" : "dense_no_bias";
        static constexpr std::size_t inputs = In;
        static constexpr std::size_t outputs = Out;
        [[deprecated("use dense_layer::inputs")]] static constexpr std::size_t input_size = In;
        [[deprecated("use dense_layer::outputs")]] static constexpr std::size_t output_size = Out;
        static constexpr bool has_bias = HasBias;
        static constexpr std::size_t weight_count = Out * In;
        static constexpr std::size_t parameter_count = weight_count + (HasBias ? Out : 0);
        // Nominal FLOPs per sample (a multiply-add is 2). Backward counts dW and dx; dx is skipped for a first layer.
        static constexpr std::size_t forward_flops = P * (2 * In * Out + (HasBias ? Out : 0));
        static constexpr std::size_t backward_flops = P * (4 * In * Out + (HasBias ? Out : 0));

        static constexpr auto parameter_tensors = [] {
            if constexpr (HasBias)
            {
                return std::array<parameter_tensor, 2>{{{"weights", 0, {Out, In}}, {"bias", weight_count, {Out}}}};
            }
            else
            {
                return std::array<parameter_tensor, 1>{{{"weights", 0, {Out, In}}}};
            }
        }();

        using parameter_vector = parameter_view<T, parameter_count>;
        using parameter_slot<T, parameter_count>::parameters;
        using parameter_slot<T, parameter_count>::gradients;

        template <std::size_t B>
        using workspace = no_workspace;

        // Below this many rows (samples times positions) the forward pass does not use the GEMM (kernels/gemv.hpp).
        static constexpr std::size_t small_batch_limit = kernels::few_rows_limit;

        [[nodiscard]] matrix_view<T, Out, In> weights() noexcept { return matrix_view<T, Out, In>(parameters().data()); }
        [[nodiscard]] matrix_view<const T, Out, In> weights() const noexcept { return matrix_view<const T, Out, In>(parameters().data()); }
        [[nodiscard]] std::span<T, Out> bias() noexcept
            requires HasBias
        {
            return std::span<T, Out>(parameters().data() + weight_count, Out);
        }
        [[nodiscard]] std::span<const T, Out> bias() const noexcept
            requires HasBias
        {
            return std::span<const T, Out>(parameters().data() + weight_count, Out);
        }
        // dLoss/d(weights) and dLoss/d(bias) of the last backward pass, laid out as weights() and bias().
        [[nodiscard]] matrix_view<const T, Out, In> weight_gradients() const noexcept { return matrix_view<const T, Out, In>(gradients().data()); }
        [[nodiscard]] std::span<const T, Out> bias_gradients() const noexcept
            requires HasBias
        {
            return std::span<const T, Out>(gradients().data() + weight_count, Out);
        }

        // Weights from the initializer (fan_in = In, fan_out = Out); bias zero.
        template <initializer Init>
        void initialize(const Init& init, random_engine& rng)
        {
            init.fill(std::span<T>(parameters().data(), weight_count), In, Out, rng);
            for (std::size_t i = weight_count; i < parameter_count; ++i)
            {
                parameters()[i] = T(0);
            }
        }

        // The epilogue runs on y: the network fuses the following activation this way (concepts.hpp, epilogue_layer).
        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, no_workspace& /*ws*/, mode /*m*/,
                     const Epilogue& epilogue = {}) const noexcept
        {
            constexpr std::size_t M = B * P;
            const T* w = parameters().data();
            const T* b = HasBias ? w + weight_count : nullptr;
            if constexpr (M >= small_batch_limit)
            {
                // Y = X W^T + b: W is [Out][In], i.e. B(k, j) = W[j][k].
                kernels::gemm<T, M, Out, In, kernels::row_major<In>, kernels::transposed<In>>(x.data(), w, y.data(), false, b, epilogue);
            }
            else
            {
                kernels::few_rows_times_transposed<T, M, Out, In, HasBias>(x.data(), w, b, y.data(), epilogue);
            }
        }

        // dx_epilogue runs on dx (the network fuses the previous activation's derivative this way).
        template <std::size_t B, class Epilogue = kernels::no_epilogue>
        void backward(batch_view<const T, B, input_shape> x, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, no_workspace& /*ws*/, const Epilogue& dx_epilogue = {}) noexcept
        {
            constexpr std::size_t M = B * P;
            T* dw = gradients().data();
            // dW = dY^T X: A(i, k) = dY[k][i].
            kernels::gemm<T, Out, In, M, kernels::transposed<Out>, kernels::row_major<In>>(dy.data(), x.data(), dw, false);
            if constexpr (HasBias)
            {
                T* db = dw + weight_count;
                std::copy_n(dy.data(), Out, db);
                for (std::size_t r = 1; r < M; ++r)
                {
                    kernels::axpy(T(1), dy.data() + r * Out, db, Out);
                }
            }
            if (!dx.empty())
            {
                // dX = dY W.
                kernels::gemm<T, M, In, Out, kernels::row_major<Out>, kernels::row_major<In>>(dy.data(), parameters().data(), dx.data(), false, nullptr,
                                                                                              dx_epilogue);
            }
        }

        // The batch-1 form for frozen_network (concepts.hpp, frozen_form), for a vector input.
        using frozen = std::conditional_t<P == 1, detail::frozen_dense<T, In, Out, HasBias>, void>;

        // The same layer on one position (concepts.hpp, positionwise_layer): streaming_network runs it a step at a time.
        using per_position = dense_layer<T, shape<In>, Out, HasBias>;
        [[nodiscard]] per_position per_position_form() const
        {
            per_position one;
            one.parameters() = parameters();
            return one;
        }

        // The same layer computing scale[o] y_o + shift[o] (concepts.hpp, absorbs_output_affine): how frozen and
        // streaming networks run a batch_norm after it, at no cost.
        using with_bias = dense_layer<T, InputShape, Out, true>;
        [[nodiscard]] with_bias with_output_affine(const std::array<T, Out>& scale, const std::array<T, Out>& shift) const
        {
            with_bias folded;
            detail::scale_output_rows(parameters(), HasBias, folded.parameters(), In, scale, shift);
            return folded;
        }
    };

    namespace detail
    {
        // Dense at batch 1: bias + sum_k x_k W^T[k], with W^T copied once, [In][Out] and Out padded to whole
        // registers: broadcasts and FMAs on whole registers, no horizontal sums, no repacking per call.
        template <scalar T, std::size_t In, std::size_t Out, bool HasBias>
        class frozen_dense
        {
            using layer_type = dense_layer<T, shape<In>, Out, HasBias>;
            static constexpr std::size_t out_padded = kernels::padded_size<T>(Out);

        public:
            explicit frozen_dense(const layer_type& l) { refresh(l); }

            void refresh(const layer_type& l) noexcept
            {
                const auto w = l.weights();
                for (std::size_t k = 0; k < In; ++k)
                {
                    for (std::size_t o = 0; o < out_padded; ++o)
                    {
                        weights_t_(k, o) = o < Out ? w(o, k) : T(0);
                    }
                }
                for (std::size_t o = 0; o < out_padded; ++o)
                {
                    if constexpr (HasBias)
                    {
                        bias_[o] = o < Out ? l.bias()[o] : T(0);
                    }
                    else
                    {
                        bias_[o] = T(0);
                    }
                }
                if constexpr (dot_products)
                {
                    for (std::size_t o = 0; o < Out; ++o)
                    {
                        for (std::size_t k = 0; k < kernels::lanes<T, In>::padded; ++k)
                        {
                            weights_[o * kernels::lanes<T, In>::padded + k] = k < In ? w(o, k) : T(0);
                        }
                        for (std::size_t k = 0; k < kernels::lanes<T, In>::width; ++k)
                        {
                            bias_lanes_[o * kernels::lanes<T, In>::width + k] = k == 0 ? bias_[o] : T(0);
                        }
                    }
                }
            }

            void run(const T* in, T* out) const noexcept
            {
                if constexpr (dot_products)
                {
                    // One to three outputs: dot products of the sample with W's rows (a network's head), not a
                    // broadcast of every input into a register of mostly padding.
                    using out_lanes = kernels::lanes<T, Out>;
                    apply(kernels::lanes<T, In>::load(in)).store(out);
                    std::fill(out + out_lanes::padded, out + out_padded, T(0));
                    return;
                }
                kernels::broadcast_tiles<T, out_padded, 0, out_padded / kernels::simd_width<T>, In, 0>(weights_t_.data(), in, nullptr, nullptr, bias_.data(),
                                                                                                       out);
            }

            // The same on a sample held in registers: bias + sum_k x_k W^T[k], or for one to three outputs dot
            // products of x with the rows of W.
            kernels::lanes<T, Out> apply(const kernels::lanes<T, In>& x) const noexcept
            {
                if constexpr (dot_products)
                {
                    return kernels::lanes_dot_rows<T, In, Out>(x, weights_.data(), bias_lanes_.data());
                }
                else
                {
                    return kernels::lanes_times_transposed<T, In, Out, out_padded>(x, weights_t_.data(), bias_.data());
                }
            }

        private:
            static constexpr bool dot_products = Out < 4;

            tensor_buffer<T, shape<In, out_padded>> weights_t_;
            tensor_buffer<T, shape<out_padded>> bias_;
            // W row by row, each row zero-padded to the input's registers, and each bias in the first lane of a
            // register of zeros (dot-product layers only).
            tensor_buffer<T, shape<dot_products ? Out * kernels::lanes<T, In>::padded : 1>> weights_;
            tensor_buffer<T, shape<dot_products ? Out * kernels::lanes<T, In>::width : 1>> bias_lanes_;
        };
    }

    // The spec: dense<Out> binds to the previous layer's output shape and acts on its last axis; dense<Out,
    // no_bias> has no bias.
    PRECAST_EXPORT template <std::size_t Out, class Bias = with_bias>
    struct dense
    {
        static_assert(Out > 0, "precast::dense<Out>: a dense layer needs at least one output");

        template <scalar T, static_shape In>
        using bind = dense_layer<T, In, Out, Bias::value>;
    };
}
