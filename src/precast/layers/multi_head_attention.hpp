// multi_head_attention<Heads>: self-attention over a sequence [Steps, E] (E, the model width, divided into Heads
// heads of d = E / Heads values), as PyTorch's nn.MultiheadAttention(E, Heads, batch_first=True) called with the
// same sequence as query, key and value:
//   [Q K V] = x W_in^T + b_in                           (in_proj_weight [3E, E], in_proj_bias [3E])
//   per head h:  P_h = softmax(Q_h K_h^T / sqrt(d))     (row i: how much step i takes from each step)
//                O_h = dropout(P_h) V_h
//   y = [O_1 ... O_Heads] W_out^T + b_out               (out_proj.weight [E, E], out_proj.bias [E])
// Options, in any order: causal (step i sees steps 0..i only: PyTorch's causal attn_mask, the -inf above the
// diagonal), attention_dropout<Rate> (on P in training, inverted, PyTorch's dropout=Rate), no_bias (bias=False).
// The parameters are named and laid out as PyTorch's state_dict, so its .npz loads as it is.
// Backward (per head, with P~ = dropout(P), M its mask, s = 1 / sqrt(d)):
//   dV_h = P~^T dO_h,  dP~ = dO_h V_h^T,  dP = dP~ M,  dS = P (dP - rowsum(dP P)) s,  dQ_h = dS K_h,  dK_h = dS^T Q_h
// and the two projections as dense layers. Every product is one kernels::gemm on strided operands: a head's
// columns are read where the projection wrote them, and nothing is transposed or copied.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/core/window.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/kernels/gemm.hpp>
#include <precast/kernels/gemv.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/kernels/softmax.hpp>

namespace precast
{
    // Option of multi_head_attention<...>: dropout on the attention weights in training (PyTorch's dropout=Rate).
    PRECAST_EXPORT template <double Rate>
    struct attention_dropout
    {
        static_assert(Rate >= 0.0 && Rate < 1.0, "precast::attention_dropout<Rate>: Rate is the probability of dropping a weight; it must be in [0, 1)");
        static constexpr double value = Rate;
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape, std::size_t Heads, bool Causal = false, double Dropout = 0.0, bool Bias = true>
    class multi_head_attention_layer : public parameter_slot<T, 4 * last_extent<Shape> * last_extent<Shape> + (Bias ? 4 * last_extent<Shape> : 0)>
    {
        static_assert(Shape::rank == 2, "precast::multi_head_attention: its input is a sequence [steps, model width]");
        static constexpr std::size_t S = Shape::extents[0];
        static constexpr std::size_t E = Shape::extents[1];
        static_assert(Heads > 0 && E % Heads == 0, "precast::multi_head_attention<Heads>: Heads must divide the model width (the input's last extent)");
        static constexpr std::size_t d = E / Heads;
        static constexpr std::size_t E3 = 3 * E;
        static constexpr std::size_t in_weight_count = E3 * E;
        static constexpr std::size_t in_bias_offset = in_weight_count;
        static constexpr std::size_t out_weight_offset = in_weight_count + (Bias ? E3 : 0);
        static constexpr std::size_t out_bias_offset = out_weight_offset + E * E;
        using slot = parameter_slot<T, 4 * E * E + (Bias ? 4 * E : 0)>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "multi_head_attention";
        static constexpr std::size_t heads = Heads;
        static constexpr std::size_t head_width = d;
        static constexpr bool is_causal = Causal;
        static constexpr double dropout_rate = Dropout;
        static constexpr std::size_t parameter_count = 4 * E * E + (Bias ? 4 * E : 0);
        static constexpr auto parameter_tensors = [] {
            if constexpr (Bias)
            {
                return std::array<parameter_tensor, 4>{{{"in_proj_weight", 0, {E3, E}},
                                                        {"in_proj_bias", in_bias_offset, {E3}},
                                                        {"out_proj.weight", out_weight_offset, {E, E}},
                                                        {"out_proj.bias", out_bias_offset, {E}}}};
            }
            else
            {
                return std::array<parameter_tensor, 2>{{{"in_proj_weight", 0, {E3, E}}, {"out_proj.weight", out_weight_offset, {E, E}}}};
            }
        }();
        // The projections (2 x 4 E^2 per step) and the two products per head (2 x 2 S d each per step).
        static constexpr std::size_t forward_flops = 8 * S * E * E + 4 * S * S * E;
        static constexpr std::size_t backward_flops = 2 * forward_flops;

        using slot::gradients;
        using slot::parameters;

        // The projections, each head's attention weights and (with dropout) its mask, kept for backward, and the
        // gradients' scratch.
        template <std::size_t B>
        struct workspace
        {
            tensor_buffer<T, shape<B * S, E3>> projected;                         // [Q K V] per step
            tensor_buffer<T, shape<B * S, E>> heads;                              // [O_1 ... O_Heads] per step
            tensor_buffer<T, shape<B * Heads, S, S>> weights;                     // P per sample and head
            tensor_buffer<T, shape<(Dropout > 0.0 ? B * Heads : 1), S, S>> kept;  // dropout(P) and its mask (0 or 1 / (1 - rate))
            tensor_buffer<T, shape<(Dropout > 0.0 ? B * Heads : 1), S, S>> mask;
            tensor_buffer<T, shape<B * S, E3>> projected_gradient;
            tensor_buffer<T, shape<B * S, E>> heads_gradient;
            tensor_buffer<T, shape<S, S>> weights_gradient;
            bool dropped = false;
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes =
            (2 * B * S * E3 + 2 * B * S * E + B * Heads * S * S + 2 * (Dropout > 0.0 ? B * Heads : 1) * S * S + S * S) * sizeof(T);

        // As PyTorch's _reset_parameters with the network's initializer: in_proj_weight as one [3E, E] matrix,
        // out_proj.weight as a dense layer's, biases zero.
        template <initializer Init>
        void initialize(const Init& init, random_engine& rng)
        {
            init.fill(std::span<T>(parameters().data(), in_weight_count), E, E3, rng);
            init.fill(std::span<T>(parameters().data() + out_weight_offset, E * E), E, E, rng);
            if constexpr (Bias)
            {
                std::fill_n(parameters().data() + in_bias_offset, E3, T(0));
                std::fill_n(parameters().data() + out_bias_offset, E, T(0));
            }
        }

        // Dropout's random streams, as dropout_layer's (concepts.hpp, positioned_layer).
        void seed(std::uint64_t s) noexcept
        {
            seed_ = s;
            next_batch_ = 0;
            first_row_ = 0;
        }
        [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
        void position(std::uint64_t batch, std::size_t first_row) noexcept
        {
            next_batch_ = batch;
            first_row_ = first_row;
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, workspace<B>& ws, mode m) noexcept
        {
            using kernels::layout;
            using kernels::row_major;
            using kernels::transposed;
            const T* w = parameters().data();
            T* projected = ws.projected.data();
            kernels::gemm<T, B * S, E3, E, row_major<E>, transposed<E>>(x.data(), w, projected, false, Bias ? w + in_bias_offset : nullptr);
            ws.dropped = m == mode::training && Dropout > 0.0;
            const T scale = T(1) / std::sqrt(static_cast<T>(d));
            for (std::size_t b = 0; b < B; ++b)
            {
                const std::uint64_t row_key = ws.dropped ? random_engine::derive(random_engine::derive(seed_, next_batch_), first_row_ + b) : 0;
                for (std::size_t h = 0; h < Heads; ++h)
                {
                    const T* q = projected + b * S * E3 + h * d;
                    T* p = ws.weights.data() + (b * Heads + h) * S * S;
                    kernels::gemm<T, S, S, d, layout<E3, 1>, layout<1, E3>>(q, q + E, p);
                    for (std::size_t i = 0; i < S; ++i)
                    {
                        T* row = p + i * S;
                        const std::size_t seen = Causal ? i + 1 : S;
                        for (std::size_t j = 0; j < seen; ++j)
                        {
                            row[j] *= scale;
                        }
                        kernels::softmax(row, row, seen);
                        std::fill(row + seen, row + S, T(0));
                    }
                    const T* applied = p;
                    if (ws.dropped)
                    {
                        drop(p, ws.kept.data() + (b * Heads + h) * S * S, ws.mask.data() + (b * Heads + h) * S * S, row_key, h);
                        applied = ws.kept.data() + (b * Heads + h) * S * S;
                    }
                    kernels::gemm<T, S, d, S, row_major<S>, layout<E3, 1>, row_major<E>>(applied, q + 2 * E, ws.heads.data() + b * S * E + h * d);
                }
            }
            if (ws.dropped)
            {
                ++next_batch_;
            }
            kernels::gemm<T, B * S, E, E, row_major<E>, transposed<E>>(ws.heads.data(), w + out_weight_offset, y.data(), false,
                                                                       Bias ? w + out_bias_offset : nullptr);
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> x, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      workspace<B>& ws) noexcept
        {
            using kernels::layout;
            using kernels::row_major;
            using kernels::transposed;
            const T* w = parameters().data();
            T* g = gradients().data();
            const T* projected = ws.projected.data();
            T* projected_gradient = ws.projected_gradient.data();
            T* heads_gradient = ws.heads_gradient.data();
            // The output projection, as a dense layer: dO = dy W_out, dW_out = dy^T O, db_out = column sums of dy.
            kernels::gemm<T, B * S, E, E>(dy.data(), w + out_weight_offset, heads_gradient);
            kernels::gemm<T, E, E, B * S, transposed<E>>(dy.data(), ws.heads.data(), g + out_weight_offset);
            if constexpr (Bias)
            {
                column_sums<B * S, E>(dy.data(), g + out_bias_offset);
            }
            const T scale = T(1) / std::sqrt(static_cast<T>(d));
            T* dp = ws.weights_gradient.data();
            for (std::size_t b = 0; b < B; ++b)
            {
                for (std::size_t h = 0; h < Heads; ++h)
                {
                    const std::size_t at = (b * Heads + h) * S * S;
                    const T* q = projected + b * S * E3 + h * d;
                    const T* p = ws.weights.data() + at;
                    const T* applied = ws.dropped ? ws.kept.data() + at : p;
                    const T* d_o = heads_gradient + b * S * E + h * d;
                    T* dq = projected_gradient + b * S * E3 + h * d;
                    // dV = P~^T dO, dP~ = dO V^T.
                    kernels::gemm<T, S, d, S, layout<1, S>, layout<E, 1>, row_major<E3>>(applied, d_o, dq + 2 * E);
                    kernels::gemm<T, S, S, d, layout<E, 1>, layout<1, E3>>(d_o, q + 2 * E, dp);
                    // Through dropout and the softmax: dS = P (dP - rowsum(dP P)) s (0 where the mask hid a step).
                    for (std::size_t i = 0; i < S; ++i)
                    {
                        T* row = dp + i * S;
                        const T* probability = p + i * S;
                        const std::size_t seen = Causal ? i + 1 : S;  // P is 0 past it, and so is dS
                        if (ws.dropped)
                        {
                            const T* keep = ws.mask.data() + at + i * S;
                            for (std::size_t j = 0; j < seen; ++j)
                            {
                                row[j] *= keep[j];
                            }
                        }
                        const T weighted = kernels::dot(row, probability, seen);
                        for (std::size_t j = 0; j < seen; ++j)
                        {
                            row[j] = probability[j] * (row[j] - weighted) * scale;
                        }
                        std::fill(row + seen, row + S, T(0));
                    }
                    // dQ = dS K, dK = dS^T Q.
                    kernels::gemm<T, S, d, S, row_major<S>, layout<E3, 1>, row_major<E3>>(dp, q + E, dq);
                    kernels::gemm<T, S, d, S, layout<1, S>, layout<E3, 1>, row_major<E3>>(dp, q, dq + E);
                }
            }
            // The input projection: dW_in = d[Q K V]^T x, db_in = column sums, dx = d[Q K V] W_in.
            kernels::gemm<T, E3, E, B * S, transposed<E3>>(projected_gradient, x.data(), g);
            if constexpr (Bias)
            {
                column_sums<B * S, E3>(projected_gradient, g + in_bias_offset);
            }
            if (!dx.empty())
            {
                kernels::gemm<T, B * S, E, E3>(projected_gradient, w, dx.data());
            }
        }

        // One step at a time with a key/value cache (streaming_network), when causal: step t projects its input,
        // appends its key and value to the cache and attends to steps 0..t, as the whole-sequence pass does at
        // position t. The cache holds Steps steps (the input's extent): streaming_network refuses a step past it
        // (stream_capacity); reset() empties it.
        static constexpr bool streams = Causal;
        static constexpr sequence_output output = sequence_output::every_step;
        static constexpr std::size_t stream_capacity = S;

        class stream_form
        {
            static constexpr std::size_t projected_padded = kernels::padded_size<T>(E3);
            static constexpr std::size_t out_padded = kernels::padded_size<T>(E);

        public:
            explicit stream_form(const multi_head_attention_layer& l)
            {
                refresh(l);
                reset();
            }
            void refresh(const multi_head_attention_layer& l) noexcept
            {
                const T* w = l.parameters().data();
                // W^T, each row padded to whole registers (kernels::broadcast_tiles).
                for (std::size_t k = 0; k < E; ++k)
                {
                    for (std::size_t r = 0; r < projected_padded; ++r)
                    {
                        in_weights_t_.data()[k * projected_padded + r] = r < E3 ? w[r * E + k] : T(0);
                    }
                    for (std::size_t r = 0; r < out_padded; ++r)
                    {
                        out_weights_t_.data()[k * out_padded + r] = r < E ? w[out_weight_offset + r * E + k] : T(0);
                    }
                }
                for (std::size_t r = 0; r < projected_padded; ++r)
                {
                    in_bias_.data()[r] = Bias && r < E3 ? w[in_bias_offset + r] : T(0);
                }
                for (std::size_t r = 0; r < out_padded; ++r)
                {
                    out_bias_.data()[r] = Bias && r < E ? w[out_bias_offset + r] : T(0);
                }
            }
            void reset() noexcept { steps_ = 0; }
            [[nodiscard]] std::size_t steps() const noexcept { return steps_; }

            void run(const T* in, T* out) noexcept
            {
                constexpr std::size_t width = kernels::simd_width<T>;
                if (steps_ == S)
                {
                    std::fill_n(out, out_padded, std::numeric_limits<T>::quiet_NaN());  // streaming_network refuses this step first
                    return;
                }
                T* qkv = projected_.data();
                kernels::broadcast_tiles<T, projected_padded, 0, projected_padded / width, E, 0>(in_weights_t_.data(), in, nullptr, nullptr, in_bias_.data(),
                                                                                                 qkv);
                std::copy_n(qkv + E, E, keys_.data() + steps_ * E);
                std::copy_n(qkv + 2 * E, E, values_.data() + steps_ * E);
                const std::size_t seen = steps_ + 1;
                const T scale = T(1) / std::sqrt(static_cast<T>(d));
                T* mixed = mixed_.data();
                for (std::size_t h = 0; h < Heads; ++h)
                {
                    const T* q = qkv + h * d;
                    T* weights = weights_.data();
                    for (std::size_t j = 0; j < seen; ++j)
                    {
                        const T* k = keys_.data() + j * E + h * d;
                        T score = 0;
                        for (std::size_t i = 0; i < d; ++i)
                        {
                            score += q[i] * k[i];
                        }
                        weights[j] = score * scale;
                    }
                    kernels::softmax(weights, weights, seen);
                    T* o = mixed + h * d;
                    std::fill_n(o, d, T(0));
                    for (std::size_t j = 0; j < seen; ++j)
                    {
                        const T* v = values_.data() + j * E + h * d;
                        for (std::size_t i = 0; i < d; ++i)
                        {
                            o[i] += weights[j] * v[i];
                        }
                    }
                }
                kernels::broadcast_tiles<T, out_padded, 0, out_padded / width, E, 0>(out_weights_t_.data(), mixed, nullptr, nullptr, out_bias_.data(), out);
                ++steps_;
            }

        private:
            tensor_buffer<T, shape<E * projected_padded>> in_weights_t_;
            tensor_buffer<T, shape<E * out_padded>> out_weights_t_;
            tensor_buffer<T, shape<projected_padded>> in_bias_;
            tensor_buffer<T, shape<out_padded>> out_bias_;
            tensor_buffer<T, shape<projected_padded>> projected_;
            tensor_buffer<T, shape<S * E>> keys_;  // the cache: step j's key and value
            tensor_buffer<T, shape<S * E>> values_;
            tensor_buffer<T, shape<S>> weights_;
            tensor_buffer<T, shape<out_padded>> mixed_;
            std::size_t steps_ = 0;
        };
        using stream = std::conditional_t<streams, stream_form, void>;

    private:
        // Sums of the rows of a Rows x Cols matrix.
        template <std::size_t Rows, std::size_t Cols>
        static void column_sums(const T* m, T* sums) noexcept
        {
            std::fill_n(sums, Cols, T(0));
            for (std::size_t r = 0; r < Rows; ++r)
            {
                kernels::axpy(T(1), m + r * Cols, sums, Cols);
            }
        }

        // kept = P * mask, the mask drawn from the sample's stream (a weight of head h, row i, column j is draw
        // (h S + i) S + j of it), as dropout_layer draws.
        void drop(const T* p, T* kept, T* mask, std::uint64_t row_key, std::size_t h) const noexcept
        {
            const T keep_scale = static_cast<T>(1.0 / (1.0 - Dropout));
            constexpr std::uint64_t threshold = [] {
                const double scaled = Dropout * 0x1.0p53;
                const auto whole = static_cast<std::uint64_t>(scaled);
                return static_cast<double>(whole) < scaled ? whole + 1 : whole;
            }();
            for (std::size_t k = 0; k < S * S; ++k)
            {
                const T factor = (random_engine::keyed_draw(row_key, h * S * S + k) >> 11) < threshold ? T(0) : keep_scale;
                mask[k] = factor;
                kept[k] = p[k] * factor;
            }
        }

        std::uint64_t seed_ = 0;
        std::uint64_t next_batch_ = 0;
        std::size_t first_row_ = 0;
    };

    namespace detail
    {
        template <class Option>
        struct attention_option
        {
            static constexpr int kind = 0;  // 0 unknown, 1 causal, 2 dropout, 3 no_bias
            static constexpr double value = 0;
        };
        template <>
        struct attention_option<causal>
        {
            static constexpr int kind = 1;
            static constexpr double value = 0;
        };
        template <double R>
        struct attention_option<attention_dropout<R>>
        {
            static constexpr int kind = 2;
            static constexpr double value = R;
        };
        template <>
        struct attention_option<no_bias>
        {
            static constexpr int kind = 3;
            static constexpr double value = 0;
        };
        template <class... Options>
        consteval double attention_dropout_rate() noexcept
        {
            double rate = 0.0;
            ((attention_option<Options>::kind == 2 ? (rate = attention_option<Options>::value, 0) : 0), ...);
            return rate;
        }
    }

    // The spec: multi_head_attention<4>, multi_head_attention<4, causal, attention_dropout<0.1>>, options in any order.
    PRECAST_EXPORT template <std::size_t Heads, class... Options>
    struct multi_head_attention
    {
        static_assert(((detail::attention_option<Options>::kind != 0) && ...),
                      "precast::multi_head_attention<Heads, Options...>: the options are causal, attention_dropout<Rate> and no_bias");
        template <scalar T, static_shape In>
            requires(In::rank == 2)
        using bind = multi_head_attention_layer<T, In, Heads, (std::is_same_v<Options, causal> || ...), detail::attention_dropout_rate<Options...>(),
                                                !(std::is_same_v<Options, no_bias> || ...)>;
    };
}
