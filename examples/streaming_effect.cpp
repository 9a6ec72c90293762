// A real-time audio effect learned from examples, then run one sample at a time: a temporal convolution network
// (causal, dilated conv1d in residual blocks with batch norm and PReLU, the shape of TCN amp and effect models)
// learns a nonlinear filter (a soft-clipping drive of the input mixed with two of its past samples) from a
// synthetic signal, and streaming_network runs it sample by sample, as an audio callback would.
//
//   streaming_effect [--epochs N] [--seed S]
//
// Prints the training progress, the error-to-signal ratio (ESR, the usual measure for amp models: the error's
// energy over the target's) on a signal it never saw, whether streaming gives what the whole-sequence pass gives,
// and the time per sample (median, 99th percentile and worst over 48000 samples, each with one clock read). Exits non-zero if the model did
// not learn (validation ESR above 5 %) or if streaming differs.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <precast/network/streaming_network.hpp>
#include <precast/precast.hpp>

#include "command_line.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): example brevity

    constexpr std::size_t sequence_length = 128;  // samples per training window
    constexpr std::size_t channels = 12;
    template <std::size_t Dilation>
    using causal_block = residual<conv1d<channels, 3, causal, dilation<Dilation>, no_bias>, batch_norm<>, prelu<per_channel>>;
    // Receptive field: 1 + 2 (1 + 2 + 4 + 8) = 31 samples.
    using effect =
        network<input_of<shape<sequence_length, 1>>, conv1d<channels, 1>, causal_block<1>, causal_block<2>, causal_block<4>, causal_block<8>, dense<1>>;

    // A guitar-like test signal: three partials of a note that changes every 2000 samples, with a decaying envelope.
    std::vector<float> source_signal(std::size_t samples, std::uint64_t seed)
    {
        random_engine rng(seed);
        std::vector<float> x(samples);
        double f = 0;
        double amplitude = 0;
        double phase = 0;
        for (std::size_t t = 0; t < samples; ++t)
        {
            if (t % 2000 == 0)
            {
                f = rng.uniform(80.0, 700.0) / 48000.0;
                amplitude = rng.uniform(0.2, 1.0);
            }
            const double envelope = amplitude * std::exp(-static_cast<double>(t % 2000) / 1500.0);
            phase += 2 * std::numbers::pi * f;
            x[t] = static_cast<float>(envelope * (0.6 * std::sin(phase) + 0.3 * std::sin(2 * phase + 0.4) + 0.1 * std::sin(3 * phase + 1.1)) +
                                      0.005 * rng.uniform(-1.0, 1.0));
        }
        return x;
    }

    // The effect to learn: drive = x[t] + 0.5 x[t - 3] - 0.25 x[t - 7], then 0.5 tanh(4 drive).
    std::vector<float> target_signal(const std::vector<float>& x)
    {
        std::vector<float> y(x.size());
        for (std::size_t t = 0; t < x.size(); ++t)
        {
            const double drive = x[t] + 0.5 * (t >= 3 ? x[t - 3] : 0.0f) - 0.25 * (t >= 7 ? x[t - 7] : 0.0f);
            y[t] = static_cast<float>(0.5 * std::tanh(4.0 * drive));
        }
        return y;
    }

    // Windows of `sequence_length` samples every `hop`, with the target at every step.
    dataset<float> windows(const std::vector<float>& x, const std::vector<float>& y, std::size_t hop)
    {
        std::vector<float> features;
        std::vector<float> targets;
        for (std::size_t start = 0; start + sequence_length <= x.size(); start += hop)
        {
            features.insert(features.end(), x.begin() + static_cast<std::ptrdiff_t>(start), x.begin() + static_cast<std::ptrdiff_t>(start + sequence_length));
            targets.insert(targets.end(), y.begin() + static_cast<std::ptrdiff_t>(start), y.begin() + static_cast<std::ptrdiff_t>(start + sequence_length));
        }
        return dataset<float>::with_targets(std::move(features), sequence_length, std::move(targets), sequence_length);
    }

    // Runs the stream over the whole signal: the error-to-signal ratio of its output, and the time of each step.
    double stream_signal(streaming_network<effect>& stream, const std::vector<float>& x, const std::vector<float>& y, std::vector<double>& nanoseconds)
    {
        double error = 0;
        double energy = 0;
        nanoseconds.resize(x.size());
        stream.reset();
        for (std::size_t t = 0; t < x.size(); ++t)
        {
            const auto start = std::chrono::steady_clock::now();
            const float out = stream.step(std::span<const float, 1>(&x[t], 1))[0];
            nanoseconds[t] = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
            error += (out - y[t]) * static_cast<double>(out - y[t]);
            energy += y[t] * static_cast<double>(y[t]);
        }
        return error / energy;
    }
}

int main(int argc, char** argv)
{
    std::size_t epochs = 12;
    std::uint64_t seed = 1;
    try
    {
        for (int i = 1; i < argc; ++i)
        {
            const std::string_view flag = argv[i];
            if (flag == "--help")
            {
                std::printf("usage: streaming_effect [--epochs N] [--seed S]\n");
                return EXIT_SUCCESS;
            }
            if (i + 1 >= argc)
            {
                throw examples::usage_error(std::string(flag) + " needs a value (see --help)");
            }
            if (flag == "--epochs")
            {
                epochs = examples::parse_count(flag, argv[++i], 1, 10000);
            }
            else if (flag == "--seed")
            {
                seed = examples::parse_count(flag, argv[++i], 0, 1e15);
            }
            else
            {
                throw examples::usage_error("unknown option " + std::string(flag) + " (see --help)");
            }
        }
    }
    catch (const examples::usage_error& e)
    {
        std::fprintf(stderr, "streaming_effect: %s\n", e.what());
        return 2;
    }

    const auto train_x = source_signal(96000, seed);
    const auto train_y = target_signal(train_x);
    const auto valid_x = source_signal(48000, seed + 1000);
    const auto valid_y = target_signal(valid_x);
    const auto train_set = windows(train_x, train_y, sequence_length / 2);
    const auto valid_set = windows(valid_x, valid_y, sequence_length);
    std::printf("a %zu-layer TCN (%zu parameters, %zu running statistics), %zu training windows of %zu samples\n", effect::depth, effect::parameter_count,
                effect::statistic_count, train_set.size(), sequence_length);

    auto net = std::make_unique<effect>(he_normal{}, seed);
    trainer<16, effect, mean_squared_error, adam> training(*net, {}, adam(0.003));
    const auto start = std::chrono::steady_clock::now();
    training.fit(train_set, {.epochs = epochs, .seed = seed, .validation = valid_set}, [](const epoch_report& r) {
        std::printf("epoch %2zu  training loss %.3e  validation loss %.3e  (%.1f s)\n", r.epoch, r.train.loss, r.validation.loss, r.seconds);
    });
    std::printf("trained in %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

    // Sample by sample, as an audio callback runs it: batch_norm folded into the convolutions, nothing allocated.
    streaming_network<effect> stream(*net);
    std::vector<double> nanoseconds;
    const double esr = stream_signal(stream, valid_x, valid_y, nanoseconds);

    // The whole-sequence pass (inference mode) on the first window gives the same outputs, step for step.
    auto ws = std::make_unique<effect::workspace<1>>();
    const auto whole = net->forward(batch_view<const float, 1, shape<sequence_length, 1>>(valid_x.data()), *ws);
    stream.reset();
    double largest = 0;
    for (std::size_t t = 0; t < sequence_length; ++t)
    {
        largest = std::max(largest, static_cast<double>(std::fabs(stream.step(std::span<const float, 1>(&valid_x[t], 1))[0] - whole.data()[t])));
    }

    std::sort(nanoseconds.begin(), nanoseconds.end());
    const auto percentile = [&](double p) { return nanoseconds[static_cast<std::size_t>(p * static_cast<double>(nanoseconds.size() - 1))]; };
    std::printf("validation ESR, streamed sample by sample: %.2f %%\n", 100.0 * esr);
    std::printf("streaming against the whole-sequence pass over %zu samples: largest difference %.2e\n", sequence_length, largest);
    std::printf("time per sample over %zu samples: median %.0f ns, 99th percentile %.0f ns, worst %.0f ns (a 48 kHz stream has 20833 ns)\n", nanoseconds.size(),
                percentile(0.5), percentile(0.99), nanoseconds.back());
    const bool learned = esr < 0.05;
    const bool streams = largest < 1e-5;
    std::printf("%s\n", learned && streams ? "ok" : (!learned ? "NOT LEARNED: ESR above 5 %" : "STREAMING DIFFERS"));
    return learned && streams ? EXIT_SUCCESS : EXIT_FAILURE;
}
