#!/usr/bin/env bash
# Opens a results folder's report.html in headless Chromium and fails if the page does not
# load, logs a console error, or lacks its title; saves a screenshot beside it. Not part of
# CI: it exits 0 with a note when Chromium is absent (Debian: apt-get install chromium).
#
#   scripts/check_report_html.sh results/quick
set -euo pipefail

dir=${1:?usage: scripts/check_report_html.sh RESULTS_DIR}
page=$(realpath "$dir/report.html")
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "check_report_html: no Chromium found; skipped"
  exit 0
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$profile" --enable-logging=stderr --v=0)

dom=$("$browser" "${flags[@]}" --dump-dom "file://$page" 2>"$profile/log")
if grep -E 'CONSOLE.*(Uncaught|Error)|"source": "file' "$profile/log" | grep -v 'Fontconfig' >/dev/null; then
  echo "check_report_html: console errors:"
  grep -E 'CONSOLE' "$profile/log"
  exit 1
fi
grep -q '<h1>initlab report:' <<<"$dom" || { echo "check_report_html: the page has no title"; exit 1; }
# Charts are inlined as SVG, or, for a sweep too large to inline, linked as PNG from plots/.
svgs=$(grep -o '<svg' <<<"$dom" | wc -l || true)
linked=$(grep -o '<img src="[^"]*"' <<<"$dom" | sed 's/<img src="//; s/"$//' || true)
for png in $linked; do
  [ -f "$dir/$png" ] || { echo "check_report_html: linked chart $png is missing"; exit 1; }
done
links=$(wc -w <<<"$linked")
[ "$svgs" -gt 0 ] || [ "$links" -gt 0 ] || { echo "check_report_html: no charts"; exit 1; }
"$browser" "${flags[@]}" --window-size=1280,2400 --screenshot="$dir/report_screenshot.png" \
  "file://$page" 2>/dev/null
echo "check_report_html: $page loads without errors, $svgs inline charts, $links linked; screenshot $dir/report_screenshot.png"
