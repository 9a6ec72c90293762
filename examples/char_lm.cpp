// A character-level LSTM language model on real text (by default the English fortune files of Debian's
// `fortunes` package): truncated backpropagation through time over 32 streams, loss and bits per character per
// epoch, a CSV log and an SVG plot, --save/--load, and sampling with a temperature (char_lm.hpp). --help lists
// the options.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "char_lm.hpp"

int main(int argc, char** argv)
{
    namespace lm = examples::char_lm;
    try
    {
        const std::vector<std::string_view> arguments(argv + 1, argv + argc);
        const lm::options o = lm::parse_command_line(arguments);
        if (o.help)
        {
            std::fputs(lm::usage().c_str(), stdout);
            return EXIT_SUCCESS;
        }
        precast::set_threads(o.threads);
        auto net = std::make_unique<lm::model>(precast::glorot_uniform{}, o.seed);
        lm::vocabulary v;
        if (!o.load.empty())
        {
            v = lm::load_vocabulary(o.load);
            precast::load_model(o.load, *net);
            std::printf("char_lm: %s (LSTM 256, %zu characters in its vocabulary)\n", o.load.c_str(), v.size());
        }
        else
        {
            if (!o.save.empty())  // fail before training, not after
            {
                const auto directory = std::filesystem::absolute(o.save).parent_path();
                if (!std::filesystem::is_directory(directory))
                {
                    throw lm::text_error("cannot save to " + o.save.string() + ": the directory " + directory.string() + " does not exist");
                }
            }
            std::string text = lm::load_corpus(o.data);
            if (o.limit != 0 && o.limit < text.size())
            {
                text.resize(o.limit);
            }
            v = lm::vocabulary::of(text, lm::max_vocabulary);
            const auto ids = v.encode(text);
            const std::size_t split = ids.size() - static_cast<std::size_t>(static_cast<double>(ids.size()) * o.validation);
            const std::vector<precast::label_type> train_ids(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(split));
            const std::vector<precast::label_type> validation_ids(ids.begin() + static_cast<std::ptrdiff_t>(split), ids.end());
            std::printf("char_lm: %s, %zu characters (%zu distinct); %zu for training, %zu held out for validation\n", o.data.c_str(), text.size(), v.size(),
                        train_ids.size(), validation_ids.size());
            std::printf("network<tokens<64, %zu>, embedding<%zu, 64>, lstm<256, stateful>, dense<%zu>>, %zu parameters; 32 streams, windows of 64 "
                        "characters, Adam %g (global norm clipped to 5), %zu epochs, seed %llu, %d thread(s)\n",
                        lm::max_vocabulary, lm::max_vocabulary, lm::max_vocabulary, lm::model::parameter_count, o.learning_rate, o.epochs,
                        static_cast<unsigned long long>(o.seed), o.threads);
            lm::progress_printer progress;
            progress.terminal = ::isatty(::fileno(stdout)) != 0;
            progress.epochs = o.epochs;
            const auto history = lm::train<lm::model, lm::batch_size>(*net, train_ids, validation_ids, o, progress);
            if (!o.log.empty())
            {
                examples::write_text(o.log, lm::csv_log(history));
                std::printf("log: %s\n", o.log.c_str());
            }
            if (!o.plot.empty())
            {
                examples::write_text(o.plot, precast::render_svg_plot(history, "char_lm: LSTM 256 on " + o.data.filename().string() +
                                                                                   ", loss (nats per character) and accuracy"));
                std::printf("plot: %s\n", o.plot.c_str());
            }
            if (!o.save.empty())
            {
                lm::save(o.save, *net, v);
                std::printf("model saved: %s (vocabulary: %s)\n", o.save.c_str(), lm::vocabulary_path(o.save).c_str());
            }
        }
        if (o.sample > 0)
        {
            std::printf("sample (%zu characters, temperature %g, seed %llu):\n", o.sample, o.temperature, static_cast<unsigned long long>(o.seed));
            const std::string text = lm::sample(*net, v, o.prime, o.sample, o.temperature, o.seed);
            std::printf("%s%s\n", o.prime == "\n" ? "" : o.prime.c_str(), text.c_str());
        }
        return EXIT_SUCCESS;
    }
    catch (const lm::usage_error& e)
    {
        std::fprintf(stderr, "char_lm: %s\n", e.what());
        return 2;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "char_lm: %s\n", e.what());
        return EXIT_FAILURE;
    }
}
