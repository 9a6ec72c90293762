// The pieces of examples/char_lm.cpp that tests can check: a character-level LSTM language model on real text.
//
//   network<tokens<steps, V>, embedding<V, 64>, lstm<H, stateful>, dense<V>>     characters in, next-character scores out
//
// The text (by default the English fortune files of Debian's `fortunes` package) becomes a vocabulary of its
// distinct bytes (at most V, the size compiled in) and a sequence of indices; the last part is held out for
// validation. Training is truncated backpropagation through time: the text is cut into B streams, and batch k
// holds window k (steps characters) of every stream, so the LSTM's state flows from one batch to the next
// (stateful) while gradients stop at the window's edge. The loss is softmax cross-entropy per character; bits
// per character = loss / ln 2. Sampling runs the trained model one character at a time (streaming_network),
// drawing each next character from softmax(scores / temperature).
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
#include <iterator>
#include <limits>
#include <memory>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <precast/io/model_file.hpp>
#include <precast/precast.hpp>
#include <precast/report.hpp>

#include "command_line.hpp"
#include "training_report.hpp"

namespace examples::char_lm
{
    // ---- the model -------------------------------------------------------------------------------------------------

    // Characters the model can know (its vocabulary and its output classes).
    inline constexpr std::size_t max_vocabulary = 128;

    // Each character becomes a learned vector of Embedding values (an embedding, not a one-hot vector: the LSTM's
    // input product then has 64 columns, not 128).
    template <std::size_t Steps, std::size_t Hidden, std::size_t V = max_vocabulary, std::size_t Embedding = 64>
    using language_model =
        precast::network<precast::tokens<Steps, V>, precast::embedding<V, Embedding>, precast::lstm<Hidden, precast::stateful>, precast::dense<V>>;

    // The program's model: windows of 64 characters, 256 LSTM units, 32 streams per batch.
    using model = language_model<64, 256>;
    inline constexpr std::size_t batch_size = 32;

    // ---- text and vocabulary ---------------------------------------------------------------------------------------

    class text_error : public std::runtime_error
    {
    public:
        using std::runtime_error::runtime_error;
    };

    inline std::string byte_name(unsigned char c)
    {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        if (c >= 0x20 && c < 0x7f)
        {
            return std::string("'") + static_cast<char>(c) + "' (" + hex + ")";
        }
        return std::string("byte ") + hex;
    }

    // The distinct bytes of a text, in byte order; index i is the model's class i.
    class vocabulary
    {
    public:
        vocabulary() { index_.fill(-1); }

        // Throws if the text has more distinct bytes than the model has classes.
        static vocabulary of(std::string_view text, std::size_t capacity)
        {
            std::array<bool, 256> seen{};
            for (const char c : text)
            {
                seen[static_cast<unsigned char>(c)] = true;
            }
            std::string chars;
            for (std::size_t b = 0; b < 256; ++b)
            {
                if (seen[b])
                {
                    chars += static_cast<char>(b);
                }
            }
            return from_characters(chars, capacity);
        }

        static vocabulary from_characters(std::string_view chars, std::size_t capacity)
        {
            if (chars.empty())
            {
                throw text_error("the vocabulary is empty");
            }
            if (chars.size() > capacity)
            {
                throw text_error("the text has " + std::to_string(chars.size()) + " distinct characters, more than the " + std::to_string(capacity) +
                                 " the model is compiled for (max_vocabulary in examples/char_lm.hpp)");
            }
            vocabulary v;
            v.chars_ = std::string(chars);
            for (std::size_t i = 0; i < chars.size(); ++i)
            {
                const auto c = static_cast<unsigned char>(chars[i]);
                if (v.index_[c] >= 0)
                {
                    throw text_error("the vocabulary lists " + byte_name(c) + " twice");
                }
                v.index_[c] = static_cast<int>(i);
            }
            return v;
        }

        [[nodiscard]] std::size_t size() const noexcept { return chars_.size(); }
        [[nodiscard]] const std::string& characters() const noexcept { return chars_; }
        [[nodiscard]] char character(std::size_t i) const { return chars_.at(i); }
        [[nodiscard]] bool contains(char c) const noexcept { return index_[static_cast<unsigned char>(c)] >= 0; }

        // `what` names the text in the error for a character the vocabulary does not have.
        [[nodiscard]] precast::label_type index(char c, std::string_view what = "the text") const
        {
            const int i = index_[static_cast<unsigned char>(c)];
            if (i < 0)
            {
                throw text_error("the character " + byte_name(static_cast<unsigned char>(c)) + " of " + std::string(what) +
                                 " is not in the model's vocabulary (the characters of the text it was trained on)");
            }
            return static_cast<precast::label_type>(i);
        }

        [[nodiscard]] std::vector<precast::label_type> encode(std::string_view text, std::string_view what = "the text") const
        {
            std::vector<precast::label_type> ids;
            ids.reserve(text.size());
            for (const char c : text)
            {
                ids.push_back(index(c, what));
            }
            return ids;
        }

    private:
        std::string chars_;
        std::array<int, 256> index_{};
    };

    // A text file's bytes; missing, unreadable, empty and binary files are errors that say so. Text is any
    // encoding of bytes (ASCII, UTF-8, Latin-1); binary is a NUL byte, or control characters other than tab,
    // newline, carriage return, backspace and bell in more than 1 % of the bytes.
    inline std::string read_text_file(const std::filesystem::path& path)
    {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
        {
            throw text_error(path.string() + ": no such file");
        }
        if (std::filesystem::is_directory(path, ec))
        {
            throw text_error(path.string() + ": is a directory");
        }
        std::ifstream in(path, std::ios::binary);
        if (!in)
        {
            throw text_error(path.string() + ": cannot be opened for reading");
        }
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (in.bad())
        {
            throw text_error(path.string() + ": read error");
        }
        if (bytes.empty())
        {
            throw text_error(path.string() + ": the file is empty");
        }
        std::size_t controls = 0;
        for (std::size_t i = 0; i < bytes.size(); ++i)
        {
            const auto c = static_cast<unsigned char>(bytes[i]);
            if (c == 0)
            {
                throw text_error(path.string() + ": looks like binary data, not text (a NUL byte at offset " + std::to_string(i) + ")");
            }
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\b' && c != '\a')
            {
                ++controls;
            }
        }
        if (controls * 100 > bytes.size())
        {
            throw text_error(path.string() + ": looks like binary data, not text (" + std::to_string(controls) + " control bytes in " +
                             std::to_string(bytes.size()) + ")");
        }
        std::erase(bytes, '\r');
        return bytes;
    }

    // The fortune files separate entries with lines holding only "%": those lines go, the entries stay.
    inline std::string without_fortune_separators(const std::string& text)
    {
        std::string out;
        out.reserve(text.size());
        std::size_t start = 0;
        while (start < text.size())
        {
            std::size_t end = text.find('\n', start);
            end = end == std::string::npos ? text.size() : end + 1;
            const std::string_view line(text.data() + start, end - start);
            if (line != "%\n" && line != "%")
            {
                out.append(line);
            }
            start = end;
        }
        return out;
    }

    // A file, or every text file of a directory in name order (the fortune directory: its .dat indexes and .u8
    // copies skipped), without fortune separators.
    inline std::string load_corpus(const std::filesystem::path& path)
    {
        std::error_code ec;
        if (!std::filesystem::is_directory(path, ec))
        {
            return without_fortune_separators(read_text_file(path));
        }
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(path))
        {
            const auto extension = entry.path().extension();
            if (entry.is_regular_file() && extension != ".dat" && extension != ".u8")
            {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        if (files.empty())
        {
            throw text_error(path.string() + ": the directory has no text files");
        }
        std::string text;
        for (const auto& file : files)
        {
            text += without_fortune_separators(read_text_file(file));
        }
        return text;
    }

    // ---- the command line ------------------------------------------------------------------------------------------

    struct options
    {
        std::filesystem::path data = "/usr/share/games/fortunes";
        std::size_t limit = 0;     // use the first `limit` characters only (0: all)
        double validation = 0.05;  // the last 5 % of the text
        std::size_t epochs = 2;
        double seconds = 0;            // stop training after this much wall time (0: no limit), at the end of a batch
        double learning_rate = 0.004;  // Adam, gradients clipped to a global norm of 5
        std::uint64_t seed = 1;
        int threads = 1;
        std::filesystem::path log;
        std::filesystem::path plot;
        std::filesystem::path save;
        std::filesystem::path load;  // sample from this model instead of training
        std::size_t sample = 400;    // characters to sample after training (0: none)
        double temperature = 0.8;
        std::string prime = "\n";  // the text the sample continues
        bool help = false;
    };

    using examples::usage_error;

    inline std::string usage()
    {
        return "usage: char_lm [options]\n"
               "Trains a character-level LSTM language model (64-character windows, 256 units, 32 streams, truncated\n"
               "backpropagation through time) on a text, prints loss and bits per character, then samples from it.\n\n"
               "  --data PATH          a text file, or a directory of them (default /usr/share/games/fortunes)\n"
               "  --limit N            use the first N characters only\n"
               "  --validation F       the fraction at the end held out for validation (default 0.05)\n"
               "  --epochs N           default 2\n"
               "  --seconds S          stop training after S seconds of wall time (at the end of a batch)\n"
               "  --lr RATE            Adam's learning rate (default 0.004)\n"
               "  --seed N             initialization and sampling (default 1)\n"
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

    // The options on the command line, over `defaults` (char_gpt's differ).
    inline options parse_command_line(std::span<const std::string_view> arguments, const options& defaults = {})
    {
        options o = defaults;
        for (const std::string_view argument : arguments)
        {
            if (argument == "--help" || argument == "-h")
            {
                o.help = true;
                return o;  // --help anywhere wins
            }
        }
        for (std::size_t i = 0; i < arguments.size(); ++i)
        {
            std::string_view flag = arguments[i];
            std::string_view value;
            bool has_value = false;
            if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos)
            {
                value = flag.substr(eq + 1);
                flag = flag.substr(0, eq);
                has_value = true;
            }
            static constexpr std::array<std::string_view, 15> known{"--data", "--limit", "--validation",  "--epochs", "--seconds",
                                                                    "--lr",   "--seed",  "--threads",     "--log",    "--plot",
                                                                    "--save", "--load",  "--temperature", "--prime",  "--sample"};
            if (std::find(known.begin(), known.end(), flag) == known.end())
            {
                throw usage_error("unknown option " + std::string(flag) + " (--help lists them)");
            }
            if (!has_value)
            {
                if (i + 1 >= arguments.size())
                {
                    throw usage_error(std::string(flag) + " needs a value");
                }
                value = arguments[++i];
            }
            if (flag == "--data")
            {
                o.data = value;
            }
            else if (flag == "--limit")
            {
                o.limit = parse_count(flag, value, 0, 1e12);
            }
            else if (flag == "--validation")
            {
                o.validation = parse_number(flag, value);
                if (!(o.validation > 0.0 && o.validation < 0.5))
                {
                    throw usage_error("--validation needs a fraction above 0 and below 0.5, not " + std::string(value));
                }
            }
            else if (flag == "--epochs")
            {
                o.epochs = parse_count(flag, value, 1, 1000);
            }
            else if (flag == "--seconds")
            {
                o.seconds = parse_number(flag, value);
                if (!(o.seconds > 0.0))
                {
                    throw usage_error("--seconds needs a positive number, not " + std::string(value));
                }
            }
            else if (flag == "--lr")
            {
                o.learning_rate = parse_number(flag, value);
                if (!(o.learning_rate > 0.0))
                {
                    throw usage_error("--lr needs a positive number, not " + std::string(value));
                }
            }
            else if (flag == "--seed")
            {
                o.seed = parse_count(flag, value, 0, 9.007199254740992e15);
            }
            else if (flag == "--threads")
            {
                o.threads = static_cast<int>(parse_count(flag, value, 1, 256));
            }
            else if (flag == "--log")
            {
                o.log = value;
            }
            else if (flag == "--plot")
            {
                o.plot = value;
            }
            else if (flag == "--save")
            {
                o.save = value;
            }
            else if (flag == "--load")
            {
                o.load = value;
            }
            else if (flag == "--sample")
            {
                o.sample = parse_count(flag, value, 0, 1e9);
            }
            else if (flag == "--temperature")
            {
                o.temperature = parse_number(flag, value);
                if (!(o.temperature > 0.0))
                {
                    throw usage_error("--temperature needs a number above 0, not " + std::string(value));
                }
            }
            else  // --prime
            {
                if (value.empty())
                {
                    throw usage_error("--prime needs at least one character");
                }
                o.prime = value;
            }
        }
        return o;
    }

    // ---- training --------------------------------------------------------------------------------------------------

    // Index sequences cut into B streams of windows of Steps characters: window k of stream b is batch k's row b.
    template <std::size_t Steps, std::size_t B>
    class stream_batches
    {
    public:
        explicit stream_batches(const std::vector<precast::label_type>& ids, const char* part) : ids_(ids)
        {
            stream_length_ = ids.empty() ? 0 : (ids.size() - 1) / B;
            windows_ = stream_length_ / Steps;
            if (windows_ == 0)
            {
                throw text_error(std::string("the ") + part + " text has " + std::to_string(ids.size()) + " characters, too few for " + std::to_string(B) +
                                 " streams of at least one window of " + std::to_string(Steps) + " (it needs " + std::to_string(B * Steps + 1) + ")");
            }
        }

        [[nodiscard]] std::size_t windows() const noexcept { return windows_; }

        // Window k: the characters into x ([B][Steps], as the network's input values) and the next characters into
        // labels ([B * Steps]).
        void load(std::size_t k, precast::batch_view<float, B, precast::shape<Steps>> x, std::span<precast::label_type, B * Steps> labels) const noexcept
        {
            for (std::size_t b = 0; b < B; ++b)
            {
                const std::size_t first = b * stream_length_ + k * Steps;
                for (std::size_t t = 0; t < Steps; ++t)
                {
                    x(b, t) = static_cast<float>(ids_[first + t]);
                    labels[b * Steps + t] = ids_[first + t + 1];
                }
            }
        }

    private:
        const std::vector<precast::label_type>& ids_;
        std::size_t stream_length_ = 0;
        std::size_t windows_ = 0;
    };

    inline double bits_per_character(double loss) noexcept
    {
        return loss / std::numbers::ln2;
    }

    // Loss and accuracy (next character right) of the model over a text, streams carried from window to window.
    template <class Net, std::size_t B>
    precast::evaluation evaluate(Net& net, const std::vector<precast::label_type>& ids)
    {
        constexpr std::size_t S = Net::input_shape::size;
        const stream_batches<S, B> batches(ids, "validation");
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        std::array<precast::label_type, B * S> labels{};
        net.reset_state(*ws);
        const precast::softmax_cross_entropy loss;
        double sum = 0;
        precast::decision_count decisions;
        for (std::size_t k = 0; k < batches.windows(); ++k)
        {
            batches.load(k, ws->input(), labels);
            const auto y = precast::loss_rows<precast::target_kind::labels>(net.forward(*ws, precast::mode::inference));
            sum += static_cast<double>(loss.value(y, std::span<const precast::label_type, B * S>(labels), B * S));
            const auto d = loss.count_correct(y, std::span<const precast::label_type, B * S>(labels), B * S);
            decisions.correct += d.correct;
            decisions.total += d.total;
        }
        precast::evaluation e;
        e.loss = sum / static_cast<double>(batches.windows());
        e.accuracy = static_cast<double>(decisions.correct) / static_cast<double>(decisions.total);
        e.samples = batches.windows() * B * S;
        return e;
    }

    // What train() reports as it goes: after each batch (window), and after each epoch.
    struct batch_progress
    {
        std::size_t epoch = 0;
        std::size_t window = 0;  // from 1
        std::size_t windows = 0;
        double loss = 0;
    };

    template <class Net, std::size_t B, class Observer>
    std::vector<precast::epoch_report> train(Net& net, const std::vector<precast::label_type>& train_ids,
                                             const std::vector<precast::label_type>& validation_ids, const options& o, Observer&& observer)
    {
        constexpr std::size_t S = Net::input_shape::size;
        using optimizer_type = precast::clip_by_global_norm<precast::adam>;
        const stream_batches<S, B> batches(train_ids, "training");
        (void)stream_batches<S, B>(validation_ids, "validation");  // too short a validation part fails before training
        precast::trainer<B, Net, precast::softmax_cross_entropy, optimizer_type> t(net, {}, optimizer_type(precast::adam(o.learning_rate), 5.0));
        std::array<precast::label_type, B * S> labels{};
        std::vector<precast::epoch_report> history;
        const auto began = std::chrono::steady_clock::now();
        bool out_of_time = false;
        for (std::size_t epoch = 1; epoch <= o.epochs && !out_of_time; ++epoch)
        {
            const auto start = std::chrono::steady_clock::now();
            t.reset_state();
            double sum = 0;
            precast::decision_count decisions;
            std::size_t done = 0;
            for (std::size_t k = 0; k < batches.windows() && !out_of_time; ++k)
            {
                batches.load(k, t.workspace().input(), labels);
                const std::span<const precast::label_type, B * S> targets(labels);
                const double value = t.step(targets);
                sum += value;
                const auto d =
                    precast::softmax_cross_entropy{}.count_correct(precast::loss_rows<precast::target_kind::labels>(t.workspace().output()), targets, B * S);
                decisions.correct += d.correct;
                decisions.total += d.total;
                observer.on_batch(batch_progress{epoch, k + 1, batches.windows(), value});
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

    // One line per epoch; on a terminal also a bar that moves with the batches.
    struct progress_printer
    {
        bool terminal = false;
        std::size_t epochs = 0;
        std::FILE* out = stdout;
        std::chrono::steady_clock::time_point epoch_start = std::chrono::steady_clock::now();
        std::chrono::steady_clock::time_point last_draw{};

        void on_batch(const batch_progress& b)
        {
            if (b.window == 1)
            {
                epoch_start = std::chrono::steady_clock::now();
            }
            if (!terminal)
            {
                return;
            }
            const auto now = std::chrono::steady_clock::now();
            if (b.window != b.windows && now - last_draw < std::chrono::milliseconds(100))
            {
                return;
            }
            last_draw = now;
            const double elapsed = std::chrono::duration<double>(now - epoch_start).count();
            const double eta = elapsed / static_cast<double>(b.window) * static_cast<double>(b.windows - b.window);
            const std::size_t filled = 30 * b.window / b.windows;
            std::fprintf(out, "\r  epoch %zu/%zu [%s%s] %zu/%zu  loss %.3f (%.2f bits/char)  ETA %.0f s   ", b.epoch, epochs, std::string(filled, '=').c_str(),
                         std::string(30 - filled, ' ').c_str(), b.window, b.windows, b.loss, bits_per_character(b.loss), eta);
            std::fflush(out);
        }
        void on_epoch(const precast::epoch_report& e)
        {
            std::fprintf(out,
                         "%sepoch %zu/%zu  train %.3f bits/char  validation %.3f bits/char (loss %.4f), next character right %.1f %%  %.0f chars/s  %.1f s\n",
                         terminal ? "\r" : "", e.epoch, epochs, bits_per_character(e.train.loss), bits_per_character(e.validation.loss), e.validation.loss,
                         100 * e.validation.accuracy, static_cast<double>(e.train.samples) / e.seconds, e.seconds);
            std::fflush(out);
        }
    };

    inline std::string csv_log(const std::vector<precast::epoch_report>& history)
    {
        std::ostringstream out;
        out << "epoch,train_loss,train_bits_per_char,validation_loss,validation_bits_per_char,validation_accuracy,seconds\n";
        for (const auto& e : history)
        {
            out << e.epoch << ',' << e.train.loss << ',' << bits_per_character(e.train.loss) << ',' << e.validation.loss << ','
                << bits_per_character(e.validation.loss) << ',' << e.validation.accuracy << ',' << e.seconds << '\n';
        }
        return out.str();
    }

    // ---- sampling --------------------------------------------------------------------------------------------------

    // What char_lm's and char_gpt's samplers check before they run.
    inline void check_sampling(std::string_view prime, double temperature)
    {
        if (!(temperature > 0.0))
        {
            char shown[32];
            std::snprintf(shown, sizeof shown, "%g", temperature);
            throw std::invalid_argument(std::string("the sampling temperature must be above 0, not ") + shown);
        }
        if (prime.empty())
        {
            throw std::invalid_argument("the text to continue (the prime) is empty");
        }
    }

    // A class drawn from softmax(scores / temperature) over the first p.size() scores (p: scratch of that size).
    inline std::size_t draw(const float* scores, double temperature, precast::random_engine& rng, std::vector<double>& p)
    {
        double high = -std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < p.size(); ++c)
        {
            high = std::max(high, static_cast<double>(scores[c]) / temperature);
        }
        double total = 0;
        for (std::size_t c = 0; c < p.size(); ++c)
        {
            p[c] = std::exp(static_cast<double>(scores[c]) / temperature - high);
            total += p[c];
        }
        double r = rng.uniform() * total;
        std::size_t next = 0;
        while (next + 1 < p.size() && r >= p[next])
        {
            r -= p[next];
            ++next;
        }
        return next;
    }

    // n characters continuing prime, each drawn from softmax(scores / temperature) over the vocabulary.
    template <class Net>
    std::string sample(const Net& net, const vocabulary& v, std::string_view prime, std::size_t n, double temperature, std::uint64_t seed)
    {
        check_sampling(prime, temperature);
        const auto prime_ids = v.encode(prime, "the prime text");
        auto stream = std::make_unique<precast::streaming_network<Net>>(net);
        const float* scores = nullptr;
        const auto feed = [&](precast::label_type id) { scores = stream->step(id).data(); };
        for (const auto id : prime_ids)
        {
            feed(id);
        }
        precast::random_engine rng(seed);
        std::vector<double> p(v.size());
        std::string text;
        for (std::size_t i = 0; i < n; ++i)
        {
            const std::size_t next = draw(scores, temperature, rng, p);
            text += v.character(next);
            feed(static_cast<precast::label_type>(next));
        }
        return text;
    }

    // ---- saving ------------------------------------------------------------------------------------------------------

    inline std::filesystem::path vocabulary_path(const std::filesystem::path& model_path)
    {
        return model_path.string() + ".vocabulary";
    }

    template <class Net>
    void save(const std::filesystem::path& path, const Net& net, const vocabulary& v)
    {
        precast::save_model(path, net);
        write_text(vocabulary_path(path), v.characters());
    }

    // The vocabulary saved beside a model; checks both files before anything is read.
    inline vocabulary load_vocabulary(const std::filesystem::path& model_path)
    {
        std::error_code ec;
        if (!std::filesystem::exists(model_path, ec))
        {
            throw text_error(model_path.string() + ": no such model file");
        }
        const auto path = vocabulary_path(model_path);
        if (!std::filesystem::exists(path, ec))
        {
            throw text_error(path.string() + ": no such file (char_lm saves the vocabulary beside the model; copy both)");
        }
        std::ifstream in(path, std::ios::binary);
        const std::string chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return vocabulary::from_characters(chars, max_vocabulary);
    }
}
