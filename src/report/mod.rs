//! The comparison report, from a results folder alone: `report.md` and a self-contained
//! `report.html` (charts inlined as SVG). [`Report`] holds the numbers, its
//! [`document`](Report::document) the text, once; each format is a [`Reporter`] that renders
//! the document.
//!
//! Per group (everything but scheme and seed): a ranking of schemes by median steps to target
//! over seeds (runs that never reached it count as infinitely slow), with the interquartile
//! range, the converged / diverged counts, the median final test accuracy and the median area
//! under the loss curve; the signal-propagation summary at initialization; and whether the
//! best scheme beats each other one by a two-sided Mann–Whitney U test at 5%.

pub mod document;
mod html;
mod markdown;
pub mod stats;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::charts::plot_all;
use crate::net::SiteKind;
use crate::store::files::PLOTS_DIR;
use crate::store::results::{quantile, ResultSet};
use crate::store::rows::{RunRow, RunStatus};
use crate::store::tables::write_atomic;

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
}

/// The ratio of two layers' variances, median over seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ratio {
    Value(f64),
    /// Both layers have variance exactly 0 in most seeds (zero or constant weights): 0/0 is
    /// no number, but it is a finding, not a missing value.
    ZeroVariance,
}

impl Ratio {
    /// The median over seeds of `last / first` for each seed's `(first, last)` variances.
    pub fn median(pairs: &[(f64, f64)]) -> Option<Self> {
        let zero = pairs.iter().filter(|(f, l)| *f == 0.0 && *l == 0.0).count();
        if pairs.is_empty() {
            return None;
        }
        if 2 * zero > pairs.len() {
            return Some(Ratio::ZeroVariance);
        }
        let ratios: Vec<f64> = pairs
            .iter()
            .filter(|(f, l)| !(*f == 0.0 && *l == 0.0))
            .map(|(f, l)| l / f)
            .collect();
        quantile(&ratios, 0.5).map(Ratio::Value)
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ratio::ZeroVariance => f.write_str("0 (zero variance)"),
            Ratio::Value(v) if v.is_nan() => f.write_str("NaN (non-finite values)"),
            Ratio::Value(v) => write!(f, "{v:.3e}"),
        }
    }
}

/// One group's section.
#[derive(Debug, Clone)]
pub struct Section {
    pub caption: String,
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
    pub charts: Vec<PathBuf>,
}

/// The ranking of the schemes among `runs` (one group), best first.
pub fn ranking(runs: &[&RunRow], schemes: &[String]) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = schemes
        .iter()
        .filter_map(|scheme| {
            let mine: Vec<&&RunRow> = runs.iter().filter(|r| &r.init == scheme).collect();
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
                            p_value: stats::mann_whitney(&best.steps, &other.steps).1,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let propagation = schemes
                    .iter()
                    .filter_map(|scheme| {
                        let mut act = Vec::new();
                        let mut grad = Vec::new();
                        for run in runs.iter().filter(|r| &r.init == scheme) {
                            let hidden: Vec<_> = layers
                                .get(run.run_id.as_str())
                                .into_iter()
                                .flatten()
                                .filter(|l| l.step == 0 && l.kind == SiteKind::Hidden)
                                .collect();
                            if let (Some(first), Some(last)) = (hidden.first(), hidden.last()) {
                                act.push((first.act_var, last.act_var));
                                grad.push((first.grad_var, last.grad_var));
                            }
                        }
                        Some(Propagation {
                            scheme: scheme.clone(),
                            act_ratio: Ratio::median(&act)?,
                            grad_ratio: Ratio::median(&grad)?,
                        })
                    })
                    .collect();
                Section {
                    caption: rs.caption(&group),
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
            charts,
        }
    }

    /// The smallest p-value any comparison could reach with these seed counts, when it is
    /// above 5%: then no difference can be significant.
    pub fn min_possible_p(&self) -> Option<f64> {
        // Complete separation of n against n runs: 2 of the C(2n, n) splits are as extreme.
        let n = self
            .sections
            .iter()
            .flat_map(|s| s.ranking.iter().map(|r| r.runs))
            .max()?;
        let splits = (1..=n).fold(1.0, |c, k| c * (n + k) as f64 / k as f64);
        let p = 2.0 / splits;
        (p > 0.05).then_some(p)
    }
}

impl Section {
    /// The significance sentence: the best scheme against each other one.
    pub fn significance(&self) -> Option<String> {
        if self.comparisons.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .comparisons
            .iter()
            .map(|c| {
                let verdict = if c.p_value < 0.05 {
                    "significant"
                } else {
                    "not significant"
                };
                format!(
                    "{} vs {}: p = {:.3} ({verdict})",
                    c.best, c.other, c.p_value
                )
            })
            .collect();
        Some(format!(
            "Mann–Whitney U, two-sided, on steps to target: {}.",
            parts.join("; ")
        ))
    }
}

/// An optional number for a table: `—` when absent, scientific when large.
pub fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.abs() >= 1e4 => format!("{v:.2e}"),
        Some(v) => format!("{v:.digits$}"),
    }
}

/// A number for a table: `∞` for infinity, few digits otherwise.
pub fn fmt_steps(v: f64) -> String {
    if v.is_infinite() {
        "∞".into()
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
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
    let report = Report::build(&rs, charts);
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
