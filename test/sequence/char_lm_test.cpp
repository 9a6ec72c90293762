// examples/char_lm: its text handling (vocabulary, files, fortune separators), command line, training by
// truncated BPTT, sampling and saving, each with the errors a user meets.
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "char_lm.hpp"
#include "support/error_of.hpp"

namespace
{
    namespace lm = examples::char_lm;

    using precast_test::error_of;

    std::filesystem::path write_file(const std::string& name, const std::string& bytes)
    {
        const auto path = std::filesystem::temp_directory_path() / ("precast_char_lm_" + name);
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }

    TEST(char_lm_text, the_vocabulary_is_the_distinct_bytes_in_order_and_refuses_what_it_lacks)
    {
        const auto v = lm::vocabulary::of("hello world", 128);
        EXPECT_EQ(v.characters(), " dehlorw");
        EXPECT_EQ(v.index('h'), 3u);
        EXPECT_EQ(v.encode("lol"), (std::vector<precast::label_type>{4, 5, 4}));
        EXPECT_EQ(error_of([&] { (void)v.index('z', "the prime text"); }),
                  "the character 'z' (0x7a) of the prime text is not in the model's vocabulary (the characters of the text it was trained on)");
        EXPECT_EQ(error_of([&] { (void)v.index('\xe9'); }),
                  "the character byte 0xe9 of the text is not in the model's vocabulary (the characters of the text it was trained on)");
        EXPECT_EQ(error_of([] { (void)lm::vocabulary::of("abcdef", 5); }),
                  "the text has 6 distinct characters, more than the 5 the model is compiled for (max_vocabulary in examples/char_lm.hpp)");
        EXPECT_EQ(error_of([] { (void)lm::vocabulary::from_characters("abca", 128); }), "the vocabulary lists 'a' (0x61) twice");
    }

    TEST(char_lm_text, files_that_are_missing_empty_binary_or_directories_are_named_errors)
    {
        const auto missing = std::filesystem::temp_directory_path() / "precast_char_lm_no_such_file";
        EXPECT_EQ(error_of([&] { (void)lm::read_text_file(missing); }), missing.string() + ": no such file");
        const auto empty = write_file("empty", "");
        EXPECT_EQ(error_of([&] { (void)lm::read_text_file(empty); }), empty.string() + ": the file is empty");
        const auto nul = write_file("nul", std::string("ab\0cd", 5));
        EXPECT_EQ(error_of([&] { (void)lm::read_text_file(nul); }), nul.string() + ": looks like binary data, not text (a NUL byte at offset 2)");
        const auto controls = write_file("controls", std::string(50, 'a') + "\x01\x02");
        EXPECT_EQ(error_of([&] { (void)lm::read_text_file(controls); }), controls.string() + ": looks like binary data, not text (2 control bytes in 52)");
        EXPECT_EQ(error_of([] { (void)lm::read_text_file(std::filesystem::temp_directory_path()); }),
                  std::filesystem::temp_directory_path().string() + ": is a directory");
        const auto crlf = write_file("crlf", "a\r\nb\r\n");
        EXPECT_EQ(lm::read_text_file(crlf), "a\nb\n");
        for (const auto& p : {empty, nul, controls, crlf})
        {
            std::filesystem::remove(p);
        }
    }

    TEST(char_lm_text, fortune_separators_go_and_the_fortunes_stay)
    {
        EXPECT_EQ(lm::without_fortune_separators("one\n%\ntwo\n100%\n%\n"), "one\ntwo\n100%\n");
    }

    TEST(char_lm_command_line, flags_take_values_after_a_space_or_an_equals_sign_and_unknown_ones_are_refused)
    {
        const std::vector<std::string_view> a{"--epochs=3", "--temperature", "0.5", "--prime", "The "};
        const auto o = lm::parse_command_line(a);
        EXPECT_EQ(o.epochs, 3u);
        EXPECT_EQ(o.temperature, 0.5);
        EXPECT_EQ(o.prime, "The ");
        const std::vector<std::string_view> bogus{"--bogus", "1"};
        EXPECT_EQ(error_of([&] { (void)lm::parse_command_line(bogus); }), "unknown option --bogus (--help lists them)");
        const std::vector<std::string_view> help_last{"--bogus", "--help"};
        EXPECT_TRUE(lm::parse_command_line(help_last).help);
        const std::vector<std::string_view> no_value{"--epochs"};
        EXPECT_EQ(error_of([&] { (void)lm::parse_command_line(no_value); }), "--epochs needs a value");
        const std::vector<std::string_view> cold{"--temperature=0"};
        EXPECT_EQ(error_of([&] { (void)lm::parse_command_line(cold); }), "--temperature needs a number above 0, not 0");
    }

    // A small model on a text with a 12-character period: after a few epochs it predicts it almost surely.
    using small_model = lm::language_model<8, 24, 16>;

    std::string periodic_text(std::size_t n)
    {
        const std::string period = "a cat sat. ";
        std::string text;
        while (text.size() < n)
        {
            text += period;
        }
        text.resize(n);
        return text;
    }

    struct quiet
    {
        std::vector<double> losses;
        void on_batch(const lm::batch_progress& b) { losses.push_back(b.loss); }
        void on_epoch(const precast::epoch_report&) {}
    };

    TEST(char_lm_training, truncated_bptt_learns_a_periodic_text_and_the_sample_continues_it)
    {
        const std::string text = periodic_text(4000);
        const auto v = lm::vocabulary::of(text, 16);
        const auto ids = v.encode(text);
        const std::vector<precast::label_type> train(ids.begin(), ids.begin() + 3500);
        const std::vector<precast::label_type> validation(ids.begin() + 3500, ids.end());
        auto net = std::make_unique<small_model>(precast::glorot_uniform{}, 1);
        lm::options o;
        o.epochs = 4;
        o.learning_rate = 0.02;
        const double untrained = lm::bits_per_character(lm::evaluate<small_model, 4>(*net, validation).loss);
        EXPECT_GT(untrained, 2.0);  // about log2(8 characters) = 3 bits
        quiet observer;
        const auto history = lm::train<small_model, 4>(*net, train, validation, o, observer);
        ASSERT_EQ(history.size(), 4u);
        EXPECT_LT(observer.losses.back(), observer.losses.front() / 10);
        EXPECT_LT(lm::bits_per_character(history.back().validation.loss), 0.2);
        EXPECT_GT(history.back().validation.accuracy, 0.95);
        // At a low temperature the sample is the period itself, continued from the prime.
        const std::string sample = lm::sample(*net, v, "a cat", 22, 0.05, 3);
        EXPECT_EQ(sample, " sat. a cat sat. a cat");
        EXPECT_EQ(lm::sample(*net, v, "a cat", 40, 1.0, 7), lm::sample(*net, v, "a cat", 40, 1.0, 7));  // a seed, a sample
    }

    TEST(char_lm_training, too_little_text_for_the_streams_is_an_error_that_says_how_much_is_needed)
    {
        const std::vector<precast::label_type> ids(20, 0);
        auto net = std::make_unique<small_model>();
        quiet observer;
        EXPECT_EQ(error_of([&] { (void)lm::train<small_model, 4>(*net, ids, ids, lm::options{}, observer); }),
                  "the training text has 20 characters, too few for 4 streams of at least one window of 8 (it needs 33)");
    }

    TEST(char_lm_sampling, a_prime_outside_the_vocabulary_or_a_zero_temperature_is_refused)
    {
        const auto v = lm::vocabulary::of("abc", 16);
        const small_model net;
        EXPECT_EQ(error_of([&] { (void)lm::sample(net, v, "abd", 5, 1.0, 1); }),
                  "the character 'd' (0x64) of the prime text is not in the model's vocabulary (the characters of the text it was trained on)");
        EXPECT_EQ(error_of([&] { (void)lm::sample(net, v, "a", 5, 0.0, 1); }), "the sampling temperature must be above 0, not 0");
        EXPECT_EQ(error_of([&] { (void)lm::sample(net, v, "", 5, 1.0, 1); }), "the text to continue (the prime) is empty");
    }

    TEST(char_lm_saving, a_saved_model_and_its_vocabulary_load_and_sample_the_same_text)
    {
        const auto v = lm::vocabulary::of("hello, world", 128);
        auto net = std::make_unique<lm::model>(precast::glorot_uniform{}, 5);
        const auto path = std::filesystem::temp_directory_path() / "precast_char_lm_model.precast";
        lm::save(path, *net, v);
        const auto loaded_v = lm::load_vocabulary(path);
        auto loaded = std::make_unique<lm::model>();
        precast::load_model(path, *loaded);
        EXPECT_EQ(loaded_v.characters(), v.characters());
        EXPECT_EQ(lm::sample(*loaded, loaded_v, "he", 30, 1.0, 2), lm::sample(*net, v, "he", 30, 1.0, 2));
        std::filesystem::remove(lm::vocabulary_path(path));
        EXPECT_EQ(error_of([&] { (void)lm::load_vocabulary(path); }),
                  lm::vocabulary_path(path).string() + ": no such file (char_lm saves the vocabulary beside the model; copy both)");
        std::filesystem::remove(path);
        EXPECT_EQ(error_of([&] { (void)lm::load_vocabulary(path); }), path.string() + ": no such model file");
    }
}
