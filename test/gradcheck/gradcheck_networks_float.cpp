// The float network cases, apart from the double ones so that both compile in parallel.
#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    void check_networks_float(suite& s)
    {
        networks<float>(s);
    }
}
