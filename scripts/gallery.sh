#!/usr/bin/env bash
# Draws the chart gallery for a person to look at: experiments/gallery.toml (five schemes at
# depths 3, 30 and 150, tanh and ReLU; about 15 s) and a small phase diagram (about 20 s),
# then copies a few charts, reduced for the web, into docs/gallery/ (the README shows them).
# tests/gallery.rs checks the same families at the same depths by program.
#
#   scripts/gallery.sh [OUT]      # OUT defaults to a temporary folder; keeps every chart
#
# Needs ImageMagick's `convert` for the reduced copies (Debian: apt-get install imagemagick).
set -euo pipefail
cd "$(dirname "$0")/.."
imagemagick() { for c in magick /usr/bin/convert convert; do
  "$c" -version 2>/dev/null | grep -q ImageMagick && { echo "$c"; return; }; done; }
im=$(imagemagick || true)
if [ -z "$im" ]; then
  apt-get update -qq && apt-get install -y -qq imagemagick >/dev/null
  im=$(imagemagick || true)
fi
cargo build --release -q
bin=target/release/initlab
out=${1:-$(mktemp -d)}
"$bin" run experiments/gallery.toml --out "$out/gallery" --fresh --quiet
cat >"$out/phase.toml" <<'TOML'
name = "gallery_phase"
description = "A small trainability phase diagram: tanh, width 32, 150 steps"
inits = [
    { scheme = "critical", sigma_w2 = 1.0, sigma_b2 = 0.05 },
    { scheme = "critical", sigma_w2 = 1.5, sigma_b2 = 0.05 },
    { scheme = "critical", sigma_w2 = 1.76, sigma_b2 = 0.05 },
    { scheme = "critical", sigma_w2 = 2.5, sigma_b2 = 0.05 },
    { scheme = "critical", sigma_w2 = 4.0, sigma_b2 = 0.05 },
]
activations = ["tanh"]
depths = [5, 10, 25, 50, 100]
widths = [32]
seeds = [0]
lrs = [0.003]
optimizers = ["sgd"]
[train]
steps = 150
batch_size = 64
probe_every = 50
probe_size = 128
eval_every = 50
target = { test_acc = 0.5 }
[dataset]
kind = "digits"
TOML
"$bin" run "$out/phase.toml" --out "$out/phase" --fresh --quiet
mkdir -p docs/gallery
reduce() { # source, name: at most 1400 pixels wide, 64 colours
  "$im" "$1" -resize '1400x>' -colors 64 -strip "PNG8:docs/gallery/$2.png"
}
reduce "$out/gallery/plots/act_var_init.png" act_var_init
reduce "$out/gallery/plots/corr_init.png" corr_init
reduce "$out/gallery/plots/act_var_train__tanh_depth_150_width_32.png" act_var_train_depth_150
reduce "$out/gallery/plots/hist_init__relu_depth_30_width_32.png" hist_init_relu_depth_30
reduce "$out/gallery/plots/loss.png" loss
reduce "$out/gallery/plots/steps_heatmap__tanh.png" steps_heatmap
reduce "$out/phase/plots/phase_diagram__tanh_sb2_0.05.png" phase_diagram
du -ch docs/gallery/*.png | tail -1
echo "gallery: every chart in $out/gallery/plots and $out/phase/plots; reduced copies in docs/gallery/"
