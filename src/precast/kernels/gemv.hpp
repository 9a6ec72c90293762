// Products of few rows: what the dense and recurrent layers run instead of the GEMM when a batch has fewer rows
// than few_rows_limit (the GEMM would first repack all of W for too little work), and at batch 1 in
// frozen_network and streaming_network (W copied once, transposed and padded to whole registers).
//   few_rows_times_transposed   Y = X W^T + b for M < few_rows_limit rows, W [Out][In] read in place
//   broadcast_tiles             out = bias + sum_k a[k] W^T[k] (+ sum_k b[k] V^T[k]) on whole registers
//   lanes_times_transposed      the same on one sample held in (possibly narrow) registers, kernels/lanes.hpp
//   lanes_dot_rows              one to three outputs: a dot product of the sample with each row of W
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <precast/core/scalar.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/kernels/epilogue.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        // Below this many rows a layer's product uses this header's kernels instead of the GEMM.
        inline constexpr std::size_t few_rows_limit = 4;

        // Y [M][Out] = X [M][In] W^T + b, W [Out][In] (b null without HasBias), then the epilogue on Y.
        template <scalar T, std::size_t M, std::size_t Out, std::size_t In, bool HasBias, class Epilogue>
            requires gemm_epilogue<Epilogue, T>
        inline void few_rows_times_transposed(const T* x, const T* w, const T* b, T* y, const Epilogue& epilogue) noexcept
        {
            if constexpr (In <= 4 * simd_width<T>)
            {
                // A few short rows: the row held in registers (narrow ones for a narrow layer, as frozen_network
                // does), one dot product of known length per output, W read in place; no call per output.
                using row_lanes = lanes<T, In>;
                using batch = typename row_lanes::batch;
                constexpr std::size_t whole = In / row_lanes::width;
                for (std::size_t r = 0; r < M; ++r)
                {
                    const T* x_row = x + r * In;
                    batch x_reg[whole + 1];
                    for (std::size_t g = 0; g < whole; ++g)
                    {
                        x_reg[g] = batch::load_unaligned(x_row + g * row_lanes::width);
                    }
                    // x times a row of W over its whole registers, lane by lane (whole > 0).
                    const auto row_products = [&](const T* w_row) __attribute__((always_inline)) {
                        batch p = x_reg[0] * batch::load_unaligned(w_row);
                        for (std::size_t g = 1; g < whole; ++g)
                        {
                            p = lane_fma(x_reg[g], batch::load_unaligned(w_row + g * row_lanes::width), p);
                        }
                        return p;
                    };
                    T* y_row = y + r * Out;
                    if constexpr (In % row_lanes::width == 0 && Out >= 4)
                    {
                        // Rows of whole registers: the products of a register's worth of outputs summed together
                        // by a transposing reduction (xsimd's haddp, on at most 256 bits), straight into a register
                        // of outputs; the bias added and the fused activation applied there, no output passing
                        // through memory on its own.
                        using sum_batch = decltype(fold_to_256_bits(std::declval<batch>()));
                        constexpr std::size_t width = sum_batch::size;
                        const auto sums = [&](std::size_t o0) __attribute__((always_inline)) {
                            sum_batch products[width];
                            for (std::size_t j = 0; j < width; ++j)
                            {
                                products[j] = o0 + j < Out ? fold_to_256_bits(row_products(w + (o0 + j) * In)) : sum_batch(T(0));
                            }
                            return xsimd::haddp(products);
                        };
                        // Outputs leave in registers as wide as the next layer reads them with: two 256-bit sums
                        // joined into one 512-bit register where there are 16 floats or more. A 512-bit load of
                        // two 256-bit stores cannot be forwarded from them and waits for both to reach the cache.
                        constexpr bool joined = lane_batch<T, Out>::size == 2 * width;
                        constexpr std::size_t step = joined ? 2 * width : width;
                        for (std::size_t o0 = 0; o0 < Out; o0 += step)
                        {
                            auto z = [&]() __attribute__((always_inline)) {
                                if constexpr (joined)
                                {
                                    return join_256_bit_halves(sums(o0), o0 + width < Out ? sums(o0 + width) : sum_batch(T(0)));
                                }
                                else
                                {
                                    return sums(o0);
                                }
                            }();
                            using out_batch = decltype(z);
                            const std::size_t count = std::min(step, Out - o0);
                            if (count == step)
                            {
                                if constexpr (HasBias)
                                {
                                    z += out_batch::load_unaligned(b + o0);
                                }
                                z.store_unaligned(y_row + o0);
                            }
                            else
                            {
                                alignas(64) T values[step];
                                z.store_aligned(values);
                                for (std::size_t j = 0; j < count; ++j)
                                {
                                    values[j] += HasBias ? b[o0 + j] : T(0);
                                }
                                std::copy_n(values, count, y_row + o0);
                                z = out_batch::load_aligned(values);
                            }
                            if constexpr (register_epilogue<Epilogue, out_batch>)
                            {
                                epilogue.on_register(z, y_row + o0, count);
                            }
                            else
                            {
                                apply_epilogue(epilogue, y_row + o0, count);
                            }
                        }
                        continue;
                    }
                    // One sum per output, gathered into registers of outputs without passing through memory (g++
                    // stored the sums one by one and read them back as a register: a failed store forwarding).
                    const auto output = [&](std::size_t o) {
                        const T* w_row = w + o * In;
                        T sum = HasBias ? b[o] : T(0);
                        if constexpr (whole > 0)
                        {
                            sum += sum_of_lanes(row_products(w_row));
                        }
                        for (std::size_t k = whole * row_lanes::width; k < In; ++k)
                        {
                            sum += x_row[k] * w_row[k];
                        }
                        return sum;
                    };
                    using out_lanes = lanes<T, Out>;
                    using out_batch = typename out_lanes::batch;
                    constexpr std::size_t out_width = out_lanes::width;
                    constexpr bool in_registers = register_epilogue<Epilogue, out_batch>;
                    unroll(
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
                        apply_epilogue(epilogue, y_row, Out);
                    }
                }
            }
            else
            {
                // Long rows: one dot product per output.
                for (std::size_t r = 0; r < M; ++r)
                {
                    const T* x_row = x + r * In;
                    for (std::size_t o = 0; o < Out; ++o)
                    {
                        const T sum = dot(x_row, w + o * In, In);
                        y[r * Out + o] = HasBias ? sum + b[o] : sum;
                    }
                }
                apply_epilogue(epilogue, y, M * Out);
            }
        }

        // Registers [R0, R1) of out = bias + sum_{k < KA} a[k] * wa[k][.] + sum_{k < KB} b[k] * wb[k][.], where
        // wa and wb are transposed weights with rows of Stride values (a multiple of the register width) and
        // bias and out are aligned. Up to 8 registers of accumulators at a time; every count is a compile-time
        // constant. With few registers, k is split over 2 or 4 interleaved sums: the FMA latency, not the loads,
        // bounds a single chain of 4 registers.
        template <scalar T, std::size_t Stride, std::size_t R0, std::size_t R1, std::size_t KA, std::size_t KB>
        inline void broadcast_tiles(const T* wa, const T* a, const T* wb, const T* b, const T* bias, T* out) noexcept
        {
            if constexpr (R0 < R1)
            {
                using batch = simd_batch<T>;
                constexpr std::size_t width = batch::size;
                static_assert(Stride % width == 0, "precast::kernels::broadcast_tiles: rows must be padded to whole registers");
                constexpr std::size_t count = R1 - R0 < 8 ? R1 - R0 : 8;
                constexpr std::size_t chains = count <= 2 ? 4 : count <= 4 ? 2 : 1;
                batch acc[chains][count];
                for (std::size_t r = 0; r < count; ++r)
                {
                    acc[0][r] = batch::load_aligned(bias + (R0 + r) * width);
                    for (std::size_t c = 1; c < chains; ++c)
                    {
                        acc[c][r] = batch(T(0));
                    }
                }
                const auto accumulate = [&](const T* w, const T* v, std::size_t k, std::size_t c) __attribute__((always_inline)) {
                    const batch xk(v[k]);
                    const T* row = w + k * Stride + R0 * width;
                    for (std::size_t r = 0; r < count; ++r)
                    {
                        acc[c][r] = fused_multiply_add<T>(xk, batch::load_aligned(row + r * width), acc[c][r]);
                    }
                };
                // k in groups of `chains`, so that each product's chain is a constant: g++ does not unroll these
                // loops, and an accumulator picked by k % chains at run time lived in memory (g++'s streaming
                // gru<32> step took 206 ns, clang's 130). The chains are the same as k % chains over both parts.
                const auto products = [&]<std::size_t N, std::size_t First>(const T* w, const T* v) __attribute__((always_inline)) {
                    std::size_t k = 0;
                    for (; k + chains <= N; k += chains)
                    {
                        unroll([&](auto c) __attribute__((always_inline)) { accumulate(w, v, k + c, (First + c) % chains); },
                               std::make_index_sequence<chains>{});
                    }
                    unroll([&](auto c) __attribute__((always_inline)) { accumulate(w, v, k + c, (First + c) % chains); },
                           std::make_index_sequence<N % chains>{});
                };
                products.template operator()<KA, 0>(wa, a);
                products.template operator()<KB, KA % chains>(wb, b);
                for (std::size_t r = 0; r < count; ++r)
                {
                    batch sum = acc[0][r];
                    for (std::size_t c = 1; c < chains; ++c)
                    {
                        sum += acc[c][r];
                    }
                    sum.store_aligned(out + (R0 + r) * width);
                }
                broadcast_tiles<T, Stride, R0 + count, R1, KA, KB>(wa, a, wb, b, bias, out);
            }
        }

        // y = bias + sum_k x_k W^T[k] for one sample in registers: W^T [In][Stride] and bias aligned, on the
        // output's own (possibly narrow) registers, in up to four interleaved chains so that the FMA latency does
        // not add up along k; small products are unrolled completely.
        template <scalar T, std::size_t In, std::size_t Out, std::size_t Stride>
        [[nodiscard]] inline lanes<T, Out> lanes_times_transposed(const lanes<T, In>& x, const T* weights_t, const T* bias) noexcept
        {
            using out_lanes = lanes<T, Out>;
            using batch = typename out_lanes::batch;
            constexpr std::size_t width = out_lanes::width;
            constexpr std::size_t registers = out_lanes::count;
            static_assert(Stride >= out_lanes::padded, "precast::kernels::lanes_times_transposed: a row of W^T holds the padded outputs");
            constexpr std::size_t chains = std::min<std::size_t>({In, 4, std::max<std::size_t>(1, 8 / registers)});
            alignas(64) T xs[lanes<T, In>::padded];
            x.store(xs);
            batch acc[chains][registers];
            for (std::size_t r = 0; r < registers; ++r)
            {
                acc[0][r] = batch::load_aligned(bias + r * width);
                for (std::size_t c = 1; c < chains; ++c)
                {
                    acc[c][r] = batch(T(0));
                }
            }
            // Both lambdas inlined: called out of line, the accumulators live in memory (a load and a store per FMA).
            const auto step = [&](std::size_t k, std::size_t c) __attribute__((always_inline)) {
                const batch xk(xs[k]);
                const T* row = weights_t + k * Stride;
                for (std::size_t r = 0; r < registers; ++r)
                {
                    acc[c][r] = lane_fma(xk, batch::load_aligned(row + r * width), acc[c][r]);
                }
            };
            if constexpr (In * registers <= 256)
            {
                [&]<std::size_t... K>(std::index_sequence<K...>) __attribute__((always_inline)) { (step(K, K % chains), ...); }(std::make_index_sequence<In>{});
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

        // y_o = sum of x * W[o] for one sample in registers and few outputs (broadcasting every x_k would cost
        // more than the sums): rows of W zero-padded to the sample's registers, [Out][lanes<T, In>::padded], and
        // each bias in the first lane of a register of zeros, [Out][lanes<T, In>::width], so no add follows the sum.
        template <scalar T, std::size_t In, std::size_t Out>
        [[nodiscard]] inline lanes<T, Out> lanes_dot_rows(const lanes<T, In>& x, const T* rows, const T* bias_lanes) noexcept
        {
            using out_lanes = lanes<T, Out>;
            using in_lanes = lanes<T, In>;
            using batch = typename in_lanes::batch;
            alignas(64) T values[out_lanes::padded] = {};
            for (std::size_t o = 0; o < Out; ++o)
            {
                const T* row = rows + o * in_lanes::padded;
                batch sum = lane_fma(x.reg[0], batch::load_aligned(row), batch::load_aligned(bias_lanes + o * in_lanes::width));
                for (std::size_t r = 1; r < in_lanes::count; ++r)
                {
                    sum = lane_fma(x.reg[r], batch::load_aligned(row + r * in_lanes::width), sum);
                }
                values[o] = sum_of_lanes(sum);
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
    }
}
