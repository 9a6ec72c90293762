// The pieces of examples/fashion_mnist.cpp that tests can check: the command line, the architectures, the
// training run with its progress, the confusion matrix, the CSV log and the SVG plot.
#pragma once

#include <algorithm>
#include <array>
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
#include <precast/report.hpp>

#include "command_line.hpp"
#include "training_report.hpp"

#if defined(PRECAST_EXAMPLE_WITH_MPI)
#include <chrono>
#include <precast/mpi.hpp>
#endif

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
        bool distributed = false;      // data-parallel over the MPI processes (--batch is then the global batch)
        bool help = false;
    };

    inline constexpr std::array<const char*, 6> architectures{"256-256", "256-256-dropout", "512-512-512-512", "512-512-512-512-dropout", "256-residual-256",
                                                              "cnn"};
    inline constexpr std::array<std::size_t, 3> batch_sizes{32, 64, 128};

    inline std::string usage()
    {
        std::string text = "usage: fashion_mnist [options]\n"
                           "Trains an MLP on Fashion-MNIST, prints the loss, validation accuracy and speed per epoch, then the test\n"
                           "accuracy and the confusion matrix.\n\n"
                           "  --data DIR           the IDX files (default /usr/share/datasets/fashion-mnist)\n"
                           "  --arch NAME          hidden layers: 256-256 (default), 256-256-dropout, 512-512-512-512,\n"
                           "                       512-512-512-512-dropout (dropout 0.2 after each hidden layer),\n"
                           "                       256-residual-256 (a residual block of two 256-unit layers after the first),\n"
                           "                       cnn (two 3 x 3 convolution + 2 x 2 max-pooling stages, 32 and 64 filters,\n"
                           "                       then a 128-unit layer and dropout 0.3)\n"
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
                           "  --distributed        data-parallel training over the processes of `mpirun -np P`: --batch is the\n"
                           "                       global batch (32, 64 or 128 per process); only process 0 prints and writes\n"
                           "  --help               this text\n";
        return text;
    }

    using examples::usage_error;

    // What --arch names, as the program prints it.
    inline std::string model_name(const std::string& architecture)
    {
        if (architecture == "cnn")
        {
            return "CNN 28x28x1-conv32-pool-conv64-pool-128-10";
        }
        return "MLP 784-" + architecture + "-10";
    }

    inline constexpr std::array<std::string_view, 17> flags{"--data",  "--arch", "--optimizer", "--lr",    "--init",       "--epochs",
                                                            "--batch", "--seed", "--threads",   "--limit", "--validation", "--log",
                                                            "--plot",  "--save", "--load",      "--help",  "--distributed"};

    // Flags take their value as the next argument or after '=' (--epochs 5, --epochs=5); --help anywhere wins.
    inline options parse_command_line(std::span<const std::string_view> arguments)
    {
        options o;
        if (std::any_of(arguments.begin(), arguments.end(), [](std::string_view a) { return a == "--help" || a == "-h"; }))
        {
            o.help = true;
            return o;
        }
        for (std::size_t i = 0; i < arguments.size(); ++i)
        {
            std::string_view flag = arguments[i];
            if (!flag.starts_with("--"))
            {
                throw usage_error("unexpected argument \"" + std::string(flag) + "\"");
            }
            std::optional<std::string_view> attached;
            if (const auto equals = flag.find('='); equals != std::string_view::npos)
            {
                attached = flag.substr(equals + 1);
                flag = flag.substr(0, equals);
            }
            if (std::find(flags.begin(), flags.end(), flag) == flags.end())
            {
                throw usage_error("unknown option \"" + std::string(flag) + "\" (--help lists them)");
            }
            if (flag == "--distributed")
            {
                if (attached)
                {
                    throw usage_error("--distributed takes no value");
                }
                o.distributed = true;
                continue;
            }
            if (!attached && i + 1 >= arguments.size())
            {
                throw usage_error(std::string(flag) + " needs a value");
            }
            const std::string_view value = attached ? *attached : arguments[++i];
            if (value.empty())
            {
                throw usage_error(std::string(flag) + " needs a value");
            }
            if (flag == "--data")
            {
                o.data = std::string(value);
            }
            else if (flag == "--arch")
            {
                if (std::find(architectures.begin(), architectures.end(), value) == architectures.end())
                {
                    throw usage_error("--arch must be 256-256, 256-256-dropout, 512-512-512-512, 512-512-512-512-dropout, 256-residual-256 or cnn, not \"" +
                                      std::string(value) + "\"");
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
            else
            {
                o.load = std::string(value);
            }
        }
        if (!o.load.empty() && (!o.save.empty() || !o.log.empty() || !o.plot.empty()))
        {
            throw usage_error("--load evaluates a saved model without training; --save, --log and --plot need a training run");
        }
        if (!o.load.empty() && o.distributed)
        {
            throw usage_error("--load evaluates a saved model on one process; --distributed is for training");
        }
        if (!o.distributed && std::find(batch_sizes.begin(), batch_sizes.end(), o.batch) == batch_sizes.end())
        {
            throw usage_error("--batch must be 32, 64 or 128 (the sizes compiled in), not " + std::to_string(o.batch));
        }
        return o;
    }

    // The batch of each process: --batch, or with --distributed --batch split over the processes, which must
    // give a compiled size.
    inline std::size_t batch_per_process(const options& o, std::size_t processes)
    {
        if (o.batch % processes != 0 || std::find(batch_sizes.begin(), batch_sizes.end(), o.batch / processes) == batch_sizes.end())
        {
            throw usage_error("--batch " + std::to_string(o.batch) + " on " + std::to_string(processes) +
                              " processes: each process's share must be 32, 64 or 128 (the sizes compiled in), so --batch must be one of " +
                              std::to_string(32 * processes) + ", " + std::to_string(64 * processes) + " or " + std::to_string(128 * processes));
        }
        return o.batch / processes;
    }

    // Before any data is read: every file the run will write can be written, and a model to load can be read.
    inline void check_files(const options& o)
    {
        for (const auto& [flag, path] : {std::pair<const char*, const std::filesystem::path&>{"--save", o.save}, {"--log", o.log}, {"--plot", o.plot}})
        {
            if (!path.empty())
            {
                if (const std::string problem = precast::why_not_writable(path); !problem.empty())
                {
                    throw usage_error(std::string(flag) + " " + path.string() + ": " + problem);
                }
            }
        }
        if (!o.load.empty())
        {
            std::error_code error;
            if (!std::filesystem::is_regular_file(o.load, error))
            {
                throw usage_error("--load " + o.load.string() + ": " + (std::filesystem::exists(o.load, error) ? "not a file" : "no such file"));
            }
        }
    }

    // An IDX file of the data directory, as Debian ships it (gzip) or unpacked (plain): precast reads both.
    inline std::filesystem::path idx_file(const std::filesystem::path& directory, const std::string& name)
    {
        std::error_code error;
        for (const auto& candidate : {directory / name, directory / (name + ".gz")})
        {
            if (std::filesystem::is_regular_file(candidate, error))
            {
                return candidate;
            }
        }
        throw std::runtime_error("no " + name + " or " + name + ".gz in " + directory.string() +
                                 " (--data names the directory of the Fashion-MNIST IDX files)");
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

}

namespace examples::fashion
{
    // ---- the processes ---------------------------------------------------------------------------------------

#if defined(PRECAST_EXAMPLE_WITH_MPI)
    // One process, or with --distributed every process of MPI_COMM_WORLD: a gradient_reducer of the example's own,
    // so that both runs use one trainer type (one compiled trainer per network and batch size, not two). It also
    // counts what it exchanges and the time spent in the exchange, for the summary line.
    class process_group
    {
    public:
        process_group() = default;
        explicit process_group(precast::mpi_allreduce group) : group_(group) {}

        [[nodiscard]] std::size_t rank() const noexcept { return group_ ? group_->rank() : 0; }
        [[nodiscard]] std::size_t size() const noexcept { return group_ ? group_->size() : 1; }
        template <class T>
        void sum(std::span<T> values)
        {
            if (group_)
            {
                const auto start = std::chrono::steady_clock::now();
                group_->sum(values);
                seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                bytes_ += values.size_bytes();
            }
        }
        template <class T>
        void broadcast(std::span<T> values, std::size_t root)
        {
            if (group_)
            {
                group_->broadcast(values, root);
            }
        }
        void all_gather(std::uint64_t value, std::span<std::uint64_t> out)
        {
            if (group_)
            {
                group_->all_gather(value, out);
            }
            else
            {
                out[0] = value;
            }
        }
        void broadcast_text(std::string& text, std::size_t root)
        {
            if (group_)
            {
                group_->broadcast_text(text, root);
            }
        }
        // Summed over this process's steps: bytes it sent into sums, and seconds it spent in them.
        [[nodiscard]] std::size_t bytes_summed() const noexcept { return bytes_; }
        [[nodiscard]] double seconds_summing() const noexcept { return seconds_; }

    private:
        std::optional<precast::mpi_allreduce> group_;
        std::size_t bytes_ = 0;
        double seconds_ = 0.0;
    };
#else
    using process_group = precast::no_reduction;
#endif

    // ---- the networks ----------------------------------------------------------------------------------------
    using precast::dense;
    using precast::dropout;
    using precast::input;
    using precast::network;
    using precast::relu;
    using mlp_256_256 = network<input<784>, dense<256>, relu, dense<256>, relu, dense<10>>;
    using mlp_256_256_dropout = network<input<784>, dense<256>, relu, dropout<0.2>, dense<256>, relu, dropout<0.2>, dense<10>>;
    using mlp_512x4 = network<input<784>, dense<512>, relu, dense<512>, relu, dense<512>, relu, dense<512>, relu, dense<10>>;
    // A residual MLP: 784 -> 256, then h + W2 relu(W1 h) (a skip connection around two 256-unit layers), as the
    // blocks of a ResNet.
    using mlp_256_residual_256 = network<input<784>, dense<256>, relu, precast::residual<dense<256>, relu, dense<256>>, relu, dense<10>>;
    // A CNN in the usual Keras-tutorial shape: two stages of a 3 x 3 convolution (same padding) + ReLU + 2 x 2 max
    // pooling, 28 x 28 x 1 -> 14 x 14 x 32 -> 7 x 7 x 64, then a 128-unit layer and dropout 0.3.
    using cnn = network<input<784>, precast::reshape_to<28, 28, 1>, precast::conv2d<32, 3, precast::same>, relu, precast::max_pool2d<2>,
                        precast::conv2d<64, 3, precast::same>, relu, precast::max_pool2d<2>, precast::flatten, dense<128>, relu, dropout<0.3>, dense<10>>;
    using mlp_512x4_dropout = network<input<784>, dense<512>, relu, dropout<0.2>, dense<512>, relu, dropout<0.2>, dense<512>, relu, dropout<0.2>, dense<512>,
                                      relu, dropout<0.2>, dense<10>>;

    struct run_result
    {
        std::vector<precast::epoch_report> history;
        precast::evaluation test;
        confusion_matrix confusion{};
        bool trained = false;
        std::size_t steps = 0;
        double exchanged_bytes_per_step = 0;  // with --distributed: by each process, into the sums
        double exchange_seconds = 0;          // with --distributed: process 0's time in the sums
    };

    // Where the images come from: read when the run needs them (a --load run never reads the training images, and
    // reads the test images only once the model file has loaded).
    struct data_source
    {
        std::function<precast::dataset<float>()> training;
        std::function<precast::dataset<float>()> test;
    };

    // What the program shows and writes while it trains: the progress (a live bar on a terminal), and the CSV
    // log and SVG plot when asked for, each written as every epoch ends.
    struct run_observer
    {
        precast::progress_bar progress;
        std::optional<precast::csv_log> log;
        std::optional<precast::svg_plot> plot;

        void on_batch(const precast::batch_report& b) { progress.on_batch(b); }
        void on_epoch(const precast::epoch_report& e)
        {
            progress.on_epoch(e);
            if (log)
            {
                log->on_epoch(e);
            }
            if (plot)
            {
                plot->on_epoch(e);
            }
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
        std::array<precast::label_type, B> labels{};
        std::size_t correct = 0;
        double loss = 0;
        for (std::size_t first = 0; first < test.size(); first += B)
        {
            const std::size_t rows = std::min(B, test.size() - first);
            for (std::size_t i = 0; i < rows; ++i)
            {
                std::copy_n(test.features(first + i).data(), 784, ws->input().data() + i * 784);
                labels[i] = test.label(first + i);
            }
            const auto y = net.forward(*ws);
            const auto predicted = precast::argmax<1>(y);
            loss += static_cast<double>(precast::softmax_cross_entropy{}.value(y, std::span<const precast::label_type, B>(labels), rows)) *
                    static_cast<double>(rows);
            for (std::size_t i = 0; i < rows; ++i)
            {
                correct += predicted(i) == labels[i] ? std::size_t{1} : std::size_t{0};
                ++r.confusion[labels[i]][predicted(i)];
            }
        }
        r.test.samples = test.size();
        r.test.accuracy = static_cast<double>(correct) / static_cast<double>(test.size());
        r.test.loss = loss / static_cast<double>(test.size());
    }

    // Trains (or loads) Net with batch size B as the options say, then tests it.
    // Trains (or loads) Net with batch size B per process as the options say, then tests it. With several
    // processes, only process 0 reports, writes files and tests (the others return an empty result).
    template <class Net, std::size_t B>
    run_result run(const options& o, const data_source& data, bool terminal, std::FILE* out, process_group group = {})
    {
        run_result r;
        const bool first_process = group.rank() == 0;
        auto net = make_network<Net>(o.initializer, o.seed);
        if (!o.load.empty())
        {
            precast::load_model(o.load, *net);  // a wrong file fails here, before any image is read
        }
        else
        {
            const precast::dataset<float> training_images = data.training();
            precast::set_threads(o.threads);
            const auto [validation, training] = training_images.split(o.validation, o.seed);
            const double lr = o.learning_rate.value_or(default_learning_rate(o.optimizer));
            precast::trainer<B, Net, precast::softmax_cross_entropy, precast::any_optimizer, process_group> t(
                *net, {}, precast::any_optimizer::named(o.optimizer, lr), std::move(group));
            run_observer observer{.progress = precast::progress_bar(out, terminal), .log = std::nullopt, .plot = std::nullopt};
            if (!o.log.empty() && first_process)
            {
                observer.log.emplace(o.log);
            }
            if (!o.plot.empty() && first_process)
            {
                observer.plot.emplace(o.plot, "Fashion-MNIST, " + model_name(o.architecture) + ", " + o.optimizer + ", " + o.initializer + " init");
            }
            r.history = t.fit(training, {.epochs = o.epochs, .seed = o.seed, .validation = validation}, observer);
            r.trained = true;
            r.steps = t.steps();
#if defined(PRECAST_EXAMPLE_WITH_MPI)
            r.exchanged_bytes_per_step = static_cast<double>(t.reducer().bytes_summed()) / static_cast<double>(t.steps());
            r.exchange_seconds = t.reducer().seconds_summing();
#endif
            if (!o.save.empty() && first_process)
            {
                precast::save_model(o.save, *net);
            }
        }
        if (first_process)
        {
            test_network<B>(*net, data.test(), r);
        }
        return r;
    }

    template <class Net>
    run_result run_with_batch(const options& o, const data_source& data, bool terminal, std::FILE* out, process_group group)
    {
        switch (batch_per_process(o, group.size()))
        {
        case 32:
            return run<Net, 32>(o, data, terminal, out, std::move(group));
        case 64:
            return run<Net, 64>(o, data, terminal, out, std::move(group));
        default:
            return run<Net, 128>(o, data, terminal, out, std::move(group));
        }
    }

    // A template only so that a file including this header compiles the fifteen trainers only if it calls it.
    template <class = void>
    run_result run_architecture(const options& o, const data_source& data, bool terminal, std::FILE* out, process_group group = {})
    {
        if (o.architecture == "256-256-dropout")
        {
            return run_with_batch<mlp_256_256_dropout>(o, data, terminal, out, std::move(group));
        }
        if (o.architecture == "512-512-512-512")
        {
            return run_with_batch<mlp_512x4>(o, data, terminal, out, std::move(group));
        }
        if (o.architecture == "512-512-512-512-dropout")
        {
            return run_with_batch<mlp_512x4_dropout>(o, data, terminal, out, std::move(group));
        }
        if (o.architecture == "256-residual-256")
        {
            return run_with_batch<mlp_256_residual_256>(o, data, terminal, out, std::move(group));
        }
        if (o.architecture == "cnn")
        {
            return run_with_batch<cnn>(o, data, terminal, out, std::move(group));
        }
        return run_with_batch<mlp_256_256>(o, data, terminal, out, std::move(group));
    }
}
