#!/usr/bin/env bash
# Applies .clang-format (clang-format 19, from apt if missing) to the C++ sources. The README shows two examples
# verbatim (test/readme_in_sync.cmake): after formatting them, copy them into their code blocks again.
# Usage: scripts/format.sh [--check]   (--check: change nothing, list the files that are not formatted, exit 1 if any)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if ! command -v clang-format-19 >/dev/null; then
  apt-get install -y -qq clang-format-19 >/dev/null
fi
mapfile -t files < <(git ls-files 'src/*.hpp' 'test/*.hpp' 'test/*.cpp' 'bench/*.hpp' 'bench/*.cpp' 'examples/*.hpp' 'examples/*.cpp')
if [[ "${1:-}" == "--check" ]]; then
  status=0
  for f in "${files[@]}"; do
    if ! clang-format-19 --dry-run -Werror "$f" >/dev/null 2>&1; then
      echo "not formatted: $f"
      status=1
    fi
  done
  exit $status
fi
clang-format-19 -i "${files[@]}"
