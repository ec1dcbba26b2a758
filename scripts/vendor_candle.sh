#!/usr/bin/env bash
# Re-vendors candle-core: the crate from crates.io plus initlab's two CPU fixes, kept as
# vendor/candle-core.patch (what they are and why: vendor/candle-core/PATCHES.md).
#
#   scripts/vendor_candle.sh          rebuild vendor/candle-core from the crate and the patch
#   scripts/vendor_candle.sh --check  rebuild into a temporary folder and compare: fails when
#                                     the vendored copy is not exactly crate + patch
#
# To move to a newer candle: set VERSION and SHA256, run this, and if the patch no longer
# applies, redo the two changes by hand in vendor/candle-core and regenerate the patch with
# `diff -u` against the pristine crate (the commands are at the end of PATCHES.md). Then run
# scripts/test_candle.sh and initlab's own tests (tests/golden.rs guards every number).
# Needs the network (static.crates.io); not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.11.1
SHA256=d11c8be87cfbaef9ebb62fb3f850d1fc8e00cc1d11d393fdbe55a4d5c2cdb325
KEEP_TESTS="grad_tests matmul_tests"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
crate="$work/candle-core-$VERSION.crate"
curl -sSfL -o "$crate" "https://static.crates.io/crates/candle-core/candle-core-$VERSION.crate"
echo "$SHA256  $crate" | sha256sum --check --quiet
tar -xzf "$crate" -C "$work"
src="$work/candle-core-$VERSION"
patch --quiet -d "$src" -p1 < vendor/candle-core.patch

# Only the library, its licence and readme, and the tests we keep; the manifest loses its
# example, test and bench targets, whose files are not kept.
out="$work/vendored"
mkdir -p "$out/tests"
cp -r "$src/src" "$src/LICENSE" "$src/README.md" "$out/"
for t in $KEEP_TESTS; do cp "$src/tests/$t.rs" "$out/tests/"; done
awk '
    /^\[\[(example|test|bench)\]\]$/ { skip = 1; next }
    /^\[/ { skip = 0 }
    skip && /^$/ { next }
    !skip { print }
' "$src/Cargo.toml" > "$out/Cargo.toml"
cp vendor/candle-core/PATCHES.md "$out/"

if [ "${1:-}" = "--check" ]; then
    if diff -r "$out" vendor/candle-core; then
        echo "vendor/candle-core is candle-core $VERSION plus vendor/candle-core.patch"
    else
        echo "vendor/candle-core differs from candle-core $VERSION plus the patch" >&2
        exit 1
    fi
else
    rm -rf vendor/candle-core
    cp -r "$out" vendor/candle-core
    echo "vendor/candle-core: candle-core $VERSION plus vendor/candle-core.patch"
fi
