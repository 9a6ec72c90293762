// Saving and loading a network's parameters (and, to resume training, its optimizer's state) in one file.
//
//   precast::save_model("mlp.precast", net);                        // parameters
//   precast::save_model("mlp.precast", net, optimizer, state);      // parameters + optimizer state
//   precast::load_model("mlp.precast", net);                        // throws model_file_error, net unchanged
//
// Format (version 2, little-endian):
//   offset  0  8 bytes  magic "PRECAST1"
//           8  u32      format version (2)
//          12  u32      element type: 4 = float (IEEE binary32), 8 = double (binary64)
//          16  u64      architecture fingerprint: FNV-1a 64 of each layer's name, full input and output shapes
//                       (rank, then extents), and each parameter (and statistics) tensor's name and shape, in
//                       order, computed at compile time (architecture_fingerprint<Net>)
//          24  u64      parameter count P
//          32  u64      optimizer section length S in bytes (0: none)
//          40  P values the parameters of every trainable layer in order, each layer's parameters() vector
//                       (dense: weights [out][in] row-major, then bias)
//      40+P*e  Q values the statistics of the layers that keep some (batch_norm's running_mean, running_var,
//                       num_batches_tracked), Net::statistic_table's order; Q = 0 for most networks, whose files
//                       are then what they were before statistics existed
//  40+(P+Q)*e  S bytes  optimizer section: u64 fingerprint of the optimizer's name and state layout, u64 steps,
//                       then per trainable layer the slice of each tensor of the state (tensors()) that belongs to
//                       the layer, and each scalar (scalars(), as f64)
//         end  u32      CRC-32 (IEEE 802.3, as zlib's crc32) of every byte before it
//
// Saving writes a temporary file next to the target and renames it over the target, so a crash leaves either
// the old file or the new one, never half of one. Loading reads and checks everything (size, magic, version,
// element type, fingerprint, counts, checksum) before it changes anything.
//
// Version 1 (precast before shapes) differs only in its fingerprint: each layer's name, input, output and parameter
// counts (architecture_fingerprint_v1<Net>). Such files still load, into a network whose layers have the same
// names and sizes; the layout of the parameters did not change.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <unistd.h>

#include <precast/concepts.hpp>
#include <precast/core/file_errors.hpp>
#include <precast/core/scalar.hpp>
#include <precast/export.hpp>
#include <precast/io/bytes.hpp>

namespace precast
{
    static_assert(std::endian::native == std::endian::little, "precast's model files are little-endian; this target is not");

    PRECAST_EXPORT class model_file_error : public std::runtime_error
    {
    public:
        using std::runtime_error::runtime_error;
    };

    namespace detail
    {
        inline constexpr std::array<char, 8> model_magic{'P', 'R', 'E', 'C', 'A', 'S', 'T', '1'};
        inline constexpr std::uint32_t model_format_version = 2;
        inline constexpr std::uint32_t oldest_model_format_version = 1;
        inline constexpr std::size_t model_header_bytes = 40;

        template <class L>
        constexpr std::uint64_t layer_parameter_count() noexcept
        {
            return parameter_count_of<L>;
        }

        template <class Net>
        inline constexpr std::size_t values_before_optimizer = Net::parameter_count + statistics_in<Net>;

        template <class L>
        constexpr std::string_view fingerprint_name() noexcept
        {
            if constexpr (named<L>)
            {
                return L::name;
            }
            return "layer";
        }

        template <static_shape S>
        constexpr std::uint64_t fnv1a_shape(std::uint64_t hash) noexcept
        {
            hash = fnv1a(hash, std::uint64_t{S::rank});
            for (std::size_t extent : S::extents)
            {
                hash = fnv1a(hash, std::uint64_t{extent});
            }
            return hash;
        }

        template <class L>
        constexpr std::uint64_t fnv1a_layer(std::uint64_t hash) noexcept
        {
            hash = fnv1a(hash, fingerprint_name<L>());
            hash = fnv1a_shape<typename L::output_shape>(fnv1a_shape<typename L::input_shape>(hash));
            if constexpr (trainable_layer<L>)
            {
                for (const parameter_tensor& t : L::parameter_tensors)
                {
                    hash = fnv1a(fnv1a(fnv1a(hash, std::string_view(t.name)), std::uint64_t{t.offset}), std::uint64_t{t.rank});
                    for (std::size_t a = 0; a < t.rank; ++a)
                    {
                        hash = fnv1a(hash, std::uint64_t{t.extents[a]});
                    }
                }
            }
            hash = fnv1a(hash, layer_parameter_count<L>());
            if constexpr (layer_with_statistics<L>)
            {
                for (const parameter_tensor& t : L::statistic_tensors)
                {
                    hash = fnv1a(fnv1a(fnv1a(hash, std::string_view(t.name)), std::uint64_t{t.offset}), std::uint64_t{t.rank});
                    for (std::size_t a = 0; a < t.rank; ++a)
                    {
                        hash = fnv1a(hash, std::uint64_t{t.extents[a]});
                    }
                }
            }
            if constexpr (composite_layer<L>)
            {
                // A block's layers, in order: two blocks with the same tensors but other activations differ.
                [&]<std::size_t... I>(std::index_sequence<I...>) {
                    ((hash = fnv1a_layer<std::tuple_element_t<I, typename L::layers_type>>(hash)), ...);
                }(std::make_index_sequence<std::tuple_size_v<typename L::layers_type>>{});
            }
            return hash;
        }

        // Calls f(offset, count) for the slice of the arena of each trainable layer of Net, in order: the
        // optimizer section stores the state layer by layer.
        template <class Net, class F>
        void for_each_layer_slice(F&& f)
        {
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                ((Net::template is_trainable<I> ? f(Net::template parameter_offset<I>, parameter_count_of<typename Net::template layer_type<I>>) : void()),
                 ...);
            }(std::make_index_sequence<Net::depth>{});
        }

        // The bytes of the optimizer section after its two u64s: for each layer's slice, each state tensor's
        // values in the slice, then each scalar as f64.
        template <class Net, class State>
        std::size_t state_bytes(State& s)
        {
            std::size_t per_value = 0;
            std::size_t per_layer = 0;
            std::apply([&](auto&... t) { ((per_value += sizeof(*t.data())), ...); }, s.tensors());
            if constexpr (state_with_scalars<State>)
            {
                std::apply([&](auto&... v) { ((per_layer += sizeof(double), (void)v), ...); }, s.scalars());
            }
            std::size_t total = 0;
            for_each_layer_slice<Net>([&](std::size_t, std::size_t count) { total += count * per_value + per_layer; });
            return total;
        }
    }

    // Identifies a network's architecture: the same layer kinds, shapes and parameter tensors in the same order
    // give the same value.
    PRECAST_EXPORT template <class Net>
    inline constexpr std::uint64_t architecture_fingerprint = [] {
        std::uint64_t h = detail::fnv_offset;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((h = detail::fnv1a_layer<typename Net::template layer_type<I>>(h)), ...);
        }(std::make_index_sequence<Net::depth>{});
        return h;
    }();

    // The fingerprint of format version 1: layer names and input, output and parameter counts only.
    PRECAST_EXPORT template <class Net>
    inline constexpr std::uint64_t architecture_fingerprint_v1 = [] {
        std::uint64_t h = detail::fnv_offset;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((h = detail::fnv1a(detail::fnv1a(detail::fnv1a(detail::fnv1a(h, detail::fingerprint_name<typename Net::template layer_type<I>>()),
                                                            std::uint64_t{Net::template layer_type<I>::input_shape::size}),
                                              std::uint64_t{Net::template layer_type<I>::output_shape::size}),
                                detail::layer_parameter_count<typename Net::template layer_type<I>>())),
             ...);
        }(std::make_index_sequence<Net::depth>{});
        return h;
    }();

    namespace detail
    {
        template <class O>
        constexpr std::uint64_t optimizer_fingerprint() noexcept
        {
            std::uint64_t h = fnv1a(fnv_offset, std::string_view(O::name));
            using state = typename O::template state<float, 1>;
            return fnv1a(h, std::uint64_t{std::tuple_size_v<decltype(std::declval<state&>().tensors())>});
        }

        template <class Net>
        std::vector<std::uint8_t> model_bytes(const Net& net, std::uint64_t optimizer_section_bytes)
        {
            using T = typename Net::value_type;
            byte_writer w;
            w.bytes.reserve(model_header_bytes + values_before_optimizer<Net> * sizeof(T) + optimizer_section_bytes + 4);
            w.put(model_magic);
            w.put(model_format_version);
            w.put(static_cast<std::uint32_t>(sizeof(T)));
            w.put(architecture_fingerprint<Net>);
            w.put(static_cast<std::uint64_t>(Net::parameter_count));
            w.put(optimizer_section_bytes);
            if constexpr (Net::parameter_count > 0)
            {
                w.put_array(net.parameters().data(), Net::parameter_count);
            }
            if constexpr (statistics_in<Net> > 0)
            {
                w.put_array(net.statistics().data(), Net::statistic_count);
            }
            return std::move(w.bytes);
        }

        // A model file's bytes, then their CRC-32.
        inline void write_atomically(const std::filesystem::path& path, std::vector<std::uint8_t> bytes)
        {
            const std::uint32_t checksum = crc32(bytes.data(), bytes.size());
            const auto* c = reinterpret_cast<const std::uint8_t*>(&checksum);
            bytes.insert(bytes.end(), c, c + sizeof checksum);
            write_atomically_plain<model_file_error>(path, bytes);
        }

        [[noreturn]] inline void reject_model(const std::string& source, const std::string& problem)
        {
            throw model_file_error("precast::load_model: " + source + ": " + problem);
        }

        inline const char* element_type_name(std::uint32_t size) noexcept
        {
            return size == 4 ? "float" : size == 8 ? "double" : "unknown";
        }

        // Which tensor of Net::statistic_table holds statistics value i, and whether it is a variance.
        template <class Net>
        std::string statistic_name(std::size_t i)
        {
            if constexpr (statistics_in<Net> > 0)
            {
                for (const parameter_tensor& t : Net::statistic_table)
                {
                    if (i >= t.offset && i < t.offset + t.size())
                    {
                        return std::string(t.name) + (t.rank > 0 ? "[" + std::to_string(i - t.offset) + "]" : "");
                    }
                }
            }
            return "statistics";
        }
        template <class Net>
        bool is_variance_entry(std::size_t i)
        {
            return statistic_name<Net>(i).find("_var") != std::string::npos;
        }

        // Checks a model file's bytes: everything but the optimizer section's content. Returns that section's size.
        template <class Net>
        std::uint64_t check_model_bytes(std::span<const std::uint8_t> bytes, const std::string& source)
        {
            using T = typename Net::value_type;
            const std::uint64_t size = bytes.size();
            if (size < model_header_bytes + 4)
            {
                reject_model(source, "is " + std::to_string(size) + " bytes long, too short for a precast model file (at least " +
                                         std::to_string(model_header_bytes + 4) + ")");
            }
            if (!std::equal(model_magic.begin(), model_magic.end(), bytes.begin()))
            {
                reject_model(source, "is not a precast model file (no PRECAST1 signature)");
            }
            byte_reader r(bytes, model_magic.size());
            const auto version = r.get<std::uint32_t>();
            if (version < oldest_model_format_version || version > model_format_version)
            {
                reject_model(source, "has format version " + std::to_string(version) + "; this precast reads versions " +
                                         std::to_string(oldest_model_format_version) + " to " + std::to_string(model_format_version) +
                                         (version > model_format_version ? " (the file is from a newer precast)" : ""));
            }
            const auto element = r.get<std::uint32_t>();
            if (element != sizeof(T))
            {
                reject_model(source, std::string("holds ") + element_type_name(element) + " parameters; this network's are " + element_type_name(sizeof(T)));
            }
            const auto fingerprint = r.get<std::uint64_t>();
            const auto count = r.get<std::uint64_t>();
            const std::uint64_t expected_fingerprint = version == 1 ? architecture_fingerprint_v1<Net> : architecture_fingerprint<Net>;
            if (fingerprint != expected_fingerprint || count != Net::parameter_count)
            {
                reject_model(source, "was saved from another architecture (" + std::to_string(count) + " parameters, fingerprint " +
                                         std::to_string(fingerprint) + "; this network has " + std::to_string(Net::parameter_count) + ", fingerprint " +
                                         std::to_string(expected_fingerprint) + (version == 1 ? " in format version 1" : "") + ")");
            }
            const auto optimizer_section_bytes = r.get<std::uint64_t>();
            const std::uint64_t fixed = model_header_bytes + values_before_optimizer<Net> * sizeof(T) + 4;
            if (optimizer_section_bytes > size)
            {
                reject_model(source, "is truncated: its header declares an optimizer section of " + std::to_string(optimizer_section_bytes) +
                                         " bytes, more than the whole file (" + std::to_string(size) + ")");
            }
            if (size != fixed + optimizer_section_bytes)
            {
                reject_model(source, size < fixed + optimizer_section_bytes
                                         ? "is truncated (" + std::to_string(size) + " of " + std::to_string(fixed + optimizer_section_bytes) + " bytes)"
                                         : "has " + std::to_string(size - fixed - optimizer_section_bytes) + " bytes more than its header accounts for");
            }
            std::uint32_t stored = 0;
            std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
            if (crc32(bytes.data(), bytes.size() - 4) != stored)
            {
                reject_model(source, "is corrupt (checksum mismatch)");
            }
            // NaN or infinity would load "successfully" and poison every prediction: name where it is instead.
            const std::uint8_t* values = bytes.data() + model_header_bytes;
            for (std::uint64_t i = 0; i < Net::parameter_count; ++i)
            {
                T v;
                std::memcpy(&v, values + i * sizeof(T), sizeof(T));
                if (!std::isfinite(v))
                {
                    reject_model(source, "holds a non-finite parameter (" + std::string(std::isnan(v) ? "NaN" : "infinity") + ") at parameter " +
                                             std::to_string(i) + " of " + std::to_string(Net::parameter_count) +
                                             "; the network it was saved from had diverged");
                }
            }
            for (std::uint64_t i = Net::parameter_count; i < values_before_optimizer<Net>; ++i)
            {
                T v;
                std::memcpy(&v, values + i * sizeof(T), sizeof(T));
                if (!std::isfinite(v) || (v < T(0) && is_variance_entry<Net>(i - Net::parameter_count)))
                {
                    reject_model(source, "holds " + std::string(!std::isfinite(v) ? (std::isnan(v) ? "NaN" : "infinity") : "a negative variance") +
                                             " in statistics value " + std::to_string(i - Net::parameter_count) + " (" +
                                             statistic_name<Net>(i - Net::parameter_count) + "); the network it was saved from had diverged");
                }
            }
            return optimizer_section_bytes;
        }

        // The bytes of a model file, read after the cheap checks (a directory, an absurd size) have passed.
        template <class Net>
        std::vector<std::uint8_t> read_model_file(const std::filesystem::path& path)
        {
            return read_file_bytes(
                path, values_before_optimizer<Net> * sizeof(typename Net::value_type) * 16 + (std::uint64_t{1} << 20),
                [&](const std::string& problem) { reject_model(path.string(), problem); }, "far more than this network's parameters and optimizer state");
        }

        template <class Net>
        void read_parameters(Net& net, std::span<const std::uint8_t> bytes)
        {
            byte_reader r(bytes, model_header_bytes);
            if constexpr (Net::parameter_count > 0)
            {
                r.get_array(net.parameters().data(), Net::parameter_count);
            }
            if constexpr (statistics_in<Net> > 0)
            {
                r.get_array(net.statistics().data(), Net::statistic_count);
            }
        }

        // Parameters and optimizer state from checked bytes into net and state (all checks first: nothing
        // changes unless everything is right).
        template <class Net, class O>
        void read_model_with_state(std::span<const std::uint8_t> bytes, const std::string& source, Net& net, typename Net::template optimizer_state<O>& state)
        {
            const std::uint64_t section = check_model_bytes<Net>(bytes, source);
            auto& values = state.values();
            const std::uint64_t expected = 2 * sizeof(std::uint64_t) + state_bytes<Net>(values);
            if (section == 0)
            {
                reject_model(source, "holds no optimizer state (it was saved with save_model(path, net))");
            }
            // The section's size first: only a section of the expected size may be read (a shorter one would be
            // read past the end).
            byte_reader r(bytes, model_header_bytes + values_before_optimizer<Net> * sizeof(typename Net::value_type));
            if (section != expected || r.get<std::uint64_t>() != optimizer_fingerprint<O>())
            {
                reject_model(source, std::string("holds the state of another optimizer, not ") + O::name);
            }
            const auto steps = r.get<std::uint64_t>();
            read_parameters(net, bytes);
            state.restore_steps(steps);
            // Scalars are one set for the whole arena; files store a copy per layer (all equal): the last one read stays.
            for_each_layer_slice<Net>([&](std::size_t offset, std::size_t count) {
                std::apply([&](auto&... t) { (r.get_array(t.data() + offset, count), ...); }, values.tensors());
                if constexpr (state_with_scalars<std::remove_cvref_t<decltype(values)>>)
                {
                    std::apply([&](auto&... v) { ((v = static_cast<std::remove_cvref_t<decltype(v)>>(r.get<double>())), ...); }, values.scalars());
                }
            });
        }
    }

    // Writes net's parameters to path (atomically: a temporary file, then a rename).
    PRECAST_EXPORT template <neural_network Net>
    void save_model(const std::filesystem::path& path, const Net& net)
    {
        detail::write_atomically(path, detail::model_bytes(net, 0));
    }

    // Writes net's parameters and the optimizer's state (to resume training where it stopped).
    template <neural_network Net, optimizer O>
    void save_model(const std::filesystem::path& path, const Net& net, const O& /*optimizer*/, const typename Net::template optimizer_state<O>& state)
    {
        static_assert(saveable_state<typename O::template state<float, 1>>,
                      "precast::save_model: this optimizer's state does not list its tensors (any_optimizer's does not): save the parameters "
                      "only, save_model(path, net), or train with the optimizer's own type to save its state");
        auto& values = const_cast<typename Net::template optimizer_state<O>&>(state).values();  // tensors() hands out references; nothing is written
        const std::uint64_t section = 2 * sizeof(std::uint64_t) + detail::state_bytes<Net>(values);
        auto bytes = detail::model_bytes(net, section);
        detail::byte_writer w;
        w.bytes = std::move(bytes);
        w.put(detail::optimizer_fingerprint<O>());
        w.put(static_cast<std::uint64_t>(state.steps()));
        detail::for_each_layer_slice<Net>([&](std::size_t offset, std::size_t count) {
            std::apply([&](auto&... t) { (w.put_array(t.data() + offset, count), ...); }, values.tensors());
            if constexpr (state_with_scalars<std::remove_cvref_t<decltype(values)>>)
            {
                std::apply([&](auto&... v) { (w.put(static_cast<double>(v)), ...); }, values.scalars());
            }
        });
        detail::write_atomically(path, std::move(w.bytes));
    }

    // Reads parameters saved from a network of the same architecture and element type into net. Any problem is a
    // model_file_error naming the file and what is wrong, and leaves net unchanged.
    PRECAST_EXPORT template <neural_network Net>
    void load_model(const std::filesystem::path& path, Net& net)
    {
        const auto bytes = detail::read_model_file<Net>(path);
        (void)detail::check_model_bytes<Net>(bytes, path.string());
        detail::read_parameters(net, bytes);
    }

    // The same from a model file's bytes in memory (embedded in the program, received over a network); `source`
    // names them in errors.
    PRECAST_EXPORT template <neural_network Net>
    void load_model(std::span<const std::uint8_t> bytes, Net& net, const std::string& source = "model bytes")
    {
        (void)detail::check_model_bytes<Net>(bytes, source);
        detail::read_parameters(net, bytes);
    }

    // Reads parameters and optimizer state (the file must hold the state of the same optimizer type).
    template <neural_network Net, optimizer O>
    void load_model(const std::filesystem::path& path, Net& net, const O& /*optimizer*/, typename Net::template optimizer_state<O>& state)
    {
        static_assert(saveable_state<typename O::template state<float, 1>>,
                      "precast::load_model: this optimizer's state does not list its tensors (any_optimizer's does not): load the parameters "
                      "only, load_model(path, net), or use the optimizer's own type");
        const auto bytes = detail::read_model_file<Net>(path);
        detail::read_model_with_state<Net, O>(bytes, path.string(), net, state);
    }
    template <neural_network Net, optimizer O>
    void load_model(std::span<const std::uint8_t> bytes, Net& net, const O& /*optimizer*/, typename Net::template optimizer_state<O>& state,
                    const std::string& source = "model bytes")
    {
        static_assert(saveable_state<typename O::template state<float, 1>>,
                      "precast::load_model: this optimizer's state does not list its tensors (any_optimizer's does not): load the parameters "
                      "only, load_model(bytes, net), or use the optimizer's own type");
        detail::read_model_with_state<Net, O>(bytes, source, net, state);
    }
}
