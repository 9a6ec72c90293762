// The whole library. The module (modules/precast.cppm) exports exactly what this includes.
#pragma once

#include <precast/config.hpp>

#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/tensor.hpp>

#include <precast/kernels/axpy.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/kernels/simd.hpp>
