// frozen_network<Net>: a read-only snapshot of a network, laid out for batch-1 inference, the real-time case
// (an audio callback, a game tick, a control loop).
//
// Each dense layer's weights are copied transposed, [In][Out] with Out padded to whole SIMD registers, so one
// sample's output is bias + sum_k x_k * W^T[k] — broadcasts and FMAs on whole registers, no horizontal sums, no
// repacking per call. Elementwise activations run on the padded registers in place. Everything lives inside the
// object (heap blocks only for large layers, made at construction); operator() allocates nothing and branches on
// no size. It is used by one thread at a time (it holds its activation buffers); give each thread its own copy.
//
// The snapshot does not follow later changes to the network (training): call refresh(net) after them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/core/denormals.hpp>
#include <precast/core/matrix_view.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/layers/activation.hpp>
#include <precast/layers/dense.hpp>
#include <precast/layers/dropout.hpp>
#include <precast/network/network.hpp>

namespace precast
{
    namespace detail
    {
        template <scalar T>
        constexpr std::size_t padded_size(std::size_t n) noexcept
        {
            constexpr std::size_t width = kernels::simd_width<T>;
            return (n + width - 1) / width * width;
        }

        // A stage computes `in` (padded, In valid values) -> `out` (padded, Out valid values) for one sample.
        // The generic stage runs the layer's own forward pass at batch 1, in inference mode, with a workspace
        // made once (so nothing is allocated per call).
        template <class L>
        class frozen_stage
        {
        public:
            using T = typename L::value_type;
            static constexpr std::size_t in_size = L::input_size;
            static constexpr std::size_t out_size = L::output_size;

            explicit frozen_stage(const L& l) : layer_(l) {}
            void refresh(const L& l) { layer_ = l; }

            void run(const T* in, T* out) noexcept
            {
                layer_.forward(matrix_view<const T, 1, in_size>(in), matrix_view<T, 1, out_size>(out), workspace_, mode::inference);
            }

        private:
            L layer_;
            typename L::template workspace<1> workspace_{};
        };

        // Dropout is the identity in inference.
        template <class T, std::size_t N, double Rate>
        class frozen_stage<dropout_layer<T, N, Rate>>
        {
        public:
            static constexpr std::size_t in_size = N;
            static constexpr std::size_t out_size = N;
            explicit frozen_stage(const dropout_layer<T, N, Rate>&) {}
            void refresh(const dropout_layer<T, N, Rate>&) {}
            void run(const T* in, T* out) const noexcept { std::copy_n(in, padded_size<T>(N), out); }
        };

        // Elementwise activations with a vectorized form: whole padded registers.
        template <class Function, class T, std::size_t N>
            requires vectorized_function<Function, T>
        class frozen_activation
        {
        public:
            static constexpr std::size_t in_size = N;
            static constexpr std::size_t out_size = N;
            void run(const T* in, T* out) const noexcept
            {
                using batch = kernels::simd_batch<T>;
                for (std::size_t i = 0; i < padded_size<T>(N); i += batch::size)
                {
                    Function::simd_value(batch::load_aligned(in + i)).store_aligned(out + i);
                }
            }
        };

        template <class L>
        concept vectorized_activation_layer = requires { typename L::function_type; } &&
                                              vectorized_function<typename L::function_type, typename L::value_type>;

        template <class L>
            requires vectorized_activation_layer<L>
        class frozen_stage<L> : public frozen_activation<typename L::function_type, typename L::value_type, L::input_size>
        {
        public:
            explicit frozen_stage(const L&) {}
            void refresh(const L&) {}
        };

        // Dense: bias + sum_k x_k W^T[k], W^T padded to whole registers.
        template <class T, std::size_t In, std::size_t Out, bool HasBias>
        class frozen_stage<dense_layer<T, In, Out, HasBias>>
        {
            using layer_type = dense_layer<T, In, Out, HasBias>;
            static constexpr std::size_t out_padded = padded_size<T>(Out);

        public:
            static constexpr std::size_t in_size = In;
            static constexpr std::size_t out_size = Out;

            explicit frozen_stage(const layer_type& l) { refresh(l); }

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

        private:
            tensor_buffer<T, shape<In, out_padded>> weights_t_;
            tensor_buffer<T, shape<out_padded>> bias_;
        };
    }

    template <class Net>
    class frozen_network
    {
        using T = typename Net::value_type;
        static constexpr std::size_t depth = Net::depth;

        template <std::size_t... I>
        static auto make_stages(std::index_sequence<I...>) -> std::tuple<detail::frozen_stage<typename Net::template layer_type<I>>...>;
        using stages_type = decltype(make_stages(std::make_index_sequence<depth>{}));

        static constexpr std::size_t buffer_size = [] {
            std::size_t largest = 0;
            for (std::size_t s : Net::sizes)
            {
                largest = std::max(largest, detail::padded_size<T>(s));
            }
            return largest;
        }();

    public:
        using value_type = T;
        static constexpr std::size_t input_size = Net::input_size;
        static constexpr std::size_t output_size = Net::output_size;

        explicit frozen_network(const Net& net) : frozen_network(net, std::make_index_sequence<depth>{}) {}

        // Takes a new snapshot of net (after training, or any change to its parameters).
        void refresh(const Net& net)
        {
            detail::for_each_index([&](auto i) { std::get<decltype(i)::value>(stages_).refresh(net.template at<decltype(i)::value>()); },
                                   std::make_index_sequence<depth>{});
        }

        // One sample through the network; the result stays valid until the next call (on this object).
        std::span<const T, output_size> operator()(std::span<const T, input_size> x) noexcept
        {
            const denormal_scope flush_subnormals;
            T* in = buffers_[0].data();
            T* out = buffers_[1].data();
            std::copy(x.begin(), x.end(), in);
            std::fill(in + input_size, in + buffer_size, T(0));
            detail::for_each_index(
                [&](auto i) {
                    std::get<decltype(i)::value>(stages_).run(in, out);
                    std::swap(in, out);
                },
                std::make_index_sequence<depth>{});
            return std::span<const T, output_size>(in, output_size);
        }

    private:
        template <std::size_t... I>
        frozen_network(const Net& net, std::index_sequence<I...>) : stages_(detail::frozen_stage<typename Net::template layer_type<I>>(net.template at<I>())...)
        {
        }

        stages_type stages_;
        tensor_buffer<T, shape<buffer_size>> buffers_[2];
    };
}
