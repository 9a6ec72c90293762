// softmax_cross_entropy: cross-entropy of softmax(z) against a class label, from the logits z:
// log sum_j e^(z_j) - z_label per row, averaged over the rows whose label is not ignore_label (PyTorch's
// CrossEntropyLoss with ignore_index and reduction 'mean', TensorFlow's sparse_softmax_cross_entropy_with_logits).
// A row is a sample for a vector output, a position (a time step) for an output [steps, classes]. The backward
// is fused: d/dz = (softmax(z) - onehot(label)) / (labelled rows); zero for ignored rows.
// softmax_cross_entropy_one_hot takes target distributions t instead of labels:
// sum_j t_j (log sum_k e^(z_k) - z_j) per sample; d/dz_j = (softmax_j(z) sum_k t_k - t_j) / rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

#include <precast/concepts.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>

namespace precast
{
    PRECAST_EXPORT struct softmax_cross_entropy
    {
        static constexpr const char* name = "softmax_cross_entropy";
        // A distribution over one class is always 1: the loss needs two classes or more (concepts.hpp, loss_for).
        static constexpr std::size_t minimum_row_size = 2;
        static constexpr target_kind targets = target_kind::labels;

        // Labels must be below N or ignore_label (the trainer checks a data set's labels before training).
        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> z, std::span<const label_type, B> labels, std::size_t rows) const noexcept
        {
            double sum = 0.0;
            std::size_t counted = 0;
            for (std::size_t b = 0; b < rows; ++b)
            {
                if (labels[b] != ignore_label)
                {
                    sum += detail::log_sum_exp(z.row(b)) - static_cast<double>(z(b, labels[b]));
                    ++counted;
                }
            }
            return static_cast<T>(sum * detail::inverse_count(counted));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> z, std::span<const label_type, B> labels, matrix_view<T, B, N> dz, std::size_t rows) const noexcept
        {
            const double scale = detail::inverse_count(detail::count_labelled(labels, rows));
            for (std::size_t b = 0; b < rows; ++b)
            {
                if (labels[b] == ignore_label)
                {
                    std::fill(dz.row(b).begin(), dz.row(b).end(), T(0));
                    continue;
                }
                const double lse = detail::log_sum_exp(z.row(b));
                // scale * softmax, then the label's element again with its -1 (one rounding to T, as the rest).
                kernels::scaled_exp(z.row(b).data(), N, lse, scale, dz.row(b).data());
                dz(b, labels[b]) = static_cast<T>(scale * (std::exp(static_cast<double>(z(b, labels[b])) - lse) - 1.0));
            }
            detail::zero_padding_rows(dz, rows);
        }

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] decision_count count_correct(matrix_view<const T, B, N> z, std::span<const label_type, B> labels, std::size_t rows) const noexcept
        {
            decision_count count;
            for (std::size_t b = 0; b < rows; ++b)
            {
                if (labels[b] != ignore_label)
                {
                    ++count.total;
                    count.correct += (detail::argmax(z.row(b)) == labels[b]) ? std::size_t{1} : std::size_t{0};
                }
            }
            return count;
        }
    };

    PRECAST_EXPORT struct softmax_cross_entropy_one_hot
    {
        static constexpr const char* name = "softmax_cross_entropy_one_hot";
        // A distribution over one class is always 1: the loss needs two classes or more (concepts.hpp, loss_for).
        static constexpr std::size_t minimum_row_size = 2;
        static constexpr target_kind targets = target_kind::values;

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> z, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            double sum = 0.0;
            for (std::size_t b = 0; b < rows; ++b)
            {
                const double lse = detail::log_sum_exp(z.row(b));
                for (std::size_t j = 0; j < N; ++j)
                {
                    sum += static_cast<double>(t(b, j)) * (lse - static_cast<double>(z(b, j)));
                }
            }
            return static_cast<T>(sum * detail::inverse_count(rows));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> z, matrix_view<const T, B, N> t, matrix_view<T, B, N> dz, std::size_t rows) const noexcept
        {
            const double scale = detail::inverse_count(rows);
            for (std::size_t b = 0; b < rows; ++b)
            {
                const double lse = detail::log_sum_exp(z.row(b));
                double target_mass = 0.0;
                for (std::size_t j = 0; j < N; ++j)
                {
                    target_mass += static_cast<double>(t(b, j));
                }
                for (std::size_t j = 0; j < N; ++j)
                {
                    const double softmax = std::exp(static_cast<double>(z(b, j)) - lse);
                    dz(b, j) = static_cast<T>(scale * (softmax * target_mass - static_cast<double>(t(b, j))));
                }
            }
            detail::zero_padding_rows(dz, rows);
        }

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] decision_count count_correct(matrix_view<const T, B, N> z, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            return {detail::count_argmax_agreements(z, t, rows), rows};
        }
    };
}
