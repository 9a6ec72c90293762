// Pieces several losses share: row arithmetic and the partial-batch convention.
//
// Every loss takes `rows`, the number of real samples at the top of the batch; the rest is padding of a partial
// last batch. Padding rows add nothing to the value and get a zero gradient, and means divide by `rows`.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/softmax.hpp>

namespace precast
{
    // The output of a network as its loss sees it (concepts.hpp): for a loss on labels, one row per position of
    // the last axis (B * positions rows of the classes); for a loss on values, one row per sample.
    PRECAST_EXPORT template <target_kind Kind, class T, std::size_t B, static_shape Sample>
    [[nodiscard]] constexpr auto loss_rows(batch_view<T, B, Sample> y) noexcept
    {
        if constexpr (Kind == target_kind::labels)
        {
            return y.rows_of_last_axis();
        }
        else
        {
            return y.template reshaped<shape<Sample::size>>();
        }
    }

    // How many rows of loss_rows one sample makes, and how wide they are.
    PRECAST_EXPORT template <target_kind Kind, static_shape Sample>
    inline constexpr std::size_t loss_rows_per_sample = Kind == target_kind::labels ? leading_size<Sample> : 1;
    PRECAST_EXPORT template <target_kind Kind, static_shape Sample>
    inline constexpr std::size_t loss_row_size = Kind == target_kind::labels ? last_extent<Sample> : Sample::size;

    // The targets of B samples for a loss on outputs of shape OutputShape.
    PRECAST_EXPORT template <class Loss, static_shape OutputShape, std::size_t B, class T>
    using loss_targets = target_batch<Loss::targets, T, B * loss_rows_per_sample<Loss::targets, OutputShape>, loss_row_size<Loss::targets, OutputShape>>;
}

namespace precast::detail
{
    PRECAST_EXPORT template <class T, std::size_t N>
    [[nodiscard]] std::size_t argmax(std::span<T, N> row) noexcept
    {
        return static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
    }

    // log sum_j e^(z_j), without overflow, in double (kernels/softmax.hpp).
    template <class T, std::size_t N>
    [[nodiscard]] double log_sum_exp(std::span<T, N> z) noexcept
    {
        return kernels::log_sum_exp<std::remove_const_t<T>>(z.data(), N);
    }

    template <scalar T, std::size_t B, std::size_t N>
    void zero_padding_rows(matrix_view<T, B, N> dy, std::size_t rows) noexcept
    {
        std::fill(dy.data() + rows * N, dy.data() + B * N, T(0));
    }

    // sum over the first `rows` samples of (y - t)^2, in double.
    template <scalar T, std::size_t B, std::size_t N>
    [[nodiscard]] double sum_squared_difference(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, std::size_t rows) noexcept
    {
        double sum = 0.0;
        for (std::size_t i = 0; i < rows * N; ++i)
        {
            const double d = static_cast<double>(y.data()[i]) - static_cast<double>(t.data()[i]);
            sum += d * d;
        }
        return sum;
    }

    // dy = scale (y - t) for the first `rows` samples, zero for the padding rows.
    template <scalar T, std::size_t B, std::size_t N>
    void scaled_difference(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, matrix_view<T, B, N> dy, std::size_t rows, double scale) noexcept
    {
        const T s = static_cast<T>(scale);
        for (std::size_t i = 0; i < rows * N; ++i)
        {
            dy.data()[i] = s * (y.data()[i] - t.data()[i]);
        }
        std::fill(dy.data() + rows * N, dy.data() + B * N, T(0));
    }

    // Outputs whose decision (value >= prediction_threshold) agrees with the target's (target >= 0.5).
    template <scalar T, std::size_t B, std::size_t N>
    [[nodiscard]] std::size_t count_threshold_agreements(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, std::size_t rows,
                                                         T prediction_threshold) noexcept
    {
        std::size_t agreements = 0;
        for (std::size_t i = 0; i < rows * N; ++i)
        {
            if ((y.data()[i] >= prediction_threshold) == (t.data()[i] >= T(0.5)))
            {
                ++agreements;
            }
        }
        return agreements;
    }

    // Samples whose largest prediction is where their target is largest.
    template <scalar T, std::size_t B, std::size_t N>
    [[nodiscard]] std::size_t count_argmax_agreements(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, std::size_t rows) noexcept
    {
        std::size_t agreements = 0;
        for (std::size_t b = 0; b < rows; ++b)
        {
            if (argmax(y.row(b)) == argmax(t.row(b)))
            {
                ++agreements;
            }
        }
        return agreements;
    }

    // Rows among the first `rows` whose label is not ignore_label.
    template <std::size_t B>
    [[nodiscard]] std::size_t count_labelled(std::span<const label_type, B> labels, std::size_t rows) noexcept
    {
        return static_cast<std::size_t>(
            std::count_if(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(rows), [](label_type l) { return l != ignore_label; }));
    }

    // 1 / the number of terms a mean runs over; 0 when there are none, so that an empty batch adds nothing.
    [[nodiscard]] inline double inverse_count(std::size_t count) noexcept
    {
        return count == 0 ? 0.0 : 1.0 / static_cast<double>(count);
    }
}
