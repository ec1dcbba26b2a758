#!/usr/bin/env bash
# scripts/slurm_array.sh on a real SLURM cluster: a single-node cluster set up on this machine
# (as root: Debian's slurm-wlm and munge, daemons started directly, no systemd), a sharded
# sweep submitted with the project's script, one task requeued while it runs, another
# resubmitted alone after losing a table, the shards merged, and the merged tables compared byte for byte with an unsharded run (wall_seconds
# aside). Stops its daemons by PID; exits non-zero on any mismatch. Not part of CI (it needs
# root services); its transcript summary is in the README.
#
#   sudo scripts/slurm_check.sh            # builds target/release/initlab first if needed
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "$(id -u)" = 0 ] || { echo "run as root: it installs packages and starts daemons" >&2; exit 2; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
[ -x target/release/initlab ] || cargo build --release
bin=$root/target/release/initlab

work=$(mktemp -d /tmp/initlab-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
say() { printf '== %s\n' "$*"; }

# --- munge: a key, the daemon as the munge user ---
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 400 /etc/munge/munge.key
chmod 755 /run/munge
runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid --force
sleep 1
pids+=("$(cat /run/munge/munged.pid)")
munge -n | unmunge >/dev/null
say "munged $(cat /run/munge/munged.pid) authenticates"

# --- slurm: this node with its real CPUs and memory ---
node=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
mkdir -p /etc/slurm "$work/spool/ctld" "$work/spool/d"
cat >/etc/slurm/slurm.conf <<EOF
ClusterName=initlab-check
SlurmctldHost=$node
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
StateSaveLocation=$work/spool/ctld
SlurmdSpoolDir=$work/spool/d
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=check Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld
slurmd
for _ in $(seq 50); do
  [ -s "$work/slurmctld.pid" ] && [ -s "$work/slurmd.pid" ] && break
  sleep 0.2
done
pids+=("$(cat "$work/slurmctld.pid")" "$(cat "$work/slurmd.pid")")
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && break
  sleep 1
done
sinfo -h -o %T | grep -qE '^idle' || { echo "the node never became idle:"; sinfo; tail "$work/slurmd.log"; exit 1; }
say "slurmctld and slurmd up: node $node, $cpus CPUs, $mem MB"

# --- a sharded sweep through the project's script ---
cfg=$work/check.toml
cat >"$cfg" <<'EOF'
name = "slurmcheck"
inits = ["lecun_normal", { scheme = "orthogonal", gain = 1.2 }, "he_normal"]
activations = ["tanh", "relu"]
depths = [3]
widths = [32]
seeds = [0, 1]
lrs = [0.1]

[train]
steps = 12000
batch_size = 16
probe_every = 500
probe_size = 64

[dataset]
kind = "gaussian_mixture"
classes = 3
dim = 8
samples = 300
EOF
shards=3
cd "$work"
job=$(SHARDS=$shards INITLAB_BIN=$bin OUT=$work/sharded sbatch --parsable --array=0-$((shards - 1)) \
  "$root/scripts/slurm_array.sh" "$cfg" --set train.smooth=10)
say "submitted array job $job ($shards tasks)"

# Requeue task 1 while it runs (SLURM kills it and runs it again; initlab resumes).
for _ in $(seq 120); do
  state=$(squeue -h -j "${job}_1" -o %T 2>/dev/null || true)
  runs=$work/sharded/shard-1-of-$shards/runs.csv
  [ "$state" = RUNNING ] && [ -f "$runs" ] && [ "$(wc -l <"$runs")" -ge 2 ] && break
  sleep 0.5
done
scontrol requeue "${job}_1"
say "requeued task 1 while $(($(wc -l <"$work/sharded/shard-1-of-$shards/runs.csv") - 1)) of its runs were done"

for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -j "$job")" ] || { echo "the array did not finish"; squeue; exit 1; }
for i in $(seq 0 $((shards - 1))); do
  say "task $i: $(grep -h 'initlab: .* runs:' slurm-"${job}"_"$i".out | tr '\n' ' ')"
done
restarts=$(grep -c "initlab task 1 of" "slurm-${job}_1.out")
[ "$restarts" -ge 2 ] || { echo "task 1 was not requeued (log of one start)"; exit 1; }

# --- resubmit one task the usual way: it trains its shard again, not the whole grid ---
rm "$work/sharded/shard-2-of-$shards/curves.csv"
job2=$(SHARDS=$shards INITLAB_BIN=$bin OUT=$work/sharded sbatch --parsable --array=2 \
  "$root/scripts/slurm_array.sh" "$cfg" --set train.smooth=10)
for _ in $(seq 300); do
  [ -z "$(squeue -h -j "$job2" 2>/dev/null)" ] && break
  sleep 1
done
say "resubmitted task 2 alone (job $job2): $(grep -h 'initlab: .* runs:' slurm-"${job2}"_2.out)"
grep -q "initlab: 4 runs: 0 already done, 4 trained now" "slurm-${job2}_2.out" \
  || { echo "the resubmitted task did not retrain exactly its 4 runs"; exit 1; }
[ ! -e "$work/sharded/shard-0-of-1" ] || { echo "a resubmitted task trained the whole grid"; exit 1; }

# --- merge and compare with an unsharded run ---
"$bin" merge "$work"/sharded/shard-*-of-$shards --out "$work/merged" --no-plot
"$bin" run "$cfg" --set train.smooth=10 --out "$work/whole" --quiet --no-plot
strip() { python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
wall = rows[0].index("wall_seconds") if "wall_seconds" in rows[0] else None
for r in rows:
    if wall is not None:
        r[wall] = ""
    print(",".join(r))
PY
}
status=0
for t in runs.csv layers.csv curves.csv histograms.csv spectra.csv; do
  if [ "$(strip "$work/merged/$t")" = "$(strip "$work/whole/$t")" ]; then
    say "$t: merged = unsharded ($(($(wc -l <"$work/whole/$t") - 1)) rows)"
  else
    say "$t: MISMATCH"
    status=1
  fi
done
cd "$root"
[ $status = 0 ] && say "SLURM check passed (work folder $work)" || say "SLURM check FAILED (work folder $work)"
exit $status
