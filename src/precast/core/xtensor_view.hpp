// as_xtensor(buffer): an xtensor expression over a tensor_buffer's elements (no copy), for xtensor's functions:
// xt::sum(precast::as_xtensor(b)). A header of its own, so that only the files that use it compile
// xtensor/xadapt.hpp; the module includes it.
#pragma once

#include <xtensor/xadapt.hpp>

#include <precast/core/storage.hpp>
#include <precast/export.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T, static_shape S, storage_policy P>
    [[nodiscard]] auto as_xtensor(tensor_buffer<T, S, P>& buffer) noexcept
    {
        return xt::adapt(buffer.data(), S::size, xt::no_ownership(), S::extents);
    }
    template <scalar T, static_shape S, storage_policy P>
    [[nodiscard]] auto as_xtensor(const tensor_buffer<T, S, P>& buffer) noexcept
    {
        return xt::adapt(buffer.data(), S::size, xt::no_ownership(), S::extents);
    }
}
