//! A run spec: one point of the grid, resolved into everything its run needs. The grid makes
//! them ([`super::grid`]); the sweep trains them (`run::train`).

use crate::activation::Activation;
use crate::config::{RecordConfig, TrainConfig, Width};
use crate::init::Branch;
use crate::init::NetworkInit;
use crate::net::architecture::Architecture;
use crate::net::optim::OptimizerConfig;
use crate::net::parameterization::Parameterization;

/// One point of the grid, with everything needed to train it.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Position in the grid: the order of rows in the final CSVs.
    pub index: usize,
    pub run_id: String,
    pub init: NetworkInit,
    pub activation: Activation,
    pub architecture: Architecture,
    pub branch: Branch,
    /// Hidden layers of an MLP, blocks of a residual network.
    pub depth: usize,
    pub width: Width,
    pub parameterization: Parameterization,
    pub seed: u64,
    pub optimizer: OptimizerConfig,
    pub lr: f64,
    /// The dataset's label, and its position in the config's `[[dataset]]` list.
    pub dataset: String,
    pub dataset_index: usize,
    pub train: TrainConfig,
    pub record: RecordConfig,
}
