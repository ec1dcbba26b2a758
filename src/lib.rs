//! initlab: a laboratory for studying how weight initialization shapes the training of neural
//! networks. An experiment config names a grid (schemes × activations × depths × widths ×
//! seeds × learning rates × optimizers); every grid point trains a small candle MLP whose
//! layers are probed at initialization and during training; everything lands in tidy CSVs from
//! which the charts are drawn.
//!
//! Data flows one way: [`config`] → [`sweep`] (run specs) → [`train`] (records) → [`output`]
//! (CSV) → [`plot`].

pub mod activation;
pub mod budget;
pub mod bytes;
pub mod config;
pub mod data;
pub mod device;
pub mod experiment;
pub mod grid;
pub mod init;
pub mod kernels;
pub mod ledger;
pub mod merge;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod output;
pub mod overrides;
pub mod plot;
pub mod progress;
pub mod records;
pub mod report;
pub mod resources;
pub mod results;
pub mod results_dir;
pub mod rng;
pub mod sweep;
pub mod theory;
pub mod timestamp;
pub mod train;
