// Reads the reference files the scripts in test/reference/ write: "name count" lines, each followed by a line of
// count numbers (Python's repr of each float64, so exact); "# ..." lines are comments; "batch N" has no values.
#pragma once

#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace precast_test
{
    inline std::map<std::string, std::vector<double>> read_reference(const std::string& path)
    {
        std::ifstream in(path);
        if (!in)
        {
            throw std::runtime_error("cannot open " + path);
        }
        std::map<std::string, std::vector<double>> arrays;
        std::string line;
        while (std::getline(in, line))
        {
            if (line.empty() || line[0] == '#')
            {
                continue;
            }
            std::istringstream header(line);
            std::string name;
            std::size_t count = 0;
            header >> name >> count;
            std::vector<double> values(count);
            if (name != "batch")
            {
                std::getline(in, line);
                std::istringstream numbers(line);
                for (double& v : values)
                {
                    if (!(numbers >> v))
                    {
                        throw std::runtime_error(path + ": " + name + " has fewer than " + std::to_string(count) + " values");
                    }
                }
            }
            else
            {
                values = {static_cast<double>(count)};
            }
            arrays[name] = std::move(values);
        }
        return arrays;
    }
}
