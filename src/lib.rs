//! initlab: a laboratory for studying how weight initialization shapes the training of neural
//! networks. An experiment config names a grid (schemes × activations × depths × widths ×
//! seeds × learning rates × optimizers); every grid point trains a small candle MLP whose
//! layers are probed at initialization and during training; everything lands in tidy CSVs from
//! which the charts are drawn.
//!
//! Data flows one way: [`config`] → [`sweep`] (run specs) → [`train`] (records) → [`output`]
//! (CSV) → [`plot`].

pub mod activation;
pub mod bytes;
pub mod charts;
pub mod commands;
pub mod config;
pub mod data;
pub mod defaults;
pub mod init;
pub mod net;
pub mod report;
pub mod rng;
pub mod run;
pub mod store;
pub mod theory;
