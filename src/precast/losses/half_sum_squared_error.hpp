// half_sum_squared_error: the teaching material's E = 1/2 sum_n (y_n - t_n)^2 per sample, averaged over the
// samples of the batch; d/dy = (y - t) / rows. (Its 1/2 cancels the 2 of the derivative.)
#pragma once

#include <cstddef>

#include <precast/concepts.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>

namespace precast
{
    PRECAST_EXPORT struct half_sum_squared_error
    {
        static constexpr const char* name = "half_sum_squared_error";
        static constexpr target_kind targets = target_kind::values;

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            return static_cast<T>(0.5 * detail::sum_squared_difference(y, t, rows) * detail::inverse_count(rows));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, matrix_view<T, B, N> dy, std::size_t rows) const noexcept
        {
            detail::scaled_difference(y, t, dy, rows, detail::inverse_count(rows));
        }
    };
}
