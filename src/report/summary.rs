//! The report's summary of a group, in words: the fastest scheme and how sure that is, the
//! schemes that failed, and where the forward signal vanished or exploded at initialization,
//! measured beside mean-field theory.

use super::document::{text, Span};
use super::{fmt_steps, verdict, Propagation, Ratio, Section};
use crate::charts::number;

/// A forward signal that shrinks below this fraction between the first and the last hidden
/// layer at initialization has vanished, for the summary; above its inverse it has exploded.
const VANISHED: f64 = 1e-2;

/// A group's summary: the fastest scheme and how sure that is, the schemes that failed, and
/// where the signal vanished or exploded at initialization.
pub(super) fn summary(s: &Section, testable: bool) -> Vec<Span> {
    let mut out = vec![Span::Strong(format!("{}.", s.caption))];
    let reached = s.reached();
    match reached.first() {
        None => out.push(text(" No scheme reached the target in most of its runs.")),
        Some(best) => {
            out.push(text(" Fastest: "));
            out.push(Span::Strong(best.scheme.clone()));
            out.push(text(format!(
                " (median {} steps; {} of {} runs reached the target)",
                fmt_steps(best.median_steps),
                best.converged,
                best.runs
            )));
            if let Some(next) = s.ranking.get(1) {
                let steps = if next.median_steps.is_finite() {
                    format!("{} steps", fmt_steps(next.median_steps))
                } else {
                    "not reached".into()
                };
                // Equal medians are ordered by the area under the loss curve.
                let relation = if next.median_steps == best.median_steps {
                    "tied in median steps with"
                } else {
                    "ahead of"
                };
                out.push(text(format!(", {relation} {} ({steps}", next.scheme)));
                match s.comparison(&next.scheme) {
                    Some(c) if testable => out.push(text(format!("; {})", verdict(c.p_value)))),
                    _ if !testable => out.push(text("; too few seeds to test)")),
                    _ => out.push(text(")")),
                }
            }
            out.push(text("."));
        }
    }
    let failed = s.failed();
    let named = |rows: Vec<String>| rows.join(", ");
    let diverged: Vec<String> = failed
        .iter()
        .filter(|r| 2 * r.diverged > r.runs)
        .map(|r| format!("{} ({} of {} runs)", r.scheme, r.diverged, r.runs))
        .collect();
    let never: Vec<String> = failed
        .iter()
        .filter(|r| 2 * r.diverged <= r.runs)
        .map(|r| {
            format!(
                "{} ({} of {} runs reached it)",
                r.scheme, r.converged, r.runs
            )
        })
        .collect();
    if !never.is_empty() {
        out.push(text(format!(
            " Did not reach the target: {}.",
            named(never)
        )));
    }
    if !diverged.is_empty() {
        out.push(text(format!(" Diverged: {}.", named(diverged))));
    }
    out.extend(propagation_sentence(&s.propagation, s.depth_sites));
    out
}

/// Where the forward signal vanished or exploded at initialization, measured and predicted;
/// `sites` names what the ratio compares ("hidden-layer", "stream").
fn propagation_sentence(props: &[Propagation], sites: &str) -> Vec<Span> {
    let described = |p: &Propagation| {
        let theory = match p.act_theory {
            Some(t) => format!(", theory {t}"),
            None => String::new(),
        };
        format!("{} (measured {}{theory})", p.scheme, p.act_ratio)
    };
    let pick = |keep: fn(f64) -> bool| -> Vec<String> {
        props
            .iter()
            .filter(|p| matches!(p.act_ratio, Ratio::Value(v) if keep(v)))
            .map(described)
            .collect()
    };
    let vanished = pick(|v| v < VANISHED);
    let exploded = pick(|v| v > 1.0 / VANISHED);
    let silent: Vec<String> = props
        .iter()
        .filter(|p| p.act_ratio == Ratio::ZeroVariance)
        .map(|p| p.scheme.clone())
        .collect();
    if props.is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    if !vanished.is_empty() {
        parts.push(format!(
            "the forward signal vanished (last/first {sites} variance below {}) under {}",
            number(VANISHED),
            vanished.join(", ")
        ));
    }
    if !exploded.is_empty() {
        let subject = if parts.is_empty() {
            format!("the forward signal exploded (last/first {sites} variance ")
        } else {
            "it exploded (".to_string()
        };
        parts.push(format!(
            "{subject}above {}) under {}",
            number(1.0 / VANISHED),
            exploded.join(", ")
        ));
    }
    if !silent.is_empty() {
        parts.push(format!(
            "the activations had zero variance under {}",
            silent.join(", ")
        ));
    }
    let sentence = if parts.is_empty() {
        format!(
            " At initialization no scheme's forward signal vanished or exploded (last/first \
             {sites} variance below {} or above {}).",
            number(VANISHED),
            number(1.0 / VANISHED)
        )
    } else {
        format!(" At initialization {}.", parts.join("; "))
    };
    vec![text(sentence)]
}
