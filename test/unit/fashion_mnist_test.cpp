// The Fashion-MNIST example's pieces: its command line, its reports, and a short training run on the real data.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "fashion_mnist.hpp"

namespace
{
    namespace fashion = examples::fashion;

    fashion::options parse(std::vector<std::string_view> arguments)
    {
        return fashion::parse_command_line(arguments);
    }

    std::string usage_error_of(std::vector<std::string_view> arguments)
    {
        try
        {
            (void)parse(arguments);
        }
        catch (const fashion::usage_error& e)
        {
            return e.what();
        }
        return "(no error)";
    }

    TEST(fashion_mnist_command_line, takes_every_option_and_rejects_bad_values_with_a_reason)
    {
        const auto defaults = parse({});
        EXPECT_EQ(defaults.architecture, "256-256");
        EXPECT_EQ(defaults.optimizer, "adam");
        EXPECT_EQ(defaults.batch, 128u);
        EXPECT_FALSE(defaults.learning_rate.has_value());
        const auto o = parse({"--arch",       "512-512-512-512-dropout",
                              "--optimizer",  "nesterov_momentum",
                              "--lr",         "0.05",
                              "--init",       "he",
                              "--epochs",     "3",
                              "--batch",      "32",
                              "--seed",       "7",
                              "--threads",    "2",
                              "--validation", "0.2",
                              "--limit",      "1000",
                              "--log",        "a.csv",
                              "--plot",       "b.svg",
                              "--save",       "m.precast"});
        EXPECT_EQ(o.architecture, "512-512-512-512-dropout");
        EXPECT_EQ(o.optimizer, "nesterov_momentum");
        EXPECT_EQ(o.learning_rate.value_or(0), 0.05);
        EXPECT_EQ(o.initializer, "he");
        EXPECT_EQ(o.epochs, 3u);
        EXPECT_EQ(o.batch, 32u);
        EXPECT_EQ(o.seed, 7u);
        EXPECT_EQ(o.threads, 2);
        EXPECT_EQ(o.validation, 0.2);
        EXPECT_EQ(o.limit, 1000u);
        EXPECT_EQ(o.log, "a.csv");
        EXPECT_EQ(o.save, "m.precast");
        EXPECT_TRUE(parse({"--help"}).help);

        EXPECT_EQ(usage_error_of({"--epochs"}), "--epochs needs a value");
        EXPECT_EQ(usage_error_of({"--epochs", "ten"}), "--epochs needs a number, not \"ten\"");
        EXPECT_EQ(usage_error_of({"--epochs", "2.5"}), "--epochs needs a whole number from 1 to 1000, not 2.5");
        EXPECT_EQ(usage_error_of({"--batch", "48"}), "--batch must be 32, 64 or 128 (the sizes compiled in), not 48");
        EXPECT_EQ(usage_error_of({"--arch", "128"}),
                  "--arch must be 256-256, 256-256-dropout, 512-512-512-512, 512-512-512-512-dropout, 256-residual-256 or cnn, not \"128\"");
        EXPECT_EQ(parse({"--arch", "256-residual-256"}).architecture, "256-residual-256");
        EXPECT_EQ(usage_error_of({"--lr", "-1"}), "--lr must be positive, not -1");
        EXPECT_EQ(usage_error_of({"--validation", "1"}), "--validation must be a fraction between 0 and 1, not 1");
        EXPECT_EQ(usage_error_of({"--init", "zeros"}), "--init must be normal, xavier or he, not \"zeros\"");
        EXPECT_EQ(usage_error_of({"--fast", "1"}), "unknown option \"--fast\" (--help lists them)");
        EXPECT_EQ(usage_error_of({"--bogus"}), "unknown option \"--bogus\" (--help lists them)");  // not "needs a value"
        EXPECT_EQ(usage_error_of({"--epochs", "2", "--bogus=1"}), "unknown option \"--bogus\" (--help lists them)");
        EXPECT_EQ(usage_error_of({"stray"}), "unexpected argument \"stray\"");
        EXPECT_EQ(usage_error_of({"--data="}), "--data needs a value");
        EXPECT_EQ(usage_error_of({"--load", "m.precast", "--save", "n.precast"}),
                  "--load evaluates a saved model without training; --save, --log and --plot need a training run");

        // --distributed: a flag without a value; --batch is then the global batch, split over the processes.
        const auto distributed = parse({"--distributed", "--batch", "192", "--epochs", "2"});
        EXPECT_TRUE(distributed.distributed);
        EXPECT_EQ(distributed.epochs, 2u);
        EXPECT_FALSE(parse({"--epochs", "2"}).distributed);
        EXPECT_EQ(examples::fashion::batch_per_process(distributed, 3), 64u);
        EXPECT_EQ(examples::fashion::batch_per_process(parse({"--batch", "128"}), 1), 128u);
        try
        {
            (void)examples::fashion::batch_per_process(distributed, 2);
            ADD_FAILURE() << "192 on 2 processes is 96 each, not a compiled size";
        }
        catch (const examples::fashion::usage_error& e)
        {
            EXPECT_STREQ(e.what(), "--batch 192 on 2 processes: each process's share must be 32, 64 or 128 (the sizes compiled in), so --batch must be one of "
                                   "64, 128 or 256");
        }
        EXPECT_EQ(usage_error_of({"--distributed=yes"}), "--distributed takes no value");
        EXPECT_EQ(usage_error_of({"--load", "m.precast", "--distributed"}), "--load evaluates a saved model on one process; --distributed is for training");
        EXPECT_NE(fashion::usage().find("--optimizer NAME"), std::string::npos);

        // --flag=value as well as --flag value.
        const auto attached = parse({"--epochs=3", "--lr=0.5", "--data=/tmp/x", "--batch", "64"});
        EXPECT_EQ(attached.epochs, 3u);
        EXPECT_EQ(attached.learning_rate.value_or(0), 0.5);
        EXPECT_EQ(attached.data, "/tmp/x");
        EXPECT_EQ(attached.batch, 64u);
        EXPECT_EQ(usage_error_of({"--epochs=ten"}), "--epochs needs a number, not \"ten\"");

        // --help anywhere wins, whatever else is wrong on the line.
        EXPECT_TRUE(parse({"--epochs", "ten", "--help"}).help);
        EXPECT_TRUE(parse({"--bogus", "-h"}).help);
    }

    TEST(fashion_mnist_command_line, output_and_model_files_are_checked_before_any_data_is_read)
    {
        const auto dir = std::filesystem::temp_directory_path() / ("precast_fashion_test_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const auto missing = dir / "missing";
        auto check = [](const fashion::options& o) {
            try
            {
                fashion::check_files(o);
            }
            catch (const fashion::usage_error& e)
            {
                return std::string(e.what());
            }
            return std::string("(no error)");
        };
        fashion::options o;
        o.save = missing / "model.precast";
        EXPECT_EQ(check(o), "--save " + o.save.string() + ": the directory " + missing.string() + " does not exist");
        o.save = dir;
        EXPECT_EQ(check(o), "--save " + dir.string() + ": it is a directory");
        o.save = dir / "model.precast";
        o.plot = missing / "plot.svg";
        EXPECT_EQ(check(o), "--plot " + o.plot.string() + ": the directory " + missing.string() + " does not exist");
        o.plot.clear();
        EXPECT_EQ(check(o), "(no error)");
        fashion::options load;
        load.load = dir / "none.precast";
        EXPECT_EQ(check(load), "--load " + load.load.string() + ": no such file");
        load.load = dir;
        EXPECT_EQ(check(load), "--load " + dir.string() + ": not a file");

        // The IDX files: plain or gzip, the plain one first; neither is an error naming both.
        EXPECT_EQ(fashion::idx_file("/usr/share/datasets/fashion-mnist", "t10k-labels-idx1-ubyte").filename(), "t10k-labels-idx1-ubyte.gz");
        std::ofstream(dir / "t10k-labels-idx1-ubyte") << "x";
        EXPECT_EQ(fashion::idx_file(dir, "t10k-labels-idx1-ubyte"), dir / "t10k-labels-idx1-ubyte");
        try
        {
            (void)fashion::idx_file(missing, "t10k-images-idx3-ubyte");
            ADD_FAILURE() << "no error";
        }
        catch (const std::runtime_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz in " + missing.string() +
                                                 " (--data names the directory of the Fashion-MNIST IDX files)");
        }
        std::filesystem::remove_all(dir);
    }

    TEST(fashion_mnist_reports, the_confusion_matrix_holds_the_numbers)
    {
        // A 14-character class column, then one 5-wide column per predicted class.
        fashion::confusion_matrix m{};
        m[0][0] = 950;
        m[0][6] = 50;
        m[9][7] = 12345;
        const std::string text = fashion::format_confusion(m);
        EXPECT_NE(text.find("\n0 T-shirt/top   950     0     0     0     0     0    50     0     0     0\n"), std::string::npos) << text;
        EXPECT_NE(text.find("\n9 Ankle boot      0     0     0     0     0     0     0 12345     0     0\n"), std::string::npos) << text;
    }

    // The real data set's 10000 test images (used here as a small training set), and the first n of a set.
    const std::filesystem::path test_images_dir = "/usr/share/datasets/fashion-mnist";
    auto load_test_images()
    {
        return precast::data::load_idx_dataset<float>(test_images_dir / "t10k-images-idx3-ubyte.gz", test_images_dir / "t10k-labels-idx1-ubyte.gz",
                                                      precast::data::pixel_scaling::unit_interval);
    }
    precast::dataset<float> first_images(const precast::dataset<float>& images, std::size_t n)
    {
        std::vector<std::size_t> first(n);
        for (std::size_t i = 0; i < first.size(); ++i)
        {
            first[i] = i;
        }
        return images.subset(first);
    }

    // One epoch on 3000 images of the real data set: it learns something, and the confusion matrix agrees with
    // the accuracy.
    TEST(fashion_mnist_run, a_short_run_learns_and_its_confusion_matrix_matches_its_accuracy)
    {
        if (!std::filesystem::exists(test_images_dir / "t10k-images-idx3-ubyte.gz"))
        {
            GTEST_SKIP() << "dataset-fashion-mnist is not installed";
        }
        const auto train = load_test_images();
        const auto part = first_images(train.samples, 3000);
        fashion::options o;
        o.epochs = 1;
        std::FILE* sink = std::tmpfile();
        const fashion::data_source data{.training = [&] { return part; }, .test = [&] { return train.samples; }};
        const auto r = fashion::run<fashion::mlp_256_256, 128>(o, data, false, sink);
        std::fclose(sink);
        ASSERT_EQ(r.history.size(), 1u);
        EXPECT_GT(r.test.accuracy, 0.6);
        std::size_t total = 0;
        std::size_t diagonal = 0;
        for (std::size_t a = 0; a < 10; ++a)
        {
            for (std::size_t p = 0; p < 10; ++p)
            {
                total += r.confusion[a][p];
                diagonal += a == p ? r.confusion[a][p] : 0;
            }
        }
        EXPECT_EQ(total, 10000u);
        EXPECT_DOUBLE_EQ(static_cast<double>(diagonal) / 10000.0, r.test.accuracy);
    }

    // The residual MLP on the same 3000 images learns as the plain one does.
    TEST(fashion_mnist_run, a_residual_mlp_learns)
    {
        if (!std::filesystem::exists(test_images_dir / "t10k-images-idx3-ubyte.gz"))
        {
            GTEST_SKIP() << "dataset-fashion-mnist is not installed";
        }
        const auto train = load_test_images();
        const auto part = first_images(train.samples, 3000);
        fashion::options o;
        o.epochs = 2;
        o.architecture = "256-residual-256";
        std::FILE* sink = std::tmpfile();
        const fashion::data_source data{.training = [&] { return part; }, .test = [&] { return train.samples; }};
        const auto r = fashion::run<fashion::mlp_256_residual_256, 128>(o, data, false, sink);
        std::fclose(sink);
        ASSERT_EQ(r.history.size(), 2u);
        EXPECT_LT(r.history[1].train.loss, r.history[0].train.loss);
        EXPECT_GT(r.test.accuracy, 0.6);
    }
}
