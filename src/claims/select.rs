//! The runs a claim speaks about: those of `runs.csv` that match its `where` (and group)
//! table, with the keys and the matching rules of `exclude`; all of the grid's matching runs
//! must be there. And the best learning rate of each configuration, when the claim asks for it.

use std::collections::BTreeMap;

use crate::config::claim::LrCriterion;
use crate::config::grid::{Grid, GridPoint};
use crate::store::results::{quantile, ResultSet};
use crate::store::rows::RunRow;

use super::measure::run_value;
use super::short;

/// What `exclude` and claims see of a finished run.
fn coordinates(run: &RunRow) -> GridPoint<'_> {
    GridPoint {
        init: Some(&run.init),
        activation: Some(&run.activation),
        depth: Some(run.depth),
        width: Some(run.width),
        seed: Some(run.seed),
        lr: Some(run.lr),
        optimizer: Some(&run.optimizer),
        bias: Some(&run.bias),
        dataset: Some(&run.dataset),
    }
}

/// The runs matching a table, all of the grid's matching runs present.
pub struct Selection<'a> {
    pub runs: Vec<&'a RunRow>,
}

impl<'a> Selection<'a> {
    pub fn of(rs: &'a ResultSet, subset: &toml::Table) -> Result<Self, String> {
        let runs: Vec<&RunRow> = rs
            .runs
            .iter()
            .filter(|r| coordinates(r).matches(subset))
            .collect();
        let grid = Grid::new(&rs.config);
        let expected = grid
            .points()
            .filter(|p| grid.coordinates(p).matches(subset))
            .count();
        if runs.len() < expected {
            return Err(format!(
                "{} of the {expected} runs it speaks about are not in the results yet",
                expected - runs.len()
            ));
        }
        if runs.is_empty() {
            return Err("no run of the results matches it".into());
        }
        Ok(Selection { runs })
    }
}

/// The configuration a run belongs to when learning rates are compared: every coordinate but
/// the learning rate and the seed, as `(axis, value)` pairs.
fn configuration(run: &RunRow) -> [(&'static str, String); 7] {
    [
        ("init", run.init.clone()),
        ("activation", run.activation.clone()),
        ("depth", run.depth.to_string()),
        ("width", run.width.to_string()),
        ("optimizer", run.optimizer.clone()),
        ("bias", run.bias.clone()),
        ("dataset", run.dataset.clone()),
    ]
}

/// The runs at each configuration's best learning rate (the lowest median `criterion` over
/// seeds; ties go to the smaller rate), and the choice per configuration in words.
pub fn best_lr<'a>(
    runs: &[&'a RunRow],
    criterion: LrCriterion,
) -> Result<(Vec<&'a RunRow>, Vec<String>), String> {
    let mut by_config: BTreeMap<_, BTreeMap<u64, Vec<&RunRow>>> = BTreeMap::new();
    for &run in runs {
        by_config
            .entry(configuration(run))
            .or_default()
            .entry(run.lr.to_bits())
            .or_default()
            .push(run);
    }
    // A configuration is named by the axes on which the configurations differ.
    let configs: Vec<&[(&str, String); 7]> = by_config.keys().collect();
    let differs: Vec<bool> = (0..7)
        .map(|i| configs.iter().any(|c| c[i].1 != configs[0][i].1))
        .collect();
    let mut kept = Vec::new();
    let mut choices = Vec::new();
    for (config, by_lr) in &by_config {
        let mut best: Option<(f64, f64, &Vec<&RunRow>)> = None;
        for runs in by_lr.values() {
            let values: Vec<f64> = runs
                .iter()
                .map(|r| run_value(r, criterion.metric()))
                .collect::<Result<_, _>>()?;
            let score = quantile(&values, 0.5).unwrap_or(f64::INFINITY);
            let lr = runs[0].lr;
            let better = match best {
                None => true,
                Some((s, l, _)) => score < s || (score == s && lr < l),
            };
            if better {
                best = Some((score, lr, runs));
            }
        }
        let (score, lr, runs) = best.expect("a configuration has runs");
        kept.extend(runs.iter().copied());
        let name: Vec<String> = config
            .iter()
            .zip(&differs)
            .filter(|(_, d)| **d)
            .map(|((axis, value), _)| format!("{axis} {value}"))
            .collect();
        let label = if name.is_empty() {
            String::new()
        } else {
            format!("{}: ", name.join(", "))
        };
        choices.push(format!("{label}{lr} (median {})", short(score)));
    }
    Ok((kept, choices))
}
