#!/usr/bin/env bash
# Compile time of examples/xor.cpp, with `#include <precast/precast.hpp>` and with `import precast;`, in the
# clang preset's flags (-O3 -march=native). The module variant is xor.cpp with the include replaced by the
# import; the BMI is built once first (its cost is shown apart). Best of 3, wall seconds.
# Usage: bench/compile_time.sh [build dir of the clang preset, default build/clang]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build/clang}
pcm=$(find "$build" -name precast.pcm | head -1)
[ -n "$pcm" ] || { echo "no precast.pcm under $build: build the clang preset's precast_module first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -O3 -DNDEBUG -march=native -Wno-invalid-feature-combination -I"$repo/src" -I"$repo/examples")
# The import variant: xor.hpp and xor.cpp with precast's umbrella include replaced by the import.
sed 's|#include <precast/precast.hpp>|import precast;|' "$repo/examples/xor.hpp" > "$work/xor.hpp"
sed 's|#include "xor.hpp"|#include "xor.hpp"|' "$repo/examples/xor.cpp" > "$work/xor.cpp"
best() {
  local best=999
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    best=$(echo "$start $end $best" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
  done
  printf '%.2f' "$best"
}
t_bmi=$(best clang++-19 "${flags[@]}" --precompile -x c++-module "$repo/modules/precast.cppm" -o "$work/precast.pcm")
t_include=$(best clang++-19 "${flags[@]}" -c "$repo/examples/xor.cpp" -o "$work/include.o")
t_import=$(best clang++-19 "${flags[@]}" -fmodule-file=precast="$work/precast.pcm" -I"$work" -c "$work/xor.cpp" -o "$work/import.o")
echo "xor.cpp with #include: ${t_include} s; with import: ${t_import} s (the BMI itself: ${t_bmi} s, once per build)"
