// The message of the exception a callable throws, or "(no exception)": tests compare it with the exact text.
#pragma once

#include <exception>
#include <string>

namespace precast_test
{
    template <class F>
    std::string error_of(F&& f)
    {
        try
        {
            f();
        }
        catch (const std::exception& e)
        {
            return e.what();
        }
        return "(no exception)";
    }
}
