// The Fashion-MNIST example's pieces: its command line, its reports, and a short training run on the real data.
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "fashion_mnist.hpp"

namespace
{
    namespace fashion = examples::fashion;

    fashion::options parse(std::vector<std::string_view> arguments) { return fashion::parse_command_line(arguments); }

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
        const auto o = parse({"--arch", "512-512-512-512-dropout", "--optimizer", "nesterov_momentum", "--lr", "0.05", "--init", "he", "--epochs", "3", "--batch",
                              "32", "--seed", "7", "--threads", "2", "--validation", "0.2", "--limit", "1000", "--log", "a.csv", "--plot", "b.svg", "--save",
                              "m.precast"});
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
                  "--arch must be 256-256, 256-256-dropout, 512-512-512-512 or 512-512-512-512-dropout, not \"128\"");
        EXPECT_EQ(usage_error_of({"--lr", "-1"}), "--lr must be positive, not -1");
        EXPECT_EQ(usage_error_of({"--validation", "1"}), "--validation must be a fraction between 0 and 1, not 1");
        EXPECT_EQ(usage_error_of({"--init", "zeros"}), "--init must be normal, xavier or he, not \"zeros\"");
        EXPECT_EQ(usage_error_of({"--fast", "1"}), "unknown option \"--fast\" (--help lists them)");
        EXPECT_EQ(usage_error_of({"stray"}), "unexpected argument \"stray\"");
        EXPECT_NE(fashion::usage().find("--optimizer NAME"), std::string::npos);
    }

    std::vector<precast::epoch_report> two_epochs()
    {
        precast::epoch_report a;
        a.epoch = 1;
        a.train = {0.5, 0.75, 100};
        a.validation = {0.625, 0.7, 20};
        a.seconds = 1.5;
        precast::epoch_report b = a;
        b.epoch = 2;
        b.train = {0.25, 0.875, 100};
        b.validation = {0.375, 0.8, 20};
        b.seconds = 1.25;
        return {a, b};
    }

    TEST(fashion_mnist_reports, csv_svg_and_confusion_matrix_hold_the_numbers)
    {
        EXPECT_EQ(fashion::csv_log(two_epochs()),
                  "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds\n1,0.5,0.75,0.625,0.7,1.5\n2,0.25,0.875,0.375,0.8,1.25\n");
        const std::string svg = fashion::svg_plot(two_epochs(), "a <b> & c");
        EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
        EXPECT_NE(svg.find("a &lt;b&gt; &amp; c"), std::string::npos);
        std::size_t polylines = 0;
        for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1))
        {
            ++polylines;
        }
        EXPECT_EQ(polylines, 4u);  // loss and accuracy, train and validation
        // Loss panel: 0 .. 0.625 over 250 pixels; the train loss 0.5 at epoch 1 sits at x 0, y 250 - 0.8 * 250 = 50.
        EXPECT_NE(svg.find("points=\"0,50 380,150\""), std::string::npos) << svg;
        EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");

        // A 14-character class column, then one 5-wide column per predicted class.
        fashion::confusion_matrix m{};
        m[0][0] = 950;
        m[0][6] = 50;
        m[9][7] = 12345;
        const std::string text = fashion::format_confusion(m);
        EXPECT_NE(text.find("\n0 T-shirt/top   950     0     0     0     0     0    50     0     0     0\n"), std::string::npos) << text;
        EXPECT_NE(text.find("\n9 Ankle boot      0     0     0     0     0     0     0 12345     0     0\n"), std::string::npos) << text;
    }

    // One epoch on 3000 images of the real data set: it learns something, and the confusion matrix agrees with
    // the accuracy.
    TEST(fashion_mnist_run, a_short_run_learns_and_its_confusion_matrix_matches_its_accuracy)
    {
        const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
        if (!std::filesystem::exists(dir / "t10k-images-idx3-ubyte.gz"))
        {
            GTEST_SKIP() << "dataset-fashion-mnist is not installed";
        }
        const auto train = precast::data::load_idx_dataset<float>(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz",
                                                                  precast::data::pixel_scaling::unit_interval);
        std::vector<std::size_t> first(3000);
        for (std::size_t i = 0; i < first.size(); ++i)
        {
            first[i] = i;
        }
        const auto part = train.samples.subset(first);
        fashion::options o;
        o.epochs = 1;
        std::FILE* sink = std::tmpfile();
        const auto r = fashion::run<fashion::mlp_256_256, 128>(o, part, train.samples, false, sink);
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
}
