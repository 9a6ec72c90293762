#!/usr/bin/env bash
# The Fashion-MNIST comparison of docs/guide.md, rerun: each row is one run of examples/fashion_mnist (Adam lr
# 0.001, batch 128, seed 1, 2 threads), printed as the table's markdown row.
# Usage: scripts/fashion_mnist_table.sh [path to the fashion_mnist program]   (default: build/clang/examples/fashion_mnist)
set -euo pipefail

program=${1:-build/clang/examples/fashion_mnist}
[ -x "$program" ] || { echo "fashion_mnist_table: no program at $program (run scripts/demo.sh first, or pass its path)" >&2; exit 1; }

row() {  # row <label> <init label> <arch> <init> <epochs>
  local label=$1 init_label=$2 arch=$3 init=$4 epochs=$5 output
  output=$("$program" --arch "$arch" --init "$init" --epochs "$epochs" --threads 2 2>&1)
  local test_accuracy last validation total
  test_accuracy=$(grep -o 'test accuracy [0-9.]* %' <<<"$output" | head -1 | awk '{print $3}')
  last=$(grep "^epoch $epochs/$epochs " <<<"$output" | tail -1)
  validation=$(grep -o 'validation loss [0-9.]*  accuracy [0-9.]* %' <<<"$last" | awk '{print $5}')
  total=$(grep -o '(total [0-9.]* s)' <<<"$last" | awk '{print $2}')
  printf '| %s | %s | %s | %s %% | %s %% | %.2f s |\n' "$label" "$init_label" "$epochs" "$test_accuracy" "$validation" \
    "$(awk -v t="$total" -v e="$epochs" 'BEGIN { print t / e }')"
}

echo "| network | init | epochs | test accuracy | validation accuracy (last epoch) | time per epoch (mean) |"
echo "|---|---|---|---|---|---|"
row "784-256-256-10" "normal N(0, 1)" 256-256 normal 10
row "784-256-256-10" "Xavier (Glorot uniform)" 256-256 xavier 10
row "784-512-512-512-512-10" "Xavier" 512-512-512-512 xavier 10
row "784-256-256-10, dropout 0.2" "Xavier" 256-256-dropout xavier 10
row "784-512-512-512-512-10, dropout 0.2" "Xavier" 512-512-512-512-dropout xavier 10
row "784-256-256-10, dropout 0.2" "Xavier" 256-256-dropout xavier 30
row "784-512-512-512-512-10, dropout 0.2" "Xavier" 512-512-512-512-dropout xavier 30
