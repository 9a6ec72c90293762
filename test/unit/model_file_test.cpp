// Saving and loading models: round trips (parameters; parameters + optimizer state, resuming training exactly),
// and every way a file can be wrong, each a clear error that leaves the network unchanged.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    namespace fs = std::filesystem;
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    using small_net = network<input<13>, dense<17>, relu, dropout<0.25>, dense<5>, softmax>;
    using wider_net = network<input<13>, dense<18>, relu, dropout<0.25>, dense<5>, softmax>;
    using small_double_net = network<input<13, double>, dense<17>, relu, dropout<0.25>, dense<5>, softmax>;

    static_assert(architecture_fingerprint<small_net> != architecture_fingerprint<wider_net>);
    static_assert(architecture_fingerprint<network<input<4>, dense<3>, relu>> != architecture_fingerprint<network<input<4>, dense<3>, precast::tanh>>);
    // Shapes count: [4, 5] and [5, 4] flattened before the same dense layer have the same sizes and parameters, so
    // format version 1's fingerprint could not tell them apart; version 2's does.
    using four_by_five = network<input_of<shape<4, 5>>, flatten, dense<3>>;
    using five_by_four = network<input_of<shape<5, 4>>, flatten, dense<3>>;
    static_assert(architecture_fingerprint_v1<four_by_five> == architecture_fingerprint_v1<five_by_four>);
    static_assert(architecture_fingerprint<four_by_five> != architecture_fingerprint<five_by_four>);

    // FNV-1a 64 written out here, apart from the library, to recompute the documented fingerprints by hand.
    struct fnv
    {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        fnv& text(const std::string& t)
        {
            for (const char c : t)
            {
                h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
            }
            return *this;
        }
        fnv& u64(std::uint64_t v)
        {
            for (int i = 0; i < 8; ++i)
            {
                h = (h ^ ((v >> (8 * i)) & 0xFF)) * 0x100000001b3ULL;
            }
            return *this;
        }
    };

    TEST(model_fingerprint, is_fnv1a_of_names_shapes_and_parameter_tensors_as_documented)
    {
        EXPECT_EQ(fnv{}.text("a").h, 0xaf63dc4c8601ec8cULL);  // FNV-1a 64's published test vector
        // network<input<2>, dense<1>>: dense, input [2], output [1], weights {1, 2} at 0, bias {1} at 2, 3 parameters.
        const auto v2 = fnv{}.text("dense").u64(1).u64(2).u64(1).u64(1).text("weights").u64(0).u64(2).u64(1).u64(2).text("bias").u64(2).u64(1).u64(1).u64(3).h;
        EXPECT_EQ((architecture_fingerprint<network<input<2>, dense<1>>>), v2);
        // Version 1: name, input size, output size, parameter count.
        EXPECT_EQ((architecture_fingerprint_v1<network<input<2>, dense<1>>>), fnv{}.text("dense").u64(2).u64(1).u64(3).h);
        // A shape of rank 2 enters as its rank and both extents: [3, 2] -> dense<1> -> [3, 1].
        const auto rank2 = fnv{}
                               .text("dense")
                               .u64(2)
                               .u64(3)
                               .u64(2)
                               .u64(2)
                               .u64(3)
                               .u64(1)
                               .text("weights")
                               .u64(0)
                               .u64(2)
                               .u64(1)
                               .u64(2)
                               .text("bias")
                               .u64(2)
                               .u64(1)
                               .u64(1)
                               .u64(3)
                               .h;
        EXPECT_EQ((architecture_fingerprint<network<input_of<shape<3, 2>>, dense<1>>>), rank2);
    }

    class model_files : public ::testing::Test
    {
    protected:
        void SetUp() override
        {
            dir_ = fs::temp_directory_path() / ("precast_model_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
            fs::remove_all(dir_);
            fs::create_directories(dir_);
        }
        void TearDown() override { fs::remove_all(dir_); }

        std::vector<char> bytes_of(const fs::path& p) const
        {
            std::ifstream in(p, std::ios::binary);
            return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        }
        void write_bytes(const fs::path& p, const std::vector<char>& b) const
        {
            std::ofstream out(p, std::ios::binary | std::ios::trunc);
            out.write(b.data(), static_cast<std::streamsize>(b.size()));
        }

        fs::path dir_;
    };

    template <class Net>
    std::vector<typename Net::value_type> all_parameters(const Net& net)
    {
        std::vector<typename Net::value_type> values;
        net.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& layer) {
            if constexpr (Net::template is_trainable<I>)
            {
                const std::size_t before = values.size();
                values.resize(before + layer.parameters().size);
                std::copy_n(layer.parameters().data(), layer.parameters().size, values.data() + before);
            }
        });
        return values;
    }

    template <class Net>
    std::string load_error(const fs::path& p, Net& net)
    {
        try
        {
            load_model(p, net);
        }
        catch (const model_file_error& e)
        {
            return e.what();
        }
        return "(no error)";
    }

    TEST_F(model_files, parameters_round_trip_exactly_and_no_temporary_file_is_left)
    {
        const small_net saved(he_normal{}, 1);
        small_net loaded(he_normal{}, 2);
        ASSERT_NE(all_parameters(saved), all_parameters(loaded));
        save_model(dir_ / "m.precast", saved);
        load_model(dir_ / "m.precast", loaded);
        EXPECT_EQ(all_parameters(saved), all_parameters(loaded));
        // The file is exactly header + parameters + checksum; nothing else is in the directory.
        EXPECT_EQ(fs::file_size(dir_ / "m.precast"), 40 + small_net::parameter_bytes + 4);
        EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
        // Saving again replaces the file.
        save_model(dir_ / "m.precast", loaded);
        EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
    }

    TEST_F(model_files, the_format_is_as_documented)
    {
        network<input<2>, dense<1>> net;
        net.at<0>().parameters()[0] = 1.5f;
        net.at<0>().parameters()[1] = -2.0f;
        net.at<0>().parameters()[2] = 0.25f;
        save_model(dir_ / "tiny", net);
        const auto b = bytes_of(dir_ / "tiny");
        ASSERT_EQ(b.size(), 40u + 12u + 4u);
        EXPECT_EQ(std::string(b.data(), 8), "PRECAST1");
        auto u32 = [&](std::size_t at) {
            std::uint32_t v = 0;
            std::memcpy(&v, b.data() + at, 4);
            return v;
        };
        auto u64 = [&](std::size_t at) {
            std::uint64_t v = 0;
            std::memcpy(&v, b.data() + at, 8);
            return v;
        };
        EXPECT_EQ(u32(8), 2u);   // version
        EXPECT_EQ(u32(12), 4u);  // float
        EXPECT_EQ(u64(16), (architecture_fingerprint<network<input<2>, dense<1>>>));
        EXPECT_EQ(u64(24), 3u);  // parameters
        EXPECT_EQ(u64(32), 0u);  // no optimizer state
        float p[3];
        std::memcpy(p, b.data() + 40, 12);
        EXPECT_EQ(p[0], 1.5f);
        EXPECT_EQ(p[2], 0.25f);
        // CRC-32 of "123456789" is 0xCBF43926 (the standard check value); the file's matches its own bytes.
        const char* check = "123456789";
        EXPECT_EQ(crc32(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(check), 9)), 0xCBF43926u);
        EXPECT_EQ(u32(52), crc32(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), 52)));
    }

    // test/data/model_v1_3-4-tanh-2.precast was written by precast at efe76c8 (format version 1, before shapes):
    // network<input<3>, dense<4>, tanh, dense<2>> with parameter i of the first dense layer (i + 1) / 8 - 1 and of
    // the second 0.5 - i / 16. It loads into the same architecture; into another it fails saying why.
    TEST_F(model_files, a_version_1_file_still_loads)
    {
        const fs::path file = fs::path(PRECAST_TEST_DATA_DIR) / "model_v1_3-4-tanh-2.precast";
        network<input<3>, dense<4>, precast::tanh, dense<2>> net(glorot_uniform{}, 5);
        load_model(file, net);
        const auto& first = net.at<0>().parameters();
        for (std::size_t i = 0; i < first.size; ++i)
        {
            EXPECT_EQ(first[i], static_cast<float>(i + 1) * 0.125f - 1.0f) << i;
        }
        const auto& second = net.at<2>().parameters();
        for (std::size_t i = 0; i < second.size; ++i)
        {
            EXPECT_EQ(second[i], 0.5f - static_cast<float>(i) * 0.0625f) << i;
        }

        network<input<3>, dense<4>, relu, dense<2>> other;
        EXPECT_EQ(load_error(file, other), "precast::load_model: " + file.string() + ": was saved from another architecture (26 parameters, fingerprint " +
                                               std::to_string(architecture_fingerprint_v1<network<input<3>, dense<4>, precast::tanh, dense<2>>>) +
                                               "; this network has 26, fingerprint " + std::to_string(architecture_fingerprint_v1<decltype(other)>) +
                                               " in format version 1)");
    }

    TEST_F(model_files, every_bad_file_is_a_clear_error_and_leaves_the_network_unchanged)
    {
        const small_net saved(he_normal{}, 1);
        save_model(dir_ / "good", saved);
        small_net net(he_normal{}, 2);
        const auto before = all_parameters(net);
        const std::string d = dir_.string() + "/";

        EXPECT_EQ(load_error(dir_ / "missing", net), "precast::load_model: " + d + "missing: does not exist");
        EXPECT_EQ(load_error(dir_, net), "precast::load_model: " + dir_.string() + ": is not a regular file");
        write_bytes(dir_ / "short", {'P', 'R'});
        EXPECT_EQ(load_error(dir_ / "short", net), "precast::load_model: " + d + "short: is 2 bytes long, too short for a precast model file (at least 44)");
        auto good = bytes_of(dir_ / "good");
        auto other = good;
        other[0] = 'X';
        write_bytes(dir_ / "other", other);
        EXPECT_EQ(load_error(dir_ / "other", net), "precast::load_model: " + d + "other: is not a precast model file (no PRECAST1 signature)");
        auto version = good;
        version[8] = 7;
        write_bytes(dir_ / "version", version);
        EXPECT_EQ(load_error(dir_ / "version", net),
                  "precast::load_model: " + d + "version: has format version 7; this precast reads versions 1 to 2 (the file is from a newer precast)");
        auto cut = good;
        cut.resize(cut.size() - 10);
        write_bytes(dir_ / "cut", cut);
        EXPECT_EQ(load_error(dir_ / "cut", net),
                  "precast::load_model: " + d + "cut: is truncated (" + std::to_string(cut.size()) + " of " + std::to_string(good.size()) + " bytes)");
        auto flipped = good;
        flipped[60] = static_cast<char>(flipped[60] ^ 0x10);
        write_bytes(dir_ / "flipped", flipped);
        EXPECT_EQ(load_error(dir_ / "flipped", net), "precast::load_model: " + d + "flipped: is corrupt (checksum mismatch)");

        wider_net wider;
        EXPECT_NE(
            load_error(dir_ / "good", wider).find("good: was saved from another architecture (" + std::to_string(small_net::parameter_count) + " parameters"),
            std::string::npos);
        small_double_net in_double;
        EXPECT_EQ(load_error(dir_ / "good", in_double), "precast::load_model: " + d + "good: holds float parameters; this network's are double");
        EXPECT_EQ(all_parameters(net), before);

        EXPECT_THROW(save_model(dir_ / "no" / "such" / "dir" / "m", saved), model_file_error);
    }

    // A file whose checksum is right but whose content is not: what the fuzzer makes of a model file.
    std::vector<char> with_checksum(std::vector<char> b)
    {
        const std::uint32_t crc = precast::crc32(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), b.size() - 4));
        std::memcpy(b.data() + b.size() - 4, &crc, 4);
        return b;
    }

    TEST_F(model_files, files_with_a_right_checksum_and_wrong_content_are_refused)
    {
        const small_net saved(he_normal{}, 1);
        save_model(dir_ / "good", saved);
        const auto good = bytes_of(dir_ / "good");
        small_net net(he_normal{}, 2);
        const auto before = all_parameters(net);
        const std::string d = dir_.string() + "/";

        // An optimizer section of 1 byte (found by the fuzzer: its fingerprint used to be read past the end).
        auto short_section = good;
        const std::uint64_t one = 1;
        std::memcpy(short_section.data() + 32, &one, 8);
        short_section.insert(short_section.end() - 4, char{0});
        write_bytes(dir_ / "short_section", with_checksum(short_section));
        small_net::optimizer_state<adam> state;
        try
        {
            load_model(dir_ / "short_section", net, adam(), state);
            ADD_FAILURE() << "loaded";
        }
        catch (const model_file_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast::load_model: " + d + "short_section: holds the state of another optimizer, not adam");
        }

        // A NaN and an infinity among the parameters.
        auto nan = good;
        const float quiet_nan = std::numeric_limits<float>::quiet_NaN();
        std::memcpy(nan.data() + 40 + 3 * sizeof(float), &quiet_nan, sizeof(float));
        write_bytes(dir_ / "nan", with_checksum(nan));
        EXPECT_EQ(load_error(dir_ / "nan", net), "precast::load_model: " + d + "nan: holds a non-finite parameter (NaN) at parameter 3 of " +
                                                     std::to_string(small_net::parameter_count) + "; the network it was saved from had diverged");
        auto inf = good;
        const float infinity = std::numeric_limits<float>::infinity();
        std::memcpy(inf.data() + 40, &infinity, sizeof(float));
        const auto inf_bytes = with_checksum(inf);
        try
        {
            load_model(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(inf_bytes.data()), inf_bytes.size()), net);
            ADD_FAILURE() << "loaded";
        }
        catch (const model_file_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast::load_model: model bytes: holds a non-finite parameter (infinity) at parameter 0 of " +
                                                 std::to_string(small_net::parameter_count) + "; the network it was saved from had diverged");
        }
        EXPECT_EQ(all_parameters(net), before);

        // The good bytes load from memory as from the file.
        load_model(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(good.data()), good.size()), net, "embedded");
        EXPECT_EQ(all_parameters(net), all_parameters(saved));
    }

    // Saved mid-training with Adam, loaded into a fresh network and state: the next steps are the same.
    TEST_F(model_files, optimizer_state_round_trips_and_training_resumes_exactly)
    {
        using net_t = network<input<6, double>, dense<9>, precast::tanh, dense<3>>;
        std::vector<double> x(4 * 6);
        std::vector<label_type> labels{0, 1, 2, 1};
        for (std::size_t i = 0; i < x.size(); ++i)
        {
            x[i] = static_cast<double>(i % 7) * 0.1 - 0.3;
        }
        const matrix_view<const double, 4, 6> xv(x.data());
        const std::span<const label_type, 4> yv(labels.data(), 4);

        net_t a(glorot_uniform{}, 3);
        trainer<4, net_t, softmax_cross_entropy, nadam> ta(a, {}, nadam({.learning_rate = 0.01}));
        for (int i = 0; i < 5; ++i)
        {
            (void)ta.step(xv, yv);
        }
        save_model(dir_ / "resume", a, ta.optimizer(), ta.optimizer_state());

        net_t b(glorot_uniform{}, 99);
        trainer<4, net_t, softmax_cross_entropy, nadam> tb(b, {}, nadam({.learning_rate = 0.01}));
        load_model(dir_ / "resume", b, tb.optimizer(), tb.optimizer_state());
        EXPECT_EQ(tb.optimizer_state().steps(), 5u);
        for (int i = 0; i < 3; ++i)
        {
            EXPECT_EQ(ta.step(xv, yv), tb.step(xv, yv)) << "step " << i;
        }
        EXPECT_EQ(all_parameters(a), all_parameters(b));

        // A file with parameters only cannot restore an optimizer; a file with Adam's state cannot restore Nadam's.
        save_model(dir_ / "plain", a);
        EXPECT_THROW(load_model(dir_ / "plain", b, tb.optimizer(), tb.optimizer_state()), model_file_error);
        trainer<4, net_t, softmax_cross_entropy, adam> tc(a, {}, adam());
        (void)tc.step(xv, yv);
        save_model(dir_ / "adam", a, tc.optimizer(), tc.optimizer_state());
        try
        {
            load_model(dir_ / "adam", b, tb.optimizer(), tb.optimizer_state());
            FAIL() << "loaded Adam's state into Nadam's";
        }
        catch (const model_file_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast::load_model: " + (dir_ / "adam").string() + ": holds the state of another optimizer, not nadam");
        }
        // Loading parameters only from a file that also holds optimizer state works.
        load_model(dir_ / "adam", b);
        EXPECT_EQ(all_parameters(a), all_parameters(b));
    }
}
