// categorical_cross_entropy: for probabilities p (a softmax output) and target distributions t,
// -sum_j t_j log p_j per sample, averaged over the samples (Keras' categorical_crossentropy). p is clamped to
// [epsilon, 1] with epsilon = 1e-7; where the clamp is active the gradient is 0, else d/dp_j = -t_j / (p_j rows).
// softmax + this loss equals softmax_cross_entropy_one_hot on the logits, which is cheaper and more accurate.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <precast/concepts.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>

namespace precast
{
    PRECAST_EXPORT struct categorical_cross_entropy
    {
        static constexpr const char* name = "categorical_cross_entropy";
        // A distribution over one class is always 1: the loss needs two classes or more (concepts.hpp, loss_for).
        static constexpr std::size_t minimum_row_size = 2;
        static constexpr target_kind targets = target_kind::values;
        static constexpr double epsilon = 1e-7;

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> p, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            double sum = 0.0;
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                sum -= static_cast<double>(t.data()[i]) * std::log(std::max(static_cast<double>(p.data()[i]), epsilon));
            }
            return static_cast<T>(sum * detail::inverse_count(rows));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> p, matrix_view<const T, B, N> t, matrix_view<T, B, N> dp, std::size_t rows) const noexcept
        {
            const double scale = detail::inverse_count(rows);
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                const double pi = static_cast<double>(p.data()[i]);
                dp.data()[i] = pi < epsilon ? T(0) : static_cast<T>(-scale * static_cast<double>(t.data()[i]) / pi);
            }
            detail::zero_padding_rows(dp, rows);
        }

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] decision_count count_correct(matrix_view<const T, B, N> p, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            return {detail::count_argmax_agreements(p, t, rows), rows};
        }
    };
}
