#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    void check_networks(suite& s)
    {
        networks<double>(s);
        networks_double_only(s);
    }
}
