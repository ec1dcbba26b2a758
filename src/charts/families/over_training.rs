//! `act_var_train__G`, `grad_var_train__G`, `saturation_train__G`, `dead_train__G`,
//! `distinct_train__G`, `update_ratio_train__G` and `corr_train__G`: per group, one panel per scheme, one line per hidden layer over
//! training steps coloured by depth on one colour bar (Glorot & Bengio 2010, Figures 2–3
//! style), so that depth 150 reads as well as depth 3. The distinct-units figure is drawn only
//! for groups where a tenth of some layer's units coincide (unbroken symmetry, dead ReLUs).

use std::collections::BTreeMap;

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Role, Scale, Series, MARKERS};
use crate::charts::common::{depth_sites_at_init, label_for, layer_colors, slug, summarize};
use rayon::prelude::*;

use crate::store::results::{Group, ResultSet};
use crate::store::rows::{LayerRow, RunRow};
use plotters::style::RGBColor;

/// A statistic drawn over training.
struct Statistic {
    stem: &'static Stem,
    title: &'static str,
    y_label: &'static str,
    y_scale: Scale,
    /// The statistic of a layer row of a run.
    value: fn(&LayerRow, &RunRow) -> f64,
    /// Drawn only when some value is below [`COINCIDING`] (a fraction that is 1 in healthy
    /// networks).
    only_when_coinciding: bool,
}

/// The statistics of this family, in the order their figures are drawn.
const STATISTICS: [Statistic; 7] = [
    Statistic {
        stem: &STEMS[0],
        title: "Activation variance over training",
        y_label: "Var(hˡ)",
        y_scale: Scale::Log,
        value: |l, _| l.act_var,
        only_when_coinciding: false,
    },
    Statistic {
        stem: &STEMS[1],
        title: "Gradient variance over training",
        y_label: "Var(∂lossᵢ/∂zˡ)",
        y_scale: Scale::Log,
        value: |l, _| l.grad_var,
        only_when_coinciding: false,
    },
    Statistic {
        stem: &STEMS[2],
        title: "Saturated fraction over training",
        y_label: "saturated fraction",
        y_scale: Scale::Linear,
        value: |l, _| l.saturation,
        only_when_coinciding: false,
    },
    Statistic {
        stem: &STEMS[3],
        title: "Dead units over training",
        y_label: "fraction of dead units",
        y_scale: Scale::Linear,
        value: |l, _| l.dead_frac,
        only_when_coinciding: false,
    },
    Statistic {
        stem: &STEMS[4],
        title: "Distinct units over training",
        y_label: "distinct units / units",
        y_scale: Scale::Linear,
        value: |l, run| l.distinct_units as f64 / run.width.at(l.layer).max(1) as f64,
        only_when_coinciding: true,
    },
    Statistic {
        stem: &STEMS[5],
        title: "Relative size of each update over training",
        y_label: "‖ΔWˡ‖ / ‖Wˡ‖",
        y_scale: Scale::Log,
        value: |l, _| l.update_ratio.unwrap_or(f64::NAN),
        only_when_coinciding: false,
    },
    Statistic {
        stem: &STEMS[6],
        title: "Correlation of pairs of inputs over training",
        y_label: "mean cos(zˡ_a, zˡ_b)",
        y_scale: Scale::Linear,
        value: |l, _| l.corr.unwrap_or(f64::NAN),
        only_when_coinciding: false,
    },
];

/// The stems of the statistics' figures.
const STEMS: [Stem; 7] = [
    Stem {
        name: "act_var_train",
        part: Part::Training,
        reading: "One line per layer, coloured by depth: layers fanning out are depth-dependent scales; lines collapsing together mean training equalized them (Glorot and Bengio 2010, Figs. 2-3).",
    },
    Stem {
        name: "grad_var_train",
        part: Part::Training,
        reading: "The gradient variance per layer over training, coloured by depth: a spread that persists means layers learn at different speeds.",
    },
    Stem {
        name: "saturation_train",
        part: Part::Training,
        reading: "The saturated fraction per layer over training: the top layers saturating early and recovering slowly is Glorot and Bengio's sigmoid result.",
    },
    Stem {
        name: "dead_train",
        part: Part::Training,
        reading: "The fraction of units saturated on every probe example (dead ReLUs) per layer over training: a dead ReLU gets no gradient and stays dead.",
    },
    Stem {
        name: "distinct_train",
        part: Part::Training,
        reading: "The share of a layer's units whose activations over the probe batch differ from every other unit's: 1 when symmetry is broken; zero or constant weights keep it at one unit per layer for ever (1/width), and dead ReLUs count as one zero unit.",
    },
    Stem {
        name: "update_ratio_train",
        part: Part::Training,
        reading: "How far the update right after each probe moved each layer, relative to its weights (‖ΔW‖/‖W‖), coloured by depth: around 1e-3 per step is the usual rule of thumb; far below, a layer barely learns; near 1e-1 or above, steps are large enough to destabilize it. Layers spread over decades learn at very different speeds.",
    },
    Stem {
        name: "corr_train",
        part: Part::Training,
        reading: "How alike each layer makes pairs of inputs (the mean cosine of their pre-activations) over training, coloured by depth: at initialization deep layers of an ordered network see every input alike (near 1); training that separates the classes pulls the deep layers' correlation down, towards the class structure.",
    },
];

pub const FAMILY: Family = Family {
    stems: &STEMS,
    draw,
};

fn draw(rs: &ResultSet) -> Vec<Figure> {
    let at_init = depth_sites_at_init(rs);
    // Groups in parallel (each reads its runs' rows once), figures in group order.
    let per_group: Vec<Vec<Figure>> = rs
        .groups()
        .into_par_iter()
        .map(|(group, runs)| group_figures(rs, &at_init, &group, &runs))
        .collect();
    per_group.into_iter().flatten().collect()
}

/// One group's figures, one per statistic.
fn group_figures(
    rs: &ResultSet,
    at_init: &BTreeMap<&str, Vec<&LayerRow>>,
    group: &Group,
    runs: &[&RunRow],
) -> Vec<Figure> {
    // The sites along depth, as the networks reported them at step 0: hidden layers 1..=depth,
    // or a residual network's stream after blocks 1..=depth (block 0, the input projection,
    // is left out like the input).
    let depth = runs
        .iter()
        .filter_map(|r| at_init.get(r.run_id.as_str()))
        .flatten()
        .filter_map(|l| l.depth_index())
        .max()
        .unwrap_or(0);
    let suffix = slug(&rs.caption(group));
    let caption = rs.caption(group);
    let (color_bar, color) = layer_colors(depth, group.depth_axis());
    // Per statistic, one panel per scheme.
    let mut panels: Vec<Vec<Panel>> = STATISTICS.iter().map(|_| Vec::new()).collect();
    for scheme in rs.schemes() {
        let mine: Vec<&&RunRow> = runs.iter().filter(|r| r.scheme() == *scheme).collect();
        if mine.is_empty() {
            continue;
        }
        // Per statistic and hidden layer, the values of every seed at every step; each run's
        // rows are read once, for every statistic.
        let mut values: Vec<Vec<BTreeMap<i64, Vec<f64>>>> =
            vec![vec![BTreeMap::new(); depth + 1]; STATISTICS.len()];
        for run in &mine {
            for l in rs.layers_of(&run.run_id) {
                let Some(d) = l.depth_index().filter(|d| (1..=depth).contains(d)) else {
                    continue;
                };
                for (statistic, per_layer) in STATISTICS.iter().zip(&mut values) {
                    per_layer[d]
                        .entry(l.step as i64)
                        .or_default()
                        .push((statistic.value)(&l, run));
                }
            }
        }
        for ((statistic, per_layer), panels) in STATISTICS.iter().zip(values).zip(&mut panels) {
            panels.push(panel(statistic, &scheme, per_layer, &color));
        }
    }
    STATISTICS
        .iter()
        .zip(panels)
        .filter(|(statistic, panels)| {
            !statistic.only_when_coinciding || panels.iter().any(coinciding)
        })
        .map(|(statistic, mut panels)| {
            for p in &mut panels {
                if let Panel::Lines(lines) = p {
                    lines.y_label = label_for(group, &lines.y_label);
                }
            }
            (statistic, panels)
        })
        .map(|(statistic, panels)| Figure {
            stem: format!("{}__{suffix}", statistic.stem.name),
            title: format!("{}: {caption} (median over seeds)", statistic.title),
            panels,
            color_bar: Some(color_bar.clone()),
        })
        .collect()
}

/// The share of distinct units below which a layer's units visibly coincide: a tenth of them
/// (one saturated or dead pair alone does not make a chart worth reading).
const COINCIDING: f64 = 0.9;

/// Whether a panel has a point below [`COINCIDING`].
fn coinciding(panel: &Panel) -> bool {
    match panel {
        Panel::Lines(p) => p
            .series
            .iter()
            .any(|s| s.points.iter().any(|&(_, y)| y < COINCIDING)),
        _ => false,
    }
}

/// A scheme's panel: per hidden layer a line of the median over seeds against the step.
fn panel(
    statistic: &Statistic,
    scheme: &str,
    per_layer: Vec<BTreeMap<i64, Vec<f64>>>,
    color: &dyn Fn(usize) -> RGBColor,
) -> Panel {
    let series = per_layer
        .into_iter()
        .enumerate()
        .skip(1)
        .map(|(layer, per_step)| {
            let points = summarize(per_step).0;
            // A run that diverged at its first update has one probe, a point no line draws:
            // a marker shows it.
            let marker = (points.len() == 1).then_some(MARKERS[0]);
            Series {
                label: String::new(),
                color: color(layer),
                points,
                band: Vec::new(),
                role: Role::Ordered,
                marker,
            }
        })
        .collect();
    Panel::Lines(LinePanel {
        caption: scheme.to_string(),
        x_label: "step".into(),
        x_scale: Scale::Linear,
        y_label: statistic.y_label.into(),
        y_scale: statistic.y_scale,
        y_range: match statistic.y_scale {
            Scale::Log => None,
            _ => Some((-0.02, 1.02)),
        },
        series,
    })
}
