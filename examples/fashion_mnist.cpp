// Fashion-MNIST: an MLP trained on the real data set, with progress, a CSV log, an SVG plot, the test accuracy
// and a confusion matrix; a trained model can be saved and evaluated again later (--save, --load). --help
// lists the options.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <string_view>
#include <utility>
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
        fashion::check_files(o);  // before reading any image: a bad --save, --log, --plot or --load fails now
        const auto scaling = precast::data::pixel_scaling::unit_interval;
        const fashion::data_source data{
            .training =
                [&] {
                    auto train = precast::data::load_idx_dataset<float>(fashion::idx_file(o.data, "train-images-idx3-ubyte"),
                                                                        fashion::idx_file(o.data, "train-labels-idx1-ubyte"), scaling);
                    precast::dataset<float> images = std::move(train.samples);
                    if (o.limit != 0 && o.limit < images.size())
                    {
                        std::vector<std::size_t> first(o.limit);
                        std::iota(first.begin(), first.end(), std::size_t{0});
                        images = images.subset(first);
                    }
                    std::printf("Fashion-MNIST: %zu training images (%.0f %% held out for validation)\n", images.size(), 100 * o.validation);
                    return images;
                },
            .test =
                [&] {
                    return precast::data::load_idx_dataset<float>(fashion::idx_file(o.data, "t10k-images-idx3-ubyte"), fashion::idx_file(o.data, "t10k-labels-idx1-ubyte"),
                                                                  scaling)
                        .samples;
                },
        };
        if (o.load.empty())
        {
            std::printf("MLP 784-%s-10 (ReLU, softmax cross-entropy), %s init, %s lr %g, batch %zu, %zu epochs, seed %llu, %d thread(s)\n",
                        o.architecture.c_str(), o.initializer.c_str(), o.optimizer.c_str(), o.learning_rate.value_or(fashion::default_learning_rate(o.optimizer)),
                        o.batch, o.epochs, static_cast<unsigned long long>(o.seed), o.threads);
        }
        else
        {
            std::printf("Fashion-MNIST: evaluating %s (MLP 784-%s-10) on the test images\n", o.load.c_str(), o.architecture.c_str());
        }
        std::fflush(stdout);
        const auto r = fashion::run_architecture(o, data, ::isatty(::fileno(stdout)) != 0, stdout);
        std::printf("test accuracy %.2f %% on %zu images, test loss %.4f\n%s", 100 * r.test.accuracy, r.test.samples, r.test.loss,
                    fashion::format_confusion(r.confusion).c_str());
        if (!o.log.empty())
        {
            std::printf("log: %s\n", o.log.c_str());
        }
        if (!o.plot.empty())
        {
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
