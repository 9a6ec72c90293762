// block_base<T, Layers>: what every block (a layer made of layers: sequential, residual, parallel) shares: it
// holds its layers, gives them slices of one parameter block (its own, or its slice of the network's arena once
// attached), initializes, seeds and positions them in order, and keeps them on its block through copies and moves.
// A block is trainable when any of its layers is; its parameters are its layers' parameters one after another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/network/chain.hpp>

namespace precast::detail
{
    struct no_parameters
    {
    };

    template <scalar T, class Layers>
    using block_parameters = std::conditional_t<
        (parameter_offsets<Layers>[std::tuple_size_v<Layers>] > 0),
        parameter_slot<T, (parameter_offsets<Layers>[std::tuple_size_v<Layers>] > 0 ? parameter_offsets<Layers>[std::tuple_size_v<Layers>] : 1)>,
        no_parameters>;

    struct no_statistics
    {
    };

    template <scalar T, class Layers>
    using block_statistics = std::conditional_t<
        (statistic_offsets<Layers>[std::tuple_size_v<Layers>] > 0),
        statistics_slot<T, (statistic_offsets<Layers>[std::tuple_size_v<Layers>] > 0 ? statistic_offsets<Layers>[std::tuple_size_v<Layers>] : 1)>,
        no_statistics>;

    template <scalar T, class Layers>
    class block_base : public block_parameters<T, Layers>, public block_statistics<T, Layers>
    {
        using parameters_base = block_parameters<T, Layers>;
        using statistics_base = block_statistics<T, Layers>;

    public:
        using layers_type = Layers;
        static constexpr std::size_t size = std::tuple_size_v<Layers>;
        static constexpr std::size_t parameter_count = parameter_offsets<Layers>[size];
        static constexpr std::size_t statistic_count = statistic_offsets<Layers>[size];

        block_base() { attach_layers(); }
        block_base(const block_base& other) : parameters_base(other), statistics_base(other), layers_(other.layers_), seed_(other.seed_) { attach_layers(); }
        block_base(block_base&& other)
            : parameters_base(std::move(other)), statistics_base(std::move(other)), layers_(std::move(other.layers_)), seed_(other.seed_)
        {
            attach_layers();
        }
        // Assigning copies values into this block's places (its layers stay on its slices).
        block_base& operator=(const block_base& other)
        {
            parameters_base::operator=(other);
            statistics_base::operator=(other);
            layers_ = other.layers_;
            seed_ = other.seed_;
            return *this;
        }
        block_base& operator=(block_base&& other) { return *this = static_cast<const block_base&>(other); }
        ~block_base() = default;

        template <std::size_t I>
        [[nodiscard]] std::tuple_element_t<I, Layers>& at() noexcept
        {
            return std::get<I>(layers_);
        }
        template <std::size_t I>
        [[nodiscard]] const std::tuple_element_t<I, Layers>& at() const noexcept
        {
            return std::get<I>(layers_);
        }
        // Calls f(std::integral_constant<std::size_t, I>{}, layer) for each layer in order.
        template <class F>
        void for_each_layer(F&& f)
        {
            for_each_index([&](auto index) { f(index, std::get<decltype(index)::value>(layers_)); }, std::make_index_sequence<size>{});
        }
        template <class F>
        void for_each_layer(F&& f) const
        {
            for_each_index([&](auto index) { f(index, std::get<decltype(index)::value>(layers_)); }, std::make_index_sequence<size>{});
        }

        // Each trainable layer from the initializer, in order, from one stream (as a network does).
        template <initializer Init>
        void initialize(const Init& init, random_engine& rng)
            requires(parameter_count > 0)
        {
            initialize_each(layers_, init, rng);
        }

        void attach_parameters(T* values, T* gradients) noexcept
            requires(parameter_count > 0)
        {
            // The layers first, while the block they live in now is still there to copy from.
            attach_each(layers_, values, gradients);
            parameters_base::attach_parameters(values, gradients);
        }

        void attach_statistics(T* values) noexcept
            requires(statistic_count > 0)
        {
            attach_statistics_each(layers_, values);
            statistics_base::attach_statistics(values);
        }

        void use_rows(std::size_t rows) noexcept
            requires any_batch_rows<Layers>
        {
            use_rows_each(layers_, rows);
        }

        // A block with dropout inside: seeded from the network (its position there), it seeds each of its layers
        // from that seed and their positions in it.
        void seed(std::uint64_t s) noexcept
            requires any_seeded<Layers>
        {
            seed_ = s;
            seed_each(layers_, s);
        }
        [[nodiscard]] std::uint64_t seed() const noexcept
            requires any_positioned<Layers>
        {
            return seed_;
        }
        void position(std::uint64_t batch, std::size_t first_row) noexcept
            requires any_positioned<Layers>
        {
            position_each(layers_, batch, first_row);
        }

    protected:
        Layers layers_;

    private:
        void attach_layers() noexcept
        {
            if constexpr (parameter_count > 0)
            {
                attach_each(layers_, this->parameters().data(), this->gradients().data());
            }
            if constexpr (statistic_count > 0)
            {
                attach_statistics_each(layers_, this->statistics().data());
            }
        }

        std::uint64_t seed_ = 0;
    };
}
