//! The networks initlab trains and probes: the architecture, its activations and fast kernels,
//! the per-layer statistics read from a probed pass, the data-dependent initialization that
//! needs a forward pass (LSUV), and the optimizers.

pub mod activation;
pub mod kernels;
pub mod lsuv;
pub mod metrics;
pub mod mlp;
pub mod optim;
