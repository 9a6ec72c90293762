// Fashion-MNIST: an MLP trained on the real data set, with progress, a CSV log, an SVG plot, the test accuracy
// and a confusion matrix; a trained model can be saved and evaluated again later (--save, --load). --help
// lists the options.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "fashion_mnist.hpp"

int main(int argc, char** argv)
{
    namespace fashion = examples::fashion;
    try
    {
        const std::vector<std::string_view> arguments(argv + 1, argv + argc);
        const fashion::options o = fashion::parse_command_line(arguments);
        if (o.help)
        {
            std::fputs(fashion::usage().c_str(), stdout);
            return EXIT_SUCCESS;
        }
        const auto scaling = precast::data::pixel_scaling::unit_interval;
        auto train = precast::data::load_idx_dataset<float>(o.data / "train-images-idx3-ubyte.gz", o.data / "train-labels-idx1-ubyte.gz", scaling);
        const auto test = precast::data::load_idx_dataset<float>(o.data / "t10k-images-idx3-ubyte.gz", o.data / "t10k-labels-idx1-ubyte.gz", scaling);
        precast::dataset<float> training_images = train.samples;
        if (o.limit != 0 && o.limit < training_images.size())
        {
            std::vector<std::size_t> first(o.limit);
            std::iota(first.begin(), first.end(), std::size_t{0});
            training_images = training_images.subset(first);
        }
        const bool terminal = ::isatty(::fileno(stdout)) != 0;
        if (o.load.empty())
        {
            std::printf("Fashion-MNIST: %zu training images (%.0f %% held out for validation), %zu test images\n", training_images.size(), 100 * o.validation,
                        test.samples.size());
            std::printf("MLP 784-%s-10 (ReLU, softmax cross-entropy), %s init, %s lr %g, batch %zu, %zu epochs, seed %llu, %d thread(s)\n",
                        o.architecture.c_str(), o.initializer.c_str(), o.optimizer.c_str(), o.learning_rate.value_or(fashion::default_learning_rate(o.optimizer)),
                        o.batch, o.epochs, static_cast<unsigned long long>(o.seed), o.threads);
        }
        else
        {
            std::printf("Fashion-MNIST: evaluating %s (MLP 784-%s-10) on %zu test images\n", o.load.c_str(), o.architecture.c_str(), test.samples.size());
        }
        const auto r = fashion::run_architecture(o, training_images, test.samples, terminal, stdout);
        std::printf("test accuracy %.2f %%, test loss %.4f\n%s", 100 * r.test.accuracy, r.test.loss, fashion::format_confusion(r.confusion).c_str());
        if (!o.log.empty() && r.trained)
        {
            fashion::write_text(o.log, fashion::csv_log(r.history));
            std::printf("log: %s\n", o.log.c_str());
        }
        if (!o.plot.empty() && r.trained)
        {
            fashion::write_text(o.plot, fashion::svg_plot(r.history, "Fashion-MNIST, MLP 784-" + o.architecture + "-10, " + o.optimizer + ", " + o.initializer +
                                                                         " init"));
            std::printf("plot: %s\n", o.plot.c_str());
        }
        if (!o.save.empty())
        {
            std::printf("model saved: %s\n", o.save.c_str());
        }
        return EXIT_SUCCESS;
    }
    catch (const fashion::usage_error& e)
    {
        std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
        return 2;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
        return EXIT_FAILURE;
    }
}
