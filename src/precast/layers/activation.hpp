// activation_layer: the common body of every elementwise activation (sigmoid, tanh, relu, ...). Each activation
// header supplies a function object with value(x) and derivative(x, y), and names its layer and its spec. A
// function that also has simd_value(batch) and simd_derivative(batch, batch) is applied a register at a time;
// the last partial register goes through a zero-padded copy (kernels/elementwise.hpp).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <utility>

#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/elementwise.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    namespace detail
    {
        template <class Function, class T>
        concept vectorized_function = requires(const kernels::simd_batch<T>& b) {
            { Function::simd_value(b) } -> std::same_as<kernels::simd_batch<T>>;
            { Function::simd_derivative(b, b) } -> std::same_as<kernels::simd_batch<T>>;
        };

        // Function computes on registers of type B (any width: kernels/lanes.hpp uses narrow ones).
        template <class Function, class B>
        concept vectorized_on = requires(const B& b) {
            { Function::simd_value(b) } -> std::same_as<B>;
        };

        // GEMM epilogues (kernels/epilogue.hpp) that fuse an activation into the dense layer next to it. Both
        // index their matrices like C: the element of C at `at` sits at offset at - c in each of them.
        // out = f(C): the activation after a dense layer's forward product.
        template <class Function, scalar T>
        struct activation_value_epilogue
        {
            const T* c;
            T* out;

            void operator()(const kernels::simd_batch<T>& value, const T* at) const noexcept { Function::simd_value(value).store_unaligned(out + (at - c)); }
            void partial(const T* at, std::size_t count) const noexcept
            {
                kernels::elementwise(count, out + (at - c), [](const auto& v) { return Function::simd_value(v); }, at);
            }
            // The first `count` values of a register of any width (a dense layer's few-row path).
            template <class B>
                requires vectorized_on<Function, B>
            void on_register(const B& values, const T* at, std::size_t count) const noexcept
            {
                alignas(64) T result[B::size];
                Function::simd_value(values).store_aligned(result);
                std::copy_n(result, count, out + (at - c));
            }
        };

        // dx = C * f'(x, y): the activation before a dense layer, in backward, with C = dLoss/dy from the dense
        // layer's input-gradient product, and x, y the activation's input and output from the forward pass.
        template <class Function, scalar T>
        struct activation_derivative_epilogue
        {
            const T* c;
            const T* x;
            const T* y;
            T* dx;

            void operator()(const kernels::simd_batch<T>& dy, const T* at) const noexcept
            {
                const std::ptrdiff_t offset = at - c;
                using batch = kernels::simd_batch<T>;
                (dy * Function::simd_derivative(batch::load_unaligned(x + offset), batch::load_unaligned(y + offset))).store_unaligned(dx + offset);
            }
            void partial(const T* at, std::size_t count) const noexcept
            {
                const std::ptrdiff_t offset = at - c;
                kernels::elementwise(
                    count, dx + offset, [](const auto& g, const auto& in, const auto& out) { return g * Function::simd_derivative(in, out); }, at, x + offset,
                    y + offset);
            }
        };
    }

    // activation_layer<Function, T, Shape>: Function on every element of a sample of any shape.
    PRECAST_EXPORT template <class Function, scalar T, static_shape Shape>
    class activation_layer
    {
        static constexpr std::size_t N = Shape::size;
        static constexpr bool vectorized = detail::vectorized_function<Function, T>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        using function_type = Function;
        // Nominal FLOPs per sample: one per element each way.
        static constexpr std::size_t forward_flops = N;
        static constexpr std::size_t backward_flops = N;

        template <std::size_t B>
        using workspace = no_workspace;

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            if constexpr (vectorized)
            {
                kernels::elementwise(B * N, y.data(), [](const auto& v) { return Function::simd_value(v); }, x.data());
            }
            else
            {
                for (std::size_t i = 0; i < B * N; ++i)
                {
                    y.data()[i] = Function::value(x.data()[i]);
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> x, batch_view<const T, B, Shape> y, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      no_workspace& /*ws*/) const noexcept
        {
            if (dx.empty())
            {
                return;
            }
            if constexpr (vectorized)
            {
                kernels::elementwise(
                    B * N, dx.data(), [](const auto& g, const auto& in, const auto& out) { return g * Function::simd_derivative(in, out); }, dy.data(),
                    x.data(), y.data());
            }
            else
            {
                for (std::size_t i = 0; i < B * N; ++i)
                {
                    dx.data()[i] = dy.data()[i] * Function::derivative(x.data()[i], y.data()[i]);
                }
            }
        }

        // Fusion into a neighbouring GEMM (concepts.hpp, fusable_activation): only for vectorized functions.
        static detail::activation_value_epilogue<Function, T> value_epilogue(const T* c, T* out) noexcept
            requires vectorized
        {
            return {c, out};
        }
        static detail::activation_derivative_epilogue<Function, T> derivative_epilogue(const T* c, const T* x, const T* y, T* dx) noexcept
            requires vectorized
        {
            return {c, x, y, dx};
        }

        // The same function on one position (concepts.hpp, positionwise_layer), for streaming_network.
        using per_position = activation_layer<Function, T, shape<last_extent<Shape>>>;
        [[nodiscard]] per_position per_position_form() const noexcept { return {}; }

        // The batch-1 form for frozen_network (concepts.hpp, frozen_form): whole padded registers, no tail.
        class frozen
        {
        public:
            explicit frozen(const activation_layer&) noexcept {}
            void refresh(const activation_layer&) noexcept {}
            void run(const T* in, T* out) const noexcept
            {
                if constexpr (vectorized)
                {
                    using batch = kernels::simd_batch<T>;
                    for (std::size_t i = 0; i < kernels::padded_size<T>(N); i += batch::size)
                    {
                        Function::simd_value(batch::load_aligned(in + i)).store_aligned(out + i);
                    }
                }
                else
                {
                    for (std::size_t i = 0; i < N; ++i)
                    {
                        out[i] = Function::value(in[i]);
                    }
                }
            }

            // The same on a sample held in registers (frozen_network keeps small samples there).
            kernels::lanes<T, N> apply(kernels::lanes<T, N> x) const noexcept
            {
                using lanes = kernels::lanes<T, N>;
                if constexpr (detail::vectorized_on<Function, typename lanes::batch>)
                {
                    for (auto& r : x.reg)
                    {
                        r = Function::simd_value(r);
                    }
                    return x;
                }
                else
                {
                    alignas(64) T values[lanes::padded];
                    x.store(values);
                    for (std::size_t i = 0; i < N; ++i)
                    {
                        values[i] = Function::value(values[i]);
                    }
                    return lanes::load(values);
                }
            }
        };
    };
}
