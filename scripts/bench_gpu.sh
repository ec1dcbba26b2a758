#!/usr/bin/env bash
# initlab on an NVIDIA GPU (issue 20): whether a small grid's CSVs on the GPU agree with the
# CPU's, and steps/s on the GPU against one CPU thread and a PyTorch CUDA loop, widths 256 to
# 4096, depth 10, batches 128 and 1024 (what is measured and how: scripts/bench_gpu.py).
#
#   scripts/bench_gpu.sh [--initlab PATH] [--out DIR] [bench_gpu.py options: --quick, --skip speed, ...]
#
# Needs a machine with an NVIDIA GPU and driver ≥ 580 (CUDA 13), and a Python with torch built
# for CUDA ($PYTHON, default python3). Without --initlab it builds initlab with
# scripts/check_cuda_build.sh's toolkit (for CUDA_COMPUTE_CAP, default 90). The CUDA libraries
# a run loads (libcublas, libcurand) are taken from the system, or else from torch's own
# NVIDIA wheels. Tables go to stdout and to DIR (default target/bench-gpu). About 3 minutes on
# an H200. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=""
out="target/bench-gpu"
rest=()
while [ $# -gt 0 ]; do
    case "$1" in
        --initlab) bin="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) rest+=("$1"); shift ;;
    esac
done

python="${PYTHON:-python3}"
if ! "$python" -c 'import torch, numpy; assert torch.cuda.is_available()' 2>/dev/null; then
    echo "bench_gpu: $python has no torch that sees a GPU; set PYTHON to one that has (pip install torch numpy)" >&2
    exit 1
fi
if [ -z "$bin" ]; then
    eval "$(scripts/check_cuda_build.sh --env)"
    cargo build --release --features cuda
    bin="$CARGO_TARGET_DIR/release/initlab"
fi

# libcublas and libcurand: the system's, or the ones torch came with (NVIDIA's wheels keep them
# under site-packages/nvidia/*/lib).
if ! ldconfig -p 2>/dev/null | grep 'libcublas\.so' >/dev/null; then
    wheels=$("$python" - <<'EOF'
import glob, os
import nvidia
found = set()
for root in nvidia.__path__:
    for lib in glob.glob(os.path.join(root, "**", "lib", "libcu*.so*"), recursive=True):
        found.add(os.path.dirname(lib))
print(":".join(sorted(found)))
EOF
)
    export LD_LIBRARY_PATH="${wheels}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
"$bin" --version
mkdir -p "$out"
"$python" scripts/bench_gpu.py --initlab "$bin" --out "$out" "${rest[@]}"
