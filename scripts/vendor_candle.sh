#!/usr/bin/env bash
# Re-vendors candle: each crate from crates.io plus initlab's patch, kept as vendor/<crate>.patch
# (what the changes are and why: vendor/<crate>/PATCHES.md).
#
#   candle-core     two CPU fixes; cudarc loads the CUDA libraries at run time; no tokenizers
#   candle-kernels  only the PTX kernels candle-core's tensor ops need (no quantized/MoE code)
#
#   scripts/vendor_candle.sh          rebuild vendor/candle-* from the crates and the patches
#   scripts/vendor_candle.sh --check  rebuild into a temporary folder and compare: fails when a
#                                     vendored copy is not exactly crate + patch
#   scripts/vendor_candle.sh --diff   after editing vendor/candle-*: rewrite the patches from
#                                     the differences with the published crates
#
# Each crate is reduced before it is patched: only the library (and its build script), its
# licence and readme and the tests we keep; the manifest loses its example, test and bench
# targets, whose files are not kept; the paths listed below are dropped. The patch is against
# that reduced copy. To move to a newer candle: set the versions and SHA256s, run this, and if a
# patch no longer applies, redo the changes by hand in vendor/<crate> and run --diff. Then run
# scripts/test_candle.sh, scripts/check_cuda_build.sh and initlab's own tests (tests/golden.rs
# guards every number). Needs the network (static.crates.io); not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# vendor NAME VERSION SHA256 "TESTS KEPT" "PATHS DROPPED (relative to the crate)"
vendor() {
    local name=$1 version=$2 sha=$3 tests=$4 drop=$5
    local crate="$work/$name-$version.crate"
    curl -sSfL -o "$crate" "https://static.crates.io/crates/$name/$name-$version.crate"
    echo "$sha  $crate" | sha256sum --check --quiet
    tar -xzf "$crate" -C "$work"
    local src="$work/$name-$version"
    local out="$work/reduced/$name"
    mkdir -p "$out"
    for f in src build.rs LICENSE README.md; do
        if [ -e "$src/$f" ]; then cp -r "$src/$f" "$out/"; fi
    done
    if [ -n "$tests" ]; then
        mkdir -p "$out/tests"
        for t in $tests; do cp "$src/tests/$t.rs" "$out/tests/"; done
    fi
    for p in $drop; do rm -r "${out:?}/$p"; done
    awk '
        /^\[\[(example|test|bench)\]\]$/ { skip = 1; next }
        /^\[/ { skip = 0 }
        skip && /^$/ { next }
        !skip { print }
    ' "$src/Cargo.toml" > "$out/Cargo.toml"

    if [ "$MODE" = diff ]; then
        (cd "$work/reduced" && diff -ruN -x PATCHES.md "$name" "$OLDPWD/vendor/$name") |
            sed -e "s|^--- $name/\([^[:space:]]*\).*|--- a/\1|" \
                -e "s|^+++ $OLDPWD/vendor/$name/\([^[:space:]]*\).*|+++ b/\1|" \
                -e '/^diff -ruN/d' > "vendor/$name.patch" || true
        echo "vendor/$name.patch: $(grep -c '^+++ ' "vendor/$name.patch") files changed"
        return
    fi
    patch --quiet -d "$out" -p1 < "vendor/$name.patch"
    cp "vendor/$name/PATCHES.md" "$out/"
    if [ "$MODE" = check ]; then
        if diff -r "$out" "vendor/$name"; then
            echo "vendor/$name is $name $version plus vendor/$name.patch"
        else
            echo "vendor/$name differs from $name $version plus the patch" >&2
            status=1
        fi
    else
        rm -rf "vendor/$name"
        cp -r "$out" "vendor/$name"
        echo "vendor/$name: $name $version plus vendor/$name.patch"
    fi
}

case "${1:-}" in
    --check) MODE=check ;;
    --diff) MODE=diff ;;
    "") MODE=rebuild ;;
    *) echo "usage: scripts/vendor_candle.sh [--check | --diff]" >&2; exit 2 ;;
esac

vendor candle-core 0.11.1 \
    d11c8be87cfbaef9ebb62fb3f850d1fc8e00cc1d11d393fdbe55a4d5c2cdb325 \
    "grad_tests matmul_tests" ""
vendor candle-kernels 0.11.1 \
    8dc057aec95c3b1a0e595227cd039c1436da596f79ccc9e025ba17d070315851 \
    "" "src/moe src/mmq_gguf src/mmvq_gguf.cu src/quantized.cu"
exit $status
