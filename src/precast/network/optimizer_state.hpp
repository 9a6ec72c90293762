// network_optimizer_state<Layers, O>: what optimizer O keeps between steps for a bound layer list: one O::state
// per trainable layer (no_optimizer_state for the others) and the number of updates made. Plain fixed-size data.
// A network's optimizer_state<O> is this; network::apply advances it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>

namespace precast
{
    template <class Input, class... Elements>
    class network;

    PRECAST_EXPORT template <class Layers, optimizer O>
    class network_optimizer_state
    {
        static constexpr std::size_t depth = std::tuple_size_v<Layers>;

        template <std::size_t I>
        static auto state_type_of()
        {
            using L = std::tuple_element_t<I, Layers>;
            if constexpr (trainable_layer<L>)
            {
                return std::type_identity<typename O::template state<typename L::value_type, L::parameter_count>>{};
            }
            else
            {
                return std::type_identity<no_optimizer_state>{};
            }
        }
        template <std::size_t... I>
        static auto make_layer_states(std::index_sequence<I...>) -> std::tuple<typename decltype(state_type_of<I>())::type...>;

    public:
        using layer_states = decltype(make_layer_states(std::make_index_sequence<depth>{}));

        // Updates since the state was created or reset.
        [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }
        // The next update starts afresh: it initializes every layer's state, and counts as step 1.
        void reset() noexcept { steps_ = 0; }
        // For load_model: the step count of a saved state whose tensors are being restored.
        void restore_steps(std::uint64_t steps) noexcept { steps_ = steps; }

        template <std::size_t I>
        [[nodiscard]] auto& layer() noexcept
        {
            return std::get<I>(layers_);
        }
        template <std::size_t I>
        [[nodiscard]] const auto& layer() const noexcept
        {
            return std::get<I>(layers_);
        }

    private:
        template <class Input, class... Elements>
        friend class network;
        std::uint64_t steps_ = 0;
        layer_states layers_;
    };
}
