// gemm: C = A B (+ C, + a bias per column) for matrices whose sizes and strides are compile-time constants.
//
// Each operand has a layout (layout<RowStride, ColStride>: element (r, c) at r * RowStride + c * ColStride), named
// for the usual cases: row_major<Cols> and transposed<Cols> (the transpose of a row-major matrix with Cols
// columns). One kernel serves them all; the three products of a dense layer are
//   forward  Y  = X W^T + b   gemm<T, M = rows, N = out, K = in,  row_major<in>,  transposed<in>>   (W is [out][in])
//   backward dX = dY W        gemm<T, M = rows, N = in,  K = out, row_major<out>, row_major<in>>
//   backward dW = dY^T X      gemm<T, M = out,  N = in,  K = rows, transposed<out>, row_major<in>>
//
// Structure (as in BLIS / GotoBLAS): K is cut into blocks of kc_block; for each block, B is copied ("packed") one
// panel of NR columns at a time into a contiguous, zero-padded buffer on the stack (no allocation), and a
// register-blocked micro-kernel computes MR x NR tiles of C from it, broadcasting elements of A. Every loop
// bound is a compile-time constant: tile counts, the last partial tile's rows (M % MR) and columns (N % NR), and
// the last partial K block are all chosen at compile time, with no run-time dispatch on shapes.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <utility>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <precast/core/scalar.hpp>
#include <precast/core/threads.hpp>
#include <precast/export.hpp>
#include <precast/kernels/arch/avx512.hpp>
#include <precast/kernels/epilogue.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    // How a GEMM operand lies in memory: element (r, c) at r * RowStride + c * ColStride.
    PRECAST_EXPORT template <std::size_t RowStride, std::size_t ColStride>
    struct layout
    {
        static constexpr std::size_t row_stride = RowStride;
        static constexpr std::size_t col_stride = ColStride;
    };
    // A row-major matrix with Cols columns (and any number of rows).
    PRECAST_EXPORT template <std::size_t Cols>
    using row_major = layout<Cols, 1>;
    // The transpose of a row-major matrix with Cols columns: element (r, c) is that matrix's (c, r).
    PRECAST_EXPORT template <std::size_t Cols>
    using transposed = layout<1, Cols>;

    namespace detail
    {
        template <class L>
        struct is_layout : std::false_type
        {
        };
        template <std::size_t R, std::size_t C>
        struct is_layout<layout<R, C>> : std::true_type
        {
        };
    }
    // gemm_layout: a kernels::layout<...>.
    PRECAST_EXPORT template <class L>
    concept gemm_layout = detail::is_layout<L>::value;

    inline namespace PRECAST_SIMD_ABI
    {
        // Register blocking for T on this target: NR = nr_vectors registers of columns, MR rows, so that
        // MR x nr_vectors accumulators + nr_vectors B registers + 1 broadcast fit the register file
        // (AVX-512, 32 registers: 8 x 3 + 3 + 1; AVX2/SSE, 16 registers: 6 x 2 + 2 + 1). 8 x 3 measured best of 12x2, 14x2,
        // 8x3, 6x4, 4x6 (AVX-512 Xeon). K blocks of up to 512 (panel in L2, the rows of A read as long streams the
        // prefetcher follows) beat blocks of 64-160 that keep the panel in L1 by 4-8 points of peak on every GEMM of
        // precast-bench (Zen 4: 128x256x784 89 -> 94 %, 1024^3 86 -> 92 %); 1024 was no better.
        PRECAST_EXPORT template <scalar T>
        struct gemm_blocking
        {
            static constexpr std::size_t width = simd_width<T>;
            static constexpr std::size_t nr_vectors = XSIMD_WITH_AVX512F ? 3 : 2;
            static constexpr std::size_t nr = nr_vectors * width;
            static constexpr std::size_t mr = XSIMD_WITH_AVX512F ? 8 : 6;
            static constexpr std::size_t kc_block = 512;  // a packed B panel of kc x NR on the stack: 96 KiB on AVX-512
            // Independent sums a tile needs to keep the FMA units busy: FMA latency (4) x FMA pipes (2) on current
            // x86 cores. A tile with fewer waits on its own chains.
            static constexpr std::size_t latency_hiding_sums = 8;
        };

        namespace detail
        {
            // In-register transposes for packing, where the target has them (kernels/arch/).
            template <scalar T>
            using transpose_block = arch::transpose_block<T>;

            // Copies B(k0 + k, j0 + j) for k < KC, j < Columns into panel[k * NR + j]; columns Columns..NR-1 are zero.
            template <scalar T, std::size_t KC, std::size_t NR, std::size_t Columns, std::size_t BRow, std::size_t BCol>
            inline void pack_b_panel(const T* b, std::size_t k0, std::size_t j0, T* panel) noexcept
            {
                static_assert(Columns <= NR);
                constexpr std::size_t columns = Columns;
                if constexpr (BCol == 1)
                {
                    // A register at a time (a byte loop here left the compiler to guess and it guessed badly).
                    using batch = simd_batch<T>;
                    constexpr std::size_t width = batch::size;
                    constexpr std::size_t full_registers = columns / width;
                    for (std::size_t k = 0; k < KC; ++k)
                    {
                        const T* row = b + (k0 + k) * BRow + j0;
                        T* out = panel + k * NR;
                        unroll([&](auto v) { batch::load_unaligned(row + v * width).store_aligned(out + v * width); },
                               std::make_index_sequence<full_registers>{});
                        for (std::size_t j = full_registers * width; j < NR; ++j)
                        {
                            out[j] = j < columns ? row[j] : T(0);
                        }
                    }
                }
                else if constexpr (BRow == 1 && transpose_block<T>::available)
                {
                    // B is W^T with W's rows contiguous in k: whole width x width blocks go through an in-register
                    // transpose (a scalar gather here costs ~20 % of the forward GEMM); the rest element by element.
                    constexpr std::size_t w = transpose_block<T>::width;
                    constexpr std::size_t full_column_blocks = columns / w;
                    constexpr std::size_t full_k_blocks = KC / w;
                    for (std::size_t jb = 0; jb < full_column_blocks; ++jb)
                    {
                        for (std::size_t kb = 0; kb < full_k_blocks; ++kb)
                        {
                            transpose_block<T>::run(b + (k0 + kb * w) + (j0 + jb * w) * BCol, BCol, panel + kb * w * NR + jb * w, NR);
                        }
                        for (std::size_t k = full_k_blocks * w; k < KC; ++k)
                        {
                            for (std::size_t j = jb * w; j < (jb + 1) * w; ++j)
                            {
                                panel[k * NR + j] = b[(k0 + k) + (j0 + j) * BCol];
                            }
                        }
                    }
                    for (std::size_t k = 0; k < KC; ++k)
                    {
                        const T* source = b + (k0 + k) + j0 * BCol;
                        T* out = panel + k * NR;
                        std::size_t j = full_column_blocks * w;
                        for (; j < columns; ++j)
                        {
                            out[j] = source[j * BCol];
                        }
                        for (; j < NR; ++j)
                        {
                            out[j] = T(0);
                        }
                    }
                }
                else
                {
                    // B is stored transposed (column j contiguous in k). Walking k in the outer loop keeps the NR
                    // source rows' cache lines in L1 for a whole line's worth of k, and writes the panel in order.
                    for (std::size_t k = 0; k < KC; ++k)
                    {
                        const T* source = b + (k0 + k) * BRow + j0 * BCol;
                        T* out = panel + k * NR;
                        std::size_t j = 0;
                        for (; j < columns; ++j)
                        {
                            out[j] = source[j * BCol];
                        }
                        for (; j < NR; ++j)
                        {
                            out[j] = T(0);
                        }
                    }
                }
            }

            // C tile (Rows x Columns, Rows <= MR, Columns <= NV registers) = acc (+ C if Accumulate) (+ bias if bias).
            // acc rows are computed from KC elements of A starting at a and the packed panel (NV registers wide).
            template <scalar T, std::size_t Rows, std::size_t KC, std::size_t ARow, std::size_t ACol, std::size_t NV, std::size_t Columns, std::size_t LDC,
                      class Epilogue>
            inline void micro_kernel(const T* a, const T* panel, T* c, bool accumulate, const T* bias, const Epilogue& epilogue) noexcept
            {
                using batch = simd_batch<T>;
                constexpr std::size_t width = batch::size;
                constexpr std::size_t nv = NV;
                constexpr std::size_t nr = NV * width;

                batch acc[Rows][nv];
                // The loops over rows and registers written out (unroll), each body a lambda of a plain index, inlined:
                // after inlining every index is a constant and acc stays in registers, and a body is compiled once,
                // not once per index (a generic lambda is one function per row and register: most of a test file's
                // instantiations).
                unroll(
                    [&](std::size_t r) __attribute__((always_inline)) {
                        unroll([&](std::size_t v) __attribute__((always_inline)) { acc[r][v] = batch(T(0)); }, std::make_index_sequence<nv>{});
                    },
                    std::make_index_sequence<Rows>{});
                for (std::size_t k = 0; k < KC; ++k)
                {
                    batch bv[nv];
                    unroll([&](std::size_t v) __attribute__((always_inline)) { bv[v] = batch::load_aligned(panel + k * nr + v * width); },
                           std::make_index_sequence<nv>{});
                    unroll(
                        [&](std::size_t r) __attribute__((always_inline)) {
                            const batch av(a[r * ARow + k * ACol]);
                            unroll([&](std::size_t v) __attribute__((always_inline)) { acc[r][v] = fused_multiply_add<T>(av, bv[v], acc[r][v]); },
                                   std::make_index_sequence<nv>{});
                        },
                        std::make_index_sequence<Rows>{});
                }

                if constexpr (Columns == nr)
                {
                    unroll(
                        [&](std::size_t r) __attribute__((always_inline)) {
                            unroll(
                                [&](std::size_t v) __attribute__((always_inline)) {
                                    T* out = c + r * LDC + v * width;
                                    batch result = acc[r][v];
                                    if (bias != nullptr)
                                    {
                                        result += batch::load_unaligned(bias + v * width);
                                    }
                                    if (accumulate)
                                    {
                                        result += batch::load_unaligned(out);
                                    }
                                    result.store_unaligned(out);
                                    if constexpr (!std::same_as<Epilogue, no_epilogue>)
                                    {
                                        epilogue(result, out);
                                    }
                                },
                                std::make_index_sequence<nv>{});
                        },
                        std::make_index_sequence<Rows>{});
                }
                else
                {
                    alignas(64) T tile[nr];
                    for (std::size_t r = 0; r < Rows; ++r)
                    {
                        unroll([&](std::size_t v) __attribute__((always_inline)) { acc[r][v].store_aligned(tile + v * width); },
                               std::make_index_sequence<nv>{});
                        T* out = c + r * LDC;
                        for (std::size_t j = 0; j < Columns; ++j)
                        {
                            T result = tile[j];
                            if (bias != nullptr)
                            {
                                result += bias[j];
                            }
                            if (accumulate)
                            {
                                result += out[j];
                            }
                            out[j] = result;
                        }
                        if constexpr (!std::same_as<Epilogue, no_epilogue>)
                        {
                            epilogue.partial(out, Columns);
                        }
                    }
                }
            }

            template <scalar T, std::size_t N>
            inline constexpr std::size_t column_panels = (N + gemm_blocking<T>::nr - 1) / gemm_blocking<T>::nr;

            // One K block of KC for the tiles of C in column panels [first_panel, end_panel).
            template <scalar T, std::size_t M, std::size_t N, std::size_t KC, std::size_t ARow, std::size_t ACol, std::size_t BRow, std::size_t BCol,
                      std::size_t LDC, class Epilogue>
            inline void gemm_block(const T* a, const T* b, T* c, std::size_t k0, bool accumulate, const T* bias, std::size_t first_panel, std::size_t end_panel,
                                   const Epilogue& epilogue) noexcept
            {
                constexpr std::size_t mr = gemm_blocking<T>::mr;
                constexpr std::size_t nr = gemm_blocking<T>::nr;
                constexpr std::size_t full_column_panels = N / nr;
                constexpr std::size_t tail_columns = N % nr;
                constexpr std::size_t full_row_tiles = M / mr;
                constexpr std::size_t tail_rows = M % mr;

                const T* a_block = a + k0 * ACol;

                // One panel of NR columns of C (or the last, narrower one: only as many registers wide as its columns
                // need, so 256 = 5 x 48 + 16 columns do not pay 48 columns' multiply-adds for the last 16), with its
                // own packed copy of B.
                auto panel_columns = [&]<std::size_t Columns>(std::size_t j0) {
                    constexpr std::size_t width = simd_width<T>;
                    constexpr std::size_t nv = (Columns + width - 1) / width;
                    alignas(64) T panel[KC * nv * width];
                    pack_b_panel<T, KC, nv * width, Columns, BRow, BCol>(b, k0, j0, panel);
                    const T* panel_bias = bias != nullptr ? bias + j0 : nullptr;
                    // A tail of few rows has too few sums to hide the FMA latency (M = 32 on AVX2: 5 x 6 + 2 rows, the
                    // last tile at half speed): with a full tile before it, the two run as two tiles of about equal
                    // height instead (32 = 4 x 6 + 4 + 4). Every element is the same sum in the same order either way.
                    constexpr bool balance_tail = tail_rows != 0 && full_row_tiles > 0 && tail_rows * nv < gemm_blocking<T>::latency_hiding_sums;
                    constexpr std::size_t whole_tiles = balance_tail ? full_row_tiles - 1 : full_row_tiles;
                    const auto tile_at = [&]<std::size_t Rows>(std::size_t row) {
                        micro_kernel<T, Rows, KC, ARow, ACol, nv, Columns, LDC>(a_block + row * ARow, panel, c + row * LDC + j0, accumulate, panel_bias,
                                                                                epilogue);
                    };
                    // (Each branch below is instantiated only where the shape needs it: a GEMM of 4 rows has no
                    // tile of MR rows to compile.)
                    if constexpr (whole_tiles > 0)
                    {
                        for (std::size_t tile = 0; tile < whole_tiles; ++tile)
                        {
                            tile_at.template operator()<mr>(tile * mr);
                        }
                    }
                    if constexpr (balance_tail)
                    {
                        constexpr std::size_t upper = (mr + tail_rows + 1) / 2;
                        tile_at.template operator()<upper>(whole_tiles * mr);
                        tile_at.template operator()<mr + tail_rows - upper>(whole_tiles * mr + upper);
                    }
                    else if constexpr (tail_rows != 0)
                    {
                        tile_at.template operator()<tail_rows>(full_row_tiles * mr);
                    }
                };
                auto panel_at = [&](std::size_t p) {
                    if constexpr (full_column_panels > 0)
                    {
                        if (p < full_column_panels)
                        {
                            panel_columns.template operator()<nr>(p * nr);
                            return;
                        }
                    }
                    if constexpr (tail_columns != 0)
                    {
                        panel_columns.template operator()<tail_columns>(full_column_panels * nr);
                    }
                };
                for (std::size_t p = first_panel; p < end_panel; ++p)
                {
                    panel_at(p);
                }
            }
        }

        // C(i, j) = sum_k A(i, k) B(k, j) (+ C(i, j) if accumulate) (+ bias[j] if bias != nullptr), for i < M, j < N,
        // then the epilogue on each of them. A is M x K, B is K x N and C is M x N, each in its layout (C's rows
        // contiguous). Nothing outside those M x N elements of C is written.
        PRECAST_EXPORT template <scalar T, std::size_t M, std::size_t N, std::size_t K, gemm_layout ALayout = row_major<K>, gemm_layout BLayout = row_major<N>,
                                 gemm_layout CLayout = row_major<N>, class Epilogue = no_epilogue>
            requires gemm_epilogue<Epilogue, T>
        inline void gemm(const T* a, const T* b, T* c, bool accumulate = false, const T* bias = nullptr, const Epilogue& epilogue = {}) noexcept
        {
            static_assert(M > 0 && N > 0 && K > 0, "precast::kernels::gemm: every dimension must be at least 1");
            static_assert(CLayout::col_stride == 1, "precast::kernels::gemm: C must be row_major<LDC> (its rows contiguous)");
            static_assert(CLayout::row_stride >= N, "precast::kernels::gemm: the row stride of C must be at least N");
            constexpr std::size_t ARow = ALayout::row_stride;
            constexpr std::size_t ACol = ALayout::col_stride;
            constexpr std::size_t BRow = BLayout::row_stride;
            constexpr std::size_t BCol = BLayout::col_stride;
            constexpr std::size_t LDC = CLayout::row_stride;
            // K in equal blocks of at most kc_block (1100 = 3 x 367, not 2 x 512 + 76: a short last block pays the
            // loads and stores of C for few multiply-adds).
            constexpr std::size_t block_count = (K + gemm_blocking<T>::kc_block - 1) / gemm_blocking<T>::kc_block;
            constexpr std::size_t kc = (K + block_count - 1) / block_count;
            constexpr std::size_t full_blocks = K / kc;
            constexpr std::size_t tail = K % kc;
            constexpr std::size_t panels = detail::column_panels<T, N>;
            // All of K for the column panels [first, end): columns are independent, so threads split them.
            auto columns = [&](std::size_t first, std::size_t end) {
                // The epilogue runs with the last K block only, when C holds its final values.
                constexpr std::size_t blocks_before_last = tail != 0 ? full_blocks : full_blocks - 1;
                if constexpr (blocks_before_last > 0)
                {
                    for (std::size_t block = 0; block < blocks_before_last; ++block)
                    {
                        const bool first_block = block == 0;
                        detail::gemm_block<T, M, N, kc, ARow, ACol, BRow, BCol, LDC>(a, b, c, block * kc, accumulate || !first_block,
                                                                                     first_block ? bias : nullptr, first, end, no_epilogue{});
                    }
                }
                constexpr std::size_t last_kc = tail != 0 ? tail : kc;
                constexpr bool last_is_first = blocks_before_last == 0;
                detail::gemm_block<T, M, N, last_kc, ARow, ACol, BRow, BCol, LDC>(a, b, c, blocks_before_last * kc, accumulate || !last_is_first,
                                                                                  last_is_first ? bias : nullptr, first, end, epilogue);
            };
            // A product too small to split (the threshold and the panel count are constants) compiles no parallel
            // region at all: most of a small network's GEMMs.
#if defined(_OPENMP)
            if constexpr (panels > 1 && M * N * K >= parallel_work_threshold)
            {
                const int threads = precast::detail::threads_for(M * N * K);
                if (threads > 1)
                {
#pragma omp parallel num_threads(threads)
                    {
                        const auto count = static_cast<std::size_t>(omp_get_num_threads());
                        const auto index = static_cast<std::size_t>(omp_get_thread_num());
                        columns(panels * index / count, panels * (index + 1) / count);
                    }
                    return;
                }
            }
#endif
            columns(0, panels);
        }
    }
}
