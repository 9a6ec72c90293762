// binary_cross_entropy: for probabilities p (a sigmoid output) and targets t in [0, 1],
// -(t log p + (1 - t) log(1 - p)), averaged over every output of every sample (as PyTorch's BCELoss).
// p is clamped to [epsilon, 1 - epsilon] with epsilon = 1e-7 (Keras' default), so log never sees 0; where the
// clamp is active the loss is flat in p and its gradient is 0. Otherwise d/dp = (p - t) / (p (1 - p) rows N).
// Prefer binary_cross_entropy_with_logits on the logits: it needs no clamp and never saturates.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <precast/concepts.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>

namespace precast
{
    PRECAST_EXPORT struct binary_cross_entropy
    {
        static constexpr const char* name = "binary_cross_entropy";
        static constexpr target_kind targets = target_kind::values;
        static constexpr double epsilon = 1e-7;

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> p, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            double sum = 0.0;
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                const double pi = std::clamp(static_cast<double>(p.data()[i]), epsilon, 1.0 - epsilon);
                const double ti = static_cast<double>(t.data()[i]);
                sum -= ti * std::log(pi) + (1.0 - ti) * std::log(1.0 - pi);
            }
            return static_cast<T>(sum * detail::inverse_count(rows * N));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> p, matrix_view<const T, B, N> t, matrix_view<T, B, N> dp, std::size_t rows) const noexcept
        {
            const double scale = detail::inverse_count(rows * N);
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                const double pi = static_cast<double>(p.data()[i]);
                const double ti = static_cast<double>(t.data()[i]);
                const bool clamped = pi < epsilon || pi > 1.0 - epsilon;
                dp.data()[i] = clamped ? T(0) : static_cast<T>(scale * (pi - ti) / (pi * (1.0 - pi)));
            }
            detail::zero_padding_rows(dp, rows);
        }

        // Accuracy counts each output as one yes/no decision: p >= 0.5 against t >= 0.5.
        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] decision_count count_correct(matrix_view<const T, B, N> p, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            return {detail::count_threshold_agreements(p, t, rows, T(0.5)), rows * N};
        }
    };
}
