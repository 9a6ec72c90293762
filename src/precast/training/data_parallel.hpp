// The data-parallel protocol of trainer (training/trainer.hpp) over a gradient_reducer (training/gradient_reducer.hpp;
// precast/mpi.hpp implements it with MPI). Each of P processes holds a replica of the network, and B is each
// process's share of a global batch of B x P samples. Every process reads the whole data set and shuffles it with
// the same seed; process r trains on rows r*B .. r*B+B-1 of each global batch, so the shards together are exactly
// the one-process batch of B x P. The gradients of each process (the mean over its rows, weighted by its share of
// the global batch) are summed over the processes before the same optimizer step on every replica: the result is
// the one-process step's, up to the order of the sums. A partial last batch leaves the last processes with fewer
// rows or none (a process without rows contributes zero gradients), which also covers a data set smaller than
// the number of processes. Parameters and optimizer state are broadcast from process 0 when the trainer is built
// and when fit() starts; every fit_options::check_replicas_every steps the processes compare checksums of their
// parameters. Losses, accuracies and validation are reduced over the processes; observers are called on process
// 0 only. A failure on one process during a step (an exception, such as the loss becoming NaN on its shard) is
// raised as distributed_training_error on every process at that step.
//
// Every function here is collective: every process calls it at the same point.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <precast/concepts.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/io/checksums.hpp>
#include <precast/training/gradient_reducer.hpp>
#include <precast/training/training_error.hpp>

namespace precast::detail
{
    // Process 0's parameters, optimizer state (the tensors and scalars an optimizer lists; any_optimizer lists
    // none), the optimizer's and the trainer's step counts and the dropout seeds to every process.
    template <class Net, class OptimizerState, gradient_reducer Reducer>
    void broadcast_replica(Net& net, OptimizerState& state, std::size_t& trainer_steps, Reducer& reducer)
    {
        using T = typename Net::value_type;
        net.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& l) {
            if constexpr (positioned_layer<std::remove_cvref_t<decltype(l)>>)
            {
                std::uint64_t seed = l.seed();
                reducer.broadcast(std::span<std::uint64_t>(&seed, 1), 0);
                l.seed(seed);
            }
        });
        if constexpr (Net::parameter_count > 0)
        {
            reducer.broadcast(std::span<T>(net.parameters().data(), Net::parameter_count), 0);
            auto& values = state.values();
            using state_type = std::remove_cvref_t<decltype(values)>;
            if constexpr (saveable_state<state_type>)
            {
                std::apply([&](auto&... t) { (reducer.broadcast(std::span(t.data(), t.size), 0), ...); }, values.tensors());
                if constexpr (state_with_scalars<state_type>)
                {
                    std::apply(
                        [&](auto&... v) {
                            std::array<double, sizeof...(v)> numbers{static_cast<double>(v)...};
                            reducer.broadcast(std::span<double>(numbers), 0);
                            std::size_t i = 0;
                            ((v = static_cast<std::remove_cvref_t<decltype(v)>>(numbers[i++])), ...);
                        },
                        values.scalars());
                }
            }
        }
        if constexpr (statistics_in<Net> > 0)
        {
            reducer.broadcast(std::span<T>(net.statistics().data(), Net::statistic_count), 0);
        }
        std::array<std::uint64_t, 2> counts{state.steps(), trainer_steps};
        reducer.broadcast(std::span<std::uint64_t>(counts), 0);
        state.restore_steps(counts[0]);
        trainer_steps = counts[1];
    }

    // FNV-1a over the parameters' bytes, 8 at a time.
    template <class Net>
    [[nodiscard]] std::uint64_t parameter_checksum(const Net& net) noexcept
    {
        if constexpr (Net::parameter_count > 0)
        {
            return fnv1a_words(fnv_offset, net.parameters().data(), Net::parameter_bytes);
        }
        return fnv_offset;
    }

    // Throws training_error on every process, naming the step and the processes whose parameters differ from
    // process 0's, if any does.
    template <class Net, gradient_reducer Reducer>
    void compare_replicas(const Net& net, std::size_t step, Reducer& reducer)
    {
        std::vector<std::uint64_t> sums(reducer.size());
        reducer.all_gather(parameter_checksum(net), std::span<std::uint64_t>(sums));
        std::string differing;
        for (std::size_t r = 1; r < sums.size(); ++r)
        {
            if (sums[r] != sums[0])
            {
                differing += (differing.empty() ? "" : ", ") + std::to_string(r);
            }
        }
        if (!differing.empty())
        {
            throw training_error("precast::trainer: the replicas diverged by step " + std::to_string(step) + ": the parameters of process(es) " + differing +
                                 " differ from process 0's (of " + std::to_string(sums.size()) +
                                 "); every process must run the same program on the same data with the same seed");
        }
    }

    // What one process brings to a step, and what the step comes to over all of them.
    struct shard_result
    {
        std::string failure;  // empty: the shard's forward and backward pass succeeded
        double loss = 0.0;    // the mean over the shard's rows
        std::size_t rows = 0;
        decision_count decisions;
    };

    struct global_step_result
    {
        double loss = 0.0;  // the global batch's
        decision_count decisions;
    };

    // Every process learns which processes failed and the first one's message, then throws.
    template <gradient_reducer Reducer>
    [[noreturn]] void raise_shard_failure(const std::string& local_failure, const std::string& where, Reducer& reducer)
    {
        std::vector<std::uint64_t> failed(reducer.size());
        reducer.all_gather(local_failure.empty() ? 0 : 1, std::span<std::uint64_t>(failed));
        std::size_t first = failed.size();
        std::string ranks;
        for (std::size_t r = 0; r < failed.size(); ++r)
        {
            if (failed[r] != 0)
            {
                first = std::min(first, r);
                ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
            }
        }
        std::string message = local_failure;
        reducer.broadcast_text(message, first);
        throw distributed_training_error("precast::trainer: process " + ranks + " of " + std::to_string(failed.size()) + " failed at step " + where +
                                             "; process " + std::to_string(first) + ": " + message,
                                         first);
    }

    // The exchange after each process's forward and backward pass on its shard: a status sum that raises any
    // process's failure on every process (where(): the step, and where in fit() it is), then each process's
    // gradients weighted by its share of the global batch and summed, so that every replica holds the global
    // batch's mean gradient.
    template <scalar T, std::size_t N, gradient_reducer Reducer, class Where>
    [[nodiscard]] global_step_result combine_shards(const shard_result& local, std::span<T, N> gradients, Where&& where, Reducer& reducer)
    {
        std::array<double, 5> status{local.failure.empty() ? 0.0 : 1.0, local.loss * static_cast<double>(local.rows), static_cast<double>(local.rows),
                                     static_cast<double>(local.decisions.correct), static_cast<double>(local.decisions.total)};
        reducer.sum(std::span<double>(status));
        if (status[0] > 0.0)
        {
            raise_shard_failure(local.failure, where(), reducer);
        }
        const double samples = status[2];
        if (samples == 0.0)
        {
            throw std::invalid_argument("precast::trainer::step: no process had a row to train on");
        }
        if constexpr (N > 0)
        {
            const T share = static_cast<T>(static_cast<double>(local.rows) / samples);
            if (share != T(1))
            {
                for (T& v : gradients)
                {
                    v *= share;
                }
            }
            reducer.sum(std::span<T>(gradients.data(), N));
        }
        global_step_result result;
        result.loss = status[1] / samples;
        result.decisions.correct = static_cast<std::size_t>(status[3]);
        result.decisions.total = static_cast<std::size_t>(status[4]);
        return result;
    }
}
