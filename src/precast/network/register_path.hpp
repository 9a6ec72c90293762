// network::forward at batch 1, in inference mode, for a small network whose every layer has a register form
// (concepts.hpp, register_form: dense and the elementwise activations): the sample stays in registers from layer
// to layer, as in frozen_network, and each layer's output is still stored in the workspace, so backward, loss
// and ws.activation<I>() see the values of a separate step per layer.
//
// The batch-1 forms (dense keeps W^T) live in the workspace with the parameters they were built from. Each
// forward pass compares the network's parameters with those (a few KiB at most: the path is only taken below
// register_path_parameter_bytes) and rebuilds the forms when any value differs, so a change made anywhere
// (an optimizer step, a loaded model, a weight written by hand) is never missed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include <precast/concepts.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/network/chain.hpp>

namespace precast::detail
{
    // Above this many bytes of parameters, comparing them on every call would cost about as much as the
    // general path saves.
    inline constexpr std::size_t register_path_parameter_bytes = 8192;

    template <class Layers, std::size_t... I>
    consteval bool every_layer_has_register_form(std::index_sequence<I...>)
    {
        return (register_form<std::tuple_element_t<I, Layers>> && ...);
    }

    // Whether network::forward takes the register path at batch 1 for this layer list: every layer has a
    // register form, every sample fits in 16 registers (past that they would be spilled anyway), and the
    // parameters are few.
    template <class Layers, static_shape InputShape>
    consteval bool takes_register_path()
    {
        constexpr std::size_t depth = std::tuple_size_v<Layers>;
        if constexpr (depth == 0 || !every_layer_has_register_form<Layers>(std::make_index_sequence<depth>{}))
        {
            return false;
        }
        else
        {
            using T = typename std::tuple_element_t<0, Layers>::value_type;
            constexpr std::size_t parameters = parameter_offsets<Layers>[depth];
            if (parameters == 0 || parameters * sizeof(T) > register_path_parameter_bytes || InputShape::size > 16 * kernels::simd_width<T>)
            {
                return false;
            }
            return []<std::size_t... I>(std::index_sequence<I...>) {
                return ((std::tuple_element_t<I, Layers>::output_shape::size <= 16 * kernels::simd_width<T>) && ...);
            }(std::make_index_sequence<depth>{});
        }
    }

    // Whether a[0, n) and b[0, n) hold the same bits (NaN equal to itself, -0 unequal to 0, a denormal unequal to
    // zero whatever the FTZ/DAZ mode): one pass of XORs ORed together and one branch at the end, no early exits.
    template <scalar T>
    [[nodiscard]] bool same_bits(const T* a, const T* b, std::size_t n) noexcept
    {
        using bits_type = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        using batch = xsimd::batch<bits_type, kernels::simd_arch>;
        constexpr std::size_t width = batch::size;
        // Bit patterns are read as integers through the intrinsics' loads, which may alias any type.
        const auto* x = reinterpret_cast<const bits_type*>(a);
        const auto* y = reinterpret_cast<const bits_type*>(b);
        batch differ(bits_type(0));
        std::size_t i = 0;
        for (; i + width <= n; i += width)
        {
            differ |= batch::load_unaligned(x + i) ^ batch::load_unaligned(y + i);
        }
        return !xsimd::any(differ != batch(bits_type(0))) && std::memcmp(a + i, b + i, sizeof(T) * (n - i)) == 0;
    }

    // What a workspace of another batch size or of a network without the path holds instead.
    struct no_register_path
    {
    };

    template <class Layers, static_shape InputShape>
    class register_path
    {
        static constexpr std::size_t depth = std::tuple_size_v<Layers>;
        template <std::size_t I>
        using layer_at = std::tuple_element_t<I, Layers>;
        using T = typename layer_at<0>::value_type;
        static constexpr std::size_t parameter_count = parameter_offsets<Layers>[depth];

        template <std::size_t... I>
        static auto make_forms(std::index_sequence<I...>) -> std::tuple<typename layer_at<I>::frozen...>;
        using forms_type = decltype(make_forms(std::make_index_sequence<depth>{}));

    public:
        // The forms are made here, from layers of zeros, so that a forward pass only ever refreshes them in place
        // (a large layer's form holds heap blocks: they are allocated now, never during a pass).
        register_path() : register_path(std::make_index_sequence<depth>{}) {}

        // One sample from buffers.template input<0>() through every layer, each output stored where the chain
        // would store it (buffers as network/chain.hpp's), on the batch-1 forms of these parameters (the
        // network's flat vector) and layers. The forms run first and the parameters are compared after: the
        // comparison then overlaps the pass's long chain of dependent steps instead of delaying it, and a pass on
        // stale forms is run again.
        template <class Buffers>
        void run(const T* parameters, const Layers& layers, const Buffers& buffers) noexcept
        {
            if (built_)
            {
                run_forms(buffers);
                if (same_bits(parameters, built_from_.data(), parameter_count))
                {
                    return;
                }
            }
            for_each_index([&](auto i) { std::get<decltype(i)::value>(forms_).refresh(std::get<decltype(i)::value>(layers)); },
                           std::make_index_sequence<depth>{});
            std::copy_n(parameters, parameter_count, built_from_.data());
            built_ = true;
            run_forms(buffers);
        }

    private:
        template <class Buffers>
        void run_forms(const Buffers& buffers) noexcept
        {
            run_from<0>(kernels::lanes<T, InputShape::size>::load_values(buffers.template input<0>().data()), buffers);
        }

        template <std::size_t... I>
        explicit register_path(std::index_sequence<I...>) : forms_(typename layer_at<I>::frozen(layer_at<I>{})...)
        {
        }

        template <std::size_t I, class Buffers, class Lanes>
        void run_from(const Lanes& x, const Buffers& buffers) noexcept
        {
            if constexpr (I < depth)
            {
                const auto y = std::get<I>(forms_).apply(x);
                y.store_values(buffers.template output<I>().data());
                run_from<I + 1>(y, buffers);
            }
        }

        forms_type forms_;
        tensor_buffer<T, shape<parameter_count>> built_from_;
        bool built_ = false;
    };

    template <class Layers, static_shape InputShape, std::size_t B>
    using register_path_for = std::conditional_t<B == 1 && takes_register_path<Layers, InputShape>(), register_path<Layers, InputShape>, no_register_path>;
}
