// The library's fit() observers: progress_bar (under a real pseudo-terminal and into a plain file), csv_log and
// svg_plot (their files, and the errors for paths that cannot be written, before any training).
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/precast_under_test.hpp"

namespace
{
    using net_t = precast::network<precast::input<2>, precast::dense<3>, precast::dense<2>>;

    // 10 samples of two classes, batch 4: 3 batches per epoch; 4 samples held out for validation.
    struct fixture
    {
        net_t net{precast::glorot_uniform{}, 1};
        precast::dataset<float> training =
            precast::dataset<float>::with_labels({0, 0, 1, 1, 0, 1, 1, 0, 0.5f, 0.5f, -1, -1, 2, 2, -1, 0, 0, -1, 1, 2}, 2, {0, 1, 0, 1, 1, 0, 1, 0, 1, 0}, 2);
        precast::dataset<float> validation = precast::dataset<float>::with_labels({0, 1, 1, 0, 2, 2, -1, -1}, 2, {0, 1, 1, 0}, 2);
        template <class Observer>
        std::vector<precast::epoch_report> fit(Observer&& observer, std::size_t epochs = 2)
        {
            precast::trainer<4, net_t, precast::softmax_cross_entropy, precast::gradient_descent> t(net, {}, precast::gradient_descent(0.1));
            return t.fit(training, {.epochs = epochs, .seed = 1, .validation = validation}, std::forward<Observer>(observer));
        }
    };

    std::string read_file(const std::filesystem::path& path)
    {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::size_t count_of(const std::string& text, const std::string& what)
    {
        std::size_t n = 0;
        for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        {
            ++n;
        }
        return n;
    }

    // A directory of this process's own, removed when the tests end.
    struct scratch_directory
    {
        std::filesystem::path path = std::filesystem::temp_directory_path() / ("precast_observers_test_" + std::to_string(::getpid()));
        ~scratch_directory()
        {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    };
    std::filesystem::path scratch(const std::string& name)
    {
        static const scratch_directory directory;
        std::filesystem::create_directories(directory.path);
        return directory.path / name;
    }

    // What an MPI launcher sets in its processes' environment (progress_bar::launched_by_mpi): cleared for the
    // terminal test, which must see a plain pseudo-terminal whatever runs the tests.
    constexpr const char* mpi_launcher_variables[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "SLURM_STEP_ID"};

    // A pseudo-terminal (its master side, and its slave side to write to), with no MPI launcher in the environment.
    struct pseudo_terminal
    {
        int master = -1;
        std::FILE* terminal = nullptr;
    };
    pseudo_terminal open_pseudo_terminal()
    {
        for (const char* variable : mpi_launcher_variables)
        {
            ::unsetenv(variable);
        }
        pseudo_terminal pty;
        int slave = -1;
        if (::openpty(&pty.master, &slave, nullptr, nullptr, nullptr) == 0)
        {
            pty.terminal = ::fdopen(slave, "w");
        }
        return pty;
    }

    TEST(observers, progress_bar_draws_a_live_bar_on_a_terminal)
    {
        const auto [master, terminal] = open_pseudo_terminal();
        ASSERT_NE(terminal, nullptr);
        precast::progress_bar bar(terminal);
        EXPECT_TRUE(bar.draws_bar());  // found out by itself: the pty is a terminal
        fixture f;
        f.fit(bar);
        std::fclose(terminal);

        std::string output;
        ::fcntl(master, F_SETFL, O_NONBLOCK);
        char buffer[4096];
        for (ssize_t n; (n = ::read(master, buffer, sizeof buffer)) > 0;)
        {
            output.append(buffer, static_cast<std::size_t>(n));
        }
        ::close(master);
        // Batch 1 and the last batch are always drawn; each epoch's line replaces its bar.
        EXPECT_GE(count_of(output, "\repoch 1/2 ["), 2u) << output;
        EXPECT_GE(count_of(output, "\repoch 2/2 ["), 2u) << output;
        EXPECT_NE(output.find("[==============================] 3/3 batches  loss "), std::string::npos) << output;
        EXPECT_NE(output.find("ETA "), std::string::npos);
        EXPECT_EQ(count_of(output, "\repoch 1/2  train loss "), 1u) << output;
        EXPECT_EQ(count_of(output, "\repoch 2/2  train loss "), 1u) << output;
        EXPECT_NE(output.find("  validation loss "), std::string::npos);
    }

    // mpirun gives rank 0 a pseudo-terminal and copies it to its own output, often a pipe: no live bar there.
    TEST(observers, progress_bar_draws_no_live_bar_in_a_process_mpirun_started)
    {
        const auto [master, terminal] = open_pseudo_terminal();
        ASSERT_NE(terminal, nullptr);
        EXPECT_TRUE(precast::progress_bar(terminal).draws_bar());
        ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
        EXPECT_FALSE(precast::progress_bar(terminal).draws_bar());
        EXPECT_TRUE(precast::progress_bar(terminal, true).draws_bar());  // asked for: drawn
        ::unsetenv("OMPI_COMM_WORLD_SIZE");
        std::fclose(terminal);
        ::close(master);
    }

    TEST(observers, progress_bar_writes_one_line_per_epoch_elsewhere)
    {
        const auto path = scratch("progress.txt");
        std::FILE* file = std::fopen(path.string().c_str(), "w");
        ASSERT_NE(file, nullptr);
        precast::progress_bar bar(file);
        EXPECT_FALSE(bar.draws_bar());
        fixture f;
        const auto history = f.fit(bar, 3);
        std::fclose(file);
        const std::string output = read_file(path);
        EXPECT_EQ(output.find('\r'), std::string::npos) << output;
        EXPECT_EQ(output.find('['), std::string::npos) << output;
        EXPECT_EQ(count_of(output, "\n"), 3u) << output;
        char expected[128];
        std::snprintf(expected, sizeof expected, "epoch 3/3  train loss %.4f  accuracy %.2f %%  validation loss %.4f  accuracy %.2f %%  ",
                      history[2].train.loss, 100 * history[2].train.accuracy, history[2].validation.loss, 100 * history[2].validation.accuracy);
        EXPECT_NE(output.find(expected), std::string::npos) << output << "\nexpected: " << expected;
    }

    TEST(observers, csv_log_and_svg_plot_write_every_epoch)
    {
        const auto csv = scratch("log.csv");
        const auto svg = scratch("plot.svg");
        precast::csv_log log(csv);
        EXPECT_EQ(read_file(csv), "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds\n");  // before training
        precast::svg_plot plot(svg, "a <small> test");
        EXPECT_NE(read_file(svg).find("<svg"), std::string::npos);
        fixture f;
        const auto history = f.fit(precast::observers(std::ref(log), std::ref(plot)), 3);

        std::istringstream lines(read_file(csv));
        std::string line;
        std::getline(lines, line);
        for (const auto& e : history)
        {
            ASSERT_TRUE(std::getline(lines, line));
            double values[5] = {};
            std::size_t epoch = 0;
            ASSERT_EQ(std::sscanf(line.c_str(), "%zu,%lf,%lf,%lf,%lf,%lf", &epoch, &values[0], &values[1], &values[2], &values[3], &values[4]), 6) << line;
            EXPECT_EQ(epoch, e.epoch);
            EXPECT_NEAR(values[0], e.train.loss, 1e-5 * e.train.loss);  // 6 significant digits
            EXPECT_NEAR(values[1], e.train.accuracy, 1e-6);
            EXPECT_NEAR(values[2], e.validation.loss, 1e-5 * e.validation.loss);
            EXPECT_NEAR(values[3], e.validation.accuracy, 1e-6);
        }
        EXPECT_FALSE(std::getline(lines, line));

        const std::string drawing = read_file(svg);
        EXPECT_NE(drawing.find("a &lt;small&gt; test"), std::string::npos);
        EXPECT_NE(drawing.find("epoch (1 to 3)"), std::string::npos);
        EXPECT_EQ(count_of(drawing, "<polyline"), 4u);  // loss and accuracy, train and validation
        EXPECT_EQ(plot.history().size(), 3u);
        EXPECT_FALSE(std::filesystem::exists(svg.string() + ".partial"));
    }

    std::vector<precast::epoch_report> two_epochs()
    {
        precast::epoch_report a;
        a.epoch = 1;
        a.epochs = 2;
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

    TEST(observers, csv_and_svg_hold_the_numbers_where_worked_out_by_hand)
    {
        const auto csv = scratch("exact.csv");
        {
            precast::csv_log log(csv);
            for (const auto& e : two_epochs())
            {
                log.on_epoch(e);
            }
        }
        EXPECT_EQ(read_file(csv),
                  "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds\n1,0.5,0.75,0.625,0.7,1.5\n2,0.25,0.875,0.375,0.8,1.25\n");

        const std::string svg = precast::render_svg_plot(two_epochs(), "a <b> & c");
        EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
        EXPECT_NE(svg.find("a &lt;b&gt; &amp; c"), std::string::npos);
        // Loss panel: 0 .. 0.625 over 250 pixels; the train loss 0.5 at epoch 1 sits at x 0, y 250 - 0.8 * 250 = 50,
        // 0.25 at epoch 2 at x 380 (the panel's width), y 250 - 0.4 * 250 = 150.
        EXPECT_NE(svg.find("points=\"0,50 380,150\""), std::string::npos) << svg;
        // Accuracy panel: 0.7 .. 0.9 (rounded out to 0.05); validation 0.7 at y 250, 0.8 at y 125.
        EXPECT_NE(svg.find("points=\"0,250 380,125\""), std::string::npos) << svg;
        EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
    }

    TEST(observers, a_plot_without_validation_or_accuracy_draws_what_there_is)
    {
        std::vector<precast::epoch_report> history(2);
        history[0].epoch = 1;
        history[0].train.loss = 2.0;
        history[1].epoch = 2;
        history[1].train.loss = 1.0;
        const std::string drawing = precast::render_svg_plot(history, "regression");
        EXPECT_EQ(count_of(drawing, "<polyline"), 1u);  // the train loss only: accuracy is NaN, no validation set
        EXPECT_EQ(drawing.find("nan"), std::string::npos);
    }

    TEST(observers, unwritable_paths_are_refused_before_training_naming_the_path)
    {
        const auto missing = scratch("no/such/dir");
        EXPECT_EQ(precast_test::error_of([&] { precast::csv_log log(missing / "log.csv"); }),
                  "precast::csv_log: cannot write " + (missing / "log.csv").string() + ": the directory " + missing.string() + " does not exist");
        EXPECT_EQ(precast_test::error_of([&] { precast::svg_plot plot(missing / "plot.svg"); }),
                  "precast::svg_plot: cannot write " + (missing / "plot.svg").string() + ": the directory " + missing.string() + " does not exist");
        const auto directory = scratch("a_directory");
        std::filesystem::create_directories(directory);
        EXPECT_EQ(precast_test::error_of([&] { precast::csv_log log(directory); }),
                  "precast::csv_log: cannot write " + directory.string() + ": it is a directory");

        // Model files name the file asked for, not the temporary file written first.
        net_t net;
        EXPECT_EQ(precast_test::error_of([&] { precast::save_model(missing / "model.precast", net); }),
                  "precast: cannot write " + (missing / "model.precast").string() + ": the directory " + missing.string() + " does not exist");
        EXPECT_EQ(precast_test::error_of([&] { precast::save_model(directory, net); }), "precast: cannot write " + directory.string() + ": it is a directory");
    }
}
