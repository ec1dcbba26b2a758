//! `hist_init__G` and `hist_final__G`: the distribution of the activations of every hidden
//! layer at initialization and after the last step (the first seed of each scheme), as a
//! layer × value density map: one row per layer, colour = the fraction of the layer's probe
//! entries in each bin on a log scale shared by the figure, and exact zeros (ReLU's inactive
//! units) in a column apart. Each layer's bins span its own values, so a vanishing layer shows
//! as a thin line at 0 rather than disappearing into one bin.

use super::{Family, Part, Stem};
use crate::charts::canvas::{Axis, ColorBar, DensityBin, DensityPanel, Figure, Panel, Scale};
use crate::charts::common::{depth_sites_at_init, slug};
use crate::store::results::ResultSet;
use crate::store::rows::RunRow;

pub const FAMILY: Family = Family {
    stems: &[
    Stem {
        name: "hist_init",
        part: Part::Initialization,
        reading: "One row per layer, colour = the share of the layer's entries in each bin (log scale): mass piling at ±1 is saturation, a row narrowing to a line at 0 a vanishing signal; the column apart is the share of exact zeros (ReLU's inactive units).",
    },
    Stem {
        name: "hist_final",
        part: Part::Training,
        reading: "The activation distribution per layer after the last step, read like the one at initialization.",
    },
],
    draw,
};

fn draw(rs: &ResultSet) -> Vec<Figure> {
    let at_init = depth_sites_at_init(rs);
    // The sites along depth of a run, in order: their `layer` in histograms.csv and their
    // position along depth (the hidden layer, or the block of a residual stream).
    let hidden = |run: &RunRow| -> Vec<(usize, usize)> {
        at_init.get(run.run_id.as_str()).map_or(Vec::new(), |ls| {
            ls.iter()
                .filter_map(|l| Some((l.layer, l.depth_index()?)))
                .collect()
        })
    };
    let mut figures = Vec::new();
    for (group, runs) in rs.groups() {
        let suffix = slug(&rs.caption(&group));
        let caption = rs.caption(&group);
        for (initial, name) in [(true, "hist_init"), (false, "hist_final")] {
            if let Some(f) = histograms(
                rs,
                &runs,
                &hidden,
                initial,
                &format!("{name}__{suffix}"),
                &caption,
                group.depth_axis(),
            ) {
                figures.push(f);
            }
        }
    }
    figures
}

/// The fraction of a layer's entries below which bins are not coloured.
const FLOOR: f64 = 1e-4;

fn histograms(
    rs: &ResultSet,
    runs: &[&RunRow],
    hidden: &dyn Fn(&RunRow) -> Vec<(usize, usize)>,
    initial: bool,
    stem: &str,
    caption: &str,
    depth_axis: &str,
) -> Option<Figure> {
    // Per scheme: its run, and per layer the bins as fractions of the layer's entries.
    let mut maps = Vec::new();
    for scheme in rs.schemes() {
        let Some(run) = runs.iter().find(|r| r.scheme() == *scheme) else {
            continue;
        };
        let step = if initial { 0 } else { run.steps };
        // The sites along depth (the read-out's histogram and the branches' are not drawn),
        // one row each in order.
        let (sites, positions): (Vec<usize>, Vec<usize>) = hidden(run).into_iter().unzip();
        let depth = sites.len();
        let row_of = |layer: usize| sites.iter().position(|&s| s == layer);
        let rows: Vec<_> = rs
            .histograms_of(&run.run_id)
            .into_iter()
            .filter(|h| h.step == step && row_of(h.layer).is_some())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut totals = vec![0u64; depth];
        for h in &rows {
            totals[row_of(h.layer).unwrap_or(0)] += h.count;
        }
        let fraction = |h: &crate::store::rows::HistogramRow| {
            h.count as f64 / totals[row_of(h.layer).unwrap_or(0)].max(1) as f64
        };
        let bins: Vec<DensityBin> = rows
            .iter()
            .filter(|h| h.hi > h.lo)
            .map(|h| DensityBin {
                row: row_of(h.layer).unwrap_or(0),
                lo: h.lo,
                hi: h.hi,
                value: fraction(h),
            })
            .collect();
        let zeros: Vec<(usize, f64)> = rows
            .iter()
            .filter(|h| h.hi == h.lo)
            .map(|h| (row_of(h.layer).unwrap_or(0), fraction(h)))
            .collect();
        maps.push((scheme, run, positions, bins, zeros));
    }
    if maps.is_empty() {
        return None;
    }
    let top = maps
        .iter()
        .flat_map(|m| m.3.iter().map(|b| b.value).chain(m.4.iter().map(|z| z.1)))
        .fold(FLOOR * 10.0, f64::max);
    let scale = Axis::new(Scale::Log, FLOOR, top);
    let any_zeros = maps.iter().any(|m| m.4.iter().any(|z| z.1 > 0.0));
    let panels = maps
        .into_iter()
        .map(|(scheme, run, positions, bins, zeros)| {
            Panel::Density(DensityPanel {
                caption: format!("{scheme}, seed {}", run.seed),
                x_label: "activation value h".into(),
                y_label: depth_axis.into(),
                rows: positions.iter().map(ToString::to_string).collect(),
                bins,
                point_mass: any_zeros.then(|| ("exact 0".to_string(), zeros)),
                scale: scale.clone(),
            })
        })
        .collect();
    Some(Figure {
        stem: stem.into(),
        title: format!(
            "Activations per layer {}: {caption}",
            if initial {
                "at initialization"
            } else {
                "after training"
            }
        ),
        panels,
        color_bar: Some(ColorBar {
            label: "fraction of the layer's entries per bin".into(),
            scale,
        }),
    })
}
