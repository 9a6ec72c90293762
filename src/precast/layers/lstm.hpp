// lstm<H>: long short-term memory (Hochreiter & Schmidhuber 1997, with forget gate), as torch.nn.LSTM:
//   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)    f = sigmoid(W_if x + b_if + W_hf h + b_hf + forget_bias)
//   g = tanh(W_ig x + b_ig + W_hg h + b_hg)       o = sigmoid(W_io x + b_io + W_ho h + b_ho)
//   c' = f * c + i * g                            h' = o * tanh(c')
// Gate blocks in the order i, f, g, o. Input [steps, features]; output h, [steps, H], or [H] with last_step;
// stateful carries h and c between forward passes (layers/recurrent.hpp). forget_bias<1.0> adds a constant to
// the forget gate's pre-activation as TensorFlow 1's LSTMCell does (its default is 1; PyTorch has none: 0 here).
//
// Backward, with dh = dLoss/dh' and dc from step t+1: dc += dh o (1 - tanh^2 c'); do = dh tanh c';
// di = dc g; dg = dc i; df = dc c; the previous cell state gets dc f.
#pragma once

#include <cstddef>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/layers/recurrent.hpp>

namespace precast
{
    // lstm<H, forget_bias<1.0>>: a constant added to the forget gate's pre-activation.
    PRECAST_EXPORT template <double Value>
    struct forget_bias
    {
        static constexpr double value = Value;
    };

    namespace detail
    {
        template <class Option>
        struct forget_bias_option
        {
            static constexpr bool is = false;
            static constexpr double value = 0.0;
        };
        template <double Value>
        struct forget_bias_option<forget_bias<Value>>
        {
            static constexpr bool is = true;
            static constexpr double value = Value;
        };
        template <class... Options>
        inline constexpr double forget_bias_of = (0.0 + ... + forget_bias_option<Options>::value);
    }

    // The cell of lstm<H>. After forward the gate row holds i, f, g, o.
    PRECAST_EXPORT template <double ForgetBias = 0.0>
    struct lstm_cell
    {
        static constexpr std::size_t gates = 4;
        static constexpr bool has_cell_state = true;
        static constexpr const char* name = "lstm";
        static constexpr double forget_bias = ForgetBias;

        // Inlined: in a streaming step the call itself costs as much as the gates of a small cell.
        // KeepGates: store what backward needs (a streaming step does not).
        template <scalar T, bool KeepGates = true>
        [[gnu::always_inline]] static void forward_row(std::size_t n, const cell_forward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                using batch = kernels::simd_batch<T>;
                const batch input = kernels::gate_sigmoid(l.load(rows.gates) + l.load(rows.recurrent));
                const batch forget = kernels::gate_sigmoid(l.load(rows.gates + n) + l.load(rows.recurrent + n) + batch(static_cast<T>(ForgetBias)));
                const batch candidate = kernels::tanh_of(l.load(rows.gates + 2 * n) + l.load(rows.recurrent + 2 * n));
                const batch output = kernels::gate_sigmoid(l.load(rows.gates + 3 * n) + l.load(rows.recurrent + 3 * n));
                const batch cell = forget * l.load(rows.c_prev) + input * candidate;
                const batch cell_tanh = kernels::tanh_of(cell);
                if constexpr (KeepGates)
                {
                    l.store(rows.gates, input);
                    l.store(rows.gates + n, forget);
                    l.store(rows.gates + 2 * n, candidate);
                    l.store(rows.gates + 3 * n, output);
                    l.store(rows.c_tanh, cell_tanh);
                }
                l.store(rows.c, cell);
                l.store(rows.h, output * cell_tanh);
            });
        }

        template <scalar T>
        static void backward_row(std::size_t n, const cell_backward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                using batch = kernels::simd_batch<T>;
                const batch one(T(1));
                const batch input = l.load(rows.gates);
                const batch forget = l.load(rows.gates + n);
                const batch candidate = l.load(rows.gates + 2 * n);
                const batch output = l.load(rows.gates + 3 * n);
                const batch tc = l.load(rows.c_tanh);
                const batch g = l.load(rows.dh);
                const batch d_cell = l.load(rows.dc) + g * output * (one - tc * tc);
                const batch d_input = d_cell * candidate * input * (one - input);
                const batch d_forget = d_cell * l.load(rows.c_prev) * forget * (one - forget);
                const batch d_candidate = d_cell * input * (one - candidate * candidate);
                const batch d_output = g * tc * output * (one - output);
                l.store(rows.dz_input, d_input);
                l.store(rows.dz_input + n, d_forget);
                l.store(rows.dz_input + 2 * n, d_candidate);
                l.store(rows.dz_input + 3 * n, d_output);
                l.store(rows.dz_recurrent, d_input);
                l.store(rows.dz_recurrent + n, d_forget);
                l.store(rows.dz_recurrent + 2 * n, d_candidate);
                l.store(rows.dz_recurrent + 3 * n, d_output);
                l.store(rows.dc, d_cell * forget);
                l.store(rows.dh_prev, batch(T(0)));
            });
        }
    };

    // The concrete layer: lstm_layer<float, shape<steps, features>, H>.
    PRECAST_EXPORT template <scalar T, static_shape InputShape, std::size_t H, sequence_output Output = sequence_output::every_step, bool Stateful = false,
                             double ForgetBias = 0.0>
    using lstm_layer = recurrent_layer<lstm_cell<ForgetBias>, T, InputShape, H, Output, Stateful>;

    // The spec: lstm<H, Options...> with options (any order) every_step (the default) or last_step, stateful, and
    // forget_bias<V>.
    PRECAST_EXPORT template <std::size_t H, class... Options>
    struct lstm
    {
        static_assert(H > 0, "precast::lstm<H>: the hidden size H must be at least 1");
        static_assert(((detail::has_option<Options, every_step, last_step, stateful> || detail::forget_bias_option<Options>::is) && ...),
                      "precast::lstm<H, Options...>: an option is not one of every_step, last_step, stateful, forget_bias<V>");
        static_assert(!(detail::has_option<every_step, Options...> && detail::has_option<last_step, Options...>),
                      "precast::lstm<H, Options...>: every_step or last_step, not both");

        template <scalar T, static_shape In>
        using bind = lstm_layer<T, In, H, detail::output_option<Options...>, detail::has_option<stateful, Options...>, detail::forget_bias_of<Options...>>;
    };
}
