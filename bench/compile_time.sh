#!/usr/bin/env bash
# Compile time of examples/xor.cpp, with `#include <precast/precast.hpp>` and with `import precast;`, in the
# clang preset's flags (-O3 -march=native). The module variant is xor.cpp with the include replaced by the
# import; the BMI is built first (its cost is shown apart). Best of 3, wall seconds. Needs clang++-19 only.
# Usage: bench/compile_time.sh [source tree, default this one]   (another tree: compare two versions)
set -euo pipefail
repo=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -O3 -DNDEBUG -march=native -Wno-invalid-feature-combination -I"$repo/src" -I"$repo/examples")
# The import variant: xor.hpp and xor.cpp with precast's umbrella include replaced by the import.
sed 's|#include <precast/precast.hpp>|import precast;|' "$repo/examples/xor.hpp" > "$work/xor.hpp"
cp "$repo/examples/xor.cpp" "$work/xor.cpp"
# The module's export list, where the build writes it (cmake/precastModuleExports.cmake), for the BMI.
if [ -f "$repo/cmake/precastModuleExports.cmake" ]; then
  cmake=$(command -v cmake || echo "$repo/.tools/node_modules/.bin/cmake")
  "$cmake" -DREPO="$repo" -DOUT="$work/precast_exports.inc" -P /dev/stdin <<'CMAKE'
include("${REPO}/cmake/precastModuleExports.cmake")
file(GLOB_RECURSE headers "${REPO}/src/precast/*.hpp")
list(FILTER headers EXCLUDE REGEX "/src/precast/data/")
precast_write_module_exports("${OUT}" ${headers})
CMAKE
fi
best() {
  local best=999
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    best=$(echo "$start $end $best" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
  done
  printf '%.2f' "$best"
}
t_bmi=$(best clang++-19 "${flags[@]}" -I"$work" --precompile -x c++-module "$repo/modules/precast.cppm" -o "$work/precast.pcm")
t_include=$(best clang++-19 "${flags[@]}" -c "$repo/examples/xor.cpp" -o "$work/include.o")
t_import=$(best clang++-19 "${flags[@]}" -fmodule-file=precast="$work/precast.pcm" -I"$work" -c "$work/xor.cpp" -o "$work/import.o")
echo "xor.cpp with #include: ${t_include} s; with import: ${t_import} s (the BMI itself: ${t_bmi} s, once per build)"
