// Fashion-MNIST: an MLP trained on the real data set, with progress, a CSV log, an SVG plot, the test accuracy
// and a confusion matrix; a trained model can be saved and evaluated again later (--save, --load). With
// --distributed, under `mpirun -np P`, the training is data-parallel over the P processes. --help lists the
// options.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include "fashion_mnist.hpp"

namespace
{
    namespace fashion = examples::fashion;

    int run_program(const fashion::options& o, fashion::process_group group)
    {
        const bool first_process = group.rank() == 0;
        const std::size_t processes = group.size();
        if (o.distributed)
        {
            (void)fashion::batch_per_process(o, processes);  // a --batch that does not split fails before any image is read
        }
        // Before reading any image: a bad --save, --log, --plot or --load fails now. Only process 0 writes; its
        // failure alone must end every process (mpi_session::run does, for an error that is not a usage_error).
        if (first_process)
        {
            try
            {
                fashion::check_files(o);
            }
            catch (const fashion::usage_error& e)
            {
                if (!o.distributed)
                {
                    throw;
                }
                throw std::runtime_error(e.what());
            }
        }
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
                    if (first_process)
                    {
                        std::printf("Fashion-MNIST: %zu training images (%.0f %% held out for validation)\n", images.size(), 100 * o.validation);
                    }
                    return images;
                },
            .test =
                [&] {
                    return precast::data::load_idx_dataset<float>(fashion::idx_file(o.data, "t10k-images-idx3-ubyte"),
                                                                  fashion::idx_file(o.data, "t10k-labels-idx1-ubyte"), scaling)
                        .samples;
                },
        };
        if (o.load.empty() && first_process)
        {
            std::printf("%s (ReLU, softmax cross-entropy), %s init, %s lr %g, batch %zu, %zu epochs, seed %llu, %d thread(s)",
                        fashion::model_name(o.architecture).c_str(), o.initializer.c_str(), o.optimizer.c_str(),
                        o.learning_rate.value_or(fashion::default_learning_rate(o.optimizer)), o.batch, o.epochs, static_cast<unsigned long long>(o.seed),
                        o.threads);
            if (o.distributed)
            {
                std::printf(" per process; %zu processes, batch %zu each", processes, o.batch / processes);
            }
            std::printf("\n");
        }
        else if (first_process)
        {
            std::printf("Fashion-MNIST: evaluating %s (%s) on the test images\n", o.load.c_str(), fashion::model_name(o.architecture).c_str());
        }
        std::fflush(stdout);
        const auto r = fashion::run_architecture(o, data, first_process && ::isatty(::fileno(stdout)) != 0, stdout, std::move(group));
        if (!first_process)
        {
            return EXIT_SUCCESS;
        }
        if (o.distributed)
        {
            std::printf("exchanged %.2f MB per step by each process (the gradients and a 40-byte status), %.1f %% of process 0's time in the "
                        "exchange (%.3f ms per step)\n",
                        r.exchanged_bytes_per_step / 1e6,
                        100 * r.exchange_seconds /
                            std::accumulate(r.history.begin(), r.history.end(), 0.0, [](double s, const precast::epoch_report& e) { return s + e.seconds; }),
                        1e3 * r.exchange_seconds / static_cast<double>(r.steps));
        }
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
}

int main(int argc, char** argv)
{
    fashion::options o;
    try
    {
        const std::vector<std::string_view> arguments(argv + 1, argv + argc);
        o = fashion::parse_command_line(arguments);
        if (o.help)
        {
            std::fputs(fashion::usage().c_str(), stdout);
            return EXIT_SUCCESS;
        }
        if (!o.distributed)
        {
            return run_program(o, {});
        }
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
#if defined(PRECAST_EXAMPLE_WITH_MPI)
    // Every process runs the same program; an error that is every process's (a bad option) is printed once, and
    // any other one ends the whole job (mpi_session::run).
    precast::mpi_session mpi(argc, argv);
    return mpi.run([&] {
        try
        {
            return run_program(o, fashion::process_group(precast::mpi_allreduce()));
        }
        catch (const fashion::usage_error& e)
        {
            if (mpi.rank() == 0)
            {
                std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
            }
            return 2;
        }
    });
#else
    std::fprintf(stderr, "fashion_mnist: --distributed needs a build with MPI (apt-get install libopenmpi-dev openmpi-bin, then reconfigure)\n");
    return 2;
#endif
}
