// Numbers in messages: the shortest text that reads back as the same double ("-1e-09", "0.1", "1e+300"),
// never std::to_string's six fixed decimals ("-0.000000").
#pragma once

#include <charconv>
#include <string>

namespace precast::detail
{
    [[nodiscard]] inline std::string number_text(double value)
    {
        char buffer[32];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
        return std::string(buffer, result.ptr);
    }
}
