#!/usr/bin/env bash
# candle's own gradient and matmul tests, run against the vendored, patched candle-core (in a
# copy, so the tree is untouched). Needs the network for candle-core's dev-dependencies; not
# part of CI.
#
#   scripts/test_candle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r vendor/candle-core "$work/"
for t in grad_tests matmul_tests; do
    printf '\n[[test]]\nname = "%s"\npath = "tests/%s.rs"\n' "$t" "$t" >> "$work/candle-core/Cargo.toml"
done
cd "$work/candle-core"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/candle-target}" cargo test --release --test grad_tests --test matmul_tests
