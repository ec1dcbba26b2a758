#!/usr/bin/env bash
# Memory and time of the results pipeline on a large sweep: experiments/many_runs.toml, 4,000
# tiny runs (depth 2, width 8) with statistics at every step (about 350 MB of tables).
# Measures, with GNU time, the peak resident memory and wall time of: the sweep (-j 2), a
# resume with nothing to do, `initlab plot`, `initlab report`; and the size of report.html.
# Targets (issue "never lose, hide or misreport a result"): peak <= 150 MB everywhere, a
# no-op resume <= 1 s, report.html <= 20 MB.
#
#   scripts/bench_results_memory.sh [OUT]     # OUT defaults to a temporary folder
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
cargo build --release -q
bin=$(pwd)/target/release/initlab
out=${1:-$(mktemp -d)/many_runs}
measure() { # label, command...
  local label=$1
  shift
  /usr/bin/time -f '%e %M' -o /tmp/initlab-bench-time "$@" >/dev/null 2>&1
  read -r secs kib </tmp/initlab-bench-time
  awk -v l="$label" -v s="$secs" -v k="$kib" 'BEGIN { printf "%-22s %7.2f s %8.1f MB\n", l, s, k / 1024 }'
}
echo "initlab $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, results in $out"
measure "sweep (-j 2)" "$bin" run experiments/many_runs.toml --out "$out" -j 2 --no-plot --quiet
measure "resume, nothing to do" "$bin" run experiments/many_runs.toml --out "$out" -j 2 --no-plot --quiet
measure "plot" "$bin" plot "$out"
measure "report" "$bin" report "$out"
printf '%-22s %7s   %8.1f MB\n' "tables" "" "$(du -cm "$out"/*.csv | tail -1 | cut -f1)"
awk -v b="$(stat -c %s "$out/report.html")" 'BEGIN { printf "%-22s %7s   %8.1f MB\n", "report.html", "", b / 1048576 }'
