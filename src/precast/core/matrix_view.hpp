// matrix_view is the rank-1 batch_view (core/batch_view.hpp); mode is part of the shared vocabulary.
#pragma once

#include <precast/core/batch_view.hpp>
#include <precast/core/vocabulary.hpp>
