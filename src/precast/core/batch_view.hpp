// batch_view<T, B, Sample>: a non-owning, row-major view of B samples of static shape Sample, the currency of the
// layer contract (a layer reads batch_view<const T, B, input_shape> and writes batch_view<T, B, output_shape>).
// T is const for read-only views. matrix_view<T, R, C> is the rank-1 case: R samples of C values.
//
// Element (b, i0, i1, ...) sits at b * Sample::size + the row-major offset of (i0, i1, ...) in Sample.
// rows_of_last_axis() folds every axis but the last into rows, the layout a dense layer or a loss over classes
// works on: [B, steps, features] is (B * steps) rows of `features` values.
#pragma once

#include <cassert>
#include <cstddef>
#include <span>
#include <type_traits>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/export.hpp>

namespace precast
{
    namespace detail
    {
        template <static_shape S>
        struct last_extent_of;
        template <std::size_t... Dims>
        struct last_extent_of<shape<Dims...>>
        {
            static constexpr std::size_t value = shape<Dims...>::extents[sizeof...(Dims) - 1];
        };
    }

    // last_extent<S>: the extent of S's last axis (the features of a dense layer, the classes of a softmax).
    PRECAST_EXPORT template <static_shape S>
    inline constexpr std::size_t last_extent = detail::last_extent_of<S>::value;

    // leading_size<S>: the number of positions the last axis repeats over (1 for a vector).
    PRECAST_EXPORT template <static_shape S>
    inline constexpr std::size_t leading_size = S::size / last_extent<S>;

    PRECAST_EXPORT template <class T, std::size_t Batch, static_shape Sample>
        requires scalar<std::remove_const_t<T>>
    class batch_view
    {
    public:
        using element_type = T;
        using value_type = std::remove_const_t<T>;
        using sample_shape = Sample;

        static constexpr std::size_t batch_size = Batch;
        static constexpr std::size_t rank = Sample::rank + 1;  // with the batch axis
        // As a matrix: one row per sample, every value of the sample in its row.
        static constexpr std::size_t rows = Batch;
        static constexpr std::size_t cols = Sample::size;
        static constexpr std::size_t size = Batch * Sample::size;

        constexpr batch_view() noexcept = default;
        constexpr explicit batch_view(T* data) noexcept : data_(data) {}

        // A mutable view converts to a read-only one.
        template <class U>
            requires(std::is_const_v<T> && std::is_same_v<const U, T>)
        constexpr batch_view(batch_view<U, Batch, Sample> other) noexcept : data_(other.data())  // NOLINT(google-explicit-constructor)
        {
        }

        [[nodiscard]] constexpr T* data() const noexcept { return data_; }
        [[nodiscard]] constexpr bool empty() const noexcept { return data_ == nullptr; }

        // (sample, i0, i1, ...): one index per axis of the sample after the batch index.
        template <class... Index>
            requires(sizeof...(Index) == Sample::rank && (std::is_convertible_v<Index, std::size_t> && ...))
        [[nodiscard]] constexpr T& operator()(std::size_t sample, Index... index) const noexcept
        {
            assert(sample < Batch);
            const std::size_t indices[] = {static_cast<std::size_t>(index)...};
            std::size_t offset = 0;
            for (std::size_t axis = 0; axis < Sample::rank; ++axis)
            {
                assert(indices[axis] < Sample::extents[axis]);
                offset = offset * Sample::extents[axis] + indices[axis];
            }
            return data_[sample * Sample::size + offset];
        }

        // The values of one sample, flattened.
        [[nodiscard]] constexpr std::span<T, Sample::size> row(std::size_t sample) const noexcept
        {
            assert(sample < Batch);
            return std::span<T, Sample::size>(data_ + sample * Sample::size, Sample::size);
        }

        [[nodiscard]] constexpr std::span<T, size> flat() const noexcept { return std::span<T, size>(data_, size); }

        // The same values as Batch * leading_size<Sample> rows of the last axis.
        [[nodiscard]] constexpr batch_view<T, Batch * leading_size<Sample>, shape<last_extent<Sample>>> rows_of_last_axis() const noexcept
        {
            return batch_view<T, Batch * leading_size<Sample>, shape<last_extent<Sample>>>(data_);
        }

        // The same values as samples of another shape with as many elements.
        template <static_shape Other>
        [[nodiscard]] constexpr batch_view<T, Batch, Other> reshaped() const noexcept
        {
            static_assert(Other::size == Sample::size, "precast::batch_view::reshaped<S>: S must have as many elements as the sample shape");
            return batch_view<T, Batch, Other>(data_);
        }

    private:
        T* data_ = nullptr;
    };

    // matrix_view<T, Rows, Cols>: Rows samples of Cols values each.
    PRECAST_EXPORT template <class T, std::size_t Rows, std::size_t Cols>
    using matrix_view = batch_view<T, Rows, shape<Cols>>;
}
