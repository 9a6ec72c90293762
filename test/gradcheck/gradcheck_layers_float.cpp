#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    void check_layers_float(suite& s)
    {
        layers<float>(s);
    }
}
