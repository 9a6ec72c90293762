// mean_squared_error: the mean of (y - t)^2 over every output of every sample in the batch (PyTorch's
// MSELoss and Keras' mean_squared_error); d/dy = 2 (y - t) / (rows * N).
#pragma once

#include <cstddef>

#include <precast/concepts.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>

namespace precast
{
    PRECAST_EXPORT struct mean_squared_error
    {
        static constexpr const char* name = "mean_squared_error";
        static constexpr target_kind targets = target_kind::values;

        template <scalar T, std::size_t B, std::size_t N>
        [[nodiscard]] T value(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, std::size_t rows) const noexcept
        {
            return static_cast<T>(detail::sum_squared_difference(y, t, rows) * detail::inverse_count(rows * N));
        }

        template <scalar T, std::size_t B, std::size_t N>
        void gradient(matrix_view<const T, B, N> y, matrix_view<const T, B, N> t, matrix_view<T, B, N> dy, std::size_t rows) const noexcept
        {
            detail::scaled_difference(y, t, dy, rows, 2.0 * detail::inverse_count(rows * N));
        }
    };
}
