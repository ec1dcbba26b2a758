#!/usr/bin/env bash
# Reproduces the classic results of experiments/reproduce/ and prints every claim's verdict:
# each config is trained into results/reproduce/<name>/ (re-running resumes: finished runs
# are not trained again, and edited claims are checked again), then `initlab check` prints
# its claims. docs/reproductions.md explains each result and shows the verdicts as this
# script printed them.
#
#   scripts/reproduce.sh            # all of them (about an hour on 2 cores; lstm_forget_bias alone 40 min)
#   scripts/reproduce.sh he_init    # one, by the name of its file
#   scripts/reproduce.sh --list
#
# Exits 1 when a claim fails, like `initlab check`; undecided claims are printed with their
# reason but do not fail the script. The verdicts also go to results/reproduce/verdicts.txt.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
configs=(experiments/reproduce/*.toml)
names=()
for c in "${configs[@]}"; do
  names+=("$(basename "$c" .toml)")
done

case "${1:-all}" in
  --list)
    printf '%s\n' "${names[@]}"
    exit 0
    ;;
  all) chosen=("${names[@]}") ;;
  *)
    if [ ! -f "experiments/reproduce/$1.toml" ]; then
      echo "reproduce: no experiments/reproduce/$1.toml; one of: ${names[*]}" >&2
      exit 2
    fi
    chosen=("$1")
    ;;
esac

cargo build --release --quiet
initlab=target/release/initlab
jobs=${JOBS:-$(nproc)}
mkdir -p results/reproduce
summary=results/reproduce/verdicts.txt
: >"$summary"
failed=0
{
  echo "initlab reproductions, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), --jobs $jobs on $(nproc) cores"
  echo
} | tee -a "$summary"
for name in "${chosen[@]}"; do
  out=results/reproduce/$name
  start=$(date +%s)
  "$initlab" run "experiments/reproduce/$name.toml" --out "$out" --jobs "$jobs" --quiet
  seconds=$(($(date +%s) - start))
  # check exits 1 on a failed claim; its FAIL lines say so, and are counted below.
  {
    echo "== $name ($seconds s)"
    "$initlab" check "$out" || true
    echo
  } 2>&1 | tee -a "$summary"
  if sed -n "/^== $name /,/^\$/p" "$summary" | grep -E '^FAIL ' >/dev/null; then
    failed=1
  fi
done
echo "reproduce: verdicts in $summary"
exit "$failed"
