//! A range a measured value must lie in: `{ value, tolerance }`, `{ value, rel_tolerance }`,
//! `{ at_least }`, `{ at_most }` or both bounds (a claim's `expect`, and its
//! `depth_per_xi_c`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The range a measured value must lie in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Absolute: `|measured − value| ≤ tolerance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Relative: `|measured − value| ≤ rel_tolerance·|value|`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
}

impl Expect {
    /// The closed interval `[lo, hi]` the value must lie in.
    pub fn interval(&self) -> (f64, f64) {
        match (self.value, self.tolerance, self.rel_tolerance) {
            (Some(v), Some(t), _) => (v - t, v + t),
            (Some(v), None, Some(r)) => (v - r * v.abs(), v + r * v.abs()),
            _ => (
                self.at_least.unwrap_or(f64::NEG_INFINITY),
                self.at_most.unwrap_or(f64::INFINITY),
            ),
        }
    }

    /// Whether `x` lies in the range (a NaN never does).
    pub fn holds(&self, x: f64) -> bool {
        let (lo, hi) = self.interval();
        x >= lo && x <= hi
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        let finite = |k: &str, v: Option<f64>| match v {
            Some(v) if !v.is_finite() => Err(format!("{k} must be a finite number")),
            _ => Ok(()),
        };
        finite("value", self.value)?;
        finite("tolerance", self.tolerance)?;
        finite("rel_tolerance", self.rel_tolerance)?;
        finite("at_least", self.at_least)?;
        finite("at_most", self.at_most)?;
        let bounds = self.at_least.is_some() || self.at_most.is_some();
        match (self.value, self.tolerance, self.rel_tolerance) {
            (Some(_), Some(t), None) | (Some(_), None, Some(t)) if !bounds => {
                if t < 0.0 {
                    return Err("a tolerance must be >= 0".into());
                }
            }
            (None, None, None) if bounds => {
                if let (Some(lo), Some(hi)) = (self.at_least, self.at_most) {
                    if lo > hi {
                        return Err(format!("at_least {lo} is above at_most {hi}"));
                    }
                }
            }
            _ => {
                return Err(
                    "a range is { value, tolerance }, { value, rel_tolerance }, \
                            { at_least }, { at_most } or { at_least, at_most }"
                        .into(),
                )
            }
        }
        Ok(())
    }
}

impl fmt::Display for Expect {
    /// `-29 ± 0.5`, `1 ± 15%`, `≤ 0.02`, `≥ 0.2`, `in [0.9, 1.1]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The numbers as the config wrote them.
        let n = |v: f64| v.to_string();
        match (self.value, self.tolerance, self.rel_tolerance) {
            (Some(v), Some(t), _) => write!(f, "{} ± {}", n(v), n(t)),
            (Some(v), None, Some(r)) => write!(f, "{} ± {}%", n(v), n(100.0 * r)),
            _ => match (self.at_least, self.at_most) {
                (Some(lo), Some(hi)) => write!(f, "in [{}, {}]", n(lo), n(hi)),
                (Some(lo), None) => write!(f, "≥ {}", n(lo)),
                (None, Some(hi)) => write!(f, "≤ {}", n(hi)),
                (None, None) => f.write_str("anything"),
            },
        }
    }
}
