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

pub const FAMILY: Family = Family {
    stems: &["act_var_train", "grad_var_train", "saturation_train"],
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
        figures.push(over_training(
            rs,
            &runs,
            hidden,
            &format!("act_var_train__{suffix}"),
            &format!("Activation variance over training: {caption}"),
            "Var(h^l), log scale",
            true,
            |l| l.act_var,
        ));
        figures.push(over_training(
            rs,
            &runs,
            hidden,
            &format!("grad_var_train__{suffix}"),
            &format!("Gradient variance over training: {caption}"),
            "Var(dloss_i/dz^l), log scale",
            true,
            |l| l.grad_var,
        ));
        figures.push(over_training(
            rs,
            &runs,
            hidden,
            &format!("saturation_train__{suffix}"),
            &format!("Saturated fraction over training: {caption}"),
            "saturated fraction",
            false,
            |l| l.saturation,
        ));
    }
    figures
}

/// Per scheme a panel, per hidden site (`depth` of them) a line of `value` against the step
/// (median over seeds).
fn over_training(
    rs: &ResultSet,
    runs: &[&RunRow],
    depth: usize,
    stem: &str,
    title: &str,
    y_label: &str,
    log_y: bool,
    value: fn(&LayerRow) -> f64,
) -> Figure {
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
