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
#include <precast/kernels/dot.hpp>
#include <precast/kernels/gemm.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    PRECAST_EXPORT struct with_bias
    {
        static constexpr bool value = true;
    };
    PRECAST_EXPORT struct no_bias
    {
        static constexpr bool value = false;
    };

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

        // Below this many rows (samples times positions) the forward pass uses dot products instead of the GEMM.
        static constexpr std::size_t small_batch_limit = 4;

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
            else if constexpr (In <= 4 * kernels::simd_width<T>)
            {
                // A few short rows: the row held in registers (narrow ones for a narrow layer, as frozen_network
                // does), one dot product of known length per output, W read in place; no call per output.
                using row_lanes = kernels::lanes<T, In>;
                using batch = typename row_lanes::batch;
                constexpr std::size_t whole = In / row_lanes::width;
                for (std::size_t r = 0; r < M; ++r)
                {
                    const T* x_row = x.data() + r * In;
                    batch x_reg[whole + 1];
                    for (std::size_t g = 0; g < whole; ++g)
                    {
                        x_reg[g] = batch::load_unaligned(x_row + g * row_lanes::width);
                    }
                    // x times a row of W over its whole registers, lane by lane (whole > 0).
                    const auto row_products = [&](const T* w_row) {
                        batch p = x_reg[0] * batch::load_unaligned(w_row);
                        for (std::size_t g = 1; g < whole; ++g)
                        {
                            p = kernels::lane_fma(x_reg[g], batch::load_unaligned(w_row + g * row_lanes::width), p);
                        }
                        return p;
                    };
                    T* y_row = y.data() + r * Out;
                    if constexpr (In % row_lanes::width == 0 && Out >= 4)
                    {
                        // Rows of whole registers: the products of a register's worth of outputs summed together
                        // by a transposing reduction (xsimd's haddp, on at most 256 bits), straight into a register
                        // of outputs; the bias added and the fused activation applied there, no output passing
                        // through memory on its own.
                        using sum_batch = decltype(kernels::fold_to_256_bits(std::declval<batch>()));
                        constexpr std::size_t width = sum_batch::size;
                        for (std::size_t o0 = 0; o0 < Out; o0 += width)
                        {
                            sum_batch products[width];
                            for (std::size_t j = 0; j < width; ++j)
                            {
                                products[j] = o0 + j < Out ? kernels::fold_to_256_bits(row_products(w + (o0 + j) * In)) : sum_batch(T(0));
                            }
                            sum_batch z = xsimd::haddp(products);
                            const std::size_t count = std::min(width, Out - o0);
                            if (count == width)
                            {
                                if constexpr (HasBias)
                                {
                                    z += sum_batch::load_unaligned(b + o0);
                                }
                                z.store_unaligned(y_row + o0);
                            }
                            else
                            {
                                alignas(64) T values[width];
                                z.store_aligned(values);
                                for (std::size_t j = 0; j < count; ++j)
                                {
                                    values[j] += HasBias ? b[o0 + j] : T(0);
                                }
                                std::copy_n(values, count, y_row + o0);
                                z = sum_batch::load_aligned(values);
                            }
                            if constexpr (kernels::register_epilogue<Epilogue, std::remove_cvref_t<decltype(z)>>)
                            {
                                epilogue.on_register(z, y_row + o0, count);
                            }
                            else
                            {
                                kernels::apply_epilogue(epilogue, y_row + o0, count);
                            }
                        }
                        continue;
                    }
                    // One sum per output, gathered into registers of outputs without passing through memory (g++
                    // stored the sums one by one and read them back as a register: a failed store forwarding that
                    // cost 2-8-8-1 ~18 ns a sample).
                    const auto output = [&](std::size_t o) {
                        const T* w_row = w + o * In;
                        T sum = HasBias ? b[o] : T(0);
                        if constexpr (whole > 0)
                        {
                            sum += kernels::sum_of_lanes(row_products(w_row));
                        }
                        for (std::size_t k = whole * row_lanes::width; k < In; ++k)
                        {
                            sum += x_row[k] * w_row[k];
                        }
                        return sum;
                    };
                    using out_lanes = kernels::lanes<T, Out>;
                    using out_batch = typename out_lanes::batch;
                    constexpr std::size_t out_width = out_lanes::width;
                    constexpr bool in_registers = kernels::register_epilogue<Epilogue, out_batch>;
                    kernels::PRECAST_SIMD_ABI::detail::unroll(
                        [&](auto group) {
                            constexpr std::size_t o0 = group * out_width;
                            constexpr std::size_t count = std::min(out_width, Out - o0);
                            const out_batch z = [&]<std::size_t... L>(std::index_sequence<L...>) {
                                return out_batch{(o0 + L < Out ? output(o0 + L) : T(0))...};
                            }(std::make_index_sequence<out_width>{});
                            if constexpr (count == out_width)
                            {
                                z.store_unaligned(y_row + o0);
                            }
                            else
                            {
                                alignas(64) T values[out_width];
                                z.store_aligned(values);
                                std::copy_n(values, count, y_row + o0);
                            }
                            if constexpr (in_registers)
                            {
                                epilogue.on_register(z, y_row + o0, count);
                            }
                        },
                        std::make_index_sequence<out_lanes::count>{});
                    if constexpr (!in_registers)
                    {
                        kernels::apply_epilogue(epilogue, y_row, Out);
                    }
                }
            }
            else
            {
                // A few rows: one dot product per output reads W in place, where the GEMM would first have to
                // repack all of W for too little work.
                for (std::size_t r = 0; r < M; ++r)
                {
                    const T* x_row = x.data() + r * In;
                    for (std::size_t o = 0; o < Out; ++o)
                    {
                        const T sum = kernels::dot(x_row, w + o * In, In);
                        y.data()[r * Out + o] = HasBias ? sum + b[o] : sum;
                    }
                }
                kernels::apply_epilogue(epilogue, y.data(), M * Out);
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
                kernels::gemm<T, M, In, Out, kernels::row_major<Out>, kernels::row_major<In>>(dy.data(), parameters().data(), dx.data(), false, nullptr, dx_epilogue);
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
                using batch = kernels::simd_batch<T>;
                constexpr std::size_t width = batch::size;
                constexpr std::size_t registers = out_padded / width;
                // Few output registers: two interleaved sums over k halve the FMA dependency chain.
                constexpr std::size_t chains = registers < 4 ? 2 : 1;
                batch acc[chains][registers];
                for (std::size_t r = 0; r < registers; ++r)
                {
                    acc[0][r] = batch::load_aligned(bias_.data() + r * width);
                    if constexpr (chains == 2)
                    {
                        acc[1][r] = batch(T(0));
                    }
                }
                std::size_t k = 0;
                for (; k + chains <= In; k += chains)
                {
                    for (std::size_t c = 0; c < chains; ++c)
                    {
                        const batch xk(in[k + c]);
                        const T* row = weights_t_.data() + (k + c) * out_padded;
                        for (std::size_t r = 0; r < registers; ++r)
                        {
                            acc[c][r] = kernels::fused_multiply_add<T>(xk, batch::load_aligned(row + r * width), acc[c][r]);
                        }
                    }
                }
                if constexpr (In % chains != 0)
                {
                    const batch xk(in[In - 1]);
                    const T* row = weights_t_.data() + (In - 1) * out_padded;
                    for (std::size_t r = 0; r < registers; ++r)
                    {
                        acc[0][r] = kernels::fused_multiply_add<T>(xk, batch::load_aligned(row + r * width), acc[0][r]);
                    }
                }
                for (std::size_t r = 0; r < registers; ++r)
                {
                    batch sum = acc[0][r];
                    if constexpr (chains == 2)
                    {
                        sum += acc[1][r];
                    }
                    sum.store_aligned(out + r * width);
                }
            }

            // The same on a sample held in registers. Wide outputs: bias + sum_k x_k W^T[k] on the output's own
            // (possibly narrow) registers, in up to four interleaved chains so that the FMA latency does not add
            // up along k; small layers are unrolled completely. One to three outputs: dot products of x with the
            // rows of W instead, as broadcasting every x_k would cost more than the sums.
            kernels::lanes<T, Out> apply(const kernels::lanes<T, In>& x) const noexcept
            {
                using out_lanes = kernels::lanes<T, Out>;
                using in_lanes = kernels::lanes<T, In>;
                if constexpr (dot_products)
                {
                    using batch = typename in_lanes::batch;
                    alignas(64) T values[out_lanes::padded] = {};
                    for (std::size_t o = 0; o < Out; ++o)
                    {
                        // The bias rides in the first lane of the first product, so no add follows the sum.
                        const T* row = weights_.data() + o * in_lanes::padded;
                        batch sum = kernels::lane_fma(x.reg[0], batch::load_aligned(row), batch::load_aligned(bias_lanes_.data() + o * in_lanes::width));
                        for (std::size_t r = 1; r < in_lanes::count; ++r)
                        {
                            sum = kernels::lane_fma(x.reg[r], batch::load_aligned(row + r * in_lanes::width), sum);
                        }
                        values[o] = kernels::sum_of_lanes(sum);
                    }
                    if constexpr (Out == 1)
                    {
                        // Straight from the register: a scalar store and a wide load of the same bytes stall.
                        return out_lanes{{typename out_lanes::batch(values[0])}};
                    }
                    else
                    {
                        return out_lanes::load(values);
                    }
                }
                else
                {
                    using batch = typename out_lanes::batch;
                    constexpr std::size_t width = out_lanes::width;
                    constexpr std::size_t registers = out_lanes::count;
                    constexpr std::size_t chains = std::min<std::size_t>({In, 4, std::max<std::size_t>(1, 8 / registers)});
                    alignas(64) T xs[in_lanes::padded];
                    x.store(xs);
                    batch acc[chains][registers];
                    for (std::size_t r = 0; r < registers; ++r)
                    {
                        acc[0][r] = batch::load_aligned(bias_.data() + r * width);
                        for (std::size_t c = 1; c < chains; ++c)
                        {
                            acc[c][r] = batch(T(0));
                        }
                    }
                    const auto step = [&](std::size_t k, std::size_t c) {
                        const batch xk(xs[k]);
                        const T* row = weights_t_.data() + k * out_padded;
                        for (std::size_t r = 0; r < registers; ++r)
                        {
                            acc[c][r] = kernels::lane_fma(xk, batch::load_aligned(row + r * width), acc[c][r]);
                        }
                    };
                    if constexpr (In * registers <= 256)
                    {
                        [&]<std::size_t... K>(std::index_sequence<K...>) { (step(K, K % chains), ...); }(std::make_index_sequence<In>{});
                    }
                    else
                    {
                        for (std::size_t k = 0; k < In; ++k)
                        {
                            step(k, k % chains);
                        }
                    }
                    // The chains summed as a tree, written out: g++ keeps a looped reduction in memory.
                    out_lanes y;
                    for (std::size_t r = 0; r < registers; ++r)
                    {
                        if constexpr (chains == 1)
                        {
                            y.reg[r] = acc[0][r];
                        }
                        else if constexpr (chains == 2)
                        {
                            y.reg[r] = acc[0][r] + acc[1][r];
                        }
                        else if constexpr (chains == 3)
                        {
                            y.reg[r] = (acc[0][r] + acc[1][r]) + acc[2][r];
                        }
                        else
                        {
                            y.reg[r] = (acc[0][r] + acc[1][r]) + (acc[2][r] + acc[3][r]);
                        }
                    }
                    return y;
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
