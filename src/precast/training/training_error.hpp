// The errors of training itself (not of its inputs, which are std::invalid_argument and the file errors).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include <precast/export.hpp>

namespace precast
{
    // A run-time failure of training itself (the loss became NaN or infinite, the replicas diverged).
    PRECAST_EXPORT class training_error : public std::runtime_error
    {
    public:
        using std::runtime_error::runtime_error;
    };

    // In data-parallel training, a failure on one process (any exception thrown while it computed its part of a
    // step), raised on every process of the group at the same step, so that none of them waits for the others
    // forever. failing_rank() is the lowest rank that failed; what() names it and carries its message.
    PRECAST_EXPORT class distributed_training_error : public training_error
    {
    public:
        distributed_training_error(const std::string& message, std::size_t failing_rank) : training_error(message), failing_rank_(failing_rank) {}
        [[nodiscard]] std::size_t failing_rank() const noexcept { return failing_rank_; }

    private:
        std::size_t failing_rank_;
    };
}
