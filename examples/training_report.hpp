// What the training examples write besides their console output: the SVG plot of loss and accuracy per epoch,
// and files written whole or not at all.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <precast/precast.hpp>

namespace examples
{
    // Two panels side by side: loss (train, validation) and accuracy (train, validation) against the epoch.
    inline std::string svg_plot(const std::vector<precast::epoch_report>& history, const std::string& title)
    {
        const double width = 900;
        const double height = 360;
        const double panel = 380;
        const double top = 50;
        const double plot_height = 250;
        std::ostringstream out;
        out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
        out << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
        std::string escaped;
        for (const char c : title)
        {
            escaped += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
        }
        out << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << escaped << "</text>\n";
        const std::size_t n = history.size();
        auto series = [&](double left, const char* name, auto value, double low, double high) {
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
            auto y_of = [&](double v) { return plot_height - (high > low ? (v - low) / (high - low) : 0.5) * plot_height; };
            const char* colors[2] = {"#1f77b4", "#d62728"};
            const char* labels[2] = {"train", "validation"};
            for (int s = 0; s < 2; ++s)
            {
                out << "<polyline fill=\"none\" stroke=\"" << colors[s] << "\" stroke-width=\"2\" points=\"";
                for (std::size_t i = 0; i < n; ++i)
                {
                    out << (i == 0 ? "" : " ") << x_of(i) << ',' << y_of(value(history[i], s));
                }
                out << "\"/>\n";
                out << "<text x=\"" << panel - 90 << "\" y=\"" << 18 + 16 * s << "\" fill=\"" << colors[s] << "\">" << labels[s] << "</text>\n";
            }
            out << "</g>\n";
        };
        double loss_high = 0;
        double accuracy_low = 1;
        double accuracy_high = 0;
        for (const auto& e : history)
        {
            loss_high = std::max({loss_high, e.train.loss, e.validation.loss});
            accuracy_low = std::min({accuracy_low, e.train.accuracy, e.validation.accuracy});
            accuracy_high = std::max({accuracy_high, e.train.accuracy, e.validation.accuracy});
        }
        series(70, "loss", [](const precast::epoch_report& e, int s) { return s == 0 ? e.train.loss : e.validation.loss; }, 0.0, loss_high);
        series(width / 2 + 50, "accuracy", [](const precast::epoch_report& e, int s) { return s == 0 ? e.train.accuracy : e.validation.accuracy; },
               std::floor(accuracy_low * 20) / 20, std::min(1.0, std::ceil(accuracy_high * 20) / 20));
        out << "</svg>\n";
        return out.str();
    }

    inline void write_text(const std::filesystem::path& path, const std::string& text)
    {
        std::ofstream out(path, std::ios::trunc);
        out << text;
        if (!out)
        {
            throw std::runtime_error("cannot write " + path.string());
        }
    }
}
