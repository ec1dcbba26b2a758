//! `steps_heatmap__G`: median steps to target over depth × width, one panel per scheme;
//! grey = not converged, dark red = diverged.

use super::{Family, Part, Stem};
use crate::charts::canvas::{Axis, Cell, ColorBar, Figure, HeatPanel, Panel, Scale};
use crate::charts::common::slug;
use crate::config::Width;
use crate::store::results::{quantile, Group, ResultSet};
use crate::store::rows::{RunRow, RunStatus};

pub const FAMILY: Family = Family {
    stems: &[
    Stem {
        name: "steps_heatmap",
        part: Part::Outcome,
        reading: "Median steps to the target over depth and width, one panel per scheme: darker is faster; the text gives the median and how many seeds reached the target; grey: most never reached it; dark red: most diverged.",
    },
],
    draw: heatmaps,
};

/// Per (everything but scheme, depth, width), one panel per scheme of median steps to target
/// over depth (rows) × width (columns).
fn heatmaps(rs: &ResultSet) -> Vec<Figure> {
    let mut keys: Vec<Group> = Vec::new();
    for r in &rs.runs {
        let k = Group {
            depth: 0,
            width: Width::default(),
            ..Group::of(r)
        };
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut depths: Vec<usize> = rs.runs.iter().map(|r| r.depth).collect();
    depths.sort_unstable();
    depths.dedup();
    let mut widths: Vec<&Width> = rs.runs.iter().map(|r| &r.width).collect();
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
                        width: Width::default(),
                        ..Group::of(r)
                    } == key
                })
                .collect();
            let finite: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.steps_to_target)
                .map(|s| s.max(1) as f64)
                .collect();
            // One log scale for the figure, from the fastest to the slowest run that reached
            // the target.
            let scale = Axis::new(
                Scale::Log,
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
                                        r.scheme() == *scheme && r.depth == d && r.width == *w
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
                        scale: scale.clone(),
                        overlay: None,
                    })
                })
                .collect();
            let caption = rs.caption(&Group {
                depth: 0,
                width: Width::default(),
                ..key.clone()
            });
            let caption = caption
                .replace(", depth 0, width 0", "")
                .replace(", 0 blocks, width 0", "")
                .replace(", width 0", "");
            Figure {
                stem: format!("steps_heatmap__{}", slug(&caption)),
                title: format!("Median steps to target: {caption}"),
                panels,
                color_bar: Some(ColorBar {
                    label: "median steps to target (cell text: median, runs that reached it)"
                        .into(),
                    scale,
                }),
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
