#!/usr/bin/env bash
# One experiment as a SLURM array: task i trains shard i of SHARDS (the runs whose grid index
# is i modulo SHARDS) into OUT/shard-i-of-SHARDS, and resumes there when requeued.
#
#   SHARDS=8 sbatch --array=0-7 scripts/slurm_array.sh experiments/quick.toml [initlab run options]
#   # when every task is done (merge refuses, naming them, while shards are missing):
#   initlab merge results/quick/shard-*-of-8
#
# - SHARDS is the number of shards of the experiment: keep it the same for every submission,
#   so that a resubmitted task (`SHARDS=8 sbatch --array=3 ...`) trains shard 3 of 8 again,
#   not the whole grid. Any subset of task ids works (`--array=0-6:2`, `--array=1,5`).
# - OUT is the parent folder of the shard folders [default: results/<name>].
# - Options after the config go to `initlab run` (`--set train.steps=100`, `--fail-fast`...);
#   not `--out` or `--shard`, which this script sets.
# - Relative paths are relative to the folder sbatch was called from; the binary is
#   $INITLAB_BIN, else `initlab` on PATH, else target/release/initlab there.
# - Each task prints one summary line (runs done before, new, diverged, failed) to its
#   slurm-<job>_<task>.out, which a requeue appends to.
#
# One CPU per task: initlab trains one run per CPU, so a task of --cpus-per-task=N (give it on
# the sbatch command line, within what the nodes have) trains N runs at a time. A fixed larger
# request here would leave the array pending forever on nodes with fewer CPUs.
#SBATCH --job-name=initlab
#SBATCH --cpus-per-task=1
#SBATCH --mem-per-cpu=2G
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

usage="usage: SHARDS=N sbatch --array=0-<N-1> scripts/slurm_array.sh CONFIG [initlab run options]"
config=${1:?$usage}
shift
shards=${SHARDS:?SHARDS is not set. $usage}
task=${SLURM_ARRAY_TASK_ID:?not a SLURM array task. $usage}
case "$shards" in '' | *[!0-9]* | 0) echo "SHARDS=$shards is not a positive number" >&2; exit 2 ;; esac
if [ "$task" -ge "$shards" ]; then
  echo "task $task is not a shard of SHARDS=$shards (0..$((shards - 1)))" >&2
  exit 2
fi
for arg in "$@"; do
  case "$arg" in --out | --out=* | --shard | --shard=*)
    echo "$arg: this script sets the shard and its folder; use SHARDS and OUT" >&2
    exit 2 ;;
  esac
done

cd "${SLURM_SUBMIT_DIR:-.}"
bin=${INITLAB_BIN:-$(command -v initlab || echo target/release/initlab)}
if [ ! -x "$bin" ]; then
  echo "no initlab binary at $bin: build it (cargo build --release) or set INITLAB_BIN" >&2
  exit 2
fi
# initlab reads the shard count from INITLAB_SHARDS when it is not given --shard.
export INITLAB_SHARDS=$shards
name=$("$bin" run "$config" --dry-run --shard "$task/$shards" "$@" | sed -n '1s/: .*//p')
out=${OUT:-results/$name}/shard-$task-of-$shards

echo "initlab task $task of $shards on $(hostname) (job ${SLURM_ARRAY_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0}): $out"
# Without --quiet initlab prints its summary line; progress bars are not drawn into a file.
exec "$bin" run "$config" --shard "$task/$shards" --out "$out" \
  --jobs "${SLURM_CPUS_PER_TASK:-1}" --no-plot "$@"
