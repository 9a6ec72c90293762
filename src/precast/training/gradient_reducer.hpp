// gradient_reducer: how the replicas of a data-parallel training exchange what each of them computed. A trainer
// takes one as its fifth policy, after the loss and the optimizer:
//
//   precast::trainer<32, mlp, precast::softmax_cross_entropy, precast::adam> t(net);                       // one process
//   precast::trainer<32, mlp, precast::softmax_cross_entropy, precast::adam, precast::mpi_allreduce> t(net, {}, {}, precast::mpi_allreduce(MPI_COMM_WORLD));
//
// no_reduction (the default) is one process on its own. mpi_allreduce (precast/mpi.hpp, CMake target
// precast::mpi) is the MPI one. Every member is collective: every process of the group calls it, in the same order.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <precast/export.hpp>

namespace precast
{
    // gradient_reducer<R>: r.rank() and r.size() (this process's index in its group and the group's size), and
    // the collectives a trainer needs:
    //   r.sum(values)                element-wise sum over the group, in place, the result on every process
    //                                 (float, double: gradients, losses and counts)
    //   r.broadcast(values, root)    root's values to every process (float, double, std::uint64_t: parameters,
    //                                 optimizer state, step counts)
    //   r.all_gather(value, out)     every process's value, out[rank] (out.size() == size(): checksums, status)
    //   r.broadcast_text(text, root) root's text to every process (the message of a failure)
    PRECAST_EXPORT template <class R>
    concept gradient_reducer =
        requires(R& r, std::span<float> f, std::span<double> d, std::span<std::uint64_t> u, std::uint64_t value, std::string& text, std::size_t root) {
            { r.rank() } -> std::convertible_to<std::size_t>;
            { r.size() } -> std::convertible_to<std::size_t>;
            r.sum(f);
            r.sum(d);
            r.broadcast(f, root);
            r.broadcast(d, root);
            r.broadcast(u, root);
            r.all_gather(value, u);
            r.broadcast_text(text, root);
        };

    // One process on its own: every collective is the identity.
    PRECAST_EXPORT struct no_reduction
    {
        [[nodiscard]] static constexpr std::size_t rank() noexcept { return 0; }
        [[nodiscard]] static constexpr std::size_t size() noexcept { return 1; }
        template <class T>
        static void sum(std::span<T>) noexcept
        {
        }
        template <class T>
        static void broadcast(std::span<T>, std::size_t) noexcept
        {
        }
        static void all_gather(std::uint64_t value, std::span<std::uint64_t> out) noexcept { out[0] = value; }
        static void broadcast_text(std::string&, std::size_t) noexcept {}
    };
}
