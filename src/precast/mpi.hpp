// Data-parallel training over MPI: <precast/training/mpi_allreduce.hpp>, beside the gradient_reducer concept it
// implements. This name stays so that programs written against it keep compiling.
#pragma once

#include <precast/training/mpi_allreduce.hpp>
