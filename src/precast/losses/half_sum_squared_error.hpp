// half_sum_squared_error: the teaching material's E = 1/2 sum_n (y_n - t_n)^2 per sample, averaged over the
// samples of the batch; d/dy = (y - t) / rows. (Its 1/2 cancels the 2 of the derivative.)
#pragma once

#include <cstddef>

#include <precast/concepts.hpp>
#include <precast/losses/loss_support.hpp>

namespace precast
{
    struct half_sum_squared_error
    {
        static constexpr const char* name = "half_sum_squared_error";
        static constexpr target_kind targets = target_kind::values;

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            double sum = 0.0;
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                const double d = static_cast<double>(y.data()[i]) - static_cast<double>(t.data()[i]);
                sum += d * d;
            }
            return static_cast<T>(0.5 * sum * detail::inverse_count(rows));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, matrix_view<T, B, N> dy, std::size_t rows) const noexcept
        {
            const T scale = static_cast<T>(detail::inverse_count(rows));
            for (std::size_t i = 0; i < rows * N; ++i)
            {
                dy.data()[i] = scale * (y.data()[i] - t.data()[i]);
            }
            detail::zero_padding_rows(dy, rows);
        }
    };
}
