// rnn<H>: the Elman recurrent layer, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (torch.nn.RNN);
// rnn<H, relu> uses relu instead of tanh (nonlinearity='relu'). Input [steps, features]; output [steps, H], or [H]
// with last_step; stateful carries the state between forward passes (layers/recurrent.hpp).
//
//   network<input_of<shape<4, 4>>, rnn<8>, dense<4>>   // one-hot characters in, a score per character out
//
// Backward: dz = dh * f'(z), the same for the input and the recurrent projection; nothing bypasses W_hh.
#pragma once

#include <cstddef>
#include <type_traits>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>
#include <precast/layers/recurrent.hpp>
#include <precast/layers/relu.hpp>
#include <precast/layers/tanh.hpp>

namespace precast
{
    // The cell of rnn<H> (Function: tanh_function or relu_function).
    PRECAST_EXPORT template <class Function>
    struct rnn_cell
    {
        static constexpr std::size_t gates = 1;
        static constexpr bool has_cell_state = false;
        static constexpr const char* name = std::is_same_v<Function, relu_function> ? "rnn_relu" : "rnn";

        // Inlined: in a streaming step the call itself costs as much as the gates of a small cell.
        template <scalar T, bool KeepGates = true>
        [[gnu::always_inline]] static void forward_row(std::size_t n, const cell_forward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                const auto z = l.load(rows.gates) + l.load(rows.recurrent);
                if constexpr (std::is_same_v<Function, tanh_function>)
                {
                    l.store(rows.h, kernels::tanh_of(z));  // the gates' tanh (kernels/math.hpp)
                }
                else
                {
                    l.store(rows.h, Function::simd_value(z));
                }
            });
        }

        template <scalar T>
        static void backward_row(std::size_t n, const cell_backward_rows<T>& rows) noexcept
        {
            kernels::for_each_register<T>(n, [&](const auto& l) {
                const auto dz = l.load(rows.dh) * Function::simd_derivative(l.load(rows.gates) + l.load(rows.recurrent), l.load(rows.h));
                l.store(rows.dz_input, dz);
                l.store(rows.dz_recurrent, dz);
                l.store(rows.dh_prev, decltype(dz)(T(0)));
            });
        }
    };

    // The concrete layer: rnn_layer<float, shape<steps, features>, H> (tanh) or rnn_layer<..., relu_function>.
    PRECAST_EXPORT template <scalar T, static_shape InputShape, std::size_t H, class Function = tanh_function,
                             sequence_output Output = sequence_output::every_step, bool Stateful = false>
    using rnn_layer = recurrent_layer<rnn_cell<Function>, T, InputShape, H, Output, Stateful>;

    // The spec: rnn<H, Options...> with options (any order) relu or tanh (the default), every_step (the default)
    // or last_step, and stateful.
    PRECAST_EXPORT template <std::size_t H, class... Options>
    struct rnn
    {
        static_assert(H > 0, "precast::rnn<H>: the hidden size H must be at least 1");
        static_assert(((detail::has_option<Options, every_step, last_step, stateful, relu, tanh>) && ...),
                      "precast::rnn<H, Options...>: an option is not one of every_step, last_step, stateful, relu, tanh");
        static_assert(!(detail::has_option<relu, Options...> && detail::has_option<tanh, Options...>), "precast::rnn<H, Options...>: relu or tanh, not both");
        static_assert(!(detail::has_option<every_step, Options...> && detail::has_option<last_step, Options...>),
                      "precast::rnn<H, Options...>: every_step or last_step, not both");

        template <scalar T, static_shape In>
        using bind = rnn_layer<T, In, H, std::conditional_t<detail::has_option<relu, Options...>, relu_function, tanh_function>,
                               detail::output_option<Options...>, detail::has_option<stateful, Options...>>;
    };
}
