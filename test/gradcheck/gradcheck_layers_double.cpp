#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    void check_layers_double(suite& s)
    {
        layers<double>(s);
    }
}
