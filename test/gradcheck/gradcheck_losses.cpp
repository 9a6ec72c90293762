#include "gradcheck_suite.hpp"

namespace precast_gradcheck
{
    void check_losses(suite& s)
    {
        losses<double>(s);
        losses<float>(s);
    }
}
