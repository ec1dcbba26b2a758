#!/usr/bin/env bash
# `initlab plot` of two builds back to back on one results folder (the machine drifts between
# passes, so rounds alternate): wall time and peak memory per round, and the median ratio.
# Make the folder once, e.g. the 4,000-run sweep of experiments/many_runs.toml:
#
#   target/release/initlab run experiments/many_runs.toml --out /tmp/many --no-plot --quiet
#   scripts/bench_plot_two_builds.sh OLD_BINARY NEW_BINARY /tmp/many [ROUNDS]
#
# Each build draws into its own copy of the folder. Needs GNU time (apt-get install time).
set -euo pipefail
old=${1:?old binary}
new=${2:?new binary}
dir=${3:?results folder}
rounds=${4:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for b in old new; do
  mkdir -p "$work/$b"
  for f in "$dir"/*.csv "$dir"/config.toml "$dir"/manifest.toml; do ln -s "$(realpath "$f")" "$work/$b/"; done
done
declare -a ratios
for r in $(seq "$rounds"); do
  for b in old new; do
    bin=${!b}
    rm -rf "$work/$b/plots"
    /usr/bin/time -f '%e %M' -o "$work/t" "$bin" plot "$work/$b" >/dev/null 2>&1
    read -r secs kib <"$work/t"
    printf 'round %d %-3s %7.2f s %7.1f MB %4d files\n' "$r" "$b" "$secs" "$(bc -l <<<"$kib/1024")" "$(ls "$work/$b/plots" | wc -l)"
    declare "t_$b=$secs"
  done
  ratios+=("$(bc -l <<<"$t_old/$t_new")")
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median old/new: %.2fx over %d rounds\n", a[int((NR+1)/2)], NR}'
