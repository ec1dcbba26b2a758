//! `initlab theory`: mean-field numbers for an activation and (σ_w², σ_b²), a scheme, or the
//! critical σ_w² of a σ_b².

use std::fmt::Write;

use anyhow::{anyhow, bail, Result};
use serde::Deserialize;

use super::{critical_sigma_w2, MeanField};
use crate::activation::Activation;
use crate::init::{BiasScheme, InitScheme};

/// What `initlab theory` was asked.
#[derive(Debug, Clone)]
pub struct TheoryQuery {
    pub activation: String,
    pub sigma_w2: Option<f64>,
    pub sigma_b2: f64,
    pub scheme: Option<String>,
    pub width: usize,
    pub critical: bool,
}

/// The text `initlab theory` prints.
pub fn describe(q: &TheoryQuery) -> Result<String> {
    let act: Activation = q.activation.parse().map_err(|e: String| anyhow!(e))?;
    if !(q.sigma_b2.is_finite() && q.sigma_b2 >= 0.0) {
        bail!("--sigma-b2 must be a finite number >= 0");
    }
    let mut out = String::new();
    if q.critical {
        match critical_sigma_w2(act, q.sigma_b2) {
            Some(w) => {
                let mf = MeanField::new(act, w, q.sigma_b2);
                writeln!(
                    out,
                    "critical sigma_w2 = {w:.4} for {act} with sigma_b2 = {}",
                    q.sigma_b2
                )?;
                if let Some(qs) = mf.q_star {
                    writeln!(out, "q*               = {qs:.4}")?;
                }
            }
            None => writeln!(
                out,
                "{act} with sigma_b2 = {} has no critical sigma_w2 in [0.01, 50]",
                q.sigma_b2
            )?,
        }
        return Ok(out);
    }
    let (sigma_w2, sigma_b2, what) = match (&q.scheme, q.sigma_w2) {
        (Some(text), _) => {
            let scheme = parse_scheme(text)?;
            scheme.validate().map_err(|e| anyhow!(e))?;
            let n = q.width.max(1);
            let v = scheme
                .zero_mean_variance(n, n, act)
                .ok_or_else(|| anyhow!("{scheme} has no mean-field description (its weights are not zero-mean and independent)"))?;
            let (_, b2) = BiasScheme::Default {}.moments(&scheme, n);
            (v * n as f64, b2, format!("{scheme} on {n}x{n} layers"))
        }
        (None, Some(w)) if w.is_finite() && w > 0.0 => (w, q.sigma_b2, String::from("given")),
        (None, Some(_)) => bail!("--sigma-w2 must be a finite number > 0"),
        (None, None) => bail!("give --sigma-w2, --scheme or --critical"),
    };
    let mf = MeanField::new(act, sigma_w2, sigma_b2);
    let fmt = |v: f64| {
        if v.is_finite() {
            format!("{v:.4}")
        } else {
            "inf".into()
        }
    };
    writeln!(out, "activation       = {act}")?;
    writeln!(out, "sigma_w2         = {sigma_w2:.4} ({what})")?;
    writeln!(out, "sigma_b2         = {sigma_b2:.4}")?;
    writeln!(
        out,
        "q*               = {}",
        mf.q_star.map_or("diverges".into(), fmt)
    )?;
    writeln!(out, "chi_1            = {}", fmt(mf.chi1))?;
    writeln!(out, "c*               = {}", fmt(mf.c_star))?;
    writeln!(out, "xi_q             = {}", fmt(mf.xi_q))?;
    writeln!(out, "xi_c             = {}", fmt(mf.xi_c))?;
    writeln!(
        out,
        "xi_grad          = {}  (gradient variance ~ chi_1^(L-l))",
        fmt(mf.xi_grad)
    )?;
    writeln!(out, "phase            = {}", mf.phase)?;
    writeln!(
        out,
        "trainable depth  ~ {}  (6 xi_c, Schoenholz et al. 2017)",
        fmt(mf.trainable_depth())
    )?;
    Ok(out)
}

/// A scheme written as a name or a TOML table.
fn parse_scheme(text: &str) -> Result<InitScheme> {
    let value: toml::Value = if text.trim_start().starts_with('{') {
        toml::from_str::<toml::Table>(&format!("v = {text}"))?
            .remove("v")
            .ok_or_else(|| anyhow!("empty scheme"))?
    } else {
        let mut t = toml::Table::new();
        t.insert(
            "scheme".into(),
            toml::Value::String(text.trim().to_string()),
        );
        toml::Value::Table(t)
    };
    InitScheme::deserialize(value).map_err(|e| anyhow!("--scheme `{text}`: {e}"))
}
