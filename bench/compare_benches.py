#!/usr/bin/python3
"""Two precast-bench binaries side by side (two versions, or one version built for two SIMD targets): runs both in
alternating rounds on the same rows and prints each row's medians and the ratio, flagging rows more than 5 % slower
in the second binary. Rows that report GFLOP/s are compared on it (higher is faster), the others on time.

Usage: compare_benches.py BEFORE AFTER [--filter REGEX] [--rounds N]
  e.g. build the version before a change and this one with -DPRECAST_ARCH=x86-64-v3, then
       bench/compare_benches.py /tmp/before/bench/precast-bench build/avx2/bench/precast-bench
Runs with OMP_NUM_THREADS=1; Python's standard library only."""
import argparse
import json
import os
import statistics
import subprocess

DEFAULT_FILTER = (r"^(gemm/precast/(128x256x784|32x256x784)/threads:1|train_step/precast/784-256-256-10/B=(32|128)/threads:1|"
                  r"tiny/precast(_frozen)?/|recurrent_train/precast|stream/precast/|conv2d/precast)")


def run(binary, regex):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([binary, f"--benchmark_filter={regex}", "--benchmark_min_time=0.3", "--benchmark_format=json"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return {b["name"]: (b["GFLOP/s"], "GFLOP/s") if "GFLOP/s" in b else (b["real_time"], b["time_unit"]) for b in json.loads(out)["benchmarks"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--filter", default=DEFAULT_FILTER)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    values = {"before": {}, "after": {}}
    units = {}
    for r in range(args.rounds):
        order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        for which in order:
            for name, (value, unit) in run(getattr(args, which), args.filter).items():
                values[which].setdefault(name, []).append(value)
                units[name] = unit
    print(f"{'row':62s} {'before':>10s} {'after':>10s}  after's time / before's")
    for name in values["after"]:
        if name not in values["before"]:
            continue
        before, after = statistics.median(values["before"][name]), statistics.median(values["after"][name])
        ratio = before / after if units[name] == "GFLOP/s" else after / before
        flag = "  slower" if ratio > 1.05 else ""
        print(f"{name:62s} {before:10.4g} {after:10.4g}  {ratio:5.3f}{flag}   ({units[name]})")


if __name__ == "__main__":
    main()
