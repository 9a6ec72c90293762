// precast-gradcheck: every layer and every loss at several shapes, in double and float, and whole small
// networks, checked against central finite differences. Prints a line per group of cases (--table: every case);
// exits non-zero on any failure, and also if the deliberately broken layer (the canary) is not caught.
#include <chrono>
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
            s.style = precast_gradcheck::report_style::failures_only;
        }
        else if (std::strcmp(argv[i], "--table") == 0)
        {
            s.style = precast_gradcheck::report_style::table;
        }
        else
        {
            std::printf("usage: precast-gradcheck [--table | --failures-only]\n"
                        "  (default) one line per group of cases, and every failure\n"
                        "  --table          every case: its size, largest error and where it is\n"
                        "  --failures-only  failures and the totals\n");
            return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    const auto start = std::chrono::steady_clock::now();
    std::printf("precast-gradcheck: analytic gradients against central differences\n");
    std::printf("error = |a - n| / max(|a|, |n|, floor); tolerance 1e-6 (double), 1e-2 (float); see precast/gradcheck/gradient_check.hpp\n\n");
    if (s.style == precast_gradcheck::report_style::table)
    {
        std::printf("%-104s %7s  %9s  %-28s %s\n", "case", "checked", "max error", "worst element", "result");
    }
    s.begin_group("layers, double");
    precast_gradcheck::check_layers_double(s);
    s.begin_group("layers, float");
    precast_gradcheck::check_layers_float(s);
    s.begin_group("losses");
    precast_gradcheck::check_losses(s);
    s.begin_group("networks, double");
    precast_gradcheck::check_networks(s);
    s.begin_group("networks, float");
    precast_gradcheck::check_networks_float(s);
#if defined(PRECAST_GRADCHECK_BLOCKS)
    s.begin_group("blocks, layers and networks");
    precast_gradcheck::check_blocks(s);
#endif
#if defined(PRECAST_GRADCHECK_CONVOLUTIONS)
    s.begin_group("convolutions, batch norm");
    precast_gradcheck::check_convolutions(s);
#endif
#if defined(PRECAST_GRADCHECK_ATTENTION)
    s.begin_group("transformer layers, GPTs");
    precast_gradcheck::check_attention(s);
#endif
#if defined(PRECAST_GRADCHECK_RECURRENT)
    s.begin_group("recurrent layers, networks");
    precast_gradcheck::check_recurrent(s);
#endif
    // The canary: a tanh whose backward is wrong must fail the check.
    s.begin_group("canary: a broken tanh");
    s.record(precast::check_layer<precast_test::broken_tanh_layer<double, precast::shape<7>>, 3>({}), false);
    s.record(precast::check_layer<precast_test::broken_tanh_layer<float, precast::shape<7>>, 3>({}), false);

    if (s.style == precast_gradcheck::report_style::summary)
    {
        s.print_summary();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("\n%zu elements checked in %zu cases in %.2f s: %zu as expected, %zu not\n", s.elements, s.passed + s.failed, seconds, s.passed, s.failed);
    return s.failed == 0 ? 0 : 1;
}
