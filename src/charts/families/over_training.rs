//! `act_var_train__G`, `grad_var_train__G` and `saturation_train__G`: per group, one panel
//! per scheme, one line per layer over training steps (Glorot & Bengio 2010, Figures 2–3
//! style).

use std::collections::BTreeMap;

use super::Family;
use crate::charts::canvas::{viridis, Figure, LinePanel, Panel, Series};
use crate::charts::common::{hidden_at_init, slug, summarize};
use crate::net::SiteKind;
use crate::store::results::ResultSet;
use crate::store::rows::{LayerRow, RunRow};

/// A statistic drawn over training.
struct Statistic {
    stem: &'static str,
    title: &'static str,
    y_label: &'static str,
    log_y: bool,
    value: fn(&LayerRow) -> f64,
}

/// The statistics of this family, in the order their figures are drawn.
const STATISTICS: [Statistic; 3] = [
    Statistic {
        stem: "act_var_train",
        title: "Activation variance over training",
        y_label: "Var(h^l), log scale",
        log_y: true,
        value: |l| l.act_var,
    },
    Statistic {
        stem: "grad_var_train",
        title: "Gradient variance over training",
        y_label: "Var(dloss_i/dz^l), log scale",
        log_y: true,
        value: |l| l.grad_var,
    },
    Statistic {
        stem: "saturation_train",
        title: "Saturated fraction over training",
        y_label: "saturated fraction",
        log_y: false,
        value: |l| l.saturation,
    },
];

pub const FAMILY: Family = Family {
    stems: &[STATISTICS[0].stem, STATISTICS[1].stem, STATISTICS[2].stem],
    draw,
};

fn draw(rs: &ResultSet) -> Vec<Figure> {
    let at_init = hidden_at_init(rs);
    let mut figures = Vec::new();
    for (group, runs) in rs.groups() {
        // The hidden probe sites, as the networks reported them at step 0.
        let hidden = runs
            .iter()
            .filter_map(|r| at_init.get(r.run_id.as_str()).map(Vec::len))
            .max()
            .unwrap_or(0);
        let suffix = slug(&rs.caption(&group));
        let caption = rs.caption(&group);
        for statistic in &STATISTICS {
            figures.push(over_training(
                rs,
                &runs,
                hidden,
                statistic,
                &format!("{}__{suffix}", statistic.stem),
                &format!("{}: {caption}", statistic.title),
            ));
        }
    }
    figures
}

/// Per scheme a panel, per hidden site (`depth` of them) a line of `value` against the step
/// (median over seeds).
fn over_training(
    rs: &ResultSet,
    runs: &[&RunRow],
    depth: usize,
    statistic: &Statistic,
    stem: &str,
    title: &str,
) -> Figure {
    let (y_label, log_y, value) = (statistic.y_label, statistic.log_y, statistic.value);
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
                if l.kind == SiteKind::Hidden && (1..=depth).contains(&l.layer) {
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
