//! `phase_diagram__A_sb2_S`: Schoenholz et al.'s (2017) trainability diagram, for a sweep
//! whose schemes are all `critical` with at least two σ_w² and two depths: the median final
//! test accuracy over (σ_w², depth), with the mean-field trainable depth 6·ξ_c on top.

use super::Family;
use crate::charts::canvas::{Figure, Panel, PhasePanel};
use crate::charts::common::{edges, slug};
use crate::init::InitScheme;
use crate::store::results::{quantile, ResultSet};
use crate::theory::MeanField;

pub const FAMILY: Family = Family {
    stems: &["phase_diagram"],
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
