#!/usr/bin/env bash
# initlab against an equivalent PyTorch script, measured back to back (issue 8).
#
#   scripts/bench_vs_pytorch.sh [--reps 9] [--scale 1.0]
#
# Makes a virtualenv (target/bench-venv, or $VENV) with torch and numpy from PyPI on first use,
# builds initlab's train_step benchmark in release mode, and prints one Markdown table:
# steps/s of both, their ratio, initlab's GFLOP/s against a large single-thread matmul, and
# what per-layer statistics every 10 steps and every step cost each of them. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VENV:-target/bench-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, numpy' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet torch numpy
fi

cargo build --release --quiet
bench=$(cargo bench --bench train_step --no-run --message-format=json 2>/dev/null |
    "$venv/bin/python" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "train_step" and m.get("executable"):
        print(m["executable"])')
[ -n "$bench" ] || { echo "could not build the train_step benchmark" >&2; exit 1; }

"$venv/bin/python" scripts/bench_vs_pytorch.py --bench "$bench" "$@"
