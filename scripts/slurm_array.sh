#!/usr/bin/env bash
# A SLURM array job that runs one experiment as 8 shards, then merges them.
#
#   sbatch scripts/slurm_array.sh experiments/quick.toml
#   # when every task is done:
#   initlab merge results/quick/shard-*-of-8
#
# Each task trains the runs whose grid index is its task id modulo 8 (initlab reads
# SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT), into
# results/<name>/shard-<i>-of-8/. A task that is killed or pre-empted resumes where it stopped
# when it is requeued: completed runs are never redone.
#SBATCH --job-name=initlab
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --requeue
set -euo pipefail

config=${1:?usage: sbatch scripts/slurm_array.sh CONFIG}
# One training per core; initlab never oversubscribes them.
exec ./target/release/initlab run "$config" --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet
