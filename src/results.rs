//! A results folder read back from its files alone: the resolved config and the four tables.
//! Charts and reports read only this, so a folder copied to another machine redraws the same.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

use crate::config::ExperimentConfig;
use crate::output::{read_table, CURVES_CSV, HISTOGRAMS_CSV, LAYERS_CSV, RUNS_CSV};
use crate::records::{CurveRow, HistogramRow, LayerRow, RunRow};
use crate::results_dir::CONFIG_FILE;

/// Everything a results folder holds.
pub struct ResultSet {
    pub config: ExperimentConfig,
    pub config_text: String,
    pub runs: Vec<RunRow>,
    pub layers: Vec<LayerRow>,
    pub curves: Vec<CurveRow>,
    pub histograms: Vec<HistogramRow>,
}

/// The coordinates that group runs into one panel or table: everything but the scheme and the
/// seed (and, for heatmaps, depth and width).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    pub dataset: String,
    pub activation: String,
    pub depth: usize,
    pub width: usize,
    pub optimizer: String,
    pub lr: String,
    pub bias: String,
}

impl Group {
    pub fn of(run: &RunRow) -> Self {
        Group {
            dataset: run.dataset.clone(),
            activation: run.activation.clone(),
            depth: run.depth,
            width: run.width,
            optimizer: run.optimizer.clone(),
            lr: run.lr.to_string(),
            bias: run.bias.clone(),
        }
    }
}

impl ResultSet {
    pub fn load(dir: &Path) -> Result<Self> {
        let config_path = dir.join(CONFIG_FILE);
        let config_text = std::fs::read_to_string(&config_path).with_context(|| {
            format!(
                "{} is not an initlab results folder (cannot read {})",
                dir.display(),
                config_path.display()
            )
        })?;
        let config = toml::from_str(&config_text)
            .with_context(|| format!("{} does not parse", config_path.display()))?;
        let histograms_path = dir.join(HISTOGRAMS_CSV);
        Ok(ResultSet {
            config,
            config_text,
            runs: read_table(&dir.join(RUNS_CSV))?,
            layers: read_table(&dir.join(LAYERS_CSV))?,
            curves: read_table(&dir.join(CURVES_CSV))?,
            histograms: if histograms_path.exists() {
                read_table(&histograms_path)?
            } else {
                Vec::new()
            },
        })
    }

    /// Scheme labels in the order they first appear (grid order), which fixes their colours.
    pub fn schemes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.runs {
            if !out.contains(&r.init) {
                out.push(r.init.clone());
            }
        }
        out
    }

    /// Runs grouped by [`Group`], groups in grid order.
    pub fn groups(&self) -> Vec<(Group, Vec<&RunRow>)> {
        let mut out: Vec<(Group, Vec<&RunRow>)> = Vec::new();
        for r in &self.runs {
            let g = Group::of(r);
            match out.iter_mut().find(|(k, _)| *k == g) {
                Some((_, runs)) => runs.push(r),
                None => out.push((g, vec![r])),
            }
        }
        out
    }

    /// A short caption for a group: activation, depth and width, plus whichever of dataset,
    /// optimizer, learning rate and bias vary in this result set.
    pub fn caption(&self, g: &Group) -> String {
        let varies = |f: fn(&RunRow) -> String| {
            let first = self.runs.first().map(f);
            self.runs.iter().any(|r| Some(f(r)) != first)
        };
        let mut parts = vec![format!(
            "{}, depth {}, width {}",
            g.activation, g.depth, g.width
        )];
        if varies(|r| r.dataset.clone()) {
            parts.push(g.dataset.clone());
        }
        if varies(|r| r.optimizer.clone()) {
            parts.push(g.optimizer.clone());
        }
        if varies(|r| r.lr.to_string()) {
            parts.push(format!("lr {}", g.lr));
        }
        if varies(|r| r.bias.clone()) {
            parts.push(format!("bias {}", g.bias));
        }
        parts.join(", ")
    }

    /// Layer rows by run id.
    pub fn layers_by_run(&self) -> BTreeMap<&str, Vec<&LayerRow>> {
        let mut out: BTreeMap<&str, Vec<&LayerRow>> = BTreeMap::new();
        for l in &self.layers {
            out.entry(l.run_id.as_str()).or_default().push(l);
        }
        out
    }

    /// Curve rows by run id.
    pub fn curves_by_run(&self) -> BTreeMap<&str, Vec<&CurveRow>> {
        let mut out: BTreeMap<&str, Vec<&CurveRow>> = BTreeMap::new();
        for c in &self.curves {
            out.entry(c.run_id.as_str()).or_default().push(c);
        }
        out
    }
}

/// The `q`-quantile of `values` with linear interpolation between order statistics (R type 7,
/// NumPy's default); infinite values sort last. `None` when empty.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    if lo == hi || v[lo] == v[hi] {
        return Some(v[lo]);
    }
    Some(v[lo] + (pos - lo as f64) * (v[hi] - v[lo]))
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [7.0, 1.0, 3.0, 5.0];
        assert_eq!(quantile(&v, 0.5), Some(4.0));
        assert_eq!(quantile(&v, 0.25), Some(2.5));
        assert_eq!(quantile(&v, 0.75), Some(5.5));
        assert_eq!(quantile(&[2.0], 0.3), Some(2.0));
        assert_eq!(quantile(&[1.0, f64::INFINITY], 0.5), Some(f64::INFINITY));
        assert_eq!(quantile(&[1.0, 2.0, f64::INFINITY], 0.5), Some(2.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
