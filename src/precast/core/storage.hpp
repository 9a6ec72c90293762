// Where a static-shape tensor's elements live: storage policies and tensor_buffer, the owning holder.
//
// Static shapes must not mean stack storage: a 784x512 float layer is 1.5 MiB, and a network of a few of those
// declared as a local variable overflows an 8 MiB stack (the Fastor complaint). tensor_buffer keeps small
// tensors in the object, where they are cheapest to reach, and puts large ones in one aligned heap block
// allocated at construction. Nothing is allocated after construction except by copying a buffer. An xtensor
// expression over a buffer's elements is in <precast/core/xtensor_view.hpp> (as_xtensor).
#pragma once

#include <algorithm>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/tensor.hpp>
#include <precast/export.hpp>

namespace precast
{
    // Every tensor_buffer's data starts on this boundary: one cache line, and wide enough for every SIMD
    // register xsimd 8 knows (AVX-512). It does not depend on -march, so layouts agree across targets.
    PRECAST_EXPORT inline constexpr std::size_t storage_alignment = 64;

    // Tensors up to this many bytes stay in the object under auto_storage<> (4 KiB: a 32x32 float matrix).
    PRECAST_EXPORT inline constexpr std::size_t default_inline_limit = 4096;

    // Storage policies. Each answers one question at compile time: does a tensor of Bytes bytes go on the heap?
    PRECAST_EXPORT struct inline_storage
    {
        template <std::size_t Bytes>
        static constexpr bool on_heap = false;
    };

    PRECAST_EXPORT struct heap_storage
    {
        template <std::size_t Bytes>
        static constexpr bool on_heap = true;
    };

    PRECAST_EXPORT template <std::size_t MaxInlineBytes = default_inline_limit>
    struct auto_storage
    {
        template <std::size_t Bytes>
        static constexpr bool on_heap = Bytes > MaxInlineBytes;
    };

    // storage_policy: a type with a compile-time `on_heap<Bytes>` bool, like the three above.
    PRECAST_EXPORT template <class P>
    concept storage_policy = requires {
        { P::template on_heap<1> } -> std::convertible_to<bool>;
    };

    // tensor_buffer<T, S, P>: owns the S::size elements of one tensor, zero-initialised, row-major, with the
    // first element on a storage_alignment boundary, kept where P says. view() is an xtensor expression over
    // them for xtensor's algorithms. A moved-from heap buffer owns nothing (has_storage() is false) until
    // something is assigned to it.
    PRECAST_EXPORT template <scalar T, static_shape S, storage_policy P = auto_storage<>>
    class tensor_buffer
    {
    public:
        using value_type = T;
        using shape_type = S;
        using tensor_type = tensor<T, S>;

        static constexpr std::size_t size = S::size;
        static constexpr std::size_t bytes = S::size * sizeof(T);
        static constexpr bool on_heap = P::template on_heap<bytes>;

        tensor_buffer() : block_(make_block()) {}

        explicit tensor_buffer(T fill_value) : tensor_buffer() { fill(fill_value); }

        explicit tensor_buffer(const tensor_type& value) : tensor_buffer() { assign(value); }

        tensor_buffer(const tensor_buffer& other) : block_(make_block())
        {
            if (other.has_storage())
            {
                block() = other.block();
            }
        }

        tensor_buffer(tensor_buffer&& other) noexcept = default;

        tensor_buffer& operator=(const tensor_buffer& other)
        {
            if (this != &other)
            {
                if (!has_storage())
                {
                    block_ = make_block();
                }
                block() = other.block();
            }
            return *this;
        }

        // Swaps, so that neither side loses its storage and nothing is allocated.
        tensor_buffer& operator=(tensor_buffer&& other) noexcept
        {
            std::swap(block_, other.block_);
            return *this;
        }

        tensor_buffer& operator=(const tensor_type& value) noexcept
        {
            assign(value);
            return *this;
        }

        ~tensor_buffer() = default;

        [[nodiscard]] bool has_storage() const noexcept
        {
            if constexpr (on_heap)
            {
                return block_ != nullptr;
            }
            else
            {
                return true;
            }
        }

        [[nodiscard]] T* data() noexcept { return block().values; }
        [[nodiscard]] const T* data() const noexcept { return block().values; }
        [[nodiscard]] std::span<T, size> span() noexcept { return std::span<T, size>(data(), size); }
        [[nodiscard]] std::span<const T, size> span() const noexcept { return std::span<const T, size>(data(), size); }

        // Flat, row-major element access.
        [[nodiscard]] T& operator[](std::size_t flat_index) noexcept
        {
            assert(flat_index < size);
            return data()[flat_index];
        }
        [[nodiscard]] const T& operator[](std::size_t flat_index) const noexcept
        {
            assert(flat_index < size);
            return data()[flat_index];
        }

        // Element access by one index per extent; the count of indices is checked at compile time.
        template <std::integral... Index>
            requires(sizeof...(Index) == S::rank)
        [[nodiscard]] T& operator()(Index... index) noexcept
        {
            return data()[flat_index_of(static_cast<std::size_t>(index)...)];
        }
        template <std::integral... Index>
            requires(sizeof...(Index) == S::rank)
        [[nodiscard]] const T& operator()(Index... index) const noexcept
        {
            return data()[flat_index_of(static_cast<std::size_t>(index)...)];
        }

        // A copy of the elements as a tensor value.
        [[nodiscard]] tensor_type to_tensor() const
        {
            tensor_type result;
            std::copy_n(data(), size, result.data());
            return result;
        }

        void assign(const tensor_type& value) noexcept { std::copy_n(value.data(), size, data()); }

        void fill(T value) noexcept { std::fill_n(data(), size, value); }

    private:
        struct alignas(storage_alignment) aligned_block
        {
            T values[size]{};
        };

        using holder_type = std::conditional_t<on_heap, std::unique_ptr<aligned_block>, aligned_block>;

        static holder_type make_block()
        {
            if constexpr (on_heap)
            {
                return std::make_unique<aligned_block>();  // value-initialised: zeros
            }
            else
            {
                return aligned_block{};
            }
        }

        aligned_block& block() noexcept
        {
            if constexpr (on_heap)
            {
                assert(block_ != nullptr && "precast::tensor_buffer: used after being moved from");
                return *block_;
            }
            else
            {
                return block_;
            }
        }
        const aligned_block& block() const noexcept { return const_cast<tensor_buffer*>(this)->block(); }

        template <class... Index>
        static std::size_t flat_index_of(Index... index) noexcept
        {
            std::size_t flat = 0;
            std::size_t dimension = 0;
            ((assert(index < S::extents[dimension]), flat = flat * S::extents[dimension] + index, ++dimension), ...);
            return flat;
        }

        holder_type block_;
    };
}
