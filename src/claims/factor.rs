//! The verdicts of the claims that group their runs by a factor (`over`): where the combined
//! value is largest or smallest (`argmax`, `argmin`), and the slope of a power law along it
//! (`slope`).

use super::text::short;
use super::{combine, ClaimResult, Verdict};
use crate::config::claim::{Claim, ClaimKind};
use crate::stats::least_squares_slope;

/// The runs grouped by their level of the claim's factor, each group's values combined, in
/// increasing order of the level (described in `out.measure`); an error when a combined value
/// is not a number or there is only one level.
fn per_level(
    claim: &Claim,
    levels: &[f64],
    values: &[f64],
    out: &mut ClaimResult,
) -> Result<Vec<(f64, f64)>, String> {
    let factor = claim
        .over
        .expect("validated: argmax, argmin and slope have `over`");
    let mut pairs: Vec<(f64, f64)> = levels.iter().copied().zip(values.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut combined: Vec<(f64, f64)> = Vec::new();
    for group in pairs.chunk_by(|a, b| a.0 == b.0) {
        let values: Vec<f64> = group.iter().map(|p| p.1).collect();
        combined.push((group[0].0, combine(&values, claim.across)?));
    }
    out.measure += &format!(
        "; per {}: {}",
        factor.name(),
        combined
            .iter()
            .map(|(l, v)| format!("{} → {}", short(*l), short(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some((l, _)) = combined.iter().find(|(_, v)| v.is_nan()) {
        return Err(format!(
            "the value at {} = {} is not a number",
            factor.name(),
            short(*l)
        ));
    }
    if combined.len() < 2 {
        return Err(format!(
            "the runs have only one value of {}: nothing to compare",
            factor.name()
        ));
    }
    Ok(combined)
}

/// The verdict of `slope`: the least-squares slope of log₂ of the combined values against
/// log₂ of the factor's levels, against `expect`.
pub(super) fn slope(
    claim: &Claim,
    levels: &[f64],
    values: &[f64],
    out: &mut ClaimResult,
) -> Result<Verdict, String> {
    let combined = per_level(claim, levels, values, out)?;
    let factor = claim.over.map_or("?", |f| f.name());
    if let Some((l, v)) = combined.iter().find(|(l, v)| !(*l > 0.0 && *v > 0.0)) {
        return Err(format!(
            "a slope on log axes needs positive values: {factor} = {} → {}",
            short(*l),
            short(*v)
        ));
    }
    let points: Vec<(f64, f64)> = combined.iter().map(|(l, v)| (l.log2(), v.log2())).collect();
    let fitted = least_squares_slope(&points);
    out.measured = Some(fitted);
    if !fitted.is_finite() {
        return Err(format!("the slope over {factor} is not a number"));
    }
    let expect = claim.expect.expect("validated: slope has expect");
    Ok(if expect.holds(fitted) {
        Verdict::Pass
    } else {
        Verdict::Fail
    })
}

/// The verdict of `argmax` and `argmin`: the runs grouped by their level of the factor, each
/// group's values combined, and the level(s) of the extremum against `expect`.
pub(super) fn locate(
    claim: &Claim,
    levels: &[f64],
    values: &[f64],
    out: &mut ClaimResult,
) -> Result<Verdict, String> {
    let factor = claim
        .over
        .expect("validated: argmax and argmin have `over`");
    let combined = per_level(claim, levels, values, out)?;
    let values = combined.iter().map(|c| c.1);
    let best = match claim.kind {
        ClaimKind::Argmin => values.fold(f64::INFINITY, f64::min),
        _ => values.fold(f64::NEG_INFINITY, f64::max),
    };
    let at: Vec<f64> = combined
        .iter()
        .filter(|c| c.1 == best)
        .map(|c| c.0)
        .collect();
    out.measured = Some(at[0]);
    let expect = claim
        .expect
        .expect("validated: argmax and argmin have expect");
    let inside = at.iter().filter(|&&l| expect.holds(l)).count();
    if inside > 0 && inside < at.len() {
        return Err(format!(
            "the extremum {} is shared by {} = {}, in and out of the range",
            short(best),
            factor.name(),
            at.iter().map(|l| short(*l)).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(if inside == at.len() {
        Verdict::Pass
    } else {
        Verdict::Fail
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A verdict before `decide` fills it in.
    fn blank() -> ClaimResult {
        ClaimResult {
            claim: "c".into(),
            verdict: Verdict::Undecided,
            measured: None,
            expected: String::new(),
            p_value: None,
            runs: 0,
            measure: String::new(),
            best_lrs: String::new(),
            reason: String::new(),
            source: String::new(),
        }
    }

    #[test]
    fn argmax_and_argmin_locate_the_extremum_of_a_factor() {
        let claim = |kind: &str, lo: f64, hi: f64| -> Claim {
            toml::from_str(&format!(
                "name = \"c\"\nkind = \"{kind}\"\nover = \"sigma_w2\"\nacross = \"mean\"\n\
                 measure = {{ run = \"converged\" }}\nexpect = {{ at_least = {lo}, at_most = {hi} }}"
            ))
            .unwrap()
        };
        let levels = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0];
        let check = |c: &Claim, values: &[f64]| {
            c.validate().unwrap();
            let mut out = blank();
            let verdict = locate(c, &levels, values, &mut out);
            (verdict, out.measured, out.measure)
        };
        // Means per level: 0.5, 1, 0.
        let converged = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let (verdict, measured, words) = check(&claim("argmax", 1.5, 2.1), &converged);
        assert_eq!((verdict, measured), (Ok(Verdict::Pass), Some(2.0)));
        assert!(
            words.ends_with("; per sigma_w2: 1 → 0.500, 2 → 1, 3 → 0"),
            "{words}"
        );
        let (verdict, _, _) = check(&claim("argmax", 2.5, 4.0), &converged);
        assert_eq!(verdict, Ok(Verdict::Fail));
        let (verdict, measured, _) = check(&claim("argmin", 2.5, 4.0), &converged);
        assert_eq!((verdict, measured), (Ok(Verdict::Pass), Some(3.0)));
        // A tie across the range's edge cannot be decided; inside it, it passes.
        let tied = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
        let (verdict, _, _) = check(&claim("argmax", 1.5, 2.1), &tied);
        assert!(verdict.unwrap_err().contains("shared by sigma_w2 = 1, 2"));
        let (verdict, _, _) = check(&claim("argmax", 0.5, 2.1), &tied);
        assert_eq!(verdict, Ok(Verdict::Pass));
        // One level has nothing to compare.
        let mut out = blank();
        let one = locate(
            &claim("argmax", 0.0, 1.0),
            &[1.0, 1.0],
            &[0.0, 1.0],
            &mut out,
        );
        assert!(one.unwrap_err().contains("only one value of sigma_w2"));
        // `over` belongs to argmax and argmin, which need it.
        let mut c = claim("argmax", 0.0, 1.0);
        c.over = None;
        assert!(c.validate().unwrap_err().contains("needs `over`"));
        let mut c = claim("value", 0.0, 1.0);
        assert!(c.validate().unwrap_err().contains("`over` belongs to"));
        c.over = None;
        c.validate().unwrap();
    }

    #[test]
    fn slope_fits_a_power_law_over_the_factor() {
        let claim = |lo: f64, hi: f64| -> Claim {
            toml::from_str(&format!(
                "name = \"c\"\nkind = \"slope\"\nover = \"width\"\n\
                 measure = {{ stat = \"pre_abs_mean\", layer = 1 }}\n\
                 expect = {{ at_least = {lo}, at_most = {hi} }}"
            ))
            .unwrap()
        };
        // Medians per width: 64 → 2, 256 → 4, 1024 → 8 (two runs each): value ∝ √width, slope 1/2.
        let levels = [64.0, 64.0, 256.0, 256.0, 1024.0, 1024.0];
        let values = [1.0, 3.0, 4.0, 4.0, 8.0, 8.0];
        let c = claim(0.45, 0.55);
        c.validate().unwrap();
        let mut out = blank();
        assert_eq!(slope(&c, &levels, &values, &mut out), Ok(Verdict::Pass));
        assert!((out.measured.unwrap() - 0.5).abs() < 1e-12);
        assert!(out.measure.contains("64 → 2"), "{}", out.measure);
        let mut out = blank();
        assert_eq!(
            slope(&claim(0.0, 0.1), &levels, &values, &mut out),
            Ok(Verdict::Fail)
        );
        // No logarithm of 0: undecided, with the reason.
        let mut out = blank();
        let zero = slope(&c, &levels, &[0.0, 0.0, 4.0, 4.0, 8.0, 8.0], &mut out);
        assert!(zero.unwrap_err().contains("positive values"));
        // `over` is required.
        let mut c = claim(0.0, 1.0);
        c.over = None;
        assert!(c.validate().unwrap_err().contains("needs `over`"));
    }
}
