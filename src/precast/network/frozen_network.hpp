// frozen_network<Net>: a read-only snapshot of a network, laid out for batch-1 inference, the real-time case
// (an audio callback, a game tick, a control loop).
//
// Each layer runs in its own batch-1 form when it offers one (concepts.hpp, frozen_form: dense keeps W^T padded
// to whole SIMD registers, so one sample's output is bias + sum_k x_k * W^T[k], broadcasts and FMAs on whole
// registers; elementwise activations run on the padded registers in place); any other layer runs its own forward
// pass at batch 1. Everything lives inside the object (heap blocks only for large layers, made at construction);
// operator() allocates nothing and branches on no size. It is used by one thread at a time (it holds its
// activation buffers); give each thread its own copy.
//
// The snapshot does not follow later changes to the network (training): call refresh(net) after them.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/denormals.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/network/network.hpp>
#include <precast/network/stages.hpp>

namespace precast
{
    PRECAST_EXPORT template <neural_network Net>
    class frozen_network
    {
        using T = typename Net::value_type;
        static constexpr std::size_t depth = Net::depth;

        template <std::size_t I>
        using stage_at = typename detail::chain_stage_of<detail::frozen_stage, typename Net::layers_type, I>::type;
        template <std::size_t... I>
        static auto make_stages(std::index_sequence<I...>) -> std::tuple<stage_at<I>...>;
        using stages_type = decltype(make_stages(std::make_index_sequence<depth>{}));

        static constexpr std::size_t buffer_size = [] {
            std::size_t largest = 0;
            for (std::size_t s : Net::sizes)
            {
                largest = std::max(largest, kernels::padded_size<T>(s));
            }
            return largest;
        }();

    public:
        using value_type = T;
        static constexpr std::size_t input_size = Net::input_size;
        static constexpr std::size_t output_size = Net::output_size;
        // How many of the network's layers (batch_norm) run folded into the dense or convolution layer before them.
        static constexpr std::size_t folded_layers = []<std::size_t... I>(std::index_sequence<I...>) {
            return (std::size_t{0} + ... + (detail::folded_into_previous<typename Net::layers_type, I>() ? 1 : 0));
        }(std::make_index_sequence<depth>{});

        explicit frozen_network(const Net& net) : frozen_network(net, std::make_index_sequence<depth>{}) {}

        // Takes a new snapshot of net (after training, or any change to its parameters).
        void refresh(const Net& net)
        {
            detail::for_each_index([&](auto i) { detail::refresh_stage<decltype(i)::value>(std::get<decltype(i)::value>(stages_), net); },
                                   std::make_index_sequence<depth>{});
        }

        // One sample through the network; the result stays valid until the next call (on this object).
        std::span<const T, output_size> operator()(std::span<const T, input_size> x) noexcept
        {
            const denormal_scope flush_subnormals;
            if constexpr (keeps_samples_in_registers)
            {
                // The sample stays in registers from layer to layer: no buffer between stages.
                run_in_registers<0>(kernels::lanes<T, input_size>::load_values(x.data())).store(buffers_[0].data());
                return std::span<const T, output_size>(buffers_[0].data(), output_size);
            }
            else
            {
                return std::span<const T, output_size>(detail::run_stages(stages_, x, buffers_[0].data(), buffers_[1].data()), output_size);
            }
        }

        // Whether stage I maps registers to registers (a batch_norm folded into the layer before it does).
        template <std::size_t I>
        static consteval bool has_register_form()
        {
            using L = typename Net::template layer_type<I>;
            if constexpr (detail::folded_into_previous<typename Net::layers_type, I>())
            {
                return true;
            }
            else if constexpr (detail::takes_next_in<typename Net::layers_type, I>)
            {
                return register_form<typename L::with_bias>;
            }
            else
            {
                return register_form<L>;
            }
        }

        // Whether a sample stays in registers from layer to layer: every layer has a register form (dense and the
        // elementwise activations do) and no sample is larger than 16 registers (past that the values would be
        // spilled to the stack anyway, as to the buffers the other path uses).
        static constexpr bool keeps_samples_in_registers = [] {
            for (std::size_t s : Net::sizes)
            {
                if (s > 16 * kernels::simd_width<T>)
                {
                    return false;
                }
            }
            return []<std::size_t... I>(std::index_sequence<I...>) { return (has_register_form<I>() && ...); }(std::make_index_sequence<depth>{});
        }();

    private:
        template <std::size_t I>
        auto run_in_registers(const kernels::lanes<T, Net::sizes[I]>& x) noexcept
        {
            if constexpr (I == depth)
            {
                return x;
            }
            else
            {
                return run_in_registers<I + 1>(std::get<I>(stages_).apply(x));
            }
        }

        template <std::size_t... I>
        frozen_network(const Net& net, std::index_sequence<I...>) : stages_(detail::make_stage<stage_at<I>, I>(net)...)
        {
        }

        stages_type stages_;
        tensor_buffer<T, shape<buffer_size>> buffers_[2];
    };
}
