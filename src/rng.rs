//! Seeded random streams. One ChaCha8 generator per (seed, purpose), so that each consumer of
//! randomness (a layer's weights, the batch order, the data) has its own independent stream:
//! adding a layer or changing the batch size does not shift the draws of anything else, and the
//! result does not depend on the thread that runs it.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The weights of layer `l` (1-based; the output layer is `depth + 1`).
    Weights(usize),
    /// The biases of layer `l`.
    Biases(usize),
    /// The order of training examples.
    Batches,
    /// Generating a synthetic dataset.
    Data,
    /// Choosing the fixed probe batch.
    Probe,
    /// Choosing the batch a data-dependent initialization (LSUV) measures.
    InitBatch,
    /// Splitting a dataset into training and test examples.
    Split,
}

impl Purpose {
    fn stream(self) -> u64 {
        match self {
            Purpose::Weights(l) => 2 * l as u64,
            Purpose::Biases(l) => 2 * l as u64 + 1,
            Purpose::Batches => 1 << 40,
            Purpose::Data => (1 << 40) + 1,
            Purpose::Probe => (1 << 40) + 2,
            Purpose::InitBatch => (1 << 40) + 3,
            Purpose::Split => (1 << 40) + 4,
        }
    }
}

/// The generator for `seed` and `purpose`.
pub fn stream(seed: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose.stream());
    rng
}
