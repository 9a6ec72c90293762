// What the training examples write besides their console output: text files (the vocabulary, a CSV log, a plot
// from precast::render_svg_plot), with an error that names the file and the reason.
#pragma once

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <precast/precast.hpp>
#include <precast/report.hpp>

namespace examples
{
    inline void write_text(const std::filesystem::path& path, const std::string& text)
    {
        std::ofstream out(path, std::ios::trunc);
        out << text;
        if (!out)
        {
            const std::string reason = precast::why_not_writable(path);
            throw std::runtime_error("cannot write " + path.string() + (reason.empty() ? std::string() : ": " + reason));
        }
    }
}
