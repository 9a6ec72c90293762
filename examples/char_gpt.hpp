// The pieces of examples/char_gpt.cpp that tests can check: a character-level GPT on the same text, vocabulary and
// split as char_lm (char_lm.hpp: reading, the vocabulary, the command line, progress, saving).
//
//   network<tokens<64, V>, embedding<V, 128>, position_embedding<>,
//           residual<layer_norm<>, multi_head_attention<4, causal>>, residual<layer_norm<>, dense<512>, gelu<>, dense<128>>,   (x 2)
//           layer_norm<>, dense<V>>
//
// Training: each batch holds B windows of 64 characters at random places of the training text, and every position
// learns the character after it (causal attention: position t sees characters 0..t of its window). An epoch is as
// many characters as the training text holds. Validation: the held-out text in consecutive windows, every position
// scored, bits per character = loss / ln 2. Sampling runs the model one character at a time with its key/value cache
// (streaming_network); when the cache is full (64 characters), the last 32 are fed again and generation goes on.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "char_lm.hpp"

namespace examples::char_gpt
{
    using examples::char_lm::bits_per_character;
    using examples::char_lm::max_vocabulary;
    using examples::char_lm::options;
    using examples::char_lm::text_error;
    using examples::char_lm::vocabulary;

    // ---- the model -------------------------------------------------------------------------------------------------

    template <std::size_t Steps, std::size_t Width, std::size_t Heads, std::size_t V = max_vocabulary>
    using gpt = precast::network<precast::tokens<Steps, V>, precast::embedding<V, Width>, precast::position_embedding<>,
                                 precast::residual<precast::layer_norm<>, precast::multi_head_attention<Heads, precast::causal>>,
                                 precast::residual<precast::layer_norm<>, precast::dense<4 * Width>, precast::gelu<>, precast::dense<Width>>,
                                 precast::residual<precast::layer_norm<>, precast::multi_head_attention<Heads, precast::causal>>,
                                 precast::residual<precast::layer_norm<>, precast::dense<4 * Width>, precast::gelu<>, precast::dense<Width>>,
                                 precast::layer_norm<>, precast::dense<V>>;

    // The program's model: windows of 64 characters, width 128, 4 heads, 2 blocks; 32 windows per batch.
    using model = gpt<64, 128, 4>;
    inline constexpr std::size_t batch_size = 32;

    inline options default_options()
    {
        options o;
        o.learning_rate = 0.001;
        return o;
    }

    inline std::string usage()
    {
        return "usage: char_gpt [options]\n"
               "Trains a character-level GPT (2 pre-norm blocks of causal self-attention with 4 heads and a GELU MLP, width 128,\n"
               "windows of 64 characters, 32 per batch) on a text, prints loss and bits per character, then samples from it.\n\n"
               "  --data PATH          a text file, or a directory of them (default /usr/share/games/fortunes)\n"
               "  --limit N            use the first N characters only\n"
               "  --validation F       the fraction at the end held out for validation (default 0.05)\n"
               "  --epochs N           default 2 (an epoch: as many characters as the training text)\n"
               "  --seconds S          stop training after S seconds of wall time (at the end of a batch)\n"
               "  --lr RATE            Adam's learning rate (default 0.001)\n"
               "  --seed N             initialization, batches and sampling (default 1)\n"
               "  --threads N          threads for the large products (default 1)\n"
               "  --log FILE.csv       write one line per epoch\n"
               "  --plot FILE.svg      draw loss and accuracy per epoch\n"
               "  --save FILE          save the trained model (and FILE.vocabulary beside it)\n"
               "  --load FILE          sample from a saved model instead of training\n"
               "  --sample N           characters to sample (default 400; 0: none)\n"
               "  --temperature T      sampling temperature, > 0 (default 0.8; lower is more conservative)\n"
               "  --prime TEXT         the text the sample continues (default a newline)\n"
               "  --help               this text\n"
               "Flags take their value as the next argument or after '=' (--epochs=3).\n";
    }

    // ---- training --------------------------------------------------------------------------------------------------

    // Window w of a text: its Steps characters (as the network's input values) and the Steps after each.
    template <std::size_t Steps>
    void load_window(const std::vector<precast::label_type>& ids, std::size_t first, float* x, precast::label_type* labels) noexcept
    {
        for (std::size_t t = 0; t < Steps; ++t)
        {
            x[t] = static_cast<float>(ids[first + t]);
            labels[t] = ids[first + t + 1];
        }
    }

    // Loss and accuracy over a text in consecutive windows (each position scored with the window's earlier
    // characters as its context).
    template <class Net, std::size_t B>
    precast::evaluation evaluate(Net& net, const std::vector<precast::label_type>& ids)
    {
        constexpr std::size_t S = Net::input_shape::size;
        const std::size_t windows = ids.empty() ? 0 : (ids.size() - 1) / S;
        if (windows == 0)
        {
            throw text_error("the validation text has " + std::to_string(ids.size()) + " characters, too few for one window of " + std::to_string(S) +
                             " (it needs " + std::to_string(S + 1) + ")");
        }
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        std::array<precast::label_type, B * S> labels{};
        const precast::softmax_cross_entropy loss;
        double sum = 0;
        precast::decision_count decisions;
        for (std::size_t w = 0; w < windows; w += B)
        {
            const std::size_t rows = std::min(B, windows - w);
            for (std::size_t b = 0; b < B; ++b)
            {
                // Rows past the text repeat its first window; they are not counted.
                load_window<S>(ids, (b < rows ? w + b : 0) * S, ws->input().data() + b * S, labels.data() + b * S);
            }
            const auto y = precast::loss_rows<precast::target_kind::labels>(net.forward(*ws, precast::mode::inference));
            const std::span<const precast::label_type, B * S> targets(labels);
            sum += static_cast<double>(loss.value(y, targets, rows * S)) * static_cast<double>(rows * S);
            const auto d = loss.count_correct(y, targets, rows * S);
            decisions.correct += d.correct;
            decisions.total += d.total;
        }
        precast::evaluation e;
        e.loss = sum / static_cast<double>(windows * S);
        e.accuracy = static_cast<double>(decisions.correct) / static_cast<double>(decisions.total);
        e.samples = windows * S;
        return e;
    }

    template <class Net, std::size_t B, class Observer>
    std::vector<precast::epoch_report> train(Net& net, const std::vector<precast::label_type>& train_ids,
                                             const std::vector<precast::label_type>& validation_ids, const options& o, Observer&& observer)
    {
        constexpr std::size_t S = Net::input_shape::size;
        using optimizer_type = precast::clip_by_global_norm<precast::adam>;
        if (train_ids.size() < B * S + 1)
        {
            throw text_error("the training text has " + std::to_string(train_ids.size()) + " characters, too few for a batch of " + std::to_string(B) +
                             " windows of " + std::to_string(S) + " (it needs " + std::to_string(B * S + 1) + ")");
        }
        (void)evaluate<Net, B>(net, std::vector<precast::label_type>(
                                        validation_ids.begin(), validation_ids.begin() + static_cast<std::ptrdiff_t>(std::min(validation_ids.size(), S + 1))));
        precast::trainer<B, Net, precast::softmax_cross_entropy, optimizer_type> t(net, {}, optimizer_type(precast::adam(o.learning_rate), 1.0));
        const std::size_t batches = std::max<std::size_t>(1, (train_ids.size() - 1) / (B * S));
        precast::random_engine rng(o.seed);
        std::array<precast::label_type, B * S> labels{};
        std::vector<precast::epoch_report> history;
        const auto began = std::chrono::steady_clock::now();
        bool out_of_time = false;
        for (std::size_t epoch = 1; epoch <= o.epochs && !out_of_time; ++epoch)
        {
            const auto start = std::chrono::steady_clock::now();
            double sum = 0;
            precast::decision_count decisions;
            std::size_t done = 0;
            for (std::size_t k = 0; k < batches && !out_of_time; ++k)
            {
                for (std::size_t b = 0; b < B; ++b)
                {
                    const auto first = static_cast<std::size_t>(rng.below(train_ids.size() - S));
                    load_window<S>(train_ids, first, t.workspace().input().data() + b * S, labels.data() + b * S);
                }
                const std::span<const precast::label_type, B * S> targets(labels);
                const double value = t.step(targets);
                sum += value;
                const auto d =
                    precast::softmax_cross_entropy{}.count_correct(precast::loss_rows<precast::target_kind::labels>(t.workspace().output()), targets, B * S);
                decisions.correct += d.correct;
                decisions.total += d.total;
                observer.on_batch(char_lm::batch_progress{epoch, k + 1, batches, value});
                ++done;
                out_of_time = o.seconds > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count() >= o.seconds;
            }
            precast::epoch_report report;
            report.epoch = epoch;
            report.train.loss = sum / static_cast<double>(done);
            report.train.accuracy = static_cast<double>(decisions.correct) / static_cast<double>(decisions.total);
            report.train.samples = done * B * S;
            report.validation = evaluate<Net, B>(net, validation_ids);
            report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            history.push_back(report);
            observer.on_epoch(report);
        }
        return history;
    }

    // ---- sampling --------------------------------------------------------------------------------------------------

    // n characters continuing prime, each drawn from softmax(scores / temperature), the model run one character at
    // a time on its key/value cache; a full cache is refilled with the last half of the text so far.
    template <class Net>
    std::string sample(const Net& net, const vocabulary& v, std::string_view prime, std::size_t n, double temperature, std::uint64_t seed)
    {
        constexpr std::size_t S = Net::input_shape::size;
        char_lm::check_sampling(prime, temperature);
        const std::vector<precast::label_type> prime_ids = v.encode(prime, "the prime text");
        auto stream = std::make_unique<precast::streaming_network<Net>>(net);
        std::vector<precast::label_type> fed;  // what the cache holds, in order
        fed.reserve(S);
        const float* scores = nullptr;
        const auto feed = [&](precast::label_type id) {
            if (fed.size() == S)
            {
                // Full: start again from the last half.
                stream->reset();
                fed.erase(fed.begin(), fed.begin() + static_cast<std::ptrdiff_t>(S - S / 2));
                for (const auto kept : fed)
                {
                    static_cast<void>(stream->step(kept));
                }
            }
            scores = stream->step(id).data();
            fed.push_back(id);
        };
        for (const auto id : prime_ids)
        {
            feed(id);
        }
        precast::random_engine rng(seed);
        std::vector<double> p(v.size());
        std::string text;
        for (std::size_t i = 0; i < n; ++i)
        {
            const std::size_t next = char_lm::draw(scores, temperature, rng, p);
            text += v.character(next);
            feed(static_cast<precast::label_type>(next));
        }
        return text;
    }
}
