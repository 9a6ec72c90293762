// im2col and col2im for channels-last samples: a convolution as one GEMM.
//
// im2col copies, for every output position (b, oh, ow), the input values its window covers into one row of
// `columns`: Channels * taps values ordered (channel, kernel row, kernel column), zeros where the window lies on
// padding. That is PyTorch's weight layout [filters][channels / groups][kH][kW] read row by row, so the rows
// times the weights' transpose are the convolution, and a group's columns are one contiguous slice of a row.
// col2im is its adjoint: it adds each column value back onto the input value it was copied from.
#pragma once

#include <algorithm>
#include <cstddef>

#include <precast/core/scalar.hpp>
#include <precast/core/window.hpp>
#include <precast/export.hpp>
#include <precast/kernels/simd.hpp>

namespace precast::kernels
{
    inline namespace PRECAST_SIMD_ABI
    {
        // Input index along one axis for output index o and tap k, or `no_source` where it falls on padding.
        PRECAST_EXPORT inline constexpr std::size_t no_source = static_cast<std::size_t>(-1);
        PRECAST_EXPORT constexpr std::size_t source_index(const window_axis& a, std::size_t o, std::size_t k) noexcept
        {
            const std::size_t padded = o * a.stride + k * a.dilation;
            if (padded < a.before || padded - a.before >= a.input)
            {
                return no_source;
            }
            return padded - a.before;
        }

        // Calls f(row, column offset of tap (kh, kw) within a channel's taps, input offset or no_source) for every
        // row of the batch and every tap.
        PRECAST_EXPORT template <window_geometry G, std::size_t Batch, std::size_t Channels, class F>
        inline void for_each_window_tap(F&& f) noexcept
        {
            constexpr std::size_t out_h = G.height.output();
            constexpr std::size_t out_w = G.width.output();
            constexpr std::size_t in_sample = G.height.input * G.width.input * Channels;
            std::size_t row = 0;
            for (std::size_t b = 0; b < Batch; ++b)
            {
                for (std::size_t oh = 0; oh < out_h; ++oh)
                {
                    for (std::size_t ow = 0; ow < out_w; ++ow, ++row)
                    {
                        for (std::size_t kh = 0; kh < G.height.kernel; ++kh)
                        {
                            const std::size_t ih = source_index(G.height, oh, kh);
                            for (std::size_t kw = 0; kw < G.width.kernel; ++kw)
                            {
                                const std::size_t iw = source_index(G.width, ow, kw);
                                const std::size_t at = ih == no_source || iw == no_source ? no_source : b * in_sample + (ih * G.width.input + iw) * Channels;
                                f(row, kh * G.width.kernel + kw, at);
                            }
                        }
                    }
                }
            }
        }

        // columns[row][c * taps + tap] = the input value under tap `tap` of channel c, for Batch samples of
        // [G.height.input][G.width.input][Channels].
        PRECAST_EXPORT template <scalar T, window_geometry G, std::size_t Batch, std::size_t Channels>
        inline void im2col(const T* input, T* columns) noexcept
        {
            constexpr std::size_t taps = G.taps();
            constexpr std::size_t row_size = Channels * taps;
            for_each_window_tap<G, Batch, Channels>([&](std::size_t row, std::size_t tap, std::size_t at) {
                T* out = columns + row * row_size + tap;
                if (at == no_source)
                {
                    for (std::size_t c = 0; c < Channels; ++c)
                    {
                        out[c * taps] = T(0);
                    }
                }
                else
                {
                    const T* in = input + at;
                    for (std::size_t c = 0; c < Channels; ++c)
                    {
                        out[c * taps] = in[c];
                    }
                }
            });
        }

        // input[...] = the sum of the column values im2col copied from it (the gradient of im2col); every input value
        // is written, those no window reaches with zero.
        PRECAST_EXPORT template <scalar T, window_geometry G, std::size_t Batch, std::size_t Channels>
        inline void col2im(const T* columns, T* input) noexcept
        {
            constexpr std::size_t taps = G.taps();
            constexpr std::size_t row_size = Channels * taps;
            std::fill_n(input, Batch * G.height.input * G.width.input * Channels, T(0));
            for_each_window_tap<G, Batch, Channels>([&](std::size_t row, std::size_t tap, std::size_t at) {
                if (at != no_source)
                {
                    const T* in = columns + row * row_size + tap;
                    T* out = input + at;
                    for (std::size_t c = 0; c < Channels; ++c)
                    {
                        out[c] += in[c * taps];
                    }
                }
            });
        }
    }
}
