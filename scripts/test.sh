#!/usr/bin/env bash
# The whole test suite: bootstrap the toolchain, then configure, build and run ctest for
#   clang    clang++-19, module + headers, -march=native (includes the downstream consumer test: g++-12 #include,
#            clang-19 import)
#   gcc      g++-12, header mode, x86-64: the kernels' 128-bit path
#   sanitize clang++-19, header mode, x86-64-v3: the 256-bit path, under AddressSanitizer (-DPRECAST_UBSAN_GRADCHECK=ON
#            adds UndefinedBehaviorSanitizer on precast-gradcheck; left out of CI for its compile time)
# so every kernel runs at 128 and 256 bits, and at 512 where the CPU has AVX-512 (clang's native). The preset avx2
# (clang, header mode, x86-64-v3, no sanitizers) is there to run on its own.
# Usage: scripts/test.sh [preset...]   (default: clang gcc sanitize)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
"$repo/scripts/bootstrap.sh"
export PATH="$repo/.tools/node_modules/.bin:$PATH"

presets=("$@")
if ((${#presets[@]} == 0)); then
  presets=(clang gcc sanitize)
fi

jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "== preset $preset: configure"
  extra=()
  # A CPU without AVX2 cannot run x86-64-v3 code: the sanitizers then run at this machine's own width.
  # (The macros are read whole before grep looks: grep -q stopping early would fail the pipe under pipefail.)
  if [[ $preset == sanitize ]] && ! grep -q '__AVX2__' <<<"$(clang++-19 -march=native -dM -E -x c++ /dev/null)"; then
    echo "== this CPU has no AVX2: preset sanitize builds for -march=native"
    extra=(-DPRECAST_ARCH=native)
  fi
  cmake --preset "$preset" "${extra[@]}" >/dev/null
  echo "== preset $preset: build"
  start=$SECONDS
  cmake --build --preset "$preset" -j "$jobs"
  echo "== preset $preset: built in $((SECONDS - start)) s; test"
  ctest --preset "$preset" -j "$jobs"
done
echo "== all presets passed: ${presets[*]}"
