// precast-gradcheck: every layer and every loss at several shapes, in double and float, and whole small
// networks, checked against central finite differences. Prints a table; exits non-zero on any failure, and
// also if the deliberately broken layer (the canary) is not caught.
#include <cstdio>
#include <cstring>

#include "gradcheck_suite.hpp"

using precast_gradcheck::suite;

int main(int argc, char** argv)
{
    suite s;
    for (int i = 1; i < argc; ++i)
    {
        if (std::strcmp(argv[i], "--failures-only") == 0)
        {
            s.verbose = false;
        }
        else
        {
            std::printf("usage: precast-gradcheck [--failures-only]\n");
            return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    std::printf("precast-gradcheck: analytic gradients against central differences\n");
    std::printf("error = |a - n| / max(|a|, |n|, floor); tolerance 1e-6 (double), 1e-2 (float); see precast/gradcheck/gradient_check.hpp\n\n");
    std::printf("%-104s %7s  %9s  %-28s %s\n", "case", "checked", "max error", "worst element", "result");
    precast_gradcheck::check_layers_double(s);
    precast_gradcheck::check_layers_float(s);
    precast_gradcheck::check_losses(s);
    precast_gradcheck::check_networks(s);
    precast_gradcheck::check_networks_float(s);
#if defined(PRECAST_GRADCHECK_RECURRENT)
    precast_gradcheck::check_recurrent(s);
#endif
    // The canary: a tanh whose backward is wrong must fail the check.
    s.record(precast::check_layer<precast_test::broken_tanh_layer<double, precast::shape<7>>, 3>({}), false);
    s.record(precast::check_layer<precast_test::broken_tanh_layer<float, precast::shape<7>>, 3>({}), false);

    std::printf("\n%zu elements checked in %zu cases\n", s.elements, s.passed + s.failed);
    std::printf("%zu passed, %zu failed\n", s.passed, s.failed);
    return s.failed == 0 ? 0 : 1;
}
