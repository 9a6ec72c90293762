#!/usr/bin/env bash
# The main job: bootstrap, build with clang++-19 (release, -march=native), then
#   1. precast-gradcheck: every layer, loss and a set of networks against finite differences (the table);
#   2. the classic examples: gradient descent, linear regression, XOR, the 2-4-3-2 MLP, tensor basics, the
#      character-level RNN ("hell" -> "ello" with rnn, gru and lstm), and a TCN audio effect (causal convolutions,
#      batch norm) trained, then streamed sample by sample;
#   3. Fashion-MNIST: a 784-256-256-10 MLP trained for 5 epochs on the real data set (2 threads), with a CSV log,
#      an SVG plot and the saved model in build/clang/fashion-mnist/, then the saved model evaluated again; then a
#      residual MLP (784-256, a residual block of two 256-unit layers, 10) for 5 epochs, and the CNN (two
#      convolution + max-pooling stages, a 128-unit layer) for 2 epochs.
#   4. char_lm: an LSTM language model trained for one epoch on the first million characters of the fortune
#      texts (2 threads), saved, then sampled; char_gpt: a 2-block GPT trained for one epoch on the same characters,
#      saved, then sampled on its key/value cache.
# Exits non-zero if any gradient check fails or any example does not reach its result.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
"$repo/scripts/bootstrap.sh"
export PATH="$repo/.tools/node_modules/.bin:$PATH"

examples=(gradient_descent linear_regression xor mlp tensor_basics readme_example first_hour char_rnn streaming_effect)
targets=(precast_gradcheck "${examples[@]/#/precast_example_}" precast_example_fashion_mnist precast_example_char_lm precast_example_char_gpt)
echo "== building precast-gradcheck and the examples with clang++-19 (the first time about 3 minutes on 2 cores; log: build/clang/demo-build.log)"
cmake --preset clang >/dev/null
log="$repo/build/clang/demo-build.log"
# Ninja's "[done/total]" lines, shown as progress: rewritten in place on a terminal, every 10th in a log.
show_progress() {
  local line finished total
  while IFS= read -r line; do
    [[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]] || continue
    finished=${BASH_REMATCH[1]}
    total=${BASH_REMATCH[2]}
    if [ -t 1 ]; then
      printf '\r  %-100.100s' "$line"
    elif [ "$finished" -gt 0 ] && { [ $((finished % 10)) -eq 0 ] || [ "$finished" -eq "$total" ]; }; then
      echo "  built $finished of $total steps"
    fi
  done
  if [ -t 1 ]; then printf '\r%104s\r' ''; fi
}
if ! cmake --build --preset clang --target "${targets[@]}" 2>&1 | tee "$log" | show_progress; then
  echo "demo: the build failed; the end of $log:" >&2
  tail -40 "$log" >&2
  exit 1
fi

echo "== precast-gradcheck"
"$repo/build/clang/test/precast-gradcheck"
for example in "${examples[@]}"; do
  echo
  echo "== examples/$example"
  "$repo/build/clang/examples/$example"
done

out="$repo/build/clang/fashion-mnist"
mkdir -p "$out"
echo
echo "== examples/fashion_mnist --epochs 5 --threads 2"
"$repo/build/clang/examples/fashion_mnist" --epochs 5 --threads 2 --log "$out/log.csv" --plot "$out/plot.svg" --save "$out/model.precast"
echo
echo "== examples/fashion_mnist --load (the saved model, evaluated again)"
"$repo/build/clang/examples/fashion_mnist" --load "$out/model.precast"
echo
echo "== examples/fashion_mnist --arch 256-residual-256 --epochs 5 --threads 2 (a residual block)"
"$repo/build/clang/examples/fashion_mnist" --arch 256-residual-256 --epochs 5 --threads 2
echo
echo "== examples/fashion_mnist --arch cnn --epochs 2 --threads 2 (convolutions; 10 epochs reach 92 %)"
"$repo/build/clang/examples/fashion_mnist" --arch cnn --epochs 2 --threads 2

lm_out="$repo/build/clang/char-lm"
mkdir -p "$lm_out"
echo
echo "== examples/char_lm --limit 1000000 --epochs 1 --threads 2"
"$repo/build/clang/examples/char_lm" --limit 1000000 --epochs 1 --threads 2 --log "$lm_out/log.csv" --plot "$lm_out/plot.svg" \
  --save "$lm_out/model.precast" --sample 0
echo
echo "== examples/char_lm --load (the saved model, sampled at temperature 0.7)"
"$repo/build/clang/examples/char_lm" --load "$lm_out/model.precast" --sample 300 --temperature 0.7 --prime "The "

gpt_out="$repo/build/clang/char-gpt"
mkdir -p "$gpt_out"
echo
echo "== examples/char_gpt --limit 1000000 --epochs 1 --threads 2"
"$repo/build/clang/examples/char_gpt" --limit 1000000 --epochs 1 --threads 2 --log "$gpt_out/log.csv" --plot "$gpt_out/plot.svg" \
  --save "$gpt_out/model.precast" --sample 0
echo
echo "== examples/char_gpt --load (the saved model, sampled at temperature 0.7 on its key/value cache)"
"$repo/build/clang/examples/char_gpt" --load "$gpt_out/model.precast" --sample 300 --temperature 0.7 --prime "The "
