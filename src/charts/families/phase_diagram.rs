//! `phase_diagram__A_sb2_S`: Schoenholz et al.'s (2017) trainability diagram, for a sweep
//! whose schemes are all `critical` with at least two σ_w² and two depths: the median final
//! test accuracy over (σ_w², depth) on categorical axes at the grid's values, with the
//! mean-field trainable depth 6·ξ_c on top (interpolated between the grid's values, dotted
//! along the top edge where it lies above the deepest row).

use super::{Family, Part, Stem};
use crate::charts::canvas::{
    number, Axis, Cell, ColorBar, Figure, HeatPanel, Overlay, Panel, Scale,
};
use crate::charts::common::slug;
use crate::config::Width;
use crate::init::InitScheme;
use crate::store::results::{quantile, ResultSet};
use crate::theory::MeanField;

pub const FAMILY: Family = Family {
    stems: &[
    Stem {
        name: "phase_diagram",
        part: Part::Outcome,
        reading: "Median final test accuracy over (σ_w², depth) for critical initializations: cells under the red 6·ξ_c curve should train and those above it should not (Schoenholz et al. 2017, Fig. 5).",
    },
],
    draw: phase_diagrams,
};

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
            // The curve in cell units: column i and row j are centred on i + 0.5, j + 0.5.
            let curve: Vec<(f64, f64)> = (0..=120)
                .map(|i| {
                    let w = ws[0] + (ws[ws.len() - 1] - ws[0]) * f64::from(i) / 120.0;
                    let depth = MeanField::new(activation, w, sigma_b2).trainable_depth();
                    (cell_coordinate(&ws, w), cell_coordinate(&depths, depth))
                })
                .collect();
            let clipped = curve.iter().any(|p| p.1 > depths.len() as f64);
            let mut widths: Vec<&Width> = rs.runs.iter().map(|r| &r.width).collect();
            widths.sort_unstable();
            widths.dedup();
            let scale = Axis::new(Scale::Linear, 0.0, 1.0);
            let panels = widths
                .iter()
                .map(|&width| {
                    let cells = depths
                        .iter()
                        .map(|&d| {
                            ws.iter()
                                .map(|&w| {
                                    let Some(label) = points
                                        .iter()
                                        .find(|p| p.1 == w && p.2 == sigma_b2)
                                        .map(|p| &p.0)
                                    else {
                                        return Cell::Empty;
                                    };
                                    let acc: Vec<f64> = rs
                                        .runs
                                        .iter()
                                        .filter(|r| {
                                            r.scheme() == *label
                                                && r.activation == act_label
                                                && r.width == *width
                                                && r.depth as f64 == d
                                        })
                                        .map(|r| r.final_test_acc.unwrap_or(0.0))
                                        .collect();
                                    quantile(&acc, 0.5)
                                        .map_or(Cell::Empty, |m| Cell::Value(m, format!("{m:.2}")))
                                })
                                .collect()
                        })
                        .collect();
                    Panel::Heat(HeatPanel {
                        caption: format!("{act_label}, width {width}"),
                        x_label: "σ_w²".into(),
                        y_label: "depth".into(),
                        columns: ws.iter().map(|&w| number(w)).collect(),
                        rows: depths.iter().map(|&d| number(d)).collect(),
                        cells,
                        scale: scale.clone(),
                        overlay: Some(Overlay {
                            label: if clipped {
                                "6·ξ_c, the mean-field trainable depth (dotted: above the deepest row)"
                                    .into()
                            } else {
                                "6·ξ_c, the mean-field trainable depth".into()
                            },
                            points: curve.clone(),
                        }),
                    })
                })
                .collect();
            figures.push(Figure {
                stem: format!("phase_diagram__{}", slug(&format!("{act_label}_sb2_{sigma_b2}"))),
                title: format!("Trainability: median final test accuracy over (σ_w², depth), σ_b² = {sigma_b2}"),
                panels,
                color_bar: Some(ColorBar {
                    label: "median final test accuracy".into(),
                    scale: scale.clone(),
                }),
            });
        }
    }
    figures
}

/// Where `v` falls on a categorical axis whose cells are centred on `i + 0.5` at the sorted
/// `values[i]`: linear between neighbouring values, and beyond the ends along the nearest
/// segment (from 0 at value 0 below the first one when there is only one).
fn cell_coordinate(values: &[f64], v: f64) -> f64 {
    let n = values.len();
    if n < 2 {
        return if values.first().is_some_and(|&a| a > 0.0) {
            0.5 * v / values[0]
        } else {
            0.5
        };
    }
    let i = values.windows(2).position(|w| v <= w[1]).unwrap_or(n - 2);
    let (a, b) = (values[i], values[i + 1]);
    i as f64 + 0.5 + (v - a) / (b - a)
}

#[cfg(test)]
mod tests {
    use super::cell_coordinate;

    #[test]
    fn values_map_to_cell_centres_and_between() {
        let depths = [10.0, 25.0, 50.0, 150.0];
        assert_eq!(cell_coordinate(&depths, 10.0), 0.5);
        assert_eq!(cell_coordinate(&depths, 50.0), 2.5);
        assert_eq!(cell_coordinate(&depths, 100.0), 3.0);
        // Above the deepest row: past the top edge (4), where the chart clips it.
        assert!(cell_coordinate(&depths, 400.0) > 4.0);
        assert!(cell_coordinate(&depths, 5.0) < 0.5);
    }
}
