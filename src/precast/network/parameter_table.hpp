// The parameter table of a list of layers (and its statistics table, alike): every parameter tensor of every trainable layer, named the way PyTorch's
// state_dict names a module's ("<position>.<tensor>", nesting as blocks nest: "2.body.0.weights"), with its
// offset in the block that holds the list's parameters one layer after another. A network's table is what model
// files, .npz files, the gradient checker and reports walk; a block's becomes its own parameter_tensors.
#pragma once

#include <array>
#include <cstddef>
#include <tuple>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/network/chain.hpp>

namespace precast::detail
{
    // A string as a template argument ("body.", "branches.", or "").
    template <std::size_t N>
    struct fixed_text
    {
        char text[N]{};
        constexpr fixed_text(const char (&s)[N]) noexcept  // NOLINT(google-explicit-constructor)
        {
            for (std::size_t i = 0; i < N; ++i)
            {
                text[i] = s[i];
            }
        }
        [[nodiscard]] static constexpr std::size_t length() noexcept { return N - 1; }
    };

    constexpr std::size_t text_length(const char* s) noexcept
    {
        std::size_t n = 0;
        while (s[n] != '\0')
        {
            ++n;
        }
        return n;
    }
    constexpr std::size_t decimal_digits(std::size_t value) noexcept
    {
        std::size_t digits = 1;
        while (value >= 10)
        {
            value /= 10;
            ++digits;
        }
        return digits;
    }

    // Numbered: names are "<Prefix><layer>.<tensor>"; otherwise "<Prefix><tensor>" (a block with one named part,
    // as residual's "body."). Statistics: the table of the layers' statistics (layer_with_statistics: batch_norm's
    // running_mean, ...) instead of their parameters, with offsets in the list's statistics block.
    template <fixed_text Prefix, class Layers, bool Numbered = true, bool Statistics = false>
    struct tensor_table
    {
    private:
        static constexpr std::size_t depth = std::tuple_size_v<Layers>;

        // The list's layers that have tensors of this table's kind, and those tensors.
        template <class L>
        static constexpr bool listed = Statistics ? layer_with_statistics<L> : trainable_layer<L>;
        template <class L>
        static constexpr const auto& tensors_of_layer() noexcept
        {
            if constexpr (Statistics)
            {
                return L::statistic_tensors;
            }
            else
            {
                return L::parameter_tensors;
            }
        }
        static constexpr const auto& offsets = Statistics ? statistic_offsets<Layers> : parameter_offsets<Layers>;

        template <std::size_t I>
        static consteval std::size_t tensors_of()
        {
            using L = std::tuple_element_t<I, Layers>;
            if constexpr (listed<L>)
            {
                return tensors_of_layer<L>().size();
            }
            else
            {
                return 0;
            }
        }

    public:
        static constexpr std::size_t count = []<std::size_t... I>(std::index_sequence<I...>) {
            return (std::size_t{0} + ... + tensors_of<I>());
        }(std::make_index_sequence<depth>{});

    private:
        // Each tensor in order: its layer, that layer's offset in the block, and the layer's parameter_tensor. The
        // one walk over the layers' types; the tables below are plain loops over it (compile time: one
        // instantiation per layer, not one per table).
        struct entry
        {
            std::size_t layer = 0;
            std::size_t layer_offset = 0;
            parameter_tensor tensor{};
        };
        static constexpr std::array<entry, count> entries = [] {
            std::array<entry, count> out{};
            std::size_t k = 0;
            for_each_index(
                [&](auto index) {
                    constexpr std::size_t I = decltype(index)::value;
                    using L = std::tuple_element_t<I, Layers>;
                    if constexpr (listed<L>)
                    {
                        for (const parameter_tensor& t : tensors_of_layer<L>())
                        {
                            out[k++] = entry{I, offsets[I], t};
                        }
                    }
                },
                std::make_index_sequence<depth>{});
            return out;
        }();

        static constexpr std::size_t name_length(const entry& e) noexcept
        {
            return Prefix.length() + (Numbered ? decimal_digits(e.layer) + 1 : 0) + text_length(e.tensor.name);
        }
        static constexpr std::size_t longest_name = [] {
            std::size_t longest = 0;
            for (const entry& e : entries)
            {
                longest = name_length(e) > longest ? name_length(e) : longest;
            }
            return longest;
        }();

    public:
        // "<Prefix><layer>.<tensor name>", zero-terminated.
        static constexpr auto names = [] {
            std::array<std::array<char, longest_name + 1>, count> out{};
            for (std::size_t k = 0; k < count; ++k)
            {
                const entry& e = entries[k];
                std::size_t at = 0;
                for (std::size_t i = 0; i < Prefix.length(); ++i)
                {
                    out[k][at++] = Prefix.text[i];
                }
                if constexpr (Numbered)
                {
                    const std::size_t digits = decimal_digits(e.layer);
                    for (std::size_t d = 0, value = e.layer; d < digits; ++d, value /= 10)
                    {
                        out[k][at + digits - 1 - d] = static_cast<char>('0' + value % 10);
                    }
                    at += digits;
                    out[k][at++] = '.';
                }
                for (const char* c = e.tensor.name; *c != '\0'; ++c)
                {
                    out[k][at++] = *c;
                }
            }
            return out;
        }();

        // The tensors with their full names and their offsets in the whole block.
        static constexpr auto tensors = [] {
            std::array<parameter_tensor, count> out{};
            for (std::size_t k = 0; k < count; ++k)
            {
                out[k] = entries[k].tensor;
                out[k].name = names[k].data();
                out[k].offset = entries[k].layer_offset + entries[k].tensor.offset;
            }
            return out;
        }();

        // Which layer of the list each tensor belongs to, and its name within that layer.
        static constexpr auto layers = [] {
            std::array<std::size_t, count> out{};
            for (std::size_t k = 0; k < count; ++k)
            {
                out[k] = entries[k].layer;
            }
            return out;
        }();
        static constexpr auto local_names = [] {
            std::array<const char*, count> out{};
            for (std::size_t k = 0; k < count; ++k)
            {
                out[k] = entries[k].tensor.name;
            }
            return out;
        }();
    };
}
