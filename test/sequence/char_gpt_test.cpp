// examples/char_gpt: a small GPT learns a periodic text and continues it past its cache, a time budget ends
// training, windows of too little text and bad samples are named errors, and a saved model samples as the original.
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "char_gpt.hpp"
#include "support/error_of.hpp"

namespace
{
    namespace lm = examples::char_lm;
    namespace gpt = examples::char_gpt;

    using precast_test::error_of;

    // Windows of 8 characters, width 16, 2 heads, 16 characters at most.
    using small_gpt = gpt::gpt<8, 16, 2, 16>;

    std::string periodic(std::size_t n)
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

    TEST(char_gpt, its_defaults_differ_from_char_lms_where_a_transformer_needs_and_seconds_is_an_option)
    {
        const std::vector<std::string_view> a{"--seconds=90"};
        const auto o = lm::parse_command_line(a, gpt::default_options());
        EXPECT_EQ(o.seconds, 90.0);
        EXPECT_EQ(o.learning_rate, 0.001);
        EXPECT_EQ(lm::parse_command_line({}).learning_rate, 0.004);
        const std::vector<std::string_view> never{"--seconds", "0"};
        EXPECT_EQ(error_of([&] { (void)lm::parse_command_line(never); }), "--seconds needs a positive number, not 0");
    }

    TEST(char_gpt, learns_a_periodic_text_and_continues_it_past_its_cache)
    {
        const std::string text = periodic(4000);
        const auto v = lm::vocabulary::of(text, 16);
        const auto ids = v.encode(text);
        const std::vector<precast::label_type> train(ids.begin(), ids.begin() + 3500);
        const std::vector<precast::label_type> validation(ids.begin() + 3500, ids.end());
        auto net = std::make_unique<small_gpt>(precast::glorot_uniform{}, 1);
        lm::options o = gpt::default_options();
        o.epochs = 6;
        o.learning_rate = 0.01;
        const double untrained = gpt::bits_per_character(gpt::evaluate<small_gpt, 4>(*net, validation).loss);
        EXPECT_GT(untrained, 2.0);
        quiet observer;
        const auto history = gpt::train<small_gpt, 4>(*net, train, validation, o, observer);
        ASSERT_EQ(history.size(), 6u);
        EXPECT_LT(observer.losses.back(), observer.losses.front() / 5);
        // The first character of each window has no context: it costs its share of log2(8 characters).
        EXPECT_LT(gpt::bits_per_character(history.back().validation.loss), 0.5);
        EXPECT_GT(history.back().validation.accuracy, 0.85);
        // 30 characters at a low temperature: the cache (8 steps) fills and is refilled three times.
        EXPECT_EQ(gpt::sample(*net, v, "a cat", 30, 0.05, 3), " sat. a cat sat. a cat sat. a ");
        EXPECT_EQ(gpt::sample(*net, v, "a cat", 40, 1.0, 7), gpt::sample(*net, v, "a cat", 40, 1.0, 7));  // a seed, a sample
    }

    TEST(char_gpt, a_time_budget_ends_training_after_the_batch_that_reaches_it)
    {
        const auto ids = lm::vocabulary::of(periodic(2000), 16).encode(periodic(2000));
        auto net = std::make_unique<small_gpt>();
        lm::options o;
        o.epochs = 5;
        o.seconds = 1e-9;
        quiet observer;
        const auto history = gpt::train<small_gpt, 4>(*net, ids, ids, o, observer);
        ASSERT_EQ(history.size(), 1u);
        EXPECT_EQ(observer.losses.size(), 1u);
        EXPECT_EQ(history[0].train.samples, 4u * 8u);
    }

    TEST(char_gpt, too_little_text_and_bad_samples_are_named_errors)
    {
        const std::vector<precast::label_type> few(20, 0);
        const std::vector<precast::label_type> enough(200, 0);
        auto net = std::make_unique<small_gpt>();
        quiet observer;
        EXPECT_EQ(error_of([&] { (void)gpt::train<small_gpt, 4>(*net, few, enough, lm::options{}, observer); }),
                  "the training text has 20 characters, too few for a batch of 4 windows of 8 (it needs 33)");
        const std::vector<precast::label_type> short_validation(5, 0);
        EXPECT_EQ(error_of([&] { (void)gpt::train<small_gpt, 4>(*net, enough, short_validation, lm::options{}, observer); }),
                  "the validation text has 5 characters, too few for one window of 8 (it needs 9)");
        const auto v = lm::vocabulary::of("abc", 16);
        EXPECT_EQ(error_of([&] { (void)gpt::sample(*net, v, "abd", 5, 1.0, 1); }),
                  "the character 'd' (0x64) of the prime text is not in the model's vocabulary (the characters of the text it was trained on)");
        EXPECT_EQ(error_of([&] { (void)gpt::sample(*net, v, "a", 5, -1.0, 1); }), "the sampling temperature must be above 0, not -1");
        EXPECT_EQ(error_of([&] { (void)gpt::sample(*net, v, "", 5, 1.0, 1); }), "the text to continue (the prime) is empty");
    }

    TEST(char_gpt, a_saved_model_samples_what_the_original_samples)
    {
        const auto v = lm::vocabulary::of("hello, world", 16);
        auto net = std::make_unique<small_gpt>(precast::glorot_uniform{}, 5);
        const auto path = std::filesystem::temp_directory_path() / "precast_char_gpt_model.precast";
        lm::save(path, *net, v);
        auto loaded = std::make_unique<small_gpt>();
        precast::load_model(path, *loaded);
        const auto loaded_v = lm::load_vocabulary(path);
        EXPECT_EQ(gpt::sample(*loaded, loaded_v, "he", 30, 1.0, 2), gpt::sample(*net, v, "he", 30, 1.0, 2));
        std::filesystem::remove(lm::vocabulary_path(path));
        std::filesystem::remove(path);
    }
}
