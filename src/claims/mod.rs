//! The experiment's claims, checked from the CSVs alone: every claim of `claims.toml`
//! (`config::claim`) gets a verdict, PASS, FAIL or UNDECIDED with the reason, never a silent
//! pass. `initlab run` and `initlab report` write them to `claims.csv`, the report opens with
//! them, and `initlab check` prints them and exits non-zero on a failure.
//!
//! A claim is undecided when some of its runs are not in the results (yet), when a run cannot
//! say (a failed run, a step never probed, an empty theory column), when its measured value is
//! not a number (0/0, ∞/∞), or when a rank test cannot reach its level with the runs there are
//! (with 2 and 2 runs the smallest one-sided p is 1/6).

mod factor;
mod files;
pub mod measure;
mod select;
mod text;

use std::fmt;
use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::config::claim::{Across, Claim, ClaimKind, Form};
use crate::stats::{mann_whitney_test, min_one_sided_p, Alternative};
use crate::store::results::{quantile, ResultSet};
use crate::store::rows::RunRow;
use factor::{locate, slope};
use select::{best_lr, level, Selection};
use text::{across_name, expected};

pub use files::{read_claims, read_results, write_claims, write_results};
pub use text::{render, short, tally};

/// A claim's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Fail,
    /// The results cannot decide the claim; `reason` says why.
    Undecided,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Undecided => "UNDECIDED",
        })
    }
}

/// One row of `claims.csv`: a claim's verdict, with the figure measured beside the one
/// expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    pub claim: String,
    pub verdict: Verdict,
    /// The combined value (`value`), the ratio of the groups' values (`ratio`), or the median
    /// of group `a` (`less`, `greater`; `expected` gives that of `b`); empty when there is
    /// none.
    pub measured: Option<f64>,
    /// What the claim expects: `-29 ± 0.5`, `≤ 0.02`, `a < b at α = 0.05`.
    pub expected: String,
    /// The one-sided Mann–Whitney p-value (`less`, `greater`).
    pub p_value: Option<f64>,
    /// Runs the verdict rests on (both groups together for a comparison).
    pub runs: usize,
    /// What was measured, in words.
    pub measure: String,
    /// The learning rate chosen per configuration, with `best_lr`.
    pub best_lrs: String,
    /// Why the claim is undecided; empty otherwise.
    pub reason: String,
    /// Where the claim comes from.
    pub source: String,
}

/// Evaluates the claims of `dir` (its `claims.toml`) and writes `claims.csv`.
pub fn check_folder(dir: &Path, rs: &ResultSet) -> Result<Vec<ClaimResult>> {
    let results = evaluate(&read_claims(dir)?, rs);
    rs.check_reads()?;
    write_results(dir, &results)?;
    Ok(results)
}

/// Every claim's verdict on a result set.
pub fn evaluate(claims: &[Claim], rs: &ResultSet) -> Vec<ClaimResult> {
    claims.iter().map(|c| evaluate_one(c, rs)).collect()
}

fn evaluate_one(claim: &Claim, rs: &ResultSet) -> ClaimResult {
    let region = claim
        .depth_per_xi_c
        .map(|r| format!(" (runs with depth / ξ_c {r})"))
        .unwrap_or_default();
    let mut result = ClaimResult {
        claim: claim.name.clone(),
        verdict: Verdict::Undecided,
        measured: None,
        expected: expected(claim),
        p_value: None,
        runs: 0,
        measure: format!(
            "{}{}",
            if claim.kind.is_test() {
                String::new()
            } else {
                format!("{} over runs of: ", across_name(claim.across))
            },
            measure::describe(&claim.measure)
        ) + &region,
        best_lrs: String::new(),
        reason: String::new(),
        source: claim.source.clone(),
    };
    match decide(claim, rs, &mut result) {
        Ok(verdict) => result.verdict = verdict,
        Err(reason) => {
            result.verdict = Verdict::Undecided;
            result.reason = reason;
        }
    }
    result
}

/// The verdict, or the reason the claim is undecided.
fn decide(claim: &Claim, rs: &ResultSet, out: &mut ClaimResult) -> Result<Verdict, String> {
    let groups: Vec<toml::Table> = match (&claim.a, &claim.b) {
        (Some(a), Some(b)) if claim.kind.compares() => vec![a.clone(), b.clone()],
        _ => vec![toml::Table::new()],
    };
    let mut values = Vec::new();
    let mut levels = Vec::new();
    let mut chosen = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let mut subset = claim.subset.clone();
        subset.extend(group.clone());
        let selection = Selection::of(rs, &subset, claim.depth_per_xi_c.as_ref())?;
        let runs = match claim.best_lr {
            Some(criterion) => {
                let (runs, lrs) = best_lr(&selection.runs, criterion)?;
                let prefix = match (claim.kind.compares(), g) {
                    (false, _) => "",
                    (true, 0) => "a: ",
                    (true, _) => "b: ",
                };
                chosen.extend(lrs.into_iter().map(|l| format!("{prefix}{l}")));
                runs
            }
            None => selection.runs,
        };
        out.runs += runs.len();
        values.push(run_values(claim, rs, &runs)?);
        if let Some(factor) = claim.over {
            levels = runs
                .iter()
                .map(|run| {
                    level(&rs.config, run, factor)
                        .ok_or_else(|| format!("run {} has no {} value", run.run_id, factor.name()))
                })
                .collect::<Result<_, _>>()?;
        }
    }
    out.best_lrs = chosen.join("; ");
    match claim.kind {
        ClaimKind::Value if claim.across == Across::All => {
            let expect = claim.expect.expect("validated: value has expect");
            let worst = worst_run(&values[0], &expect);
            out.measured = Some(worst);
            if worst.is_nan() {
                return Err("a run's value is not a number".into());
            }
            Ok(if values[0].iter().all(|&v| expect.holds(v)) {
                Verdict::Pass
            } else {
                Verdict::Fail
            })
        }
        ClaimKind::Value | ClaimKind::Ratio => {
            let combined: Vec<f64> = values
                .iter()
                .map(|v| combine(v, claim.across))
                .collect::<Result<_, _>>()?;
            let measured = match claim.kind {
                ClaimKind::Ratio => combined[0] / combined[1],
                _ => combined[0],
            };
            out.measured = Some(measured);
            if measured.is_nan() {
                return Err(format!(
                    "the measured value is not a number ({} over {})",
                    combined[0],
                    combined.get(1).copied().unwrap_or(f64::NAN)
                ));
            }
            let expect = claim
                .expect
                .expect("validated: value and ratio have expect");
            Ok(if expect.holds(measured) {
                Verdict::Pass
            } else {
                Verdict::Fail
            })
        }
        ClaimKind::Argmax | ClaimKind::Argmin => locate(claim, &levels, &values[0], out),
        ClaimKind::Slope => slope(claim, &levels, &values[0], out),
        ClaimKind::Less | ClaimKind::Greater => {
            let (a, b) = (&values[0], &values[1]);
            out.measured = Some(median(a));
            out.expected = format!("{} (median of b: {})", out.expected, short(median(b)));
            let alpha = claim.alpha();
            let floor = min_one_sided_p(a.len(), b.len());
            if floor >= alpha {
                return Err(format!(
                    "too few runs for the test: with {} and {} runs the smallest one-sided \
                     p-value is {}, not below α = {alpha}",
                    a.len(),
                    b.len(),
                    short(floor)
                ));
            }
            let alternative = match claim.kind {
                ClaimKind::Less => Alternative::Less,
                _ => Alternative::Greater,
            };
            let (_, p) = mann_whitney_test(a, b, alternative);
            out.p_value = Some(p);
            Ok(if p < alpha {
                Verdict::Pass
            } else {
                Verdict::Fail
            })
        }
    }
}

/// Each run's value of the claim's measure.
fn run_values(claim: &Claim, rs: &ResultSet, runs: &[&RunRow]) -> Result<Vec<f64>, String> {
    let m = &claim.measure;
    runs.iter()
        .map(|run| match m.run {
            Some(metric) if m.form == Form::RelErrorTheory => measure::run_rel_error(run, metric),
            Some(metric) => measure::run_value(run, metric),
            None => {
                if run.status == crate::store::rows::RunStatus::Failed {
                    return Err(format!("run {} failed: {}", run.run_id, run.message));
                }
                let rows = rs.layers_of(&run.run_id);
                measure::layer_value(run, &rows, m)
            }
        })
        .map(|v| match v {
            Ok(v) if v.is_nan() => {
                Err("a run's value is not a number (non-finite statistics)".into())
            }
            v => v,
        })
        .collect()
}

/// The value of the run farthest outside `expect`, or, when all are inside, closest to its
/// edge.
fn worst_run(values: &[f64], expect: &crate::config::claim::Expect) -> f64 {
    let (lo, hi) = expect.interval();
    // Positive outside the interval, negative (the margin) inside it.
    let badness = |v: f64| (lo - v).max(v - hi);
    values
        .iter()
        .copied()
        .reduce(|w, v| {
            if v.is_nan() || badness(v) > badness(w) {
                v
            } else {
                w
            }
        })
        .unwrap_or(f64::NAN)
}

fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5).unwrap_or(f64::NAN)
}

/// The runs' values combined into one.
fn combine(values: &[f64], across: Across) -> Result<f64, String> {
    if values.is_empty() {
        return Err("no runs".into());
    }
    let n = values.len() as f64;
    Ok(match across {
        Across::Median => median(values),
        Across::Mean => values.iter().sum::<f64>() / n,
        Across::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        Across::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Across::All => unreachable!("every run is checked apart"),
        Across::Std => {
            if values.len() < 2 {
                return Err("a standard deviation needs at least 2 runs".into());
            }
            let mean = values.iter().sum::<f64>() / n;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        }
    })
}

#[cfg(test)]
mod tests;
