// The words every part of precast shares: how a forward pass runs (mode), a layer's empty workspace, how a
// layer's parameters divide into named tensors, what a loss compares with, and what the network tells an
// optimizer about a step. concepts.hpp states the contract in these words; nothing here knows a concrete layer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <tuple>

#include <precast/export.hpp>

namespace precast
{
    // ---- layers ---------------------------------------------------------------------------------------------------

    // Whether a layer's forward pass runs for training (dropout active, caches kept) or for inference.
    PRECAST_EXPORT enum class mode
    {
        training,
        inference,
    };

    // What a layer over time outputs: every step, [steps, H], or the last, [H].
    PRECAST_EXPORT enum class sequence_output
    {
        every_step,
        last_step
    };

    // Options of a layer with a bias (dense, conv1d, conv2d): with_bias is the default, no_bias drops it.
    PRECAST_EXPORT struct with_bias
    {
        static constexpr bool value = true;
    };
    PRECAST_EXPORT struct no_bias
    {
        static constexpr bool value = false;
    };

    // Option of the normalization layers (batch_norm, layer_norm, rms_norm): the epsilon in 1 / sqrt(var + epsilon).
    PRECAST_EXPORT template <double V>
    struct epsilon
    {
        static constexpr double value = V;
    };

    // The workspace of a layer that needs nothing beyond its input and output.
    PRECAST_EXPORT struct no_workspace
    {
    };

    // The most axes a parameter tensor may have (a 2-D convolution's kernel has 4).
    PRECAST_EXPORT inline constexpr std::size_t max_parameter_rank = 6;

    // parameter_tensor: a named part of a trainable layer's flat parameter vector: `size()` values from `offset`,
    // row-major with `extents` (weights {Out, In} as PyTorch's Linear; a bias {Out}).
    PRECAST_EXPORT struct parameter_tensor
    {
        const char* name = "";
        std::size_t offset = 0;
        std::size_t rank = 0;
        std::array<std::size_t, max_parameter_rank> extents{};

        constexpr parameter_tensor() = default;
        constexpr parameter_tensor(const char* tensor_name, std::size_t first, std::initializer_list<std::size_t> dims) : name(tensor_name), offset(first)
        {
            for (std::size_t extent : dims)
            {
                // Past max_parameter_rank this indexes out of range: a compile error where it is constexpr.
                extents[rank++] = extent;
            }
        }

        [[nodiscard]] constexpr std::size_t size() const noexcept
        {
            std::size_t n = 1;
            for (std::size_t a = 0; a < rank; ++a)
            {
                n *= extents[a];
            }
            return n;
        }
    };

    // ---- losses ---------------------------------------------------------------------------------------------------

    // What a loss compares predictions with: real-valued targets with as many values per sample as the
    // network's output (regression, binary, one-hot), or class labels: one per position of the output's last
    // axis (one per sample for a vector output, one per step for an output of shape [steps, classes]).
    PRECAST_EXPORT enum class target_kind
    {
        values,
        labels,
    };

    PRECAST_EXPORT using label_type = std::uint32_t;

    // A token of a sequence model's input (a character's or a word's index in its vocabulary): what a network
    // declared with tokens<Steps, Vocabulary> takes, and an embedding layer turns into a vector.
    PRECAST_EXPORT using token_id = std::uint32_t;

    // A label that marks a padded position: it adds nothing to the loss, its gradient is zero, and it is not
    // counted in means or accuracy (PyTorch's ignore_index).
    PRECAST_EXPORT inline constexpr label_type ignore_label = std::numeric_limits<label_type>::max();

    // What a loss that knows right from wrong reports for a batch: decisions made and how many were right.
    PRECAST_EXPORT struct decision_count
    {
        std::size_t correct = 0;
        std::size_t total = 0;
    };

    // ---- optimizers -----------------------------------------------------------------------------------------------

    // Which framework's definition an optimizer follows where TensorFlow 1 (tf.train / tf.contrib.opt) and
    // PyTorch (torch.optim) differ. Each optimizer's header says what changes and which is its default.
    PRECAST_EXPORT enum class convention
    {
        pytorch,
        tensorflow1,
    };

    // What the network tells an optimizer about the update in progress.
    PRECAST_EXPORT struct step_context
    {
        std::uint64_t step = 1;                                       // 1 for the first update since the state was (re)initialized
        double learning_rate_scale = 1.0;                             // from a learning-rate schedule
        double gradient_scale = 1.0;                                  // from clipping by global norm
        double clip_value = std::numeric_limits<double>::infinity();  // from clipping by value: g in [-clip, clip]
    };

    // The per-vector state of an optimizer that keeps nothing between steps.
    PRECAST_EXPORT struct no_optimizer_state
    {
        [[nodiscard]] static std::tuple<> tensors() noexcept { return {}; }
    };
}
