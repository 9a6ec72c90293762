// shape<Dims...>: a tensor shape known at compile time, and the static_shape concept.
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <type_traits>
#include <utility>

#include <xtensor/xshape.hpp>

#include <precast/export.hpp>

namespace precast
{
    namespace detail
    {
        // The product of the extents, or 0 if it does not fit in std::size_t (caught by a static_assert).
        template <std::size_t... Dims>
        consteval std::size_t checked_product()
        {
            std::size_t product = 1;
            for (std::size_t extent : {Dims...})
            {
                if (extent != 0 && product > std::numeric_limits<std::size_t>::max() / extent)
                {
                    return 0;
                }
                product *= extent;
            }
            return product;
        }
    }

    PRECAST_EXPORT template <std::size_t... Dims>
    struct shape
    {
        static_assert(sizeof...(Dims) > 0, "precast::shape: a shape needs at least one extent; write shape<N> for a vector of N elements");
        static_assert(((Dims > 0) && ...), "precast::shape: every extent must be at least 1; a tensor with no elements has no use in a network");
        static_assert(!((Dims > 0) && ...) || detail::checked_product<Dims...>() != 0,
                      "precast::shape: the number of elements overflows std::size_t; the extents are far too large");

        static constexpr std::size_t rank = sizeof...(Dims);
        static constexpr std::size_t size = detail::checked_product<Dims...>();
        static constexpr std::array<std::size_t, rank> extents{Dims...};

        // extent<I>: the I-th extent, with a readable error for an I out of range.
        template <std::size_t I>
        static consteval std::size_t extent()
        {
            static_assert(I < rank, "precast::shape::extent<I>: I must be less than the rank of the shape");
            return extents[I];
        }

        using xshape = xt::xshape<Dims...>;
    };

    namespace detail
    {
        template <class T>
        struct is_shape : std::false_type
        {
        };

        template <std::size_t... Dims>
        struct is_shape<shape<Dims...>> : std::true_type
        {
        };

        template <std::size_t Batch, class Shape>
        struct prepend_extent;

        template <std::size_t Batch, std::size_t... Dims>
        struct prepend_extent<Batch, shape<Dims...>>
        {
            using type = shape<Batch, Dims...>;
        };
    }

    namespace detail
    {
        template <class Shape, std::size_t Last>
        struct with_last_extent_impl;

        template <std::size_t Last, std::size_t... Dims>
        struct with_last_extent_impl<shape<Dims...>, Last>
        {
            static constexpr std::array<std::size_t, sizeof...(Dims)> old{Dims...};
            template <std::size_t... I>
            static auto make(std::index_sequence<I...>) -> shape<(I + 1 == sizeof...(Dims) ? Last : old[I])...>;
            using type = decltype(make(std::make_index_sequence<sizeof...(Dims)>{}));
        };
    }

    // static_shape: a precast::shape<...>; every extent is a compile-time constant.
    PRECAST_EXPORT template <class S>
    concept static_shape = detail::is_shape<S>::value;

    // batched_shape<B, S>: S with a leading batch extent B, e.g. batched_shape<32, shape<784>> is shape<32, 784>.
    PRECAST_EXPORT template <std::size_t Batch, static_shape S>
    using batched_shape = typename detail::prepend_extent<Batch, S>::type;

    // with_last_extent<S, N>: S with its last extent replaced by N, e.g. with_last_extent<shape<5, 20>, 3> is
    // shape<5, 3> (what a dense layer of 3 outputs makes of [steps, features]).
    PRECAST_EXPORT template <static_shape S, std::size_t N>
    using with_last_extent = typename detail::with_last_extent_impl<S, N>::type;
}
