//! The runs a claim speaks about: those of `runs.csv` that match its `where` (and group)
//! table, with the keys and the matching rules of `exclude`, and whose depth lies in its
//! `depth_per_xi_c` range; all of the grid's matching runs must be there. And the best
//! learning rate of each configuration, when the claim asks for it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use crate::config::claim::{Expect, Factor, LrCriterion};
use crate::config::grid::{Grid, GridPoint};
use crate::config::{ExperimentConfig, Width};
use crate::init::NetworkInit;
use crate::net::architecture::Architecture;
use crate::store::results::{quantile, ResultSet};
use crate::store::rows::{RunRow, RunStatus};
use crate::theory::MeanField;

use super::measure::run_value;
use super::short;

/// What `exclude` and claims see of a finished run.
fn coordinates(run: &RunRow) -> GridPoint<'_> {
    GridPoint {
        init: Some(&run.init),
        activation: Some(&run.activation),
        depth: Some(run.depth),
        width: Some(&run.width),
        parameterization: Some(&run.parameterization),
        architecture: Some(&run.architecture),
        branch: Some(&run.branch),
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
    /// The runs matching `subset` whose depth over `ξ_c` lies in `region` (when given).
    pub fn of(
        rs: &'a ResultSet,
        subset: &toml::Table,
        region: Option<&Expect>,
    ) -> Result<Self, String> {
        let scales = DepthScales::new(&rs.config);
        let inside = |p: &GridPoint| {
            region.is_none_or(|r| scales.depth_per_xi_c(p).is_some_and(|x| r.holds(x)))
        };
        let runs: Vec<&RunRow> = rs
            .runs
            .iter()
            .filter(|r| {
                let p = coordinates(r);
                p.matches(subset) && inside(&p)
            })
            .collect();
        let grid = Grid::new(&rs.config);
        let expected = grid
            .points()
            .filter(|p| {
                let p = grid.coordinates(p);
                p.matches(subset) && inside(&p)
            })
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

/// A configuration as the depth scale sees it: scheme, activation and bias labels, width.
type Network = (String, String, String, Width);

/// The mean-field correlation depth scale `ξ_c` of the runs' schemes, computed once per
/// network.
struct DepthScales<'a> {
    config: &'a ExperimentConfig,
    cache: RefCell<HashMap<Network, Option<f64>>>,
}

impl<'a> DepthScales<'a> {
    fn new(config: &'a ExperimentConfig) -> Self {
        DepthScales {
            config,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// `depth / ξ_c` of a grid point; `None` where its scheme has no mean-field description
    /// (weights not zero-mean and independent, a bias with a non-zero mean, a width profile)
    /// and for networks that are not chains of layers (ξ_c is an MLP's depth scale).
    fn depth_per_xi_c(&self, p: &GridPoint) -> Option<f64> {
        if p.architecture? != Architecture::default().to_string() {
            return None;
        }
        let (init, activation, bias) = (p.init?, p.activation?, p.bias?);
        let (width, depth) = (p.width?, p.depth?);
        let key = (
            init.to_string(),
            activation.to_string(),
            bias.to_string(),
            width.clone(),
        );
        let xi_c = *self
            .cache
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| self.xi_c(init, activation, bias, width));
        xi_c.map(|xi| depth as f64 / xi)
    }

    fn xi_c(&self, init: &str, activation: &str, bias: &str, width: &Width) -> Option<f64> {
        let c = self.config;
        let init = NetworkInit {
            input: None,
            hidden: c.inits.iter().find(|s| s.to_string() == init)?.clone(),
            output: None,
            bias: c.biases.iter().find(|b| b.to_string() == bias)?.clone(),
        };
        let act = *c.activations.iter().find(|a| a.to_string() == activation)?;
        MeanField::of_network(&init, act, width.uniform()?).map(|mf| mf.xi_c)
    }
}

/// A run's value of `factor`; `None` where it has none (the width of a width profile, the σ_w²
/// of a scheme that is not zero-mean and independent).
pub fn level(config: &ExperimentConfig, run: &RunRow, factor: Factor) -> Option<f64> {
    match factor {
        Factor::Depth => Some(run.depth as f64),
        Factor::Width => run.width.uniform().map(|w| w as f64),
        Factor::Lr => Some(run.lr),
        Factor::SigmaW2 => sigma_w2(config, &run.init, &run.activation, run.width.uniform()?),
    }
}

/// σ_w² = fan_in·Var(W) of the scheme labelled `init` on square layers of `width` units;
/// `None` where the scheme is not zero-mean and independent.
fn sigma_w2(config: &ExperimentConfig, init: &str, activation: &str, width: usize) -> Option<f64> {
    let scheme = config.inits.iter().find(|s| s.to_string() == init)?;
    let act = *config
        .activations
        .iter()
        .find(|a| a.to_string() == activation)?;
    Some(scheme.zero_mean_variance(width, width, act)? * width as f64)
}

/// The configuration a run belongs to when learning rates are compared: every coordinate but
/// the learning rate and the seed, as `(axis, value)` pairs.
fn configuration(run: &RunRow) -> [(&'static str, String); 10] {
    [
        ("init", run.init.clone()),
        ("activation", run.activation.clone()),
        ("depth", run.depth.to_string()),
        ("width", run.width.to_string()),
        ("parameterization", run.parameterization.clone()),
        ("architecture", run.architecture.clone()),
        ("branch", run.branch.clone()),
        ("optimizer", run.optimizer.clone()),
        ("bias", run.bias.clone()),
        ("dataset", run.dataset.clone()),
    ]
}

/// The runs at each configuration's best learning rate (the lowest median `criterion` over
/// seeds, a diverged run counting as +∞; ties go to the smaller rate), and the choice per
/// configuration in words.
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
    let configs: Vec<&[(&str, String); 10]> = by_config.keys().collect();
    let differs: Vec<bool> = (0..7)
        .map(|i| configs.iter().any(|c| c[i].1 != configs[0][i].1))
        .collect();
    let mut kept = Vec::new();
    let mut choices = Vec::new();
    for (config, by_lr) in &by_config {
        let mut best: Option<(f64, f64, &Vec<&RunRow>)> = None;
        for runs in by_lr.values() {
            // A rate at which a run diverged is no candidate for that run, even when it
            // reached the target before it blew up.
            let values: Vec<f64> = runs
                .iter()
                .map(|r| match r.status {
                    RunStatus::Diverged => Ok(f64::INFINITY),
                    _ => run_value(r, criterion.metric()),
                })
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
