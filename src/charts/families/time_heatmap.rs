//! `grad_time_train__G`: for recurrent networks, the back-propagated gradient's variance at
//! each time step (rows, `∂loss/∂h_t` at the `state` sites) at each probe of training
//! (columns), the median over seeds, one panel per scheme: how the vanishing of the gradient
//! through time changes as the network trains. Grey: a gradient that underflowed to exactly 0.

use std::collections::BTreeMap;

use super::{Family, Part, Stem};
use crate::charts::canvas::{Axis, Cell, ColorBar, Figure, HeatPanel, Panel, Scale};
use crate::charts::common::slug;
use crate::net::SiteKind;
use crate::store::results::{quantile, ResultSet};

pub const FAMILY: Family = Family {
    stems: &[Stem {
        name: "grad_time_train",
        part: Part::Training,
        reading: "Recurrent networks: the variance of the gradient reaching the hidden state at each time step (rows, the first step at the bottom) at each probe of training (columns), the median over seeds, one panel per scheme, on one log colour scale: a gradient that vanishes through time is dark at the early steps; grey: exactly 0 (underflow).",
    }],
    draw: heatmaps,
};

/// One figure per recurrent group.
fn heatmaps(rs: &ResultSet) -> Vec<Figure> {
    rs.groups()
        .into_iter()
        .filter(|(group, _)| group.recurrent())
        .filter_map(|(group, runs)| {
            // Per scheme: (time step, probe step) → the seeds' values.
            let mut per_scheme: BTreeMap<String, BTreeMap<(usize, usize), Vec<f64>>> =
                BTreeMap::new();
            for run in &runs {
                let cells = per_scheme.entry(run.scheme()).or_default();
                for l in rs.layers_of(&run.run_id) {
                    if let (SiteKind::State, Some(t)) = (l.kind, l.time) {
                        cells.entry((t, l.step)).or_default().push(l.grad_var);
                    }
                }
            }
            let mut times: Vec<usize> = per_scheme
                .values()
                .flat_map(|c| c.keys().map(|k| k.0))
                .collect();
            times.sort_unstable();
            times.dedup();
            let mut steps: Vec<usize> = per_scheme
                .values()
                .flat_map(|c| c.keys().map(|k| k.1))
                .collect();
            steps.sort_unstable();
            steps.dedup();
            if times.is_empty() {
                return None;
            }
            let medians: BTreeMap<(&str, usize, usize), f64> = per_scheme
                .iter()
                .flat_map(|(scheme, cells)| {
                    cells.iter().filter_map(move |(&(t, s), values)| {
                        Some(((scheme.as_str(), t, s), quantile(values, 0.5)?))
                    })
                })
                .collect();
            let positive = medians
                .values()
                .copied()
                .filter(|&v| v > 0.0 && v.is_finite());
            let (lo, hi) =
                positive.fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let scale = Axis::new(Scale::Log, lo, hi.max(lo));
            let panels = per_scheme
                .keys()
                .map(|scheme| {
                    let cells = times
                        .iter()
                        .map(|&t| {
                            steps
                                .iter()
                                .map(|&s| match medians.get(&(scheme.as_str(), t, s)) {
                                    Some(&v) if v > 0.0 && v.is_finite() => {
                                        Cell::Value(v, String::new())
                                    }
                                    Some(_) => Cell::NotConverged(String::new()),
                                    None => Cell::Empty,
                                })
                                .collect()
                        })
                        .collect();
                    Panel::Heat(HeatPanel {
                        caption: scheme.clone(),
                        x_label: "training step (probe)".into(),
                        y_label: "time step t".into(),
                        columns: steps.iter().map(ToString::to_string).collect(),
                        rows: times.iter().map(ToString::to_string).collect(),
                        cells,
                        scale: scale.clone(),
                        overlay: None,
                    })
                })
                .collect();
            let caption = rs.caption(&group);
            Some(Figure {
                stem: format!("grad_time_train__{}", slug(&caption)),
                title: format!(
                    "Gradient through time over training: {caption} (median over seeds)"
                ),
                panels,
                color_bar: Some(ColorBar {
                    label: "Var(∂lossᵢ/∂hₜ)".into(),
                    scale,
                }),
            })
        })
        .collect()
}
