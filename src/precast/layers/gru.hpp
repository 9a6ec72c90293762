// gru<H>: the gated recurrent unit of torch.nn.GRU (Cho et al. 2014, with the reset gate applied after the
// recurrent product, as cuDNN and Keras' reset_after=True):
//   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)       z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))    h' = (1 - z) * n + z * h
// Gate blocks in the order r, z, n. Input [steps, features]; output [steps, H], or [H] with last_step;
// stateful carries the state between forward passes (layers/recurrent.hpp).
//
// gru<H, reset_before> is TensorFlow 1's GRUCell (and Keras' GRU with reset_after=False): the reset gate acts on
// h before the product, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn); with b_hn = 0 it is exactly TF1's cell.
//
// Backward, with dh = dLoss/dh': dn = dh (1 - z), dz = dh (h - n), and h gets dh z directly besides what flows
// through W_hh; the recurrent projection of n gets dn_pre * r, its input projection dn_pre.
#pragma once

#include <cstddef>
#include <type_traits>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/layers/recurrent.hpp>

namespace precast
{
    // The cell of gru<H>. After forward the gate row holds r, z, n.
    PRECAST_EXPORT struct gru_cell
    {
        static constexpr std::size_t gates = 3;
        static constexpr bool has_cell_state = false;
        static constexpr const char* name = "gru";
        // The recurrent part of n is multiplied by r before it meets the input part: kept apart in streaming.
        static constexpr std::size_t separate_recurrent_from_block = 2;

        // Inlined: in a streaming step the call itself costs as much as the gates of a small cell.
        // KeepGates: store what backward needs (a streaming step does not).
        template <scalar T, bool KeepGates = true>
        [[gnu::always_inline]] static void forward_row(std::size_t n, const cell_forward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                using batch = kernels::simd_batch<T>;
                const batch r = kernels::gate_sigmoid(l.load(rows.gates) + l.load(rows.recurrent));
                const batch z = kernels::gate_sigmoid(l.load(rows.gates + n) + l.load(rows.recurrent + n));
                const batch candidate = kernels::tanh_of(l.load(rows.gates + 2 * n) + r * l.load(rows.recurrent + 2 * n));
                const batch previous = l.load(rows.h_prev);
                if constexpr (KeepGates)
                {
                    l.store(rows.gates, r);
                    l.store(rows.gates + n, z);
                    l.store(rows.gates + 2 * n, candidate);
                }
                l.store(rows.h, candidate + z * (previous - candidate));
            });
        }

        template <scalar T>
        static void backward_row(std::size_t n, const cell_backward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                using batch = kernels::simd_batch<T>;
                const batch one(T(1));
                const batch r = l.load(rows.gates);
                const batch z = l.load(rows.gates + n);
                const batch candidate = l.load(rows.gates + 2 * n);
                const batch g = l.load(rows.dh);
                const batch d_candidate = g * (one - z) * (one - candidate * candidate);
                const batch d_update = g * (l.load(rows.h_prev) - candidate) * z * (one - z);
                const batch d_reset = d_candidate * l.load(rows.recurrent + 2 * n) * r * (one - r);
                l.store(rows.dz_input, d_reset);
                l.store(rows.dz_input + n, d_update);
                l.store(rows.dz_input + 2 * n, d_candidate);
                l.store(rows.dz_recurrent, d_reset);
                l.store(rows.dz_recurrent + n, d_update);
                l.store(rows.dz_recurrent + 2 * n, d_candidate * r);
                l.store(rows.dh_prev, g * z);
            });
        }
    };

    // The cell of gru<H, reset_before>: r first (reset_row, which also forms r * h for the n block's product),
    // then z, n and h'. After forward the gate row holds r, z, n.
    PRECAST_EXPORT struct gru_reset_before_cell
    {
        static constexpr std::size_t gates = 3;
        static constexpr bool has_cell_state = false;
        static constexpr const char* name = "gru_reset_before";
        static constexpr std::size_t blocks_on_reset_state = 1;  // n multiplies W_hn with r * h

        template <scalar T>
        [[gnu::always_inline]] static void reset_row(std::size_t n, T* gates_row, const T* recurrent, const T* h_prev, T* reset_h) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                const auto r = kernels::gate_sigmoid(l.load(gates_row) + l.load(recurrent));
                l.store(gates_row, r);
                l.store(reset_h, r * l.load(h_prev));
            });
        }

        template <scalar T, bool KeepGates = true>
        [[gnu::always_inline]] static void forward_row(std::size_t n, const cell_forward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                using batch = kernels::simd_batch<T>;
                const batch z = kernels::gate_sigmoid(l.load(rows.gates + n) + l.load(rows.recurrent + n));
                const batch candidate = kernels::tanh_of(l.load(rows.gates + 2 * n) + l.load(rows.recurrent + 2 * n));
                const batch previous = l.load(rows.h_prev);
                if constexpr (KeepGates)
                {
                    l.store(rows.gates + n, z);
                    l.store(rows.gates + 2 * n, candidate);
                }
                l.store(rows.h, candidate + z * (previous - candidate));
            });
        }

        // z and n; r waits for d(r * h), which reset_backward_row gets.
        template <scalar T>
        static void backward_row(std::size_t n, const cell_backward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                using batch = kernels::simd_batch<T>;
                const batch one(T(1));
                const batch z = l.load(rows.gates + n);
                const batch candidate = l.load(rows.gates + 2 * n);
                const batch g = l.load(rows.dh);
                const batch d_candidate = g * (one - z) * (one - candidate * candidate);
                const batch d_update = g * (l.load(rows.h_prev) - candidate) * z * (one - z);
                l.store(rows.dz_input + n, d_update);
                l.store(rows.dz_input + 2 * n, d_candidate);
                l.store(rows.dz_recurrent + n, d_update);
                l.store(rows.dz_recurrent + 2 * n, d_candidate);
                l.store(rows.dh_prev, g * z);
            });
        }

        template <scalar T>
        static void reset_backward_row(std::size_t n, const T* gates_row, const T* h_prev, const T* d_reset_h, T* dz_input, T* dz_recurrent,
                                       T* dh_prev) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                using batch = kernels::simd_batch<T>;
                const batch r = l.load(gates_row);
                const batch d = l.load(d_reset_h);
                const batch d_reset = d * l.load(h_prev) * r * (batch(T(1)) - r);
                l.store(dz_input, d_reset);
                l.store(dz_recurrent, d_reset);
                l.store(dh_prev, l.load(dh_prev) + d * r);
            });
        }
    };

    // The concrete layer: gru_layer<float, shape<steps, features>, H> (ResetBefore: TF1's variant).
    PRECAST_EXPORT template <scalar T, static_shape InputShape, std::size_t H, sequence_output Output = sequence_output::every_step, bool Stateful = false,
                             bool ResetBefore = false>
    using gru_layer = recurrent_layer<std::conditional_t<ResetBefore, gru_reset_before_cell, gru_cell>, T, InputShape, H, Output, Stateful>;

    // gru<H, reset_before>: the reset gate before the recurrent product (TensorFlow 1's GRUCell).
    PRECAST_EXPORT struct reset_before
    {
    };

    // The spec: gru<H, Options...> with options (any order) every_step (the default) or last_step, stateful, and
    // reset_before.
    PRECAST_EXPORT template <std::size_t H, class... Options>
    struct gru
    {
        static_assert(H > 0, "precast::gru<H>: the hidden size H must be at least 1");
        static_assert(((detail::has_option<Options, every_step, last_step, stateful, reset_before>) && ...),
                      "precast::gru<H, Options...>: an option is not one of every_step, last_step, stateful, reset_before");
        static_assert(!(detail::has_option<every_step, Options...> && detail::has_option<last_step, Options...>),
                      "precast::gru<H, Options...>: every_step or last_step, not both");

        template <scalar T, static_shape In>
        using bind =
            gru_layer<T, In, H, detail::output_option<Options...>, detail::has_option<stateful, Options...>, detail::has_option<reset_before, Options...>>;
    };
}
