#!/usr/bin/env bash
# The main job: bootstrap, build the examples with clang++-19 (release, -march=native) and run them.
# For now: linear regression y = 0.1 x + 0.3 by gradient descent over xsimd kernels, with a finite-difference
# check of the analytic gradient first. Exits non-zero if the gradient check fails or training does not converge.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
"$repo/scripts/bootstrap.sh"
export PATH="$repo/.tools/node_modules/.bin:$PATH"

cmake --preset clang >/dev/null
cmake --build --preset clang --target precast_example_linear_regression precast_example_readme >/dev/null
echo "== examples/linear_regression"
"$repo/build/clang/examples/linear_regression"
echo "== examples/readme_example"
"$repo/build/clang/examples/readme_example"
