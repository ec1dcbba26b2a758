//! "What mattered": for a grid with several factors, the share of the variation in each
//! outcome that each factor explains on its own, η² = SS_between / SS_total (the one-way
//! ANOVA effect size; Cohen 1988, §8.2). Steps to target are replaced by their mid-ranks
//! first, so that runs that never reached the target (+∞) take part as the slowest (η² on
//! ranks is the Kruskal–Wallis effect size, Tomczak & Tomczak 2014); final test accuracy is
//! used as it is. On a full grid (balanced) the factors' η² add up to at most 1; the rest is
//! interactions and seed-to-seed noise.

use crate::stats::ranks;
use crate::store::rows::RunRow;

/// A factor of the grid and how much it explains.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub factor: &'static str,
    /// Distinct values the factor takes.
    pub levels: usize,
    /// η² of the ranks of steps to target.
    pub steps: f64,
    /// η² of the final test accuracy, when the runs have one.
    pub accuracy: Option<f64>,
}

/// A factor's name, and a run's level of it.
type Factor = (&'static str, fn(&RunRow) -> String);

/// The factors a run varies over.
const FACTORS: [Factor; 11] = [
    ("scheme", |r| r.init.clone()),
    ("branch scheme", |r| r.branch.clone()),
    ("activation", |r| r.activation.clone()),
    ("architecture", |r| r.architecture.clone()),
    ("depth", |r| r.depth.to_string()),
    ("width", |r| r.width.to_string()),
    ("parameterization", |r| r.parameterization.clone()),
    ("optimizer", |r| r.optimizer.clone()),
    ("learning rate", |r| r.lr.to_string()),
    ("bias", |r| r.bias.clone()),
    ("dataset", |r| r.dataset.clone()),
];

/// η² of `values` grouped by `levels` (equal lengths); `None` without variation.
pub fn eta_squared(values: &[f64], levels: &[String]) -> Option<f64> {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let total: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    if values.is_empty() || total <= 0.0 {
        return None;
    }
    let mut groups: Vec<(&String, f64, usize)> = Vec::new();
    for (v, l) in values.iter().zip(levels) {
        match groups.iter_mut().find(|g| g.0 == l) {
            Some(g) => {
                g.1 += v;
                g.2 += 1;
            }
            None => groups.push((l, *v, 1)),
        }
    }
    let between: f64 = groups
        .iter()
        .map(|(_, sum, k)| *k as f64 * (sum / *k as f64 - mean).powi(2))
        .sum();
    Some(between / total)
}

/// The effect of every factor with at least two levels, largest on steps first; empty unless
/// at least two factors vary.
pub fn effects(runs: &[RunRow]) -> Vec<Effect> {
    let steps = ranks(
        &runs
            .iter()
            .map(|r| r.steps_to_target.map_or(f64::INFINITY, |s| s as f64))
            .collect::<Vec<_>>(),
    );
    let with_acc: Vec<(f64, &RunRow)> = runs
        .iter()
        .filter_map(|r| r.final_test_acc.map(|a| (a, r)))
        .collect();
    let mut out: Vec<Effect> = FACTORS
        .iter()
        .filter_map(|(factor, level)| {
            let levels: Vec<String> = runs.iter().map(level).collect();
            let mut distinct = levels.clone();
            distinct.sort();
            distinct.dedup();
            if distinct.len() < 2 {
                return None;
            }
            let acc_levels: Vec<String> = with_acc.iter().map(|(_, r)| level(r)).collect();
            let acc: Vec<f64> = with_acc.iter().map(|(a, _)| *a).collect();
            Some(Effect {
                factor,
                levels: distinct.len(),
                steps: eta_squared(&steps, &levels).unwrap_or(0.0),
                accuracy: eta_squared(&acc, &acc_levels),
            })
        })
        .collect();
    if out.len() < 2 {
        return Vec::new();
    }
    out.sort_by(|a, b| b.steps.total_cmp(&a.steps));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_squared_by_hand() {
        // Groups a: 1, 3 (mean 2) and b: 5, 7 (mean 6); grand mean 4.
        // SS_total = 9 + 1 + 1 + 9 = 20; SS_between = 2·4 + 2·4 = 16; η² = 0.8.
        let levels: Vec<String> = ["a", "a", "b", "b"].map(String::from).to_vec();
        let eta = eta_squared(&[1.0, 3.0, 5.0, 7.0], &levels).unwrap();
        assert!((eta - 0.8).abs() < 1e-12, "{eta}");
        // A factor that explains nothing, and one that explains everything.
        let eta = eta_squared(&[1.0, 5.0, 1.0, 5.0], &levels).unwrap();
        assert!(eta.abs() < 1e-12);
        let eta = eta_squared(&[2.0, 2.0, 6.0, 6.0], &levels).unwrap();
        assert!((eta - 1.0).abs() < 1e-12);
        assert_eq!(eta_squared(&[3.0, 3.0, 3.0, 3.0], &levels), None);
    }

    #[test]
    fn the_factor_that_decides_steps_to_target_comes_first() {
        let run = |init: &str, depth: usize, seed: u64, steps: Option<usize>| RunRow {
            init: init.into(),
            depth,
            seed,
            steps_to_target: steps,
            final_test_acc: Some(if steps.is_some() { 0.9 } else { 0.1 }),
            ..RunRow::default()
        };
        // The scheme decides (`bad` never reaches the target); depth changes steps a little.
        let runs = vec![
            run("good", 3, 0, Some(10)),
            run("good", 3, 1, Some(12)),
            run("good", 10, 0, Some(14)),
            run("good", 10, 1, Some(16)),
            run("bad", 3, 0, None),
            run("bad", 3, 1, None),
            run("bad", 10, 0, None),
            run("bad", 10, 1, None),
        ];
        let e = effects(&runs);
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].factor, e[0].levels), ("scheme", 2));
        // Ranks: good 1, 2, 3, 4; bad all 6.5 (grand mean 4.5): SS_total = 21 + 16 = 37,
        // SS_between = 4·2² + 4·2² = 32.
        assert!((e[0].steps - 32.0 / 37.0).abs() < 1e-12, "{}", e[0].steps);
        assert_eq!(e[0].accuracy, Some(1.0));
        assert_eq!(e[1].factor, "depth");
        // Depth: 3 → ranks 1, 2, 6.5, 6.5; 10 → 3, 4, 6.5, 6.5: means 4 and 5, grand 4.5:
        // SS_between = 8 · 0.25 = 2.
        assert!((e[1].steps - 2.0 / 37.0).abs() < 1e-12, "{}", e[1].steps);
        assert!(e[1].accuracy.is_some_and(|a| a.abs() < 1e-12));
    }
}
