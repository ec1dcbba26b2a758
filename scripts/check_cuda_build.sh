#!/usr/bin/env bash
# Builds and checks initlab's GPU build (`--features cuda`) on any Linux x86-64 machine: no GPU,
# no NVIDIA driver and no system CUDA needed (issue 20). Not part of CI: run it whenever
# candle, cudarc or initlab's device code changes.
#
#   scripts/check_cuda_build.sh         toolkit, build, clippy, tests, start-up checks, verdict
#   scripts/check_cuda_build.sh --env   only fetch the toolkit and print the environment to
#                                       build by hand: eval "$(scripts/check_cuda_build.sh --env)"
#
# 1. A CUDA 13.0 toolkit (nvcc and the headers) from NVIDIA's PyPI wheels, pinned with hashes in
#    scripts/cuda-13.0-requirements.txt, unpacked into $INITLAB_CUDA_CACHE (default
#    target/cuda-toolkit, 271 MB); nothing is installed elsewhere.
# 2. `cargo build --release --features cuda` into target/cuda (so the CPU build in
#    target/release is untouched), for compute capability $CUDA_COMPUTE_CAP (default 90,
#    Hopper: H100/H200; 80 for A100, 89 for L40/RTX 40xx). The kernels are PTX for that
#    capability, which the driver compiles on first use and caches.
# 3. clippy (-D warnings) and the test suite, both with the feature on.
# 4. The binary: needs no CUDA library to start (ldd), runs the quick start on the CPU, and,
#    runs it on the GPU where there is one, and where there is no driver refuses
#    `--device cuda` with a clear message, a non-zero exit and nothing written.
#
# On the 2-core development machine (2026-11-30), with an empty target/cuda: 461 s, 322 s of it
# the build, plus the toolkit's 105 MB download the first time (docs/gpu.md). Needs the network (pypi.org,
# crates.io) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${INITLAB_CUDA_CACHE:-$PWD/target/cuda-toolkit}"
requirements=scripts/cuda-13.0-requirements.txt
stamp="$cache/site/.requirements"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
    rm -rf "$cache/site"
    mkdir -p "$cache"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --require-hashes --target "$cache/site" -r "$requirements" >&2
    cp "$requirements" "$stamp"
fi
root="$cache/site/nvidia/cu13"
env_lines="export CUDA_HOME='$root' CUDA_PATH='$root' CUDA_ROOT='$root'
export PATH='$root/bin':\"\$PATH\"
export CUDA_COMPUTE_CAP='${CUDA_COMPUTE_CAP:-90}' CUDARC_CUDA_VERSION=13000
export CARGO_TARGET_DIR='${CARGO_TARGET_DIR:-$PWD/target/cuda}'"
if [ "${1:-}" = "--env" ]; then
    echo "$env_lines"
    exit 0
fi
eval "$env_lines"
nvcc --version | grep "release 13.0" >/dev/null || { echo "nvcc is not CUDA 13.0" >&2; exit 1; }

say() { printf '\n== %s\n' "$*"; }
started=$(date +%s)
say "cargo build --release --features cuda (compute capability $CUDA_COMPUTE_CAP)"
cargo build --release --features cuda
built=$(date +%s)
say "cargo clippy --release --features cuda --all-targets -- -D warnings"
cargo clippy --release --features cuda --all-targets -- -D warnings
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "cargo test --release --features cuda"
cargo test --release --features cuda 2>&1 | tee "$work/tests.log"
tests=$(awk '/^test result: ok/ { n += $4 } END { print n + 0 }' "$work/tests.log")

bin="$CARGO_TARGET_DIR/release/initlab"
say "the binary needs no CUDA library to start"
if ldd "$bin" | grep -E 'libcuda|libcublas|libcurand|libcudart|libnvrtc'; then
    echo "FAIL: $bin links CUDA libraries at load time" >&2
    exit 1
fi
"$bin" --version

say "the quick start on the CPU"
"$bin" run experiments/quick.toml --out "$work/quick-cpu" --quiet
rows=$(($(wc -l < "$work/quick-cpu/runs.csv") - 1))
[ "$rows" = 40 ] || { echo "FAIL: the quick start wrote $rows runs, not 40" >&2; exit 1; }

say "the quick start on --device cuda: it runs where there is a GPU, and is refused cleanly where there is no driver"
set +e
"$bin" run experiments/quick.toml --device cuda --out "$work/quick-cuda" --quiet 2> "$work/stderr"
code=$?
set -e
cat "$work/stderr"
if [ "$code" = 0 ]; then
    gpu="ran the quick start on the GPU"
elif grep -q 'no NVIDIA driver found (libcuda.so.1)' "$work/stderr" && [ ! -e "$work/quick-cuda" ]; then
    gpu="refuses --device cuda without a driver (exit $code, nothing written)"
else
    echo "FAIL: --device cuda exited $code without the no-driver message, or wrote $work/quick-cuda" >&2
    exit 1
fi

printf '\ncheck_cuda_build: PASS: built in %d s, clippy clean, %d tests pass, starts without CUDA libraries, ran the quick start on the CPU, %s; whole check %d s\n' \
    $((built - started)) "$tests" "$gpu" $(($(date +%s) - started))
