//! initlab: a laboratory for studying how weight initialization shapes the training of neural
//! networks. An experiment config names a grid (schemes × activations × depths × widths ×
//! seeds × learning rates × optimizers); every grid point trains a small candle MLP whose
//! layers are probed at initialization and during training; everything lands in tidy CSVs from
//! which the charts are drawn.
//!
//! Data flows one way: [`config`] (the experiment, its grid, run specs) → [`run`] (one run =
//! one function returning a record, trained on a network from [`net`], initialized by
//! [`init`], on data from [`data`]) → [`store`] (CSV tables, the results folder) → [`charts`]
//! and [`report`] (from the store alone); [`theory`] gives the mean-field predictions beside
//! the measurements, and [`commands`] ties the steps together for the binary. A folder uses
//! only the folders below it in the layering of `tests/layers.rs` (drawn in the README's "Layout"
//! section), never one above.

pub mod activation;
pub mod bytes;
pub mod charts;
pub mod claims;
pub mod commands;
pub mod config;
pub mod data;
pub mod defaults;
pub mod init;
pub mod net;
pub mod report;
pub mod rng;
pub mod run;
pub mod stats;
pub mod store;
pub mod theory;
