// The step context, conventions and no_optimizer_state are part of the shared vocabulary (core/vocabulary.hpp).
#pragma once

#include <precast/core/vocabulary.hpp>
