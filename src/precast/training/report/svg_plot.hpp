// svg_plot: a fit() observer that draws loss and accuracy against the epoch into an SVG file, redrawn whole as
// each epoch ends (open it in a browser while training runs). render_svg_plot(history, title) draws a finished
// fit()'s history. The file is written when the observer is made (an empty plot), so a path that cannot be
// written fails before training starts.
//
//   t.fit(data, {.epochs = 20, .validation = validation}, precast::observers(precast::progress_bar(), precast::svg_plot("run.svg", "my model")));
//
// Two panels: loss (train, and validation when there is a validation set) and accuracy (for losses that have
// one). Each panel's axis runs from its data's range, rounded outwards.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <precast/core/file_errors.hpp>
#include <precast/export.hpp>
#include <precast/training/observer.hpp>

namespace precast
{
    namespace detail
    {
        inline std::string svg_escaped(const std::string& text)
        {
            std::string escaped;
            for (const char c : text)
            {
                escaped += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
            }
            return escaped;
        }
    }

    PRECAST_EXPORT inline std::string render_svg_plot(const std::vector<epoch_report>& history, const std::string& title)
    {
        const double width = 900;
        const double height = 360;
        const double panel = 380;
        const double top = 50;
        const double plot_height = 250;
        std::ostringstream out;
        out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
        out << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
        out << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << detail::svg_escaped(title) << "</text>\n";
        const std::size_t n = history.size();
        const bool validated = std::any_of(history.begin(), history.end(), [](const epoch_report& e) { return e.validation.samples > 0; });

        // One panel: the train series and, with a validation set, the validation series; NaN points are left out.
        auto panel_of = [&](double left, const char* name, auto value, bool fraction) {
            double low = std::numeric_limits<double>::infinity();
            double high = -low;
            for (const auto& e : history)
            {
                for (int s = 0; s < (validated ? 2 : 1); ++s)
                {
                    const double v = value(e, s);
                    if (std::isfinite(v))
                    {
                        low = std::min(low, v);
                        high = std::max(high, v);
                    }
                }
            }
            if (!(low <= high))
            {
                return false;  // nothing to draw
            }
            if (fraction)
            {
                low = std::floor(low * 20) / 20;
                high = std::min(1.0, std::ceil(high * 20) / 20);
            }
            else
            {
                low = std::min(0.0, low);
            }
            if (!(high > low))
            {
                high = low + 1;
            }
            out << "<g transform=\"translate(" << left << "," << top << ")\">\n";
            out << "<rect width=\"" << panel << "\" height=\"" << plot_height << "\" fill=\"none\" stroke=\"#888\"/>\n";
            out << "<text x=\"" << panel / 2 << "\" y=\"-8\" text-anchor=\"middle\">" << name << "</text>\n";
            for (int tick = 0; tick <= 4; ++tick)
            {
                const double v = low + (high - low) * tick / 4.0;
                const double y = plot_height - plot_height * tick / 4.0;
                out << "<text x=\"-6\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << std::round(v * 1000) / 1000 << "</text>\n";
            }
            out << "<text x=\"" << panel / 2 << "\" y=\"" << plot_height + 30 << "\" text-anchor=\"middle\">epoch (1 to " << n << ")</text>\n";
            auto x_of = [&](std::size_t i) { return n <= 1 ? panel / 2 : panel * static_cast<double>(i) / static_cast<double>(n - 1); };
            auto y_of = [&](double v) { return plot_height - (v - low) / (high - low) * plot_height; };
            const char* colors[2] = {"#1f77b4", "#d62728"};
            const char* labels[2] = {"train", "validation"};
            for (int s = 0; s < (validated ? 2 : 1); ++s)
            {
                out << "<polyline fill=\"none\" stroke=\"" << colors[s] << "\" stroke-width=\"2\" points=\"";
                bool first = true;
                for (std::size_t i = 0; i < n; ++i)
                {
                    const double v = value(history[i], s);
                    if (std::isfinite(v))
                    {
                        out << (first ? "" : " ") << x_of(i) << ',' << y_of(v);
                        first = false;
                    }
                }
                out << "\"/>\n";
                out << "<text x=\"" << panel - 90 << "\" y=\"" << 18 + 16 * s << "\" fill=\"" << colors[s] << "\">" << labels[s] << "</text>\n";
            }
            out << "</g>\n";
            return true;
        };
        panel_of(70, "loss", [](const epoch_report& e, int s) { return s == 0 ? e.train.loss : e.validation.loss; }, false);
        panel_of(width / 2 + 50, "accuracy", [](const epoch_report& e, int s) { return s == 0 ? e.train.accuracy : e.validation.accuracy; }, true);
        out << "</svg>\n";
        return out.str();
    }

    PRECAST_EXPORT class svg_plot
    {
    public:
        explicit svg_plot(std::filesystem::path path, std::string title = "") : path_(std::move(path)), title_(std::move(title)) { write(); }

        void on_epoch(const epoch_report& e)
        {
            if (e.epoch == 1)
            {
                history_.clear();  // a new fit()
            }
            history_.push_back(e);
            write();
        }

        [[nodiscard]] const std::vector<epoch_report>& history() const noexcept { return history_; }

    private:
        // A temporary file next to the plot, renamed over it: a viewer never sees half a plot.
        void write() const
        {
            const std::string text = render_svg_plot(history_, title_);
            const std::filesystem::path temporary = path_.string() + ".partial";
            std::FILE* f = std::fopen(temporary.string().c_str(), "w");
            if (f == nullptr)
            {
                fail(std::strerror(errno));
            }
            const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
            const int error = errno;
            if (std::fclose(f) != 0 || !written)
            {
                std::error_code ignored;
                std::filesystem::remove(temporary, ignored);
                fail(std::strerror(error));
            }
            std::error_code error_code;
            std::filesystem::rename(temporary, path_, error_code);
            if (error_code)
            {
                std::error_code ignored;
                std::filesystem::remove(temporary, ignored);
                fail(error_code.message());
            }
        }
        [[noreturn]] void fail(const std::string& reason) const
        {
            throw std::runtime_error("precast::svg_plot: cannot write " + path_.string() + ": " + detail::unwritable_reason(path_, reason));
        }

        std::filesystem::path path_;
        std::string title_;
        std::vector<epoch_report> history_;
    };
}
