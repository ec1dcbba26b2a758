//! The report's coordinate-check table (Yang et al. 2022, "Tensor Programs V", Fig. 5): for
//! each group of runs that differ only in width, each scheme and each layer, the slope of
//! log₂ mean |z| against log₂ width at t = 1, 2 and 3 (probes at steps 0, 1 and 2), fitted by
//! least squares to the medians over seeds — the numbers behind the `coord_check` chart.

use crate::charts::families::coord_check::coordinate_checks;
use crate::stats::least_squares_slope;
use crate::store::results::{quantile, ResultSet};

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct SlopeRow {
    /// The group, without its width.
    pub group: String,
    pub scheme: String,
    /// `layer 2` or `read-out`.
    pub site: String,
    /// The slope at t = 1, 2, 3; `None` where fewer than two widths have a positive value.
    pub slopes: [Option<f64>; 3],
}

/// Every coordinate check's slopes, in the order of the checks, schemes and layers.
pub fn slopes(rs: &ResultSet) -> Vec<SlopeRow> {
    let mut rows: Vec<SlopeRow> = Vec::new();
    for check in coordinate_checks(rs) {
        for panel in &check.panels {
            let t = panel.step;
            for coord in &panel.sites {
                let site = coord.kind.site_label(coord.layer);
                let points: Vec<(f64, f64)> = coord
                    .per_width
                    .iter()
                    .filter_map(|(w, values)| {
                        quantile(values, 0.5).map(|m| ((*w as f64).log2(), m.log2()))
                    })
                    .collect();
                let slope = (points.len() >= 2).then(|| least_squares_slope(&points));
                let found = rows.iter_mut().find(|r| {
                    r.group == check.caption && r.scheme == panel.scheme && r.site == site
                });
                let row = match found {
                    Some(row) => row,
                    None => {
                        rows.push(SlopeRow {
                            group: check.caption.clone(),
                            scheme: panel.scheme.clone(),
                            site,
                            slopes: [None; 3],
                        });
                        rows.last_mut().expect("a row was just pushed")
                    }
                };
                if t < 3 {
                    row.slopes[t] = slope;
                }
            }
        }
    }
    rows
}
