#!/usr/bin/env bash
# Fashion-MNIST seconds per epoch, 784-256-256-10, Adam, global batch 128, on this machine: 1 process x 1 thread,
# 1 process x 2 threads, 2 processes x 1 thread (mpirun, data-parallel), and what the processes exchange.
# Usage: bench/distributed_epochs.sh [build/clang/examples/fashion_mnist] [epochs]
set -euo pipefail
program=${1:-build/clang/examples/fashion_mnist}
epochs=${2:-3}
common=(--epochs "$epochs" --batch 128 --seed 1)
run() {
  local label=$1
  shift
  local out
  out=$("$@" 2>&1 | tr "\r" "\n")
  # Mean of the epochs' times (the last field of each "epoch i/n ... X s (total Y s)" line is the running total).
  local total
  total=$(grep -E "^epoch [0-9]+/$epochs  train" <<<"$out" | tail -1 | sed -E 's/.*\(total ([0-9.]+) s\).*/\1/')
  local per_epoch
  per_epoch=$(awk -v t="$total" -v e="$epochs" 'BEGIN { printf "%.2f", t / e }')
  local samples
  samples=$(grep -E "^epoch [0-9]+/$epochs  train" <<<"$out" | sed -E 's/.* ([0-9]+) samples\/s.*/\1/' | sort -n | tail -1)
  printf '| %s | %s s | %s |\n' "$label" "$per_epoch" "$samples"
  grep -E "^exchanged" <<<"$out" | sed 's/^/  /' || true
}
echo "| run | seconds per epoch (mean of $epochs) | samples/s (best epoch) |"
echo "|---|---|---|"
run "1 process x 1 thread" env OMP_NUM_THREADS=1 "$program" "${common[@]}" --threads 1
run "1 process x 2 threads" env OMP_NUM_THREADS=2 "$program" "${common[@]}" --threads 2
mpirun_flags=(--oversubscribe)
if [ "$(id -u)" = 0 ]; then mpirun_flags+=(--allow-run-as-root); fi
run "2 processes x 1 thread" mpirun "${mpirun_flags[@]}" -np 2 -x OMP_NUM_THREADS=1 "$program" "${common[@]}" --threads 1 --distributed
