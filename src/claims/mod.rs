//! The experiment's claims, checked from the CSVs alone: every claim of `claims.toml`
//! (`config::claim`) gets a verdict, PASS, FAIL or UNDECIDED with the reason, never a silent
//! pass. `initlab run` and `initlab report` write them to `claims.csv`, the report opens with
//! them, and `initlab check` prints them and exits non-zero on a failure.
//!
//! A claim is undecided when some of its runs are not in the results (yet), when a run cannot
//! say (a failed run, a step never probed, an empty theory column), when its measured value is
//! not a number (0/0, ∞/∞), or when a rank test cannot reach its level with the runs there are
//! (with 2 and 2 runs the smallest one-sided p is 1/6).

pub mod measure;
mod select;

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::config::claim::{Across, Claim, ClaimKind, Claims};
use crate::stats::{mann_whitney_test, min_one_sided_p, Alternative};
use crate::store::files::{CLAIMS_CSV, CLAIMS_FILE};
use crate::store::results::{quantile, ResultSet};
use crate::store::rows::RunRow;
use crate::store::tables::write_atomic;
use select::{best_lr, Selection};

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

/// The claims saved in a results folder (none when it has no `claims.toml`).
pub fn read_claims(dir: &Path) -> Result<Vec<Claim>> {
    let path = dir.join(CLAIMS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let claims: Claims =
        toml::from_str(&text).with_context(|| format!("{} does not parse", path.display()))?;
    for (i, c) in claims.claim.iter().enumerate() {
        c.validate().map_err(|m| {
            anyhow::anyhow!("{}: claim {} (`{}`): {m}", path.display(), i + 1, c.name)
        })?;
    }
    Ok(claims.claim)
}

/// Removes a file of initlab's that no longer has anything to say.
fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Saves the claims into a results folder (removing an old `claims.toml` when there are none).
pub fn write_claims(dir: &Path, claims: &[Claim]) -> Result<()> {
    let path = dir.join(CLAIMS_FILE);
    if claims.is_empty() {
        return remove_if_present(&path);
    }
    let text = toml::to_string(&Claims {
        claim: claims.to_vec(),
    })
    .context("cannot serialize the claims")?;
    write_atomic(&path, text.as_bytes())
}

/// Writes `claims.csv` (removing an old one when there are no claims).
pub fn write_results(dir: &Path, results: &[ClaimResult]) -> Result<()> {
    let path = dir.join(CLAIMS_CSV);
    if results.is_empty() {
        return remove_if_present(&path);
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    for r in results {
        writer.serialize(r)?;
    }
    let bytes = writer.into_inner().context("cannot write claims.csv")?;
    write_atomic(&path, &bytes)
}

/// The verdicts `claims.csv` holds (none when there is no such file).
pub fn read_results(dir: &Path) -> Result<Vec<ClaimResult>> {
    let path = dir.join(CLAIMS_CSV);
    if !path.exists() {
        return Ok(Vec::new());
    }
    crate::store::tables::read_table(&path)
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

fn across_name(across: Across) -> &'static str {
    match across {
        Across::Median => "median",
        Across::Mean => "mean",
        Across::Min => "min",
        Across::Max => "max",
        Across::Std => "std",
        Across::All => "every one",
    }
}

/// What the claim expects, in words.
fn expected(claim: &Claim) -> String {
    let groups = || {
        let label = |t: &Option<toml::Table>| {
            t.as_ref()
                .map(|t| {
                    t.iter()
                        .map(|(k, v)| match v.as_str() {
                            Some(s) => format!("{k} = {s}"),
                            None => format!("{k} = {v}"),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        (label(&claim.a), label(&claim.b))
    };
    match (claim.kind, &claim.expect) {
        (ClaimKind::Value, Some(e)) => e.to_string(),
        (ClaimKind::Ratio, Some(e)) => {
            let (a, b) = groups();
            format!("[{a}] / [{b}] {e}")
        }
        (ClaimKind::Less | ClaimKind::Greater, _) => {
            let (a, b) = groups();
            let sign = if claim.kind == ClaimKind::Less {
                "<"
            } else {
                ">"
            };
            format!(
                "[{a}] {sign} [{b}], one-sided Mann–Whitney at α = {}",
                claim.alpha()
            )
        }
        _ => String::new(),
    }
}

/// A number in three significant digits, for messages.
pub fn short(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "-∞".into() };
    }
    if v.is_nan() || (v.fract() == 0.0 && v.abs() < 1e6) {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    if v.abs() >= 1e-3 && v.abs() < 1e6 {
        format!("{v:.digits$}")
    } else {
        format!("{v:.2e}")
    }
}

/// The verdicts as a plain-text table, for the terminal.
pub fn render(results: &[ClaimResult]) -> String {
    let measured = |r: &ClaimResult| r.measured.map(short).unwrap_or_else(|| "—".into());
    let mut out = String::new();
    for r in results {
        let mut line = format!(
            "{:<9}  {}: measured {}, expected {}",
            r.verdict.to_string(),
            r.claim,
            measured(r),
            r.expected
        );
        if let Some(p) = r.p_value {
            line.push_str(&format!(", p = {}", short(p)));
        }
        let plural = if r.runs == 1 { "" } else { "s" };
        line.push_str(&format!(" ({} run{plural}", r.runs));
        if !r.best_lrs.is_empty() {
            line.push_str(&format!("; best lr {}", r.best_lrs));
        }
        line.push(')');
        if !r.reason.is_empty() {
            line.push_str(&format!("\n           why undecided: {}", r.reason));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `3 PASS, 1 FAIL, 0 UNDECIDED`.
pub fn tally(results: &[ClaimResult]) -> String {
    let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    format!(
        "{} PASS, {} FAIL, {} UNDECIDED",
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Undecided)
    )
}

#[cfg(test)]
mod tests;
