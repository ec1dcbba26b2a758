//! Running an experiment: the resources a grid needs (checked before any work), the parallel
//! sweep over its run specs, and one run = one function that returns a record.

pub mod budget;
mod build;
pub mod depth_scale;
pub mod fixed;
mod probes;
pub mod progress;
pub mod quotient;
pub mod resources;
mod spectra;
pub mod sweep;
pub mod train;
