// Why a file cannot be written, said in the user's terms: about the path they asked for (never a temporary
// file next to it), and about a missing directory rather than a bare "No such file or directory".
#pragma once

#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

namespace precast::detail
{
    inline std::string unwritable_reason(const std::filesystem::path& path, const std::string& system_reason)
    {
        std::error_code ignored;
        const std::filesystem::path parent = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
        if (!std::filesystem::exists(parent, ignored))
        {
            return "the directory " + parent.string() + " does not exist";
        }
        if (!std::filesystem::is_directory(parent, ignored))
        {
            return parent.string() + " is not a directory";
        }
        if (std::filesystem::is_directory(path, ignored))
        {
            return "it is a directory";
        }
        return system_reason;
    }
    inline std::string unwritable_reason(const std::filesystem::path& path, int error) { return unwritable_reason(path, std::string(std::strerror(error))); }
}
