//! What the chart families share: file-name slugs, one colour and marker per scheme, the
//! colour bar of layers, medians with min–max bands, and the hidden layers' rows at
//! initialization.

use std::collections::BTreeMap;

use super::canvas::{viridis, Axis, ColorBar, Marker, Role, Scale, Series, CATEGORICAL, MARKERS};
use crate::store::results::{quantile, Group, ResultSet};
use crate::store::rows::{LayerRow, RunRow};

/// A per-layer statistic's axis label as it reads for `group`: a recurrent network's sites are
/// time steps, and its gradient is taken at the state (`∂lossᵢ/∂hₜ`, not `∂lossᵢ/∂zˡ`).
pub fn label_for(group: &Group, label: &str) -> String {
    if group.recurrent() {
        label.replace("∂zˡ", "∂hₜ").replace('ˡ', "ₜ")
    } else {
        label.to_string()
    }
}

/// Letters, digits, `-` and `_`, for file names.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// A scheme's colour and marker, the same in every chart of a result set.
pub fn scheme_style(rs: &ResultSet, scheme: &str) -> (plotters::style::RGBColor, Marker) {
    let i = rs.schemes().iter().position(|s| s == scheme).unwrap_or(0);
    (
        CATEGORICAL[i % CATEGORICAL.len()],
        MARKERS[i % MARKERS.len()],
    )
}

/// The colour bar of `depth` hidden layers, and the colour of layer `l` on it.
pub fn layer_colors(
    depth: usize,
    label: &str,
) -> (ColorBar, impl Fn(usize) -> plotters::style::RGBColor) {
    let scale = Axis::new(Scale::Integer, 1.0, depth.max(2) as f64);
    let bar = ColorBar {
        label: label.into(),
        scale: scale.clone(),
    };
    (bar, move |l: usize| viridis(scale.fraction(l as f64)))
}

/// (x, low, high) of a shaded band.
pub type Band = (f64, f64, f64);

/// Median and min–max of values collected per x.
pub fn summarize(per_x: BTreeMap<i64, Vec<f64>>) -> (Vec<(f64, f64)>, Vec<Band>) {
    let mut points = Vec::new();
    let mut band = Vec::new();
    for (x, v) in per_x {
        let x = x as f64;
        let finite: Vec<f64> = v.into_iter().filter(|v| v.is_finite()).collect();
        if let (Some(m), Some(lo), Some(hi)) = (
            quantile(&finite, 0.5),
            quantile(&finite, 0.0),
            quantile(&finite, 1.0),
        ) {
            points.push((x, m));
            band.push((x, lo, hi));
        }
    }
    (points, band)
}

/// The rows at initialization of the sites along each network's depth (an MLP's hidden
/// layers, a residual network's stream per block), by run id.
pub fn depth_sites_at_init(rs: &ResultSet) -> BTreeMap<&str, Vec<&LayerRow>> {
    let mut out: BTreeMap<&str, Vec<&LayerRow>> = BTreeMap::new();
    for l in rs.init_layers.iter().filter(|l| l.depth_index().is_some()) {
        out.entry(l.run_id.as_str()).or_default().push(l);
    }
    out
}

/// One series per scheme: the median over its runs of `(x, y)` points, with the min–max band.
pub fn per_scheme(
    rs: &ResultSet,
    runs: &[&RunRow],
    points: impl Fn(&RunRow) -> Vec<(i64, f64)>,
) -> Vec<Series> {
    let mut series = Vec::new();
    for scheme in rs.schemes() {
        let mut per_x: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for run in runs.iter().filter(|r| r.scheme() == *scheme) {
            for (x, y) in points(run) {
                per_x.entry(x).or_default().push(y);
            }
        }
        if per_x.is_empty() {
            continue;
        }
        let (points, band) = summarize(per_x);
        let (color, marker) = scheme_style(rs, &scheme);
        series.push(Series {
            label: scheme.clone(),
            color,
            points,
            band,
            role: Role::Measured,
            marker: Some(marker),
        });
    }
    series
}

/// The running mean of the last `window` values.
pub fn running_mean(values: &[(usize, f64)], window: usize) -> Vec<(usize, f64)> {
    let mut sum = 0.0;
    let mut out = Vec::with_capacity(values.len());
    for (i, &(step, v)) in values.iter().enumerate() {
        sum += v;
        if i >= window {
            sum -= values[i - window].1;
        }
        out.push((step, sum / (i + 1).min(window) as f64));
    }
    out
}

/// `(depth index, value)` of a run's sites along its depth at initialization (see
/// [`LayerRow::depth_index`]), where `value` gives one.
pub fn points_at_init(
    at_init: &BTreeMap<&str, Vec<&LayerRow>>,
    run: &RunRow,
    value: impl Fn(&LayerRow) -> Option<f64>,
) -> Vec<(i64, f64)> {
    at_init.get(run.run_id.as_str()).map_or(Vec::new(), |ls| {
        ls.iter()
            .filter_map(|l| Some((l.depth_index()? as i64, value(l)?)))
            .collect()
    })
}
