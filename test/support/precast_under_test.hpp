// Every test includes this last, after its std and GoogleTest headers: with PRECAST_TEST_USE_MODULE the library
// comes in through `import precast;` (imports follow includes: an xtensor #include after the import fails on
// clang-19), otherwise through the umbrella header.
#pragma once

#if defined(PRECAST_TEST_USE_MODULE) && PRECAST_TEST_USE_MODULE
import precast;
#else
#include <precast/core/xtensor_view.hpp>
#include <precast/io/model_file.hpp>
#include <precast/io/npy.hpp>
#include <precast/precast.hpp>
#include <precast/report.hpp>
#endif
