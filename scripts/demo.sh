#!/usr/bin/env bash
# The main job: bootstrap, build with clang++-19 (release, -march=native), then
#   1. precast-gradcheck: every layer, loss and a set of networks against finite differences (the table);
#   2. the classic examples: gradient descent, linear regression, XOR, the 2-4-3-2 MLP, tensor basics.
# Exits non-zero if any gradient check fails or any example does not reach its result.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
"$repo/scripts/bootstrap.sh"
export PATH="$repo/.tools/node_modules/.bin:$PATH"

examples=(gradient_descent linear_regression xor mlp tensor_basics readme_example)
cmake --preset clang >/dev/null
cmake --build --preset clang --target precast_gradcheck "${examples[@]/#/precast_example_}" >/dev/null

echo "== precast-gradcheck"
"$repo/build/clang/test/precast-gradcheck"
for example in "${examples[@]}"; do
  echo
  echo "== examples/$example"
  "$repo/build/clang/examples/$example"
done
