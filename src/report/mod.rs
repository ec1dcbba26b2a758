//! The comparison report, from a results folder alone: `report.md` and a self-contained
//! `report.html` (charts inlined as SVG). [`Report`] holds the numbers, its
//! [`document`](Report::document) the text, once; each format is a [`Reporter`] that renders
//! the document.
//!
//! It opens with a summary per group (everything but scheme and seed): the fastest scheme and
//! whether it is significantly ahead of the next, the schemes that failed, and where the
//! signal vanished or exploded at initialization, measured beside mean-field theory. Then, for
//! grids with several factors, what mattered ([`effects`]); per group the ranking of the
//! schemes that reached the target by median steps over seeds (with the interquartile range,
//! the converged / diverged counts, the median final test accuracy and the median area under
//! the loss curve) and, unranked, those that did not; a two-sided Mann–Whitney U test of the
//! fastest against each other scheme at 5% when the seeds allow one; the signal-propagation
//! table; and the charts in reading order (initialization, training, outcome), each with how
//! to read it.

mod charts;
pub mod coordinates;
pub mod document;
pub mod effects;
mod html;
mod markdown;
mod ratio;
mod summary;

pub use ratio::Ratio;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::charts::{number, plot_all};
use crate::claims::ClaimResult;
use crate::store::files::PLOTS_DIR;
use crate::store::results::{quantile, ResultSet};
use crate::store::rows::{RunRow, RunStatus};
use crate::store::tables::write_atomic;

pub use charts::{chart_refs, ChartRef};
pub use html::Html;
pub use markdown::Markdown;

/// A report format.
pub trait Reporter {
    /// The file name inside the results folder.
    fn file_name(&self) -> &'static str;
    /// The report as text; `charts` are the chart files (PNG and SVG) under `DIR/plots/`.
    fn render(&self, report: &Report, dir: &Path) -> Result<String>;
}

/// One scheme's line in a ranking table.
#[derive(Debug, Clone, PartialEq)]
pub struct RankRow {
    pub scheme: String,
    pub runs: usize,
    pub converged: usize,
    pub diverged: usize,
    /// Median steps to target; +∞ when most runs never reached it.
    pub median_steps: f64,
    pub q25: f64,
    pub q75: f64,
    pub median_test_acc: Option<f64>,
    pub median_auc: Option<f64>,
    /// Steps to target of each run (+∞ when not reached), for the significance test.
    pub steps: Vec<f64>,
}

/// A comparison of the best scheme with another.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub best: String,
    pub other: String,
    pub p_value: f64,
}

/// Ratios of the last to the first hidden layer's variances at initialization (median over
/// seeds): below 1 the forward signal vanishes with depth, above 1 it explodes; for the
/// gradient, above 1 means it shrinks towards the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Propagation {
    pub scheme: String,
    pub act_ratio: Ratio,
    pub grad_ratio: Ratio,
    /// The same ratios of the mean-field predictions, where theory describes the scheme.
    pub act_theory: Option<Ratio>,
    pub grad_theory: Option<Ratio>,
}

/// What a recurrent network's signal-propagation ratios compare: its hidden state over time.
pub const STATE_SITES: &str = "time step's state";

/// One group's section.
#[derive(Debug, Clone)]
pub struct Section {
    pub caption: String,
    /// What the signal-propagation ratios compare: an MLP's "hidden-layer" variances, a
    /// residual network's "stream" variances, a recurrent network's [`STATE_SITES`].
    pub depth_sites: &'static str,
    pub ranking: Vec<RankRow>,
    pub propagation: Vec<Propagation>,
    pub comparisons: Vec<Comparison>,
}

/// Everything a report says.
pub struct Report {
    pub name: String,
    pub description: String,
    pub config_text: String,
    pub target: String,
    /// Set when runs of the grid are missing (see [`ResultSet::coverage`]).
    pub coverage: Option<String>,
    pub sections: Vec<Section>,
    /// What mattered, for grids with several factors.
    pub effects: Vec<effects::Effect>,
    pub charts: Vec<ChartRef>,
    /// The verdicts of the experiment's claims (`claims.csv`).
    pub claims: Vec<ClaimResult>,
    /// The coordinate checks' slopes over width, where the results hold one.
    pub coordinates: Vec<coordinates::SlopeRow>,
}

/// The ranking of the schemes among `runs` (one group), best first.
pub fn ranking(runs: &[&RunRow], schemes: &[String]) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = schemes
        .iter()
        .filter_map(|scheme| {
            let mine: Vec<&&RunRow> = runs.iter().filter(|r| r.scheme() == *scheme).collect();
            if mine.is_empty() {
                return None;
            }
            let steps: Vec<f64> = mine
                .iter()
                .map(|r| r.steps_to_target.map_or(f64::INFINITY, |s| s as f64))
                .collect();
            let acc: Vec<f64> = mine.iter().filter_map(|r| r.final_test_acc).collect();
            let auc: Vec<f64> = mine.iter().filter_map(|r| r.auc_train_loss).collect();
            Some(RankRow {
                scheme: scheme.clone(),
                runs: mine.len(),
                converged: mine
                    .iter()
                    .filter(|r| r.status == RunStatus::Converged)
                    .count(),
                diverged: mine
                    .iter()
                    .filter(|r| r.status == RunStatus::Diverged)
                    .count(),
                median_steps: quantile(&steps, 0.5).unwrap_or(f64::INFINITY),
                q25: quantile(&steps, 0.25).unwrap_or(f64::INFINITY),
                q75: quantile(&steps, 0.75).unwrap_or(f64::INFINITY),
                median_test_acc: quantile(&acc, 0.5),
                median_auc: quantile(&auc, 0.5),
                steps,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        a.median_steps.total_cmp(&b.median_steps).then(
            a.median_auc
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.median_auc.unwrap_or(f64::INFINITY)),
        )
    });
    rows
}

impl Report {
    /// Builds the report of a result set; `charts` are the files `plot_all` wrote.
    pub fn build(rs: &ResultSet, charts: Vec<PathBuf>) -> Self {
        let schemes = rs.schemes();
        let layers = rs.init_layers_by_run();
        let sections = rs
            .groups()
            .into_iter()
            .map(|(group, runs)| {
                let ranking = ranking(&runs, &schemes);
                let comparisons = match ranking.first() {
                    Some(best) if best.median_steps.is_finite() => ranking[1..]
                        .iter()
                        .map(|other| Comparison {
                            best: best.scheme.clone(),
                            other: other.scheme.clone(),
                            p_value: crate::stats::mann_whitney(&best.steps, &other.steps).1,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let propagation = schemes
                    .iter()
                    .filter_map(|scheme| {
                        let (mut act, mut grad) = (Vec::new(), Vec::new());
                        let (mut act_theory, mut grad_theory) = (Vec::new(), Vec::new());
                        for run in runs.iter().filter(|r| r.scheme() == *scheme) {
                            let hidden: Vec<_> = layers
                                .get(run.run_id.as_str())
                                .into_iter()
                                .flatten()
                                .filter(|l| l.step == 0 && l.depth_index().is_some())
                                .collect();
                            if let (Some(first), Some(last)) = (hidden.first(), hidden.last()) {
                                act.push((first.act_var, last.act_var));
                                grad.push((first.grad_var, last.grad_var));
                                if let (Some(a), Some(b)) =
                                    (first.act_var_theory, last.act_var_theory)
                                {
                                    act_theory.push((a, b));
                                }
                                if let (Some(a), Some(b)) =
                                    (first.grad_var_theory, last.grad_var_theory)
                                {
                                    grad_theory.push((a, b));
                                }
                            }
                        }
                        Some(Propagation {
                            scheme: scheme.clone(),
                            act_ratio: Ratio::median(&act)?,
                            grad_ratio: Ratio::median(&grad)?,
                            act_theory: Ratio::median(&act_theory),
                            grad_theory: Ratio::median(&grad_theory),
                        })
                    })
                    .collect();
                Section {
                    caption: rs.caption(&group),
                    depth_sites: if group.mlp() {
                        "hidden-layer"
                    } else if group.recurrent() {
                        STATE_SITES
                    } else {
                        "stream"
                    },
                    ranking,
                    propagation,
                    comparisons,
                }
            })
            .collect();
        Report {
            name: rs.config.name.clone(),
            description: rs.config.description.clone(),
            config_text: rs.config_text.clone(),
            target: rs.config.train.target.to_string(),
            coverage: rs.coverage(),
            sections,
            effects: effects::effects(&rs.runs),
            charts: chart_refs(&charts),
            claims: Vec::new(),
            coordinates: coordinates::slopes(rs),
        }
    }

    /// The most runs any scheme has in one group (its seeds).
    pub fn seeds_per_scheme(&self) -> usize {
        self.sections
            .iter()
            .flat_map(|s| s.ranking.iter().map(|r| r.runs))
            .max()
            .unwrap_or(0)
    }

    /// The smallest p-value any comparison could reach with these seed counts, when it is
    /// above 5%: then no difference can be significant.
    pub fn min_possible_p(&self) -> Option<f64> {
        // Complete separation of n against n runs: 2 of the C(2n, n) splits are as extreme.
        let n = self.seeds_per_scheme();
        if n == 0 {
            return None;
        }
        let splits = (1..=n).fold(1.0, |c, k| c * (n + k) as f64 / k as f64);
        let p = 2.0 / splits;
        (p > 0.05).then_some(p)
    }
}

impl Section {
    /// The schemes whose median run reached the target, fastest first.
    pub fn reached(&self) -> &[RankRow] {
        let n = self
            .ranking
            .iter()
            .take_while(|r| r.median_steps.is_finite())
            .count();
        &self.ranking[..n]
    }

    /// The schemes whose median run did not reach the target.
    pub fn failed(&self) -> &[RankRow] {
        &self.ranking[self.reached().len()..]
    }

    /// The comparison of the fastest scheme with `other`.
    pub fn comparison(&self, other: &str) -> Option<&Comparison> {
        self.comparisons.iter().find(|c| c.other == other)
    }

    /// The significance sentence: the fastest scheme against each other one.
    pub fn significance(&self) -> Option<String> {
        if self.comparisons.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .comparisons
            .iter()
            .map(|c| format!("{} vs {}: {}", c.best, c.other, verdict(c.p_value)))
            .collect();
        Some(format!(
            "Mann–Whitney U, two-sided, on steps to target: {}.",
            parts.join("; ")
        ))
    }
}

/// `p = 0.021 (significant)` or `p = 0.33 (not significant)`, at 5%.
pub fn verdict(p: f64) -> String {
    let word = if p < 0.05 {
        "significant"
    } else {
        "not significant"
    };
    format!("p = {} ({word})", number(p))
}

/// An optional number for a table: `—` when absent, else three significant digits.
pub fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), number)
}

/// Steps for a table: `∞` for infinity, else three significant digits.
pub fn fmt_steps(v: f64) -> String {
    if v.is_infinite() {
        "∞".into()
    } else {
        number(v)
    }
}

/// Renders the charts and writes `report.md` and `report.html` into `dir`.
pub fn write_reports(dir: &Path) -> Result<Vec<PathBuf>> {
    let charts = if dir.join(PLOTS_DIR).is_dir() && has_charts(dir) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(PLOTS_DIR))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| crate::charts::is_chart_file(p))
            .collect();
        files.sort();
        files
    } else {
        plot_all(dir)?
    };
    let rs = ResultSet::load(dir)?;
    let claims = crate::claims::check_folder(dir, &rs)?;
    let mut report = Report::build(&rs, charts);
    report.claims = claims;
    let mut written = Vec::new();
    for reporter in [&Markdown as &dyn Reporter, &Html] {
        let path = dir.join(reporter.file_name());
        write_atomic(&path, reporter.render(&report, dir)?.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

fn has_charts(dir: &Path) -> bool {
    std::fs::read_dir(dir.join(PLOTS_DIR))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .any(|e| crate::charts::is_chart_file(&e.path()))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests;
