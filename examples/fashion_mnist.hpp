// The pieces of examples/fashion_mnist.cpp that tests can check: the command line, the architectures, the
// training run with its progress, the confusion matrix, the CSV log and the SVG plot.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <precast/data/idx.hpp>
#include <precast/io/model_file.hpp>
#include <precast/precast.hpp>

#include "command_line.hpp"
#include "training_report.hpp"

namespace examples::fashion
{
    inline constexpr std::array<const char*, 10> class_names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

    // ---- the command line ------------------------------------------------------------------------------------

    struct options
    {
        std::filesystem::path data = "/usr/share/datasets/fashion-mnist";
        std::string architecture = "256-256";
        std::string optimizer = "adam";
        std::optional<double> learning_rate;  // the optimizer's usual rate when not given
        std::string initializer = "xavier";
        std::size_t epochs = 10;
        std::size_t batch = 128;
        std::uint64_t seed = 1;
        int threads = 1;
        double validation = 1.0 / 12;  // of the 60000 training images: 5000
        std::size_t limit = 0;         // train on the first `limit` images only (0: all)
        std::filesystem::path log;     // CSV, one line per epoch
        std::filesystem::path plot;    // SVG
        std::filesystem::path save;    // the trained model
        std::filesystem::path load;    // evaluate this model instead of training
        bool help = false;
    };

    inline constexpr std::array<const char*, 4> architectures{"256-256", "256-256-dropout", "512-512-512-512", "512-512-512-512-dropout"};
    inline constexpr std::array<std::size_t, 3> batch_sizes{32, 64, 128};

    inline std::string usage()
    {
        std::string text =
            "usage: fashion_mnist [options]\n"
            "Trains an MLP on Fashion-MNIST, prints the loss, validation accuracy and speed per epoch, then the test\n"
            "accuracy and the confusion matrix.\n\n"
            "  --data DIR           the IDX files (default /usr/share/datasets/fashion-mnist)\n"
            "  --arch NAME          hidden layers: 256-256 (default), 256-256-dropout, 512-512-512-512,\n"
            "                       512-512-512-512-dropout (dropout 0.2 after each hidden layer)\n"
            "  --optimizer NAME     one of: " +
            precast::any_optimizer::names() +
            " (default adam)\n"
            "  --lr RATE            learning rate (default: the optimizer's usual one)\n"
            "  --init NAME          normal (N(0, 1), as the teaching material), xavier (default), he\n"
            "  --epochs N           default 10\n"
            "  --batch N            32, 64 or 128 (default)\n"
            "  --seed N             initialization, dropout and shuffling (default 1)\n"
            "  --threads N          threads for the large products (default 1)\n"
            "  --validation F       fraction of the training images held out (default 0.0833: 5000)\n"
            "  --limit N            train on the first N training images only\n"
            "  --log FILE.csv       write one line per epoch\n"
            "  --plot FILE.svg      draw loss and accuracy per epoch\n"
            "  --save FILE          save the trained model\n"
            "  --load FILE          evaluate a saved model on the test set instead of training (give the\n"
            "                       --arch it was trained with; another architecture is refused)\n"
            "  --help               this text\n";
        return text;
    }

    using examples::usage_error;

    inline options parse_command_line(std::span<const std::string_view> arguments)
    {
        options o;
        for (std::size_t i = 0; i < arguments.size(); ++i)
        {
            const std::string_view flag = arguments[i];
            if (flag == "--help" || flag == "-h")
            {
                o.help = true;
                continue;
            }
            if (i + 1 >= arguments.size())
            {
                throw usage_error(flag.starts_with("--") ? std::string(flag) + " needs a value" : "unexpected argument \"" + std::string(flag) + "\"");
            }
            const std::string_view value = arguments[++i];
            if (flag == "--data")
            {
                o.data = std::string(value);
            }
            else if (flag == "--arch")
            {
                if (std::find(architectures.begin(), architectures.end(), value) == architectures.end())
                {
                    throw usage_error("--arch must be 256-256, 256-256-dropout, 512-512-512-512 or 512-512-512-512-dropout, not \"" + std::string(value) + "\"");
                }
                o.architecture = std::string(value);
            }
            else if (flag == "--optimizer")
            {
                const auto names = precast::any_optimizer::names();
                if ((", " + names + ", ").find(", " + std::string(value) + ", ") == std::string::npos)
                {
                    throw usage_error("--optimizer must be one of " + names + ", not \"" + std::string(value) + "\"");
                }
                o.optimizer = std::string(value);
            }
            else if (flag == "--lr")
            {
                o.learning_rate = parse_number(flag, value);
                if (!(*o.learning_rate > 0))
                {
                    throw usage_error("--lr must be positive, not " + std::string(value));
                }
            }
            else if (flag == "--init")
            {
                if (value != "normal" && value != "xavier" && value != "he")
                {
                    throw usage_error("--init must be normal, xavier or he, not \"" + std::string(value) + "\"");
                }
                o.initializer = std::string(value);
            }
            else if (flag == "--epochs")
            {
                o.epochs = parse_count(flag, value, 1, 1000);
            }
            else if (flag == "--batch")
            {
                o.batch = parse_count(flag, value, 1, 1 << 20);
                if (std::find(batch_sizes.begin(), batch_sizes.end(), o.batch) == batch_sizes.end())
                {
                    throw usage_error("--batch must be 32, 64 or 128 (the sizes compiled in), not " + std::string(value));
                }
            }
            else if (flag == "--seed")
            {
                o.seed = parse_count(flag, value, 0, 9e15);
            }
            else if (flag == "--threads")
            {
                o.threads = static_cast<int>(parse_count(flag, value, 1, 256));
            }
            else if (flag == "--validation")
            {
                o.validation = parse_number(flag, value);
                if (!(o.validation > 0 && o.validation < 1))
                {
                    throw usage_error("--validation must be a fraction between 0 and 1, not " + std::string(value));
                }
            }
            else if (flag == "--limit")
            {
                o.limit = parse_count(flag, value, 100, 60000);
            }
            else if (flag == "--log")
            {
                o.log = std::string(value);
            }
            else if (flag == "--plot")
            {
                o.plot = std::string(value);
            }
            else if (flag == "--save")
            {
                o.save = std::string(value);
            }
            else if (flag == "--load")
            {
                o.load = std::string(value);
            }
            else
            {
                throw usage_error("unknown option \"" + std::string(flag) + "\" (--help lists them)");
            }
        }
        return o;
    }

    // The usual learning rate of each optimizer for this problem (what --lr overrides).
    inline double default_learning_rate(std::string_view optimizer)
    {
        if (optimizer == "gradient_descent" || optimizer == "proximal_gradient_descent" || optimizer == "ftrl")
        {
            return 0.1;
        }
        if (optimizer == "momentum" || optimizer == "nesterov_momentum" || optimizer == "adagrad" || optimizer == "proximal_adagrad" ||
            optimizer == "adagrad_da")
        {
            return 0.02;
        }
        if (optimizer == "adadelta")
        {
            return 1.0;
        }
        if (optimizer == "adamax" || optimizer == "nadam")
        {
            return 0.002;
        }
        return 0.001;  // adam, adamw, rmsprop
    }

    // ---- reports ---------------------------------------------------------------------------------------------

    // counts[actual][predicted]
    using confusion_matrix = std::array<std::array<std::size_t, 10>, 10>;

    inline std::string format_confusion(const confusion_matrix& m)
    {
        std::ostringstream out;
        out << "confusion matrix (rows: actual class, columns: predicted)\n" << std::string(14, ' ');
        for (std::size_t c = 0; c < 10; ++c)
        {
            out << (c == 0 ? "" : " ") << std::string(5 - std::to_string(c).size(), ' ') << c;
        }
        out << '\n';
        for (std::size_t a = 0; a < 10; ++a)
        {
            std::string name = std::to_string(a) + " " + class_names[a];
            name.resize(14, ' ');
            out << name;
            for (std::size_t p = 0; p < 10; ++p)
            {
                const std::string v = std::to_string(m[a][p]);
                out << (p == 0 ? "" : " ") << std::string(v.size() < 5 ? 5 - v.size() : 0, ' ') << v;
            }
            out << '\n';
        }
        return out.str();
    }

    inline std::string csv_log(const std::vector<precast::epoch_report>& history)
    {
        std::ostringstream out;
        out << "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds\n";
        for (const auto& e : history)
        {
            out << e.epoch << ',' << e.train.loss << ',' << e.train.accuracy << ',' << e.validation.loss << ',' << e.validation.accuracy << ','
                << e.seconds << '\n';
        }
        return out.str();
    }

    using examples::svg_plot;
    using examples::write_text;
}

namespace examples::fashion
{
    // ---- the networks ----------------------------------------------------------------------------------------
    using precast::dense;
    using precast::dropout;
    using precast::input;
    using precast::network;
    using precast::relu;
    using mlp_256_256 = network<input<784>, dense<256>, relu, dense<256>, relu, dense<10>>;
    using mlp_256_256_dropout = network<input<784>, dense<256>, relu, dropout<0.2>, dense<256>, relu, dropout<0.2>, dense<10>>;
    using mlp_512x4 = network<input<784>, dense<512>, relu, dense<512>, relu, dense<512>, relu, dense<512>, relu, dense<10>>;
    using mlp_512x4_dropout = network<input<784>, dense<512>, relu, dropout<0.2>, dense<512>, relu, dropout<0.2>, dense<512>, relu, dropout<0.2>, dense<512>,
                                      relu, dropout<0.2>, dense<10>>;

    struct run_result
    {
        std::vector<precast::epoch_report> history;
        precast::evaluation test;
        confusion_matrix confusion{};
        bool trained = false;
    };

    // What the program shows while it trains: a live bar on a terminal, one line per epoch otherwise.
    struct progress_printer
    {
        bool terminal = false;
        std::size_t epochs = 0;
        std::size_t samples_per_epoch = 0;
        std::FILE* out = stdout;
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
        std::chrono::steady_clock::time_point epoch_start = start;
        std::chrono::steady_clock::time_point last_draw{};

        void on_batch(const precast::batch_report& b)
        {
            if (b.batch == 1)
            {
                epoch_start = std::chrono::steady_clock::now();
            }
            if (!terminal)
            {
                return;
            }
            const auto now = std::chrono::steady_clock::now();
            if (b.batch != b.batches && now - last_draw < std::chrono::milliseconds(100))
            {
                return;
            }
            last_draw = now;
            const double elapsed = std::chrono::duration<double>(now - epoch_start).count();
            const double eta = elapsed / static_cast<double>(b.batch) * static_cast<double>(b.batches - b.batch);
            const std::size_t filled = 30 * b.batch / b.batches;
            std::fprintf(out, "\r  epoch %zu/%zu [%s%s] %zu/%zu batches  loss %.4f  ETA %.1f s   ", b.epoch, epochs, std::string(filled, '=').c_str(),
                         std::string(30 - filled, ' ').c_str(), b.batch, b.batches, b.loss, eta);
            std::fflush(out);
        }
        void on_epoch(const precast::epoch_report& e)
        {
            const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::fprintf(out, "%sepoch %zu/%zu  train loss %.4f  validation loss %.4f  accuracy %.2f %%  %.0f samples/s  %.1f s (total %.1f s)\n",
                         terminal ? "\r" : "", e.epoch, epochs, e.train.loss, e.validation.loss, 100 * e.validation.accuracy,
                         static_cast<double>(samples_per_epoch) / e.seconds, e.seconds, total);
            std::fflush(out);
        }
    };

    template <class Net>
    std::unique_ptr<Net> make_network(const std::string& initializer, std::uint64_t seed)
    {
        if (initializer == "normal")
        {
            return std::make_unique<Net>(precast::normal{0.0, 1.0}, seed);
        }
        if (initializer == "he")
        {
            return std::make_unique<Net>(precast::he_normal{}, seed);
        }
        return std::make_unique<Net>(precast::glorot_uniform{}, seed);
    }

    // Test-set accuracy, loss and confusion matrix of a trained network, in batches of B.
    template <std::size_t B, class Net>
    void test_network(Net& net, const precast::dataset<float>& test, run_result& r)
    {
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        std::size_t correct = 0;
        double loss = 0;
        for (std::size_t first = 0; first < test.size(); first += B)
        {
            const std::size_t rows = std::min(B, test.size() - first);
            for (std::size_t i = 0; i < rows; ++i)
            {
                std::copy_n(test.features(first + i).data(), 784, ws->input().data() + i * 784);
            }
            const auto y = net.forward(*ws);
            for (std::size_t i = 0; i < rows; ++i)
            {
                std::size_t best = 0;
                double biggest = y(i, 0);
                double sum = 0;
                for (std::size_t c = 0; c < 10; ++c)
                {
                    if (y(i, c) > biggest)
                    {
                        biggest = y(i, c);
                        best = c;
                    }
                }
                for (std::size_t c = 0; c < 10; ++c)
                {
                    sum += std::exp(static_cast<double>(y(i, c)) - biggest);
                }
                const std::size_t actual = test.label(first + i);
                loss += std::log(sum) + biggest - static_cast<double>(y(i, actual));  // softmax cross-entropy from the logits
                correct += best == actual ? 1 : 0;
                ++r.confusion[actual][best];
            }
        }
        r.test.samples = test.size();
        r.test.accuracy = static_cast<double>(correct) / static_cast<double>(test.size());
        r.test.loss = loss / static_cast<double>(test.size());
    }

    // Trains (or loads) Net with batch size B as the options say, then tests it.
    template <class Net, std::size_t B>
    run_result run(const options& o, const precast::dataset<float>& training_images, const precast::dataset<float>& test, bool terminal, std::FILE* out)
    {
        run_result r;
        auto net = make_network<Net>(o.initializer, o.seed);
        if (!o.load.empty())
        {
            precast::load_model(o.load, *net);
        }
        else
        {
            precast::set_threads(o.threads);
            const auto [validation, training] = training_images.split(o.validation, o.seed);
            const double lr = o.learning_rate.value_or(default_learning_rate(o.optimizer));
            precast::trainer<B, Net, precast::softmax_cross_entropy, precast::any_optimizer> t(*net, {}, precast::any_optimizer::named(o.optimizer, lr));
            progress_printer progress{.terminal = terminal, .epochs = o.epochs, .samples_per_epoch = training.size(), .out = out};
            r.history = t.fit(training, {.epochs = o.epochs, .seed = o.seed}, progress, &validation);
            r.trained = true;
            if (!o.save.empty())
            {
                precast::save_model(o.save, *net);
            }
        }
        test_network<B>(*net, test, r);
        return r;
    }

    template <class Net>
    run_result run_with_batch(const options& o, const precast::dataset<float>& training_images, const precast::dataset<float>& test, bool terminal,
                              std::FILE* out)
    {
        switch (o.batch)
        {
        case 32:
            return run<Net, 32>(o, training_images, test, terminal, out);
        case 64:
            return run<Net, 64>(o, training_images, test, terminal, out);
        default:
            return run<Net, 128>(o, training_images, test, terminal, out);
        }
    }

    // A template only so that a file including this header compiles the twelve trainers only if it calls it.
    template <class = void>
    run_result run_architecture(const options& o, const precast::dataset<float>& training_images, const precast::dataset<float>& test, bool terminal,
                                std::FILE* out)
    {
        if (o.architecture == "256-256-dropout")
        {
            return run_with_batch<mlp_256_256_dropout>(o, training_images, test, terminal, out);
        }
        if (o.architecture == "512-512-512-512")
        {
            return run_with_batch<mlp_512x4>(o, training_images, test, terminal, out);
        }
        if (o.architecture == "512-512-512-512-dropout")
        {
            return run_with_batch<mlp_512x4_dropout>(o, training_images, test, terminal, out);
        }
        return run_with_batch<mlp_256_256>(o, training_images, test, terminal, out);
    }
}
