// matrix_view<T, Rows, Cols>: a non-owning, row-major view with static extents. A batch of B samples of N
// values each is a matrix_view<T, B, N>; T is const for read-only views.
#pragma once

#include <cassert>
#include <cstddef>
#include <span>
#include <type_traits>

#include <precast/core/scalar.hpp>

namespace precast
{
    template <class T, std::size_t Rows, std::size_t Cols>
        requires scalar<std::remove_const_t<T>>
    class matrix_view
    {
    public:
        using element_type = T;
        using value_type = std::remove_const_t<T>;

        static constexpr std::size_t rows = Rows;
        static constexpr std::size_t cols = Cols;
        static constexpr std::size_t size = Rows * Cols;

        constexpr matrix_view() noexcept = default;
        constexpr explicit matrix_view(T* data) noexcept : data_(data) {}

        // A mutable view converts to a read-only one.
        template <class U>
            requires(std::is_const_v<T> && std::is_same_v<const U, T>)
        constexpr matrix_view(matrix_view<U, Rows, Cols> other) noexcept : data_(other.data())  // NOLINT(google-explicit-constructor)
        {
        }

        [[nodiscard]] constexpr T* data() const noexcept { return data_; }
        [[nodiscard]] constexpr bool empty() const noexcept { return data_ == nullptr; }

        [[nodiscard]] constexpr T& operator()(std::size_t row, std::size_t col) const noexcept
        {
            assert(row < Rows && col < Cols);
            return data_[row * Cols + col];
        }

        [[nodiscard]] constexpr std::span<T, Cols> row(std::size_t r) const noexcept
        {
            assert(r < Rows);
            return std::span<T, Cols>(data_ + r * Cols, Cols);
        }

        [[nodiscard]] constexpr std::span<T, size> flat() const noexcept { return std::span<T, size>(data_, size); }

    private:
        T* data_ = nullptr;
    };

    // Whether a layer's forward pass runs for training (dropout active, caches kept) or for inference.
    enum class mode
    {
        training,
        inference,
    };
}
