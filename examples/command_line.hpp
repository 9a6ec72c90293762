// The command-line pieces the example programs share: the error for a bad command line, and numbers read from
// flag values with a message that names the flag.
#pragma once

#include <cmath>
#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace examples
{
    // A bad command line (the programs exit with 2 and print it).
    class usage_error : public std::invalid_argument
    {
    public:
        using std::invalid_argument::invalid_argument;
    };

    // The whole of `text` as a finite number.
    inline double parse_number(std::string_view flag, std::string_view text)
    {
        const std::string s(text);
        std::size_t used = 0;
        double value = 0;
        try
        {
            value = std::stod(s, &used);
        }
        catch (const std::exception&)
        {
            used = 0;
        }
        if (used != s.size() || s.empty() || !std::isfinite(value))
        {
            throw usage_error(std::string(flag) + " needs a number, not \"" + s + "\"");
        }
        return value;
    }

    // A whole number in [low, high].
    inline std::size_t parse_count(std::string_view flag, std::string_view text, double low, double high)
    {
        const double value = parse_number(flag, text);
        if (value != std::floor(value) || value < low || value > high)
        {
            throw usage_error(std::string(flag) + " needs a whole number from " + std::to_string(static_cast<long long>(low)) + " to " +
                              std::to_string(static_cast<long long>(high)) + ", not " + std::string(text));
        }
        return static_cast<std::size_t>(value);
    }
}
