#!/usr/bin/env bash
# The whole test suite: bootstrap the toolchain, then configure, build and run ctest for
#   clang    clang++-19, module + headers (includes the downstream consumer test: g++-12 #include, clang-19 import)
#   gcc      g++-12, header mode
#   sanitize clang++-19 with AddressSanitizer + UndefinedBehaviorSanitizer
#   avx2     clang++-19, header mode, -march=x86-64-v3: the kernels' 256-bit path
#   sse2     g++-12, header mode, -march=x86-64: the kernels' 128-bit path
# Usage: scripts/test.sh [preset...]   (default: all five; avx2 only where -march=native has AVX-512, since
#        without it the clang preset already builds the 256-bit path)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
"$repo/scripts/bootstrap.sh"
export PATH="$repo/.tools/node_modules/.bin:$PATH"

presets=("$@")
if ((${#presets[@]} == 0)); then
  presets=(clang gcc sanitize avx2 sse2)
  # Without AVX-512 the clang preset's -march=native already is the 256-bit path: avx2 would test it twice.
  if ! clang++-19 -march=native -dM -E -x c++ /dev/null | grep -q '__AVX512F__'; then
    echo "== this CPU has no AVX-512: the clang preset (-march=native) tests the 256-bit path; preset avx2 left out"
    presets=(clang gcc sanitize sse2)
  fi
fi

jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "== preset $preset: configure"
  cmake --preset "$preset" >/dev/null
  echo "== preset $preset: build"
  start=$SECONDS
  cmake --build --preset "$preset" -j "$jobs"
  echo "== preset $preset: built in $((SECONDS - start)) s; test"
  ctest --preset "$preset" -j "$jobs"
done
echo "== all presets passed: ${presets[*]}"
