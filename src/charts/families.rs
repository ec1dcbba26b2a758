//! The chart families, each built from a [`ResultSet`] alone:
//!
//! 1. `act_var_init`: activation variance per hidden layer at initialization, one line per
//!    scheme (median over seeds, band = min–max), log y; one panel per group.
//! 2. `grad_var_init`: the same for the back-propagated gradient variance.
//! 3. `act_var_train__G`, `grad_var_train__G`: per group, one panel per scheme, one line per
//!    layer over training steps (Glorot & Bengio 2010, Figures 2–3 style).
//! 4. `saturation_init` (saturation solid, dead units dashed, per layer) and
//!    `saturation_train__G` (per layer over training).
//! 5. `loss` (training loss, running mean over `smooth` steps, median over seeds with a
//!    min–max band, log y) and `test_acc`.
//! 6. `steps_heatmap__G`: median steps to target over depth × width, one panel per scheme;
//!    grey = not converged, dark red = diverged.
//! 7. `hist_init__G`, `hist_final__G`: activation histograms per layer (first seed).

use std::collections::BTreeMap;

use super::canvas::{
    viridis, Cell, Figure, HeatPanel, LinePanel, Panel, PhasePanel, Series, CATEGORICAL,
};
use crate::init::InitScheme;
use crate::store::results::{quantile, Group, ResultSet};
use crate::store::rows::{LayerKind, LayerRow, RunRow, RunStatus};
use crate::theory::MeanField;

/// Every figure of a result set.
pub fn all_figures(rs: &ResultSet) -> Vec<Figure> {
    let mut figures = vec![
        by_layer_at_init(
            rs,
            "act_var_init",
            "Activation variance at initialization",
            "Var(h^l), log scale",
            (|l| l.act_var, |l| l.act_var_theory),
        ),
        by_layer_at_init(
            rs,
            "grad_var_init",
            "Back-propagated gradient variance at initialization",
            "Var(dloss_i/dz^l), log scale",
            (|l| l.grad_var, |l| l.grad_var_theory),
        ),
        saturation_at_init(rs),
        loss_curves(rs),
    ];
    if rs.has_test_acc() {
        figures.push(test_accuracy(rs));
    }
    for (group, runs) in rs.groups() {
        let suffix = slug(&rs.caption(&group));
        let caption = rs.caption(&group);
        figures.push(over_training(
            rs,
            &runs,
            &format!("act_var_train__{suffix}"),
            &format!("Activation variance over training: {caption}"),
            "Var(h^l), log scale",
            true,
            |l| l.act_var,
        ));
        figures.push(over_training(
            rs,
            &runs,
            &format!("grad_var_train__{suffix}"),
            &format!("Gradient variance over training: {caption}"),
            "Var(dloss_i/dz^l), log scale",
            true,
            |l| l.grad_var,
        ));
        figures.push(over_training(
            rs,
            &runs,
            &format!("saturation_train__{suffix}"),
            &format!("Saturated fraction over training: {caption}"),
            "saturated fraction",
            false,
            |l| l.saturation,
        ));
        for (initial, name) in [(true, "hist_init"), (false, "hist_final")] {
            if let Some(f) = histograms(rs, &runs, initial, &format!("{name}__{suffix}"), &caption)
            {
                figures.push(f);
            }
        }
    }
    figures.extend(heatmaps(rs));
    figures.extend(phase_diagrams(rs));
    figures
}

/// Edges of cells centred on sorted `centres` (half-way between neighbours).
fn edges(centres: &[f64]) -> Vec<(f64, f64)> {
    let n = centres.len();
    (0..n)
        .map(|i| {
            let left = if i > 0 {
                (centres[i - 1] + centres[i]) / 2.0
            } else {
                centres[0] - (centres.get(1).unwrap_or(&(centres[0] + 1.0)) - centres[0]) / 2.0
            };
            let right = if i + 1 < n {
                (centres[i] + centres[i + 1]) / 2.0
            } else {
                centres[n - 1]
                    + (centres[n - 1]
                        - centres
                            .get(n.wrapping_sub(2))
                            .copied()
                            .unwrap_or(centres[n - 1] - 1.0))
                        / 2.0
            };
            (left, right)
        })
        .collect()
}

/// Schoenholz et al.'s trainability diagram, for a sweep whose schemes are all `critical`
/// with at least two σ_w² and two depths: median final test accuracy over (σ_w², depth), one
/// figure per (activation, σ_b²) and a panel per width, with the 6·ξ_c curve on top.
fn phase_diagrams(rs: &ResultSet) -> Vec<Figure> {
    let Some(points): Option<Vec<(String, f64, f64)>> = rs
        .config
        .inits
        .iter()
        .map(|s| match *s {
            InitScheme::Critical { sigma_w2, sigma_b2 } => {
                Some((s.to_string(), sigma_w2, sigma_b2))
            }
            _ => None,
        })
        .collect()
    else {
        return Vec::new();
    };
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let depths = sorted(rs.runs.iter().map(|r| r.depth as f64).collect());
    let mut figures = Vec::new();
    for sigma_b2 in sorted(points.iter().map(|p| p.2).collect()) {
        let ws = sorted(
            points
                .iter()
                .filter(|p| p.2 == sigma_b2)
                .map(|p| p.1)
                .collect(),
        );
        if ws.len() < 2 || depths.len() < 2 {
            continue;
        }
        for activation in rs.config.activations.clone() {
            let act_label = activation.to_string();
            let curve: Vec<(f64, f64)> = (0..=120)
                .map(|i| {
                    let w = ws[0] + (ws[ws.len() - 1] - ws[0]) * f64::from(i) / 120.0;
                    (w, MeanField::new(activation, w, sigma_b2).trainable_depth())
                })
                .collect();
            let mut widths: Vec<usize> = rs.runs.iter().map(|r| r.width).collect();
            widths.sort_unstable();
            widths.dedup();
            let panels = widths
                .iter()
                .map(|&width| {
                    let mut cells = Vec::new();
                    for (&w, &(x0, x1)) in ws.iter().zip(&edges(&ws)) {
                        let Some(label) = points
                            .iter()
                            .find(|p| p.1 == w && p.2 == sigma_b2)
                            .map(|p| &p.0)
                        else {
                            continue;
                        };
                        for (&d, &(y0, y1)) in depths.iter().zip(&edges(&depths)) {
                            let acc: Vec<f64> = rs
                                .runs
                                .iter()
                                .filter(|r| {
                                    &r.init == label
                                        && r.activation == act_label
                                        && r.width == width
                                        && r.depth as f64 == d
                                })
                                .map(|r| r.final_test_acc.unwrap_or(0.0))
                                .collect();
                            if let Some(m) = quantile(&acc, 0.5) {
                                cells.push((x0, x1, y0, y1, m, format!("{m:.2}")));
                            }
                        }
                    }
                    Panel::Phase(PhasePanel {
                        caption: format!("{act_label}, width {width}"),
                        x_label: "sigma_w^2".into(),
                        y_label: "depth".into(),
                        cells,
                        curve_label: "6 xi_c (mean-field trainable depth)".into(),
                        curve: curve.clone(),
                    })
                })
                .collect();
            figures.push(Figure {
                stem: format!("phase_diagram__{}", slug(&format!("{act_label}_sb2_{sigma_b2}"))),
                title: format!("Trainability: median final test accuracy (yellow = 1, dark = 0), sigma_b^2 = {sigma_b2}"),
                panels,
            });
        }
    }
    figures
}

/// Letters, digits, `-` and `_`, for file names.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

fn scheme_color(rs: &ResultSet, scheme: &str) -> plotters::style::RGBColor {
    let i = rs.schemes().iter().position(|s| s == scheme).unwrap_or(0);
    CATEGORICAL[i % CATEGORICAL.len()]
}

/// (x, low, high) of a shaded band.
type Band = (f64, f64, f64);

/// Median and min–max of values collected per x.
fn summarize(per_x: BTreeMap<i64, Vec<f64>>) -> (Vec<(f64, f64)>, Vec<Band>) {
    let mut points = Vec::new();
    let mut band = Vec::new();
    for (x, v) in per_x {
        let x = x as f64;
        let finite: Vec<f64> = v.into_iter().filter(|v| v.is_finite()).collect();
        if let (Some(m), Some(lo), Some(hi)) = (
            quantile(&finite, 0.5),
            quantile(&finite, 0.0),
            quantile(&finite, 1.0),
        ) {
            points.push((x, m));
            band.push((x, lo, hi));
        }
    }
    (points, band)
}

/// The hidden layers' rows at initialization, by run id.
fn hidden_at_init(rs: &ResultSet) -> BTreeMap<&str, Vec<&LayerRow>> {
    let mut out: BTreeMap<&str, Vec<&LayerRow>> = BTreeMap::new();
    for l in rs
        .init_layers
        .iter()
        .filter(|l| l.kind == LayerKind::Hidden)
    {
        out.entry(l.run_id.as_str()).or_default().push(l);
    }
    out
}

/// Per group, one line per scheme of `value` against the layer index, at step 0.
/// A measured statistic and its mean-field prediction.
type Measure = (fn(&LayerRow) -> f64, fn(&LayerRow) -> Option<f64>);

/// Per group, one line per scheme of a statistic against the layer index at step 0, and dashed
/// the mean-field prediction for the same networks.
fn by_layer_at_init(
    rs: &ResultSet,
    stem: &str,
    title: &str,
    y_label: &str,
    (value, theory): Measure,
) -> Figure {
    let at_init = hidden_at_init(rs);
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let mut series = per_scheme(rs, &runs, |run| {
                at_init.get(run.run_id.as_str()).map_or(Vec::new(), |ls| {
                    ls.iter().map(|l| (l.layer as i64, value(l))).collect()
                })
            });
            for mut s in per_scheme(rs, &runs, |run| {
                at_init.get(run.run_id.as_str()).map_or(Vec::new(), |ls| {
                    ls.iter()
                        .filter_map(|l| theory(l).map(|t| (l.layer as i64, t)))
                        .collect()
                })
            }) {
                s.label = String::new();
                s.dashed = true;
                s.band.clear();
                series.push(s);
            }
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: "hidden layer l".into(),
                integer_x: true,
                y_label: y_label.into(),
                log_y: true,
                y_range: None,
                series,
            })
        })
        .collect();
    Figure {
        stem: stem.into(),
        title: format!("{title} (median over seeds, band: min-max; dashed: mean-field theory)"),
        panels,
    }
}

/// One series per scheme: the median over its runs of `(x, y)` points, with the min–max band.
fn per_scheme(
    rs: &ResultSet,
    runs: &[&RunRow],
    points: impl Fn(&RunRow) -> Vec<(i64, f64)>,
) -> Vec<Series> {
    let mut series = Vec::new();
    for scheme in rs.schemes() {
        let mut per_x: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for run in runs.iter().filter(|r| r.init == scheme) {
            for (x, y) in points(run) {
                per_x.entry(x).or_default().push(y);
            }
        }
        if per_x.is_empty() {
            continue;
        }
        let (points, band) = summarize(per_x);
        series.push(Series {
            label: scheme.clone(),
            color: scheme_color(rs, &scheme),
            points,
            band,
            dashed: false,
        });
    }
    series
}

fn saturation_at_init(rs: &ResultSet) -> Figure {
    let at_init = hidden_at_init(rs);
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let mut series = Vec::new();
            for (dashed, what, value) in [
                (
                    false,
                    "saturated",
                    (|l: &LayerRow| l.saturation) as fn(&LayerRow) -> f64,
                ),
                (true, "dead", |l: &LayerRow| l.dead_frac),
            ] {
                for mut s in per_scheme(rs, &runs, |run| {
                    at_init.get(run.run_id.as_str()).map_or(Vec::new(), |ls| {
                        ls.iter().map(|l| (l.layer as i64, value(l))).collect()
                    })
                }) {
                    s.label = format!("{} {what}", s.label);
                    s.dashed = dashed;
                    s.band.clear();
                    series.push(s);
                }
            }
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: "hidden layer l".into(),
                integer_x: true,
                y_label: "fraction".into(),
                log_y: false,
                y_range: Some((-0.02, 1.02)),
                series,
            })
        })
        .collect();
    Figure {
        stem: "saturation_init".into(),
        title:
            "Saturated entries (solid) and dead units (dashed) at initialization, median over seeds"
                .into(),
        panels,
    }
}

/// The running mean of the last `window` values.
fn running_mean(values: &[(usize, f64)], window: usize) -> Vec<(usize, f64)> {
    let mut sum = 0.0;
    let mut out = Vec::with_capacity(values.len());
    for (i, &(step, v)) in values.iter().enumerate() {
        sum += v;
        if i >= window {
            sum -= values[i - window].1;
        }
        out.push((step, sum / (i + 1).min(window) as f64));
    }
    out
}

fn loss_curves(rs: &ResultSet) -> Figure {
    let window = rs.config.train.smooth;
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let series = per_scheme(rs, &runs, |run| {
                let losses: Vec<(usize, f64)> = rs
                    .curves_of(&run.run_id)
                    .iter()
                    .filter_map(|c| c.train_loss.map(|l| (c.step, l)))
                    .collect();
                running_mean(&losses, window)
                    .into_iter()
                    .map(|(s, l)| (s as i64, l))
                    .collect()
            });
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: "step".into(),
                integer_x: false,
                y_label: "training loss, log scale".into(),
                log_y: true,
                y_range: None,
                series,
            })
        })
        .collect();
    Figure {
        stem: "loss".into(),
        title: format!(
            "Training loss (running mean over {window} steps; median over seeds, band: min-max)"
        ),
        panels,
    }
}

fn test_accuracy(rs: &ResultSet) -> Figure {
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let series = per_scheme(rs, &runs, |run| {
                rs.curves_of(&run.run_id)
                    .iter()
                    .filter_map(|c| c.test_acc.map(|a| (c.step as i64, a)))
                    .collect()
            });
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: "step".into(),
                integer_x: false,
                y_label: "test accuracy".into(),
                log_y: false,
                y_range: Some((0.0, 1.0)),
                series,
            })
        })
        .collect();
    Figure {
        stem: "test_acc".into(),
        title: "Test accuracy (median over seeds, band: min-max)".into(),
        panels,
    }
}

/// Per scheme a panel, per hidden layer a line of `value` against the step (median over
/// seeds).
fn over_training(
    rs: &ResultSet,
    runs: &[&RunRow],
    stem: &str,
    title: &str,
    y_label: &str,
    log_y: bool,
    value: fn(&LayerRow) -> f64,
) -> Figure {
    let depth = runs.first().map_or(1, |r| r.depth);
    let mut panels = Vec::new();
    for scheme in rs.schemes() {
        let mine: Vec<&&RunRow> = runs.iter().filter(|r| r.init == scheme).collect();
        if mine.is_empty() {
            continue;
        }
        // Per hidden layer, the values of every seed at every step (one run read at a time).
        let mut per_layer: Vec<BTreeMap<i64, Vec<f64>>> = vec![BTreeMap::new(); depth + 1];
        for run in &mine {
            for l in rs.layers_of(&run.run_id) {
                if l.kind == LayerKind::Hidden && (1..=depth).contains(&l.layer) {
                    per_layer[l.layer]
                        .entry(l.step as i64)
                        .or_default()
                        .push(value(&l));
                }
            }
        }
        let mut series = Vec::new();
        for (layer, per_step) in per_layer.into_iter().enumerate().skip(1) {
            let (points, _) = summarize(per_step);
            series.push(Series {
                label: format!("layer {layer}"),
                color: viridis(if depth > 1 {
                    (layer - 1) as f64 / (depth - 1) as f64
                } else {
                    0.0
                }),
                points,
                band: Vec::new(),
                dashed: false,
            });
        }
        panels.push(Panel::Lines(LinePanel {
            caption: scheme,
            x_label: "step".into(),
            integer_x: false,
            y_label: y_label.into(),
            log_y,
            y_range: if log_y { None } else { Some((-0.02, 1.02)) },
            series,
        }));
    }
    Figure {
        stem: stem.into(),
        title: format!("{title} (median over seeds)"),
        panels,
    }
}

fn histograms(
    rs: &ResultSet,
    runs: &[&RunRow],
    initial: bool,
    stem: &str,
    caption: &str,
) -> Option<Figure> {
    let mut panels = Vec::new();
    for scheme in rs.schemes() {
        let Some(run) = runs.iter().find(|r| r.init == scheme) else {
            continue;
        };
        let step = if initial { 0 } else { run.steps };
        let rows: Vec<_> = rs
            .histograms_of(&run.run_id)
            .into_iter()
            .filter(|h| h.step == step && h.layer <= run.depth)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let total: u64 = rows.iter().filter(|h| h.layer == 1).map(|h| h.count).sum();
        let series = (1..=run.depth)
            .map(|layer| Series {
                label: format!("layer {layer}"),
                color: viridis(if run.depth > 1 {
                    (layer - 1) as f64 / (run.depth - 1) as f64
                } else {
                    0.0
                }),
                points: rows
                    .iter()
                    .filter(|h| h.layer == layer)
                    .map(|h| ((h.lo + h.hi) / 2.0, h.count as f64 / total.max(1) as f64))
                    .collect(),
                band: Vec::new(),
                dashed: false,
            })
            .collect();
        panels.push(Panel::Lines(LinePanel {
            caption: format!("{scheme}, seed {}", run.seed),
            x_label: "activation value h".into(),
            integer_x: false,
            y_label: "fraction of entries per bin".into(),
            log_y: false,
            y_range: None,
            series,
        }));
    }
    (!panels.is_empty()).then(|| Figure {
        stem: stem.into(),
        title: format!(
            "Activation histograms {}: {caption}",
            if initial {
                "at initialization"
            } else {
                "after training"
            }
        ),
        panels,
    })
}

/// Per (everything but scheme, depth, width), one panel per scheme of median steps to target
/// over depth (rows) × width (columns).
fn heatmaps(rs: &ResultSet) -> Vec<Figure> {
    let mut keys: Vec<Group> = Vec::new();
    for r in &rs.runs {
        let k = Group {
            depth: 0,
            width: 0,
            ..Group::of(r)
        };
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut depths: Vec<usize> = rs.runs.iter().map(|r| r.depth).collect();
    depths.sort_unstable();
    depths.dedup();
    let mut widths: Vec<usize> = rs.runs.iter().map(|r| r.width).collect();
    widths.sort_unstable();
    widths.dedup();
    keys.into_iter()
        .map(|key| {
            let runs: Vec<&RunRow> = rs
                .runs
                .iter()
                .filter(|r| {
                    Group {
                        depth: 0,
                        width: 0,
                        ..Group::of(r)
                    } == key
                })
                .collect();
            let finite: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.steps_to_target)
                .map(|s| s.max(1) as f64)
                .collect();
            let scale = (
                finite.iter().copied().fold(f64::INFINITY, f64::min),
                finite.iter().copied().fold(0.0, f64::max),
            );
            let panels = rs
                .schemes()
                .into_iter()
                .map(|scheme| {
                    let cells = depths
                        .iter()
                        .map(|&d| {
                            widths
                                .iter()
                                .map(|&w| {
                                    heat_cell(runs.iter().copied().filter(|r| {
                                        r.init == scheme && r.depth == d && r.width == w
                                    }))
                                })
                                .collect()
                        })
                        .collect();
                    Panel::Heat(HeatPanel {
                        caption: scheme,
                        x_label: "width".into(),
                        y_label: "depth".into(),
                        columns: widths.iter().map(ToString::to_string).collect(),
                        rows: depths.iter().map(ToString::to_string).collect(),
                        cells,
                        scale,
                    })
                })
                .collect();
            let caption = rs.caption(&Group {
                depth: 0,
                width: 0,
                ..key.clone()
            });
            let caption = caption.replace(", depth 0, width 0", "");
            Figure {
                stem: format!("steps_heatmap__{}", slug(&caption)),
                title: format!(
                    "Median steps to target: {caption} (grey: not converged, red: diverged)"
                ),
                panels,
            }
        })
        .collect()
}

/// A cell: the median steps to target over seeds, counting runs that never reached it as
/// infinitely slow; when that median is infinite, diverged if most runs diverged.
fn heat_cell<'a>(runs: impl Iterator<Item = &'a RunRow>) -> Cell {
    let runs: Vec<&RunRow> = runs.collect();
    if runs.is_empty() {
        return Cell::Empty;
    }
    let steps: Vec<f64> = runs
        .iter()
        .map(|r| r.steps_to_target.map_or(f64::INFINITY, |s| s as f64))
        .collect();
    let reached = steps.iter().filter(|s| s.is_finite()).count();
    let median = quantile(&steps, 0.5).unwrap_or(f64::INFINITY);
    let count = format!("{reached}/{}", runs.len());
    if median.is_finite() {
        Cell::Value(median.max(1.0), format!("{median:.0} ({count})"))
    } else if 2 * runs
        .iter()
        .filter(|r| r.status == RunStatus::Diverged)
        .count()
        > runs.len()
    {
        Cell::Diverged(format!("div ({count})"))
    } else {
        Cell::NotConverged(format!("n/c ({count})"))
    }
}
