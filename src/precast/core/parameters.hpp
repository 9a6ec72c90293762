// Where a trainable layer's parameters and their gradients live.
//
// A network owns one block of parameters and one of gradients for all its layers (its arena): one optimizer step,
// one reduction per data-parallel step and one model-file write cover them all, and a layer built from other
// layers (sequential, residual, parallel) is just a slice holding its children's slices. A layer therefore does
// not own its parameters: it holds a parameter_slot, which points at its slice of the arena. A layer made on its
// own (a test, a gradient check, a per-position copy for streaming) has no arena, so its slot owns a block of
// its own until a network or a block attaches it to a slice.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <span>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/tensor.hpp>
#include <precast/export.hpp>

namespace precast
{
    // parameter_view<T, N>: N values held elsewhere (a slice of a network's arena, or a layer's own block).
    // It reads like the tensor_buffer it replaces (data(), span(), [i], fill, size), and assigning to it copies
    // values into the slice, as assigning to a reference does; it never changes which values it refers to.
    // A const view gives read-only access.
    PRECAST_EXPORT template <scalar T, std::size_t N>
    class parameter_view
    {
    public:
        using value_type = T;
        using shape_type = shape<N>;
        static constexpr std::size_t size = N;
        static constexpr std::size_t bytes = N * sizeof(T);

        parameter_view(const parameter_view&) = delete;

        parameter_view& operator=(const parameter_view& other) noexcept
        {
            if (this != &other)
            {
                std::copy_n(other.data(), N, data());
            }
            return *this;
        }
        template <class P>
        parameter_view& operator=(const tensor_buffer<T, shape<N>, P>& values) noexcept
        {
            std::copy_n(values.data(), N, data());
            return *this;
        }
        parameter_view& operator=(const tensor<T, shape<N>>& values) noexcept
        {
            std::copy_n(values.data(), N, data());
            return *this;
        }

        [[nodiscard]] T* data() noexcept { return values_; }
        [[nodiscard]] const T* data() const noexcept { return values_; }
        [[nodiscard]] std::span<T, N> span() noexcept { return std::span<T, N>(values_, N); }
        [[nodiscard]] std::span<const T, N> span() const noexcept { return std::span<const T, N>(values_, N); }

        [[nodiscard]] T& operator[](std::size_t i) noexcept
        {
            assert(i < N);
            return values_[i];
        }
        [[nodiscard]] const T& operator[](std::size_t i) const noexcept
        {
            assert(i < N);
            return values_[i];
        }
        [[nodiscard]] T& operator()(std::size_t i) noexcept { return (*this)[i]; }
        [[nodiscard]] const T& operator()(std::size_t i) const noexcept { return (*this)[i]; }

        void fill(T value) noexcept { std::fill_n(values_, N, value); }
        void assign(const tensor<T, shape<N>>& value) noexcept { std::copy_n(value.data(), N, values_); }
        [[nodiscard]] tensor<T, shape<N>> to_tensor() const
        {
            tensor<T, shape<N>> result;
            std::copy_n(values_, N, result.data());
            return result;
        }

    private:
        template <scalar, std::size_t>
        friend class parameter_slot;
        template <scalar, std::size_t>
        friend class statistics_slot;

        explicit parameter_view(T* values) noexcept : values_(values) {}
        void point_at(T* values) noexcept { values_ = values; }

        T* values_;
    };

    // parameter_slot<T, N>: what a trainable layer derives from. It gives the layer parameters() and gradients()
    // (each a parameter_view<T, N>) and attach_parameters(values, gradients), which networks and blocks call to
    // move the layer onto its slice of their arena (the current values go along). A slot of its own owns a
    // zeroed block; a copy of a layer owns a copy of its values (a copy never shares an arena with the original).
    PRECAST_EXPORT template <scalar T, std::size_t N>
    class parameter_slot
    {
        static_assert(N > 0, "precast::parameter_slot<T, N>: a trainable layer has at least one parameter");

    public:
        static constexpr std::size_t parameter_count = N;
        using parameter_vector = parameter_view<T, N>;

        parameter_slot() : own_(make_block()), parameters_(own_->values), gradients_(own_->values + gradient_offset) {}

        parameter_slot(const parameter_slot& other) : parameter_slot()
        {
            std::copy_n(other.parameters_.data(), N, own_->values);
            std::copy_n(other.gradients_.data(), N, own_->values + gradient_offset);
        }

        // A slot of its own hands its block over; one on an arena copies (the arena stays with its owner).
        parameter_slot(parameter_slot&& other) : own_(other.own_ ? std::move(other.own_) : nullptr), parameters_(nullptr), gradients_(nullptr)
        {
            if (own_)
            {
                parameters_.point_at(own_->values);
                gradients_.point_at(own_->values + gradient_offset);
                other.own_ = make_block();
                other.parameters_.point_at(other.own_->values);
                other.gradients_.point_at(other.own_->values + gradient_offset);
            }
            else
            {
                own_ = make_block();
                std::copy_n(other.parameters_.data(), N, own_->values);
                std::copy_n(other.gradients_.data(), N, own_->values + gradient_offset);
                parameters_.point_at(own_->values);
                gradients_.point_at(own_->values + gradient_offset);
            }
        }

        // Assigning copies values, wherever this slot's values live.
        parameter_slot& operator=(const parameter_slot& other) noexcept
        {
            if (this != &other)
            {
                std::copy_n(other.parameters_.data(), N, parameters_.data());
                std::copy_n(other.gradients_.data(), N, gradients_.data());
            }
            return *this;
        }
        parameter_slot& operator=(parameter_slot&& other) noexcept { return *this = static_cast<const parameter_slot&>(other); }

        ~parameter_slot() = default;

        [[nodiscard]] parameter_vector& parameters() noexcept { return parameters_; }
        [[nodiscard]] const parameter_vector& parameters() const noexcept { return parameters_; }
        [[nodiscard]] parameter_vector& gradients() noexcept { return gradients_; }
        [[nodiscard]] const parameter_vector& gradients() const noexcept { return gradients_; }

        // Moves the parameters and gradients to values[0, N) and gradients[0, N) (a slice of an arena, which must
        // outlive the layer's use of it); the current values are copied there.
        void attach_parameters(T* values, T* gradients) noexcept
        {
            if (values == parameters_.data())
            {
                return;
            }
            std::copy_n(parameters_.data(), N, values);
            std::copy_n(gradients_.data(), N, gradients);
            parameters_.point_at(values);
            gradients_.point_at(gradients);
            own_.reset();
        }

        // Whether the values live in the slot's own block (a layer on its own) rather than an arena.
        [[nodiscard]] bool owns_parameters() const noexcept { return own_ != nullptr; }

    private:
        // The gradients start on a cache line of their own, and not at the parameters' offset within a page (an
        // update streams both, and loads of one near stores of the other at the same offset in a page look dependent to
        // the CPU: the gradients of a large slot start half a page after the parameters' start, modulo 4 KiB).
        static constexpr std::size_t line = storage_alignment / sizeof(T);
        static constexpr std::size_t page = 4096 / sizeof(T);
        static constexpr std::size_t gradient_offset = N < page ? (N + line - 1) / line * line : (N + page - 1) / page * page + page / 2;
        struct alignas(storage_alignment) block
        {
            T values[gradient_offset + N]{};
        };
        static std::unique_ptr<block> make_block() { return std::make_unique<block>(); }

        std::unique_ptr<block> own_;
        parameter_vector parameters_;
        parameter_vector gradients_;
    };

    // statistics_slot<T, N>: what a layer with statistics derives from: values it keeps up to date itself while
    // training (batch_norm's running mean and variance), which are saved and loaded with the parameters but are not
    // trained: no gradients, no optimizer. l.statistics() is a parameter_view<T, N>; attach_statistics(values) moves
    // them onto a slice of the network's statistics block, as attach_parameters does for parameters.
    PRECAST_EXPORT template <scalar T, std::size_t N>
    class statistics_slot
    {
        static_assert(N > 0, "precast::statistics_slot<T, N>: a layer with statistics keeps at least one");

    public:
        static constexpr std::size_t statistic_count = N;
        using statistics_vector = parameter_view<T, N>;

        statistics_slot() : own_(std::make_unique<block>()), statistics_(own_->values) {}
        statistics_slot(const statistics_slot& other) : statistics_slot() { std::copy_n(other.statistics_.data(), N, own_->values); }
        statistics_slot(statistics_slot&& other) : statistics_slot(static_cast<const statistics_slot&>(other)) {}
        statistics_slot& operator=(const statistics_slot& other) noexcept
        {
            if (this != &other)
            {
                std::copy_n(other.statistics_.data(), N, statistics_.data());
            }
            return *this;
        }
        statistics_slot& operator=(statistics_slot&& other) noexcept { return *this = static_cast<const statistics_slot&>(other); }
        ~statistics_slot() = default;

        [[nodiscard]] statistics_vector& statistics() noexcept { return statistics_; }
        [[nodiscard]] const statistics_vector& statistics() const noexcept { return statistics_; }

        void attach_statistics(T* values) noexcept
        {
            if (values == statistics_.data())
            {
                return;
            }
            std::copy_n(statistics_.data(), N, values);
            statistics_.point_at(values);
            own_.reset();
        }

    private:
        struct alignas(storage_alignment) block
        {
            T values[N]{};
        };
        std::unique_ptr<block> own_;
        statistics_vector statistics_;
    };

    namespace detail
    {
        // A producer's parameters with output channel c scaled by scale[c] and shifted by shift[c]: the weights of
        // rows rows of row_size values each (channel c's weights are row c), then the bias, present in `from` or
        // not, always in `to`.
        template <scalar T, std::size_t Rows, std::size_t From, std::size_t To>
        void scale_output_rows(const parameter_view<T, From>& from, bool from_has_bias, parameter_view<T, To>& to, std::size_t row_size,
                               const std::array<T, Rows>& scale, const std::array<T, Rows>& shift) noexcept
        {
            for (std::size_t row = 0; row < Rows; ++row)
            {
                for (std::size_t k = 0; k < row_size; ++k)
                {
                    to[row * row_size + k] = from[row * row_size + k] * scale[row];
                }
                const T bias = from_has_bias ? from[Rows * row_size + row] : T(0);
                to[Rows * row_size + row] = bias * scale[row] + shift[row];
            }
        }
    }
}
