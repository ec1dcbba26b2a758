//! The claims in words: what was measured and expected, numbers for messages, and the
//! verdicts as a plain-text table for the terminal (`initlab run`, `initlab check`).

use super::{ClaimResult, Verdict};
use crate::config::claim::{Across, Claim, ClaimKind};

pub(super) fn across_name(across: Across) -> &'static str {
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
pub(super) fn expected(claim: &Claim) -> String {
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
        (ClaimKind::Argmax | ClaimKind::Argmin, Some(e)) => format!(
            "{} over {} {e}",
            if claim.kind == ClaimKind::Argmax {
                "argmax"
            } else {
                "argmin"
            },
            claim.over.map_or("?", |f| f.name())
        ),
        (ClaimKind::Slope, Some(e)) => format!(
            "slope of log₂ value over log₂ {} {e}",
            claim.over.map_or("?", |f| f.name())
        ),
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
