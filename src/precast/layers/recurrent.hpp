// recurrent_layer: the common body of the recurrent layers rnn, gru and lstm (layers/rnn.hpp, gru.hpp, lstm.hpp).
// Each of those headers supplies a cell (what one time step computes, forward and backward) and names its spec.
//
// A recurrent layer reads samples [steps, features] and writes [steps, H] (every_step, the default) or [H]
// (last_step). Conventions are torch.nn.RNN/GRU/LSTM's: G gate blocks of H rows (GRU r, z, n; LSTM i, f, g, o),
// parameters weight_ih [G*H][features], weight_hh [G*H][H], bias_ih [G*H], bias_hh [G*H], in that order in one
// flat vector: the values of PyTorch's state_dict, under precast's names ("0.weight_ih" for PyTorch's
// "lstm.weight_ih_l0"; python/precast_torch.py renames them and splits a multi-layer module into layers).
//
// Forward: the input projections of all steps and all samples are one GEMM (B * steps rows); then each step
// adds the recurrent projection h_{t-1} W_hh^T + b_hh (a GEMM of B rows) and applies the cell's gates a register
// at a time. Backward is exact backpropagation through time over the static number of steps: per step the
// cell's gate gradients and one GEMM for dh_{t-1}; then dW_ih, dW_hh and dx are one GEMM each over all steps.
// Everything lives in the workspace, sized at compile time: nothing is allocated per step.
//
// State: each sequence starts from the workspace's initial_state() (zeros unless set). With the `stateful`
// option a forward pass starts from the final state of the previous forward pass on the same workspace (row b
// continues stream b), which is truncated backpropagation through time when training on consecutive windows
// of long streams; reset_state() starts every stream afresh (network::reset_state does it for all layers).
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/kernels/elementwise.hpp>
#include <precast/kernels/gemm.hpp>
#include <precast/kernels/gemv.hpp>
#include <precast/kernels/math.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    // ---- options of rnn<H, ...>, gru<H, ...> and lstm<H, ...> (in any order) ----------------------------------------

    // Output of every step, [steps, H] (the default; what a per-step loss or a stacked recurrent layer needs).
    PRECAST_EXPORT struct every_step
    {
    };
    // Output of the last step only, [H] (a sequence classifier or regressor).
    PRECAST_EXPORT struct last_step
    {
    };
    // Each forward pass starts from the final state of the previous one on the same workspace (truncated BPTT).
    PRECAST_EXPORT struct stateful
    {
    };

    namespace detail
    {
        template <class Option, class... Options>
        inline constexpr bool has_option = (std::same_as<Option, Options> || ...);

        template <class... Options>
        inline constexpr sequence_output output_option = has_option<last_step, Options...> ? sequence_output::last_step : sequence_output::every_step;
    }

    // One sample's rows at one step, as a cell's forward_row reads and writes them: rows of H values, gate rows of
    // gates * H. The rows of state a cell does not have (c without has_cell_state) are null.
    PRECAST_EXPORT template <scalar T>
    struct cell_forward_rows
    {
        T* gates;            // in: x W_ih^T + b_ih; out: what backward needs
        const T* recurrent;  // h_{t-1} W_hh^T + b_hh
        const T* h_prev;
        const T* c_prev;
        T* h;       // out: h_t
        T* c;       // out: c_t
        T* c_tanh;  // out: tanh(c_t), for backward
    };

    // The same step in backward: the forward rows again (read only), the gradients in and out.
    PRECAST_EXPORT template <scalar T>
    struct cell_backward_rows
    {
        const T* gates;
        const T* recurrent;
        const T* h_prev;
        const T* c_prev;
        const T* h;
        const T* c_tanh;
        const T* dh;      // dLoss/dh_t
        T* dc;            // in: dLoss/dc_t from step t+1; out: the part of dLoss/dc_{t-1} through c_t
        T* dz_input;      // out: dLoss/d(x W_ih^T + b_ih)
        T* dz_recurrent;  // out: dLoss/d(h_{t-1} W_hh^T + b_hh)
        T* dh_prev;       // out: the part of dLoss/dh_{t-1} that does not go through W_hh
    };

    namespace detail
    {
        template <class C>
        concept cell_of_named_rows = requires(const cell_forward_rows<float>& f, const cell_backward_rows<float>& b) {
            C::forward_row(std::size_t{1}, f);
            C::backward_row(std::size_t{1}, b);
        };
        // The form before cell_forward_rows: the same rows as 8 and 12 positional pointers. Still accepted, so that
        // cells written against it keep compiling; CHANGELOG.md says when it goes.
        template <class C>
        concept cell_of_positional_rows = requires(float* p, const float* c) {
            C::forward_row(std::size_t{1}, p, c, c, c, p, p, p);
            C::backward_row(std::size_t{1}, c, c, c, c, c, c, c, p, p, p, p);
        };
    }

    // recurrent_cell<C>: what a cell tells recurrent_layer: C::gates blocks of H rows, C::has_cell_state (an
    // LSTM's c beside h), C::name, and what one step computes for one sample:
    //   template <scalar T, bool KeepGates = true> static void forward_row(std::size_t H, const cell_forward_rows<T>&);
    //   template <scalar T> static void backward_row(std::size_t H, const cell_backward_rows<T>&);
    // (KeepGates false: a streaming step, which writes neither the gates' values nor c_tanh). A cell whose last
    // C::blocks_on_reset_state blocks multiply W_hh with r * h (the reset gate first) also has
    //   C::reset_row(H, gates, recurrent, h_prev, reset_h /*out: r * h_prev*/)       before those blocks' product, and
    //   C::reset_backward_row(H, gates, h_prev, d_reset_h, dz_input, dz_recurrent, dh_prev)   after backward_row,
    // given d_reset_h = dLoss/d(r * h_prev).
    PRECAST_EXPORT template <class C>
    concept recurrent_cell = requires {
        { C::gates } -> std::convertible_to<std::size_t>;
        { C::has_cell_state } -> std::convertible_to<bool>;
        { C::name } -> std::convertible_to<const char*>;
    } && (detail::cell_of_named_rows<C> || detail::cell_of_positional_rows<C>);

    namespace detail
    {
        template <class Cell, scalar T, bool KeepGates = true>
        [[gnu::always_inline]] inline void cell_forward(std::size_t n, const cell_forward_rows<T>& r) noexcept
        {
            if constexpr (cell_of_named_rows<Cell>)
            {
                Cell::template forward_row<T, KeepGates>(n, r);
            }
            else
            {
                Cell::template forward_row<T, KeepGates>(n, r.gates, r.recurrent, r.h_prev, r.c_prev, r.h, r.c, r.c_tanh);
            }
        }

        template <class Cell, scalar T>
        inline void cell_backward(std::size_t n, const cell_backward_rows<T>& r) noexcept
        {
            if constexpr (cell_of_named_rows<Cell>)
            {
                Cell::template backward_row<T>(n, r);
            }
            else
            {
                Cell::template backward_row<T>(n, r.gates, r.recurrent, r.h_prev, r.c_prev, r.h, r.c_tanh, r.dh, r.dc, r.dz_input, r.dz_recurrent, r.dh_prev);
            }
        }
    }

    namespace detail
    {
        template <class Cell, scalar T, std::size_t F, std::size_t H>
        class recurrent_stream;

        // How many trailing gate blocks take their recurrent product from r * h instead of h (a GRU that resets
        // before the product, as TensorFlow 1's GRUCell): such a cell also has reset_row and reset_backward_row.
        template <class Cell>
        consteval std::size_t blocks_on_reset_state()
        {
            if constexpr (requires { Cell::blocks_on_reset_state; })
            {
                return Cell::blocks_on_reset_state;
            }
            return 0;
        }
    }

    namespace detail
    {
        // weight_ih [G*H, F], weight_hh [G*H, H], bias_ih and bias_hh [G*H].
        template <class Cell, static_shape InputShape, std::size_t H>
        inline constexpr std::size_t recurrent_parameter_count = Cell::gates * H * (InputShape::extents[InputShape::rank - 1] + H + 2);
    }

    PRECAST_EXPORT template <recurrent_cell Cell, scalar T, static_shape InputShape, std::size_t H, sequence_output Output, bool Stateful>
    class recurrent_layer : public parameter_slot<T, detail::recurrent_parameter_count<Cell, InputShape, H>>
    {
        static_assert(H > 0, "precast: a recurrent layer needs a hidden size of at least 1");
        static_assert(InputShape::rank == 2, "precast: a recurrent layer (rnn, gru, lstm) takes samples of shape [steps, features]; the layer before it "
                                             "outputs another rank (use input_of<shape<steps, features>> or reshape_to<steps, features>)");

    public:
        static constexpr std::size_t steps = InputShape::extents[0];
        static constexpr std::size_t features = InputShape::extents[1];
        static constexpr std::size_t hidden = H;
        static constexpr std::size_t gates = Cell::gates;
        static constexpr sequence_output output = Output;
        static constexpr bool is_stateful = Stateful;
        static constexpr bool has_cell_state = Cell::has_cell_state;

    private:
        static constexpr std::size_t S = steps;
        static constexpr std::size_t F = features;
        static constexpr std::size_t GH = gates * H;
        // Gate rows [0, HS) multiply W_hh with h_{t-1}; [HS, GH) with r * h_{t-1} (a reset-before GRU).
        static constexpr std::size_t HS = (gates - detail::blocks_on_reset_state<Cell>()) * H;
        static constexpr bool resets_before_product = HS < GH;

    public:
        using value_type = T;
        using cell_type = Cell;
        using input_shape = InputShape;
        using output_shape = std::conditional_t<Output == sequence_output::every_step, shape<S, H>, shape<H>>;
        static constexpr const char* name = Cell::name;

        static constexpr std::size_t weight_ih_offset = 0;
        static constexpr std::size_t weight_hh_offset = GH * F;
        static constexpr std::size_t bias_ih_offset = weight_hh_offset + GH * H;
        static constexpr std::size_t bias_hh_offset = bias_ih_offset + GH;
        static constexpr std::size_t parameter_count = bias_hh_offset + GH;
        static constexpr std::array<parameter_tensor, 4> parameter_tensors{{{"weight_ih", weight_ih_offset, {GH, F}},
                                                                            {"weight_hh", weight_hh_offset, {GH, H}},
                                                                            {"bias_ih", bias_ih_offset, {GH}},
                                                                            {"bias_hh", bias_hh_offset, {GH}}}};
        // Nominal FLOPs per sample: the two products per step, and about 4 per gate value.
        static constexpr std::size_t forward_flops = S * (2 * F * GH + 2 * H * GH + 4 * GH);
        static constexpr std::size_t backward_flops = S * (4 * F * GH + 4 * H * GH + 8 * GH);

        static_assert(parameter_count == detail::recurrent_parameter_count<Cell, InputShape, H>);
        using parameter_vector = parameter_view<T, parameter_count>;
        using parameter_slot<T, parameter_count>::parameters;
        using parameter_slot<T, parameter_count>::gradients;

        // Below this many samples the per-step recurrent products use dot products and axpys instead of the GEMM.
        static constexpr std::size_t small_batch_limit = kernels::few_rows_limit;

        // What a forward pass over B samples keeps for backward (gates, states), and the state a stateful layer
        // carries. Rows [t][b] are time-major; rows [b][t] follow the samples (as x and y do).
        template <std::size_t B>
        class workspace
        {
        public:
            // h_0 of each sample (row b) for the next forward pass: zeros unless set; a stateful layer overwrites
            // it with the final state of the previous pass.
            [[nodiscard]] matrix_view<T, B, H> initial_state() noexcept { return matrix_view<T, B, H>(initial_h_.data()); }
            // c_0, for an LSTM.
            [[nodiscard]] matrix_view<T, B, H> initial_cell_state() noexcept
                requires Cell::has_cell_state
            {
                return matrix_view<T, B, H>(initial_c_.data());
            }
            // h after the last step of the last forward pass.
            [[nodiscard]] matrix_view<const T, B, H> final_state() const noexcept { return matrix_view<const T, B, H>(final_h_.data()); }
            [[nodiscard]] matrix_view<const T, B, H> final_cell_state() const noexcept
                requires Cell::has_cell_state
            {
                return matrix_view<const T, B, H>(final_c_.data());
            }
            // Every stream starts from zeros at the next forward pass.
            void reset_state() noexcept
            {
                initial_h_.fill(T(0));
                initial_c_.fill(T(0));
                carry_ = false;
            }

        private:
            friend class recurrent_layer;
            static constexpr std::size_t cell_rows = Cell::has_cell_state ? 1 : 0;  // no c buffers without a cell state

            tensor_buffer<T, shape<B * S, GH>> gates_;                  // [b][t]: x W_ih^T + b_ih, then what the cell keeps
            tensor_buffer<T, shape<S * B, GH>> recurrent_;              // [t][b]: h_{t-1} W_hh^T + b_hh
            tensor_buffer<T, shape<S * B, H>> h_prev_;                  // [t][b]: h_{t-1}
            tensor_buffer<T, shape<cell_rows * S * B + 1, H>> c_prev_;  // [t][b]: c_{t-1}
            tensor_buffer<T, shape<cell_rows * S * B + 1, H>> c_tanh_;  // [t][b]: tanh(c_t)
            tensor_buffer<T, shape<B, H>> initial_h_;
            tensor_buffer<T, shape<cell_rows * B + 1, H>> initial_c_;
            tensor_buffer<T, shape<B, H>> final_h_;
            tensor_buffer<T, shape<cell_rows * B + 1, H>> final_c_;
            // backward
            tensor_buffer<T, shape<B * S, GH>> dz_input_;      // [b][t]
            tensor_buffer<T, shape<S * B, GH>> dz_recurrent_;  // [t][b]
            tensor_buffer<T, shape<B, H>> dh_;
            tensor_buffer<T, shape<B, H>> dh_next_;
            tensor_buffer<T, shape<cell_rows * B + 1, H>> dc_;
            static constexpr std::size_t reset_rows = resets_before_product ? 1 : 0;
            tensor_buffer<T, shape<reset_rows * S * B + 1, H>> reset_h_;  // [t][b]: r * h_{t-1}
            tensor_buffer<T, shape<reset_rows * B + 1, H>> d_reset_h_;
            bool carry_ = false;  // a forward pass ran since the last reset: its final state is the next initial one
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = sizeof(T) * (4 * B * S * GH + S * B * H + (Cell::has_cell_state ? 2 * S * B * H + 3 * B * H : 0) +
                                                                    (resets_before_product ? S * B * H + B * H : 0) + 4 * B * H);

        // The parameter tensors, PyTorch's names: weight_ih() is [gates * H][features], and so on.
        [[nodiscard]] matrix_view<T, GH, F> weight_ih() noexcept { return matrix_view<T, GH, F>(parameters().data() + weight_ih_offset); }
        [[nodiscard]] matrix_view<const T, GH, F> weight_ih() const noexcept { return matrix_view<const T, GH, F>(parameters().data() + weight_ih_offset); }
        [[nodiscard]] matrix_view<T, GH, H> weight_hh() noexcept { return matrix_view<T, GH, H>(parameters().data() + weight_hh_offset); }
        [[nodiscard]] matrix_view<const T, GH, H> weight_hh() const noexcept { return matrix_view<const T, GH, H>(parameters().data() + weight_hh_offset); }
        [[nodiscard]] std::span<T, GH> bias_ih() noexcept { return std::span<T, GH>(parameters().data() + bias_ih_offset, GH); }
        [[nodiscard]] std::span<const T, GH> bias_ih() const noexcept { return std::span<const T, GH>(parameters().data() + bias_ih_offset, GH); }
        [[nodiscard]] std::span<T, GH> bias_hh() noexcept { return std::span<T, GH>(parameters().data() + bias_hh_offset, GH); }
        [[nodiscard]] std::span<const T, GH> bias_hh() const noexcept { return std::span<const T, GH>(parameters().data() + bias_hh_offset, GH); }
        // dLoss/d(each tensor) of the last backward pass, laid out as the tensor.
        [[nodiscard]] matrix_view<const T, GH, F> weight_ih_gradients() const noexcept
        {
            return matrix_view<const T, GH, F>(gradients().data() + weight_ih_offset);
        }
        [[nodiscard]] matrix_view<const T, GH, H> weight_hh_gradients() const noexcept
        {
            return matrix_view<const T, GH, H>(gradients().data() + weight_hh_offset);
        }
        [[nodiscard]] std::span<const T, GH> bias_ih_gradients() const noexcept { return std::span<const T, GH>(gradients().data() + bias_ih_offset, GH); }
        [[nodiscard]] std::span<const T, GH> bias_hh_gradients() const noexcept { return std::span<const T, GH>(gradients().data() + bias_hh_offset, GH); }

        // weight_ih from the initializer with fan_in = features, weight_hh with fan_in = H (fan_out = gates * H
        // for both, as Keras counts them); biases zero.
        template <initializer Init>
        void initialize(const Init& init, random_engine& rng)
        {
            init.fill(std::span<T>(parameters().data() + weight_ih_offset, GH * F), F, GH, rng);
            init.fill(std::span<T>(parameters().data() + weight_hh_offset, GH * H), H, GH, rng);
            std::fill(parameters().data() + bias_ih_offset, parameters().data() + parameter_count, T(0));
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, workspace<B>& ws, mode /*m*/) const noexcept
        {
            const T* p = parameters().data();
            if (Stateful && ws.carry_)
            {
                std::copy_n(ws.final_h_.data(), B * H, ws.initial_h_.data());
                if constexpr (Cell::has_cell_state)
                {
                    std::copy_n(ws.final_c_.data(), B * H, ws.initial_c_.data());
                }
            }
            ws.carry_ = true;
            // All input projections at once: [B * S][F] x W_ih^T + b_ih.
            kernels::gemm<T, B * S, GH, F, kernels::row_major<F>, kernels::transposed<F>>(x.data(), p + weight_ih_offset, ws.gates_.data(), false,
                                                                                          p + bias_ih_offset);
            std::copy_n(ws.initial_h_.data(), B * H, ws.h_prev_.data());
            if constexpr (Cell::has_cell_state)
            {
                std::copy_n(ws.initial_c_.data(), B * H, ws.c_prev_.data());
            }
            for (std::size_t t = 0; t < S; ++t)
            {
                const T* h_prev = ws.h_prev_.data() + t * B * H;
                T* recurrent = ws.recurrent_.data() + t * B * GH;
                recurrent_product<B, 0, HS>(h_prev, recurrent);
                if constexpr (resets_before_product)
                {
                    T* reset_h = ws.reset_h_.data() + t * B * H;
                    for (std::size_t b = 0; b < B; ++b)
                    {
                        Cell::reset_row(H, ws.gates_.data() + (b * S + t) * GH, recurrent + b * GH, h_prev + b * H, reset_h + b * H);
                    }
                    recurrent_product<B, HS, GH>(reset_h, recurrent);
                }
                const bool last = t + 1 == S;
                T* h_next = last ? ws.final_h_.data() : ws.h_prev_.data() + (t + 1) * B * H;
                for (std::size_t b = 0; b < B; ++b)
                {
                    const std::size_t row = b * S + t;
                    T* c = nullptr;
                    T* c_tanh = nullptr;
                    const T* c_prev = nullptr;
                    if constexpr (Cell::has_cell_state)
                    {
                        c_prev = ws.c_prev_.data() + (t * B + b) * H;
                        c = (last ? ws.final_c_.data() + b * H : ws.c_prev_.data() + ((t + 1) * B + b) * H);
                        c_tanh = ws.c_tanh_.data() + (t * B + b) * H;
                    }
                    detail::cell_forward<Cell>(H, cell_forward_rows<T>{.gates = ws.gates_.data() + row * GH,
                                                                       .recurrent = recurrent + b * GH,
                                                                       .h_prev = h_prev + b * H,
                                                                       .c_prev = c_prev,
                                                                       .h = h_next + b * H,
                                                                       .c = c,
                                                                       .c_tanh = c_tanh});
                    if constexpr (Output == sequence_output::every_step)
                    {
                        std::copy_n(h_next + b * H, H, y.data() + row * H);
                    }
                }
            }
            if constexpr (Output == sequence_output::last_step)
            {
                std::copy_n(ws.final_h_.data(), B * H, y.data());
            }
        }

        // Backpropagation through all steps; the initial state is a constant (its gradient is not propagated:
        // across windows of a stateful layer this is the truncation).
        template <std::size_t B>
        void backward(batch_view<const T, B, input_shape> x, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, workspace<B>& ws) noexcept
        {
            const T* p = parameters().data();
            T* g = gradients().data();
            std::fill_n(ws.dh_next_.data(), B * H, T(0));
            if constexpr (Cell::has_cell_state)
            {
                std::fill_n(ws.dc_.data(), B * H, T(0));
            }
            for (std::size_t t = S; t-- > 0;)
            {
                const bool last = t + 1 == S;
                const T* h_prev = ws.h_prev_.data() + t * B * H;
                const T* h = last ? ws.final_h_.data() : ws.h_prev_.data() + (t + 1) * B * H;
                const T* recurrent = ws.recurrent_.data() + t * B * GH;
                T* dz_recurrent = ws.dz_recurrent_.data() + t * B * GH;
                for (std::size_t b = 0; b < B; ++b)
                {
                    const std::size_t row = b * S + t;
                    T* dh = ws.dh_.data() + b * H;
                    const T* dh_next = ws.dh_next_.data() + b * H;
                    if constexpr (Output == sequence_output::every_step)
                    {
                        const T* dy_row = dy.data() + row * H;
                        for (std::size_t i = 0; i < H; ++i)
                        {
                            dh[i] = dh_next[i] + dy_row[i];
                        }
                    }
                    else if (last)
                    {
                        std::copy_n(dy.data() + b * H, H, dh);
                    }
                    else
                    {
                        std::copy_n(dh_next, H, dh);
                    }
                    const T* c_prev = nullptr;
                    const T* c_tanh = nullptr;
                    T* dc = nullptr;
                    if constexpr (Cell::has_cell_state)
                    {
                        c_prev = ws.c_prev_.data() + (t * B + b) * H;
                        c_tanh = ws.c_tanh_.data() + (t * B + b) * H;
                        dc = ws.dc_.data() + b * H;
                    }
                    detail::cell_backward<Cell>(H, cell_backward_rows<T>{.gates = ws.gates_.data() + row * GH,
                                                                         .recurrent = recurrent + b * GH,
                                                                         .h_prev = h_prev + b * H,
                                                                         .c_prev = c_prev,
                                                                         .h = h + b * H,
                                                                         .c_tanh = c_tanh,
                                                                         .dh = dh,
                                                                         .dc = dc,
                                                                         .dz_input = ws.dz_input_.data() + row * GH,
                                                                         .dz_recurrent = dz_recurrent + b * GH,
                                                                         .dh_prev = ws.dh_next_.data() + b * H});
                }
                if constexpr (resets_before_product)
                {
                    // d(r * h_{t-1}) = dz_recurrent W_hh over the reset blocks; then the cell finishes r's gradient.
                    recurrent_input_gradient<B, HS, GH>(dz_recurrent, ws.d_reset_h_.data(), false);
                    for (std::size_t b = 0; b < B; ++b)
                    {
                        Cell::reset_backward_row(H, ws.gates_.data() + (b * S + t) * GH, h_prev + b * H, ws.d_reset_h_.data() + b * H,
                                                 ws.dz_input_.data() + (b * S + t) * GH, dz_recurrent + b * GH, ws.dh_next_.data() + b * H);
                    }
                }
                if (t > 0)
                {
                    recurrent_input_gradient<B, 0, HS>(dz_recurrent, ws.dh_next_.data(), true);  // dh_{t-1} += dz_recurrent W_hh
                }
            }
            // dW_ih = dZ_input^T x over all B * S rows; dW_hh = dZ_recurrent^T h_prev over all S * B rows (r * h_prev
            // for the reset blocks).
            kernels::gemm<T, GH, F, B * S, kernels::transposed<GH>, kernels::row_major<F>>(ws.dz_input_.data(), x.data(), g + weight_ih_offset, false);
            kernels::gemm<T, HS, H, S * B, kernels::transposed<GH>, kernels::row_major<H>>(ws.dz_recurrent_.data(), ws.h_prev_.data(), g + weight_hh_offset,
                                                                                           false);
            if constexpr (resets_before_product)
            {
                kernels::gemm<T, GH - HS, H, S * B, kernels::transposed<GH>, kernels::row_major<H>>(ws.dz_recurrent_.data() + HS, ws.reset_h_.data(),
                                                                                                    g + weight_hh_offset + HS * H, false);
            }
            column_sums<B * S>(ws.dz_input_.data(), g + bias_ih_offset);
            column_sums<S * B>(ws.dz_recurrent_.data(), g + bias_hh_offset);
            if (!dx.empty())
            {
                kernels::gemm<T, B * S, F, GH, kernels::row_major<GH>, kernels::row_major<F>>(ws.dz_input_.data(), p + weight_ih_offset, dx.data(), false);
            }
        }

        // The streaming form (network/streaming_network.hpp): one step of one sequence at a time, with the state
        // kept inside.
        using stream = detail::recurrent_stream<Cell, T, F, H>;

    private:
        // recurrent[b][o] = in[b] . W_hh[o] + b_hh[o] for the gate rows o in [O0, O1).
        template <std::size_t B, std::size_t O0, std::size_t O1>
        void recurrent_product(const T* in, T* recurrent) const noexcept
        {
            const T* p = parameters().data();
            if constexpr (B >= small_batch_limit)
            {
                kernels::gemm<T, B, O1 - O0, H, kernels::row_major<H>, kernels::transposed<H>, kernels::row_major<GH>>(
                    in, p + weight_hh_offset + O0 * H, recurrent + O0, false, p + bias_hh_offset + O0);
            }
            else
            {
                // A few rows: dot products read W_hh in place, where the GEMM would repack it at every step.
                for (std::size_t b = 0; b < B; ++b)
                {
                    for (std::size_t o = O0; o < O1; ++o)
                    {
                        recurrent[b * GH + o] = kernels::dot(in + b * H, p + weight_hh_offset + o * H, H) + p[bias_hh_offset + o];
                    }
                }
            }
        }

        // out[b] (+)= sum over the gate rows o in [O0, O1) of dz[b][o] W_hh[o].
        template <std::size_t B, std::size_t O0, std::size_t O1>
        void recurrent_input_gradient(const T* dz, T* out, bool accumulate) const noexcept
        {
            const T* w = parameters().data() + weight_hh_offset;
            if constexpr (B >= small_batch_limit)
            {
                kernels::gemm<T, B, H, O1 - O0, kernels::row_major<GH>, kernels::row_major<H>>(dz + O0, w + O0 * H, out, accumulate);
            }
            else
            {
                if (!accumulate)
                {
                    std::fill_n(out, B * H, T(0));
                }
                for (std::size_t b = 0; b < B; ++b)
                {
                    for (std::size_t o = O0; o < O1; ++o)
                    {
                        kernels::axpy(dz[b * GH + o], w + o * H, out + b * H, H);
                    }
                }
            }
        }

        template <std::size_t Rows>
        static void column_sums(const T* rows, T* sums) noexcept
        {
            std::copy_n(rows, GH, sums);
            for (std::size_t r = 1; r < Rows; ++r)
            {
                kernels::axpy(T(1), rows + r * GH, sums, GH);
            }
        }
    };

    namespace detail
    {
        // One recurrent layer at batch 1, one step at a time, for streaming inference: W_ih^T and W_hh^T copied
        // once with every gate block padded to whole registers, so a step is broadcasts and FMAs on whole
        // registers; h (and c) stay inside, zero-padded.
        template <class Cell, scalar T, std::size_t F, std::size_t H>
        class recurrent_stream
        {
            static constexpr std::size_t G = Cell::gates;
            static constexpr std::size_t width = kernels::simd_width<T>;
            static constexpr std::size_t HP = kernels::padded_size<T>(H);  // one gate block, padded
            static constexpr std::size_t GP = G * HP;

        public:
            template <class Layer>
            explicit recurrent_stream(const Layer& l)
            {
                refresh(l);
            }

            template <class Layer>
            void refresh(const Layer& l)
            {
                const auto w_ih = l.weight_ih();
                const auto w_hh = l.weight_hh();
                for (std::size_t k = 0; k < F; ++k)
                {
                    for (std::size_t gate = 0; gate < G; ++gate)
                    {
                        for (std::size_t o = 0; o < HP; ++o)
                        {
                            input_weights_(k, gate * HP + o) = o < H ? w_ih(gate * H + o, k) : T(0);
                        }
                    }
                }
                for (std::size_t k = 0; k < H; ++k)
                {
                    for (std::size_t gate = 0; gate < G; ++gate)
                    {
                        for (std::size_t o = 0; o < HP; ++o)
                        {
                            recurrent_weights_(k, gate * HP + o) = o < H ? w_hh(gate * H + o, k) : T(0);
                        }
                    }
                }
                for (std::size_t gate = 0; gate < G; ++gate)
                {
                    for (std::size_t o = 0; o < HP; ++o)
                    {
                        bias_ih_[gate * HP + o] = o < H ? l.bias_ih()[gate * H + o] : T(0);
                        bias_hh_[gate * HP + o] = o < H ? l.bias_hh()[gate * H + o] : T(0);
                        combined_bias_[gate * HP + o] = bias_ih_[gate * HP + o] + bias_hh_[gate * HP + o];
                    }
                }
                recurrent_.fill(T(0));  // the combined blocks' recurrent part is already in gates_
            }

            void reset() noexcept
            {
                h_.fill(T(0));
                c_.fill(T(0));
            }

            // in: one step's features (padded buffer); out: h_t, padded with zeros.
            void run(const T* in, T* out) noexcept { std::copy_n(run_in_place(in), HP, out); }

            // The same, returning where h_t is kept (valid until the next step).
            const T* run_in_place(const T* in) noexcept
            {
                // Blocks whose input and recurrent parts the cell only adds: one pass over both weight matrices,
                // with both biases in one. The rest: the input part in gates_, the recurrent part in recurrent_.
                constexpr std::size_t shared = combined_blocks * HP / width;
                constexpr std::size_t from_h = (G - reset_blocks) * HP / width;
                constexpr std::size_t all = GP / width;
                kernels::broadcast_tiles<T, GP, 0, shared, F, H>(input_weights_.data(), in, recurrent_weights_.data(), h_.data(), combined_bias_.data(),
                                                                 gates_.data());
                kernels::broadcast_tiles<T, GP, shared, all, F, 0>(input_weights_.data(), in, nullptr, nullptr, bias_ih_.data(), gates_.data());
                kernels::broadcast_tiles<T, GP, shared, from_h, H, 0>(recurrent_weights_.data(), h_.data(), nullptr, nullptr, bias_hh_.data(),
                                                                      recurrent_.data());
                if constexpr (reset_blocks > 0)
                {
                    Cell::reset_row(HP, gates_.data(), recurrent_.data(), h_.data(), reset_h_.data());
                    kernels::broadcast_tiles<T, GP, from_h, all, H, 0>(recurrent_weights_.data(), reset_h_.data(), nullptr, nullptr, bias_hh_.data(),
                                                                       recurrent_.data());
                }
                // In place: each lane of h and c is read before it is written. Padding lanes stay 0.
                detail::cell_forward<Cell, T, false>(HP, cell_forward_rows<T>{.gates = gates_.data(),
                                                                              .recurrent = recurrent_.data(),
                                                                              .h_prev = h_.data(),
                                                                              .c_prev = Cell::has_cell_state ? c_.data() : nullptr,
                                                                              .h = h_.data(),
                                                                              .c = Cell::has_cell_state ? c_.data() : nullptr,
                                                                              .c_tanh = nullptr});
                return h_.data();
            }

        private:
            static constexpr std::size_t reset_blocks = blocks_on_reset_state<Cell>();
            // The gate blocks before the first one whose recurrent part the cell uses on its own (GRU's n).
            static constexpr std::size_t combined_blocks = [] {
                if constexpr (requires { Cell::separate_recurrent_from_block; })
                {
                    return std::min(static_cast<std::size_t>(Cell::separate_recurrent_from_block), G - reset_blocks);
                }
                return G - reset_blocks;
            }();

            tensor_buffer<T, shape<F, GP>> input_weights_;      // W_ih^T
            tensor_buffer<T, shape<H, GP>> recurrent_weights_;  // W_hh^T
            tensor_buffer<T, shape<GP>> bias_ih_;
            tensor_buffer<T, shape<GP>> bias_hh_;
            tensor_buffer<T, shape<GP>> combined_bias_;
            tensor_buffer<T, shape<GP>> gates_;
            tensor_buffer<T, shape<GP>> recurrent_;
            tensor_buffer<T, shape<HP>> h_;
            tensor_buffer<T, shape<HP>> c_;
            tensor_buffer<T, shape<HP>> reset_h_;
        };
    }
}
