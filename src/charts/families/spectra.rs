//! `jacobian_spectrum` and `jacobian_spectrum_final`: the density of the singular values of
//! the hidden stack's Jacobian (`spectra.csv`, see `net::spectra`) at initialization and after
//! the last step, on a log₁₀ axis, one line per scheme (median over seeds of the non-empty
//! bins, band = min–max) on a log density axis (an isometric spike and a spread over decades
//! side by side), one panel per group. The first and last bins, unbounded (below 10⁻⁸, where
//! ReLU's exactly zero singular values fall, and above 10⁴), are drawn at the edges as if one
//! bin wide, so that a spectrum that vanished is a spike at the left edge, not a missing line.

use std::collections::BTreeMap;

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Scale, Series};
use crate::charts::common::per_scheme;
use crate::net::spectra::{BINS_PER_DECADE, LOWEST_DECADE};
use crate::store::results::ResultSet;
use crate::store::rows::RunRow;

pub const FAMILY: Family = Family {
    stems: &[
        Stem {
            name: "jacobian_spectrum",
            part: Part::Initialization,
            reading: "The singular values of the input–output Jacobian of the hidden layers at initialization (pooled over a few probe examples), as a density over log₁₀ s. Dynamical isometry is a narrow peak at s = 1 (log₁₀ s = 0): every direction of the input reaches the output with its length kept, as orthogonal weights near criticality achieve. A broad spread, or mass far to the left, means some directions are amplified and others all but erased, which grows with depth for Gaussian weights and for ReLU.",
        },
        Stem {
            name: "jacobian_spectrum_final",
            part: Part::Training,
            reading: "The same density after the last step: how training reshaped the Jacobian, read like the one at initialization.",
        },
    ],
    draw,
};

fn draw(rs: &ResultSet) -> Vec<Figure> {
    [
        (true, "jacobian_spectrum", "at initialization"),
        (false, "jacobian_spectrum_final", "after training"),
    ]
    .into_iter()
    .filter_map(|(initial, stem, when)| spectrum(rs, initial, stem, when))
    .collect()
}

/// The log₁₀ of a bin's centre.
fn centre(bin: i64) -> f64 {
    f64::from(LOWEST_DECADE) + (bin as f64 - 0.5) / f64::from(BINS_PER_DECADE)
}

/// A series cut where bins are empty, so that no line is drawn across decades without a value
/// (the pieces share the scheme's label, which the legend shows once).
fn split_at_gaps(s: Series) -> Vec<Series> {
    let step = 1.0 / f64::from(BINS_PER_DECADE);
    let mut pieces: Vec<Series> = Vec::new();
    let mut last: Option<f64> = None;
    for (point, band) in s.points.iter().zip(&s.band) {
        if last.is_none_or(|x| point.0 - x > 1.5 * step) {
            pieces.push(Series {
                points: Vec::new(),
                band: Vec::new(),
                ..s.clone()
            });
        }
        let piece = pieces.last_mut().expect("a piece was just pushed");
        piece.points.push(*point);
        piece.band.push(*band);
        last = Some(point.0);
    }
    pieces
}

fn spectrum(rs: &ResultSet, initial: bool, stem: &str, when: &str) -> Option<Figure> {
    let step = |run: &RunRow| if initial { 0 } else { run.steps };
    // Per run: the fraction of its singular values per bounded bin, as a density per unit of
    // log₁₀ s.
    let densities: BTreeMap<&str, BTreeMap<i64, f64>> = rs
        .runs
        .iter()
        .map(|run| {
            let rows: Vec<_> = rs
                .spectra_of(&run.run_id)
                .into_iter()
                .filter(|r| r.step == step(run))
                .collect();
            let total: u64 = rows.iter().map(|r| r.count).sum();
            let per_bin = rows
                .iter()
                .map(|r| {
                    let density = r.count as f64 / total as f64 * f64::from(BINS_PER_DECADE);
                    (r.bin as i64, density)
                })
                .collect();
            (run.run_id.as_str(), per_bin)
        })
        .collect();
    let panels: Vec<Panel> = rs
        .groups()
        .into_iter()
        .filter_map(|(group, runs)| {
            let mut series = per_scheme(rs, &runs, |run| {
                densities[run.run_id.as_str()]
                    .iter()
                    .map(|(&b, &d)| (b, d))
                    .collect()
            });
            for s in &mut series {
                for p in &mut s.points {
                    p.0 = centre(p.0 as i64);
                }
                for b in &mut s.band {
                    b.0 = centre(b.0 as i64);
                }
            }
            let series: Vec<Series> = series.into_iter().flat_map(split_at_gaps).collect();
            // A group whose networks have no Jacobian (one hidden layer) has no panel.
            (!series.is_empty()).then(|| {
                Panel::Lines(LinePanel {
                    caption: rs.caption(&group),
                    x_label: "log₁₀ singular value s (edges: all below 10⁻⁸ / above 10⁴)".into(),
                    x_scale: Scale::Linear,
                    y_label: "density per unit log₁₀ s".into(),
                    y_scale: Scale::Log,
                    y_range: None,
                    series,
                })
            })
        })
        .collect();
    (!panels.is_empty()).then(|| Figure {
        stem: stem.into(),
        title: format!(
            "Singular values of the Jacobian of the hidden layers {when} (median over seeds, band: min–max)"
        ),
        panels,
        color_bar: None,
    })
}
