//! A results folder read back from its files alone: the resolved config and the five tables,
//! checked by the ledger first. Charts and reports read only this, so a folder copied to
//! another machine redraws the same.

use std::sync::Mutex;

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;

use crate::config::grid::{expand, grid_order};
use crate::config::{ExperimentConfig, Width};
use crate::net::architecture::Architecture;
use crate::store::files::{CONFIG_FILE, RUNS_CSV};
use crate::store::ledger::Ledger;
use crate::store::rows::{CurveRow, HistogramRow, LayerRow, RunRow, SpectrumRow};
use crate::store::tables::{read_table, Table};

/// A results folder, checked and indexed: the runs and every layer at initialization in
/// memory, the rows of one run at a time read on demand from their byte spans, so memory does
/// not grow with the length of the training curves.
pub struct ResultSet {
    pub config: ExperimentConfig,
    pub config_text: String,
    pub runs: Vec<RunRow>,
    /// Every run's `layers.csv` rows at step 0 (initialization), in file order.
    pub init_layers: Vec<LayerRow>,
    /// Runs of the config's grid: more than `runs` holds while a sweep is under way, or after
    /// `initlab merge --partial`.
    pub grid_runs: usize,
    /// The grid's runs that are not here, in grid order.
    pub missing: Vec<String>,
    ledger: Ledger,
    /// The first error of a read on demand (see [`ResultSet::check_reads`]).
    read_error: Mutex<Option<anyhow::Error>>,
}

/// The coordinates that group runs into one panel or table: everything but the scheme (with
/// the branch scheme) and the seed (and, for heatmaps and the coordinate check, depth or
/// width).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    pub dataset: String,
    pub activation: String,
    pub architecture: String,
    pub depth: usize,
    pub width: Width,
    pub parameterization: String,
    pub optimizer: String,
    pub lr: String,
    pub bias: String,
}

impl Group {
    /// Whether the group's networks are plain MLPs (whose probe sites are their layers).
    pub fn mlp(&self) -> bool {
        self.architecture == Architecture::default().to_string()
    }

    /// Whether the group's networks are recurrent (whose depth axis is time).
    pub fn recurrent(&self) -> bool {
        Architecture::recurrent_label(&self.architecture)
    }

    /// What the depth axis of the group's charts counts.
    pub fn depth_axis(&self) -> &'static str {
        if self.mlp() {
            "hidden layer l"
        } else if self.recurrent() {
            "time step t"
        } else {
            "block b (0: the input projection)"
        }
    }

    pub fn of(run: &RunRow) -> Self {
        Group {
            dataset: run.dataset.clone(),
            activation: run.activation.clone(),
            architecture: run.architecture.clone(),
            depth: run.depth,
            width: run.width.clone(),
            parameterization: run.parameterization.clone(),
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
        let grid = expand(&config);
        let order = grid_order(&grid);
        let ledger = Ledger::scan(dir, &|id| order.contains_key(id))?;
        if let Some(missing) = ledger.missing_tables().first() {
            bail!(
                "{} has no {}; resume the sweep (`initlab run {}` with --out {}) to write it",
                dir.display(),
                missing.file_name(),
                config_path.display(),
                dir.display()
            );
        }
        if let Some(note) = ledger.describe_damage() {
            bail!(
                "{}: {note}; resume the sweep (`initlab run {}` with --out {}) to train those \
                 runs again before drawing",
                dir.display(),
                config_path.display(),
                dir.display()
            );
        }
        let missing = grid
            .iter()
            .filter(|s| !ledger.complete().contains(&s.run_id))
            .map(|s| s.run_id.clone())
            .collect();
        let runs: Vec<RunRow> = read_table(&dir.join(RUNS_CSV))?;
        // Runs read in parallel where the caller runs in a pool of several threads (plot).
        let per_run: Vec<Vec<LayerRow>> = runs
            .par_iter()
            .map(|run| {
                let rows: Vec<LayerRow> = ledger.read_rows(Table::Layers, &run.run_id)?;
                // Collected in place, the few kept rows would hold the whole run's allocation.
                let mut at_init: Vec<LayerRow> = rows.into_iter().filter(|l| l.step == 0).collect();
                at_init.shrink_to_fit();
                Ok(at_init)
            })
            .collect::<Result<_>>()?;
        let init_layers = per_run.into_iter().flatten().collect();
        Ok(ResultSet {
            config,
            config_text,
            runs,
            init_layers,
            grid_runs: grid.len(),
            missing,
            ledger,
            read_error: Mutex::new(None),
        })
    }

    /// One run's `layers.csv` rows (empty if they cannot be read; see [`Self::check_reads`]).
    pub fn layers_of(&self, run_id: &str) -> Vec<LayerRow> {
        self.rows_of(Table::Layers, run_id)
    }

    /// One run's `curves.csv` rows.
    pub fn curves_of(&self, run_id: &str) -> Vec<CurveRow> {
        self.rows_of(Table::Curves, run_id)
    }

    /// One run's `histograms.csv` rows.
    pub fn histograms_of(&self, run_id: &str) -> Vec<HistogramRow> {
        self.rows_of(Table::Histograms, run_id)
    }

    /// One run's `spectra.csv` rows.
    pub fn spectra_of(&self, run_id: &str) -> Vec<SpectrumRow> {
        self.rows_of(Table::Spectra, run_id)
    }

    fn rows_of<T: DeserializeOwned>(&self, table: Table, run_id: &str) -> Vec<T> {
        self.ledger.read_rows(table, run_id).unwrap_or_else(|e| {
            self.lock_error().get_or_insert(e);
            Vec::new()
        })
    }

    fn lock_error(&self) -> std::sync::MutexGuard<'_, Option<anyhow::Error>> {
        // A panic elsewhere cannot leave an Option half-written: the value is still usable.
        self.read_error.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fails with the first error of a read on demand: the tables were checked when the set
    /// was loaded, so this is a file changed or lost since.
    pub fn check_reads(&self) -> Result<()> {
        match self.lock_error().take() {
            Some(e) => Err(e.context("a table changed while the charts were drawn")),
            None => Ok(()),
        }
    }

    /// Whether any run was evaluated for accuracy (classification).
    pub fn has_test_acc(&self) -> bool {
        self.runs.iter().any(|r| r.best_test_acc.is_some())
    }

    /// "Partial results: 38 of 40 runs of the grid are here; missing: a, b and 36 more.", or
    /// `None` when every run of the grid is here.
    pub fn coverage(&self) -> Option<String> {
        if self.missing.is_empty() {
            return None;
        }
        let shown: Vec<&str> = self.missing.iter().take(3).map(String::as_str).collect();
        let more = self.missing.len() - shown.len();
        Some(format!(
            "Partial results: {} of {} runs of the grid are here; missing: {}{}.",
            self.grid_runs - self.missing.len(),
            self.grid_runs,
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ))
    }

    /// Scheme labels in the order they first appear (grid order), which fixes their colours.
    pub fn schemes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.runs {
            let scheme = r.scheme();
            if !out.contains(&scheme) {
                out.push(scheme);
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

    /// A short caption for a group: activation, depth and width (with the architecture where
    /// it is not the MLP), plus whichever of dataset,
    /// parameterization, optimizer, learning rate and bias vary in this result set.
    pub fn caption(&self, g: &Group) -> String {
        let varies = |f: fn(&RunRow) -> String| {
            let first = self.runs.first().map(f);
            self.runs.iter().any(|r| Some(f(r)) != first)
        };
        let mut parts = vec![if g.mlp() {
            format!("{}, depth {}, width {}", g.activation, g.depth, g.width)
        } else if g.recurrent() {
            format!("{} {}, width {}", g.activation, g.architecture, g.width)
        } else {
            format!(
                "{} {}, {} blocks, width {}",
                g.activation, g.architecture, g.depth, g.width
            )
        }];
        if varies(|r| r.dataset.clone()) {
            parts.push(g.dataset.clone());
        }
        if varies(|r| r.parameterization.clone()) {
            parts.push(g.parameterization.clone());
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

    /// Layer rows at initialization by run id.
    pub fn init_layers_by_run(&self) -> BTreeMap<&str, Vec<&LayerRow>> {
        let mut out: BTreeMap<&str, Vec<&LayerRow>> = BTreeMap::new();
        for l in &self.init_layers {
            out.entry(l.run_id.as_str()).or_default().push(l);
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
