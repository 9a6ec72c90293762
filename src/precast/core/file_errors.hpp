// Why a file cannot be written, said in the user's terms: about the path they asked for (never a temporary
// file next to it), and about a missing directory rather than a bare "No such file or directory".
#pragma once

#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#if !defined(_WIN32)
#include <unistd.h>
#endif

#include <precast/export.hpp>

namespace precast
{
    namespace detail
    {
        // The first problem with writing path that can be named without trying, else system_reason.
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
#if !defined(_WIN32)
            if (::access(parent.c_str(), W_OK) != 0)
            {
                return "the directory " + parent.string() + " is not writable";
            }
            if (std::filesystem::exists(path, ignored) && ::access(path.c_str(), W_OK) != 0)
            {
                return "it is not writable";
            }
#endif
            return system_reason;
        }
        inline std::string unwritable_reason(const std::filesystem::path& path, int error)
        {
            return unwritable_reason(path, std::string(std::strerror(error)));
        }
    }

    // Why path could not be written now (its directory is missing or not writable, or path is a directory), or
    // an empty string: what a program checks before hours of training that end in a save.
    PRECAST_EXPORT [[nodiscard]] inline std::string why_not_writable(const std::filesystem::path& path)
    {
        return detail::unwritable_reason(path, std::string());
    }
}
