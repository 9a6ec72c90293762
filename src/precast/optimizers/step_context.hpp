// The vocabulary between a network and its optimizer: the step context of one update, the TensorFlow 1 /
// PyTorch conventions, and the state of an optimizer that keeps none. (concepts.hpp needs these; the
// optimizers' shared machinery is in optimizer_support.hpp.)
#pragma once

#include <cstdint>
#include <limits>
#include <tuple>

namespace precast
{
    // Which framework's definition an optimizer follows where TensorFlow 1 (tf.train / tf.contrib.opt) and
    // PyTorch (torch.optim) differ. Each optimizer's header says what changes and which is its default.
    enum class convention
    {
        pytorch,
        tensorflow1,
    };

    // What the network tells an optimizer about the update in progress.
    struct step_context
    {
        std::uint64_t step = 1;            // 1 for the first update since the state was (re)initialized
        double learning_rate_scale = 1.0;  // from a learning-rate schedule
        double gradient_scale = 1.0;       // from clipping by global norm
        double clip_value = std::numeric_limits<double>::infinity();  // from clipping by value: g in [-clip, clip]
    };

    // The per-vector state of an optimizer that keeps nothing between steps.
    struct no_optimizer_state
    {
        [[nodiscard]] static std::tuple<> tensors() noexcept { return {}; }
    };

}
