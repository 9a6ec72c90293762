// binary_cross_entropy_with_logits: binary cross-entropy of sigmoid(z) against t, computed from the logits z
// in the stable form max(z, 0) - z t + log(1 + e^-|z|) (no overflow, no clamp), averaged over every output of
// every sample (as PyTorch's BCEWithLogitsLoss). d/dz = (sigmoid(z) - t) / (rows N).
#pragma once

#include <cmath>
#include <cstddef>

#include <precast/concepts.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>

namespace precast
{
    PRECAST_EXPORT struct binary_cross_entropy_with_logits
    {
        static constexpr const char* name = "binary_cross_entropy_with_logits";
        static constexpr target_kind targets = target_kind::values;

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> z, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            double sum = 0.0;
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                const double zi = static_cast<double>(z.data()[i]);
                const double ti = static_cast<double>(t.data()[i]);
                sum += std::fmax(zi, 0.0) - zi * ti + std::log1p(std::exp(-std::fabs(zi)));
            }
            return static_cast<T>(sum * detail::inverse_count(rows * N));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> z, matrix_view<const T, B, N> t, matrix_view<T, B, N> dz, std::size_t rows) const noexcept
        {
            const double scale = detail::inverse_count(rows * N);
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                const double zi = static_cast<double>(z.data()[i]);
                const double sigmoid = zi >= 0.0 ? 1.0 / (1.0 + std::exp(-zi)) : std::exp(zi) / (1.0 + std::exp(zi));
                dz.data()[i] = static_cast<T>(scale * (sigmoid - static_cast<double>(t.data()[i])));
            }
            detail::zero_padding_rows(dz, rows);
        }

        // Accuracy counts each output as one yes/no decision: z >= 0 (sigmoid >= 0.5) against t >= 0.5.
        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] decision_count count_correct(matrix_view<const T, B, N> z, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            return {detail::count_threshold_agreements(z, t, rows, T(0)), rows * N};
        }
    };
}
