//! Every default a config may leave out, in one place, named by what it is. Each is a named
//! constant and the function serde's `#[serde(default = "…")]` calls for it; the labels of
//! schemes and optimizers compare with the same constants to leave defaults out.

use crate::activation::Activation;

/// Declares `pub const NAME: T = value;` and `pub fn name() -> T`.
macro_rules! defaults {
    ($($(#[$doc:meta])* $konst:ident, $func:ident: $ty:ty = $value:expr;)*) => {
        $(
            $(#[$doc])*
            pub const $konst: $ty = $value;
            $(#[$doc])*
            pub fn $func() -> $ty {
                $konst
            }
        )*
    };
}

defaults! {
    // Initialization schemes (`init/`).
    /// The gain of `xavier_*`, `orthogonal` and `identity`.
    GAIN, gain: f64 = 1.0;
    /// `variance_scaling`'s scale.
    SCALE, scale: f64 = 1.0;
    /// The standard deviation of `trunc_normal` and of `sparse`'s non-zero weights.
    STD, std: f64 = 1.0;
    /// `trunc_normal`'s interval `[a, b]` (PyTorch's `trunc_normal_`).
    TRUNC_A, trunc_a: f64 = -2.0;
    TRUNC_B, trunc_b: f64 = 2.0;
    /// `sparse`: non-zero incoming weights per unit (Martens 2010).
    SPARSE_K, sparse_k: usize = 15;
    /// LSUV's tolerance on `|Var(z) − 1|`, rescalings per layer and batch (Mishkin & Matas
    /// 2015).
    LSUV_TOL, lsuv_tol: f64 = 0.1;
    LSUV_MAX_ITER, lsuv_max_iter: usize = 10;
    LSUV_BATCH, lsuv_batch: usize = 256;

    // Optimizers (`net/optim/`).
    /// Heavy-ball and Nesterov momentum.
    MOMENTUM, momentum: f64 = 0.9;
    /// Adam's β₁, β₂ and ε (Kingma & Ba 2015).
    BETA1, beta1: f64 = 0.9;
    BETA2, beta2: f64 = 0.999;
    EPS, eps: f64 = 1e-8;

    // Parameterizations (`net/parameterization.rs`).
    /// The width at which μP's multipliers are all 1 (microsoft/mup's base shape).
    MUP_BASE_WIDTH, mup_base_width: usize = 64;

    // Architectures (`net/architecture.rs`).
    /// Affine layers per residual branch (He et al. 2016's basic block has two).
    RESIDUAL_LAYERS, residual_layers: usize = 2;

    // Training (`[train]`).
    BATCH_SIZE, batch_size: usize = 64;
    /// Steps between probes, and between test evaluations.
    PROBE_EVERY, probe_every: usize = 50;
    /// Examples in the fixed probe batch.
    PROBE_SIZE, probe_size: usize = 512;
    /// Steps in the running mean of the training loss that the target is compared with.
    SMOOTH, smooth: usize = 20;

    // Datasets (`[dataset]`).
    /// Classes of `gaussian_mixture`, outputs of `teacher`.
    CLASSES, classes: usize = 10;
    /// Steps of the adding problem (Le, Jaitly & Hinton 2015 used 150 to 400; 100 is the
    /// length of the project's recurrent reproductions).
    ADDING_LENGTH, adding_length: usize = 100;
    /// The copy task's delay T (Arjovsky, Shah & Bengio 2016 used 100 to 2000).
    COPY_LENGTH, copy_length: usize = 100;
    /// The copy task's alphabet: the symbols to remember are drawn from this many.
    COPY_ALPHABET, copy_alphabet: usize = 8;
    /// The copy task's symbols to remember per sequence.
    COPY_SYMBOLS, copy_symbols: usize = 10;
    /// Input dimension of the synthetic datasets.
    DIM, dim: usize = 32;
    /// Distance between `gaussian_mixture` centres, in expectation.
    SEPARATION, separation: f64 = 3.0;
    /// Examples of the synthetic datasets.
    SAMPLES, samples: usize = 2048;
    /// Examples of Shapeset-3x2.
    SHAPESET_SAMPLES, shapeset_samples: usize = 4500;
    /// The `teacher` network: hidden layers, units and activation.
    TEACHER_DEPTH, teacher_depth: usize = 2;
    TEACHER_WIDTH, teacher_width: usize = 64;
    TEACHER_ACTIVATION, teacher_activation: Activation = Activation::Tanh;
    /// Whether a CSV file starts with a header line.
    CSV_HEADER, csv_header: bool = true;
    /// The fraction held out for testing where the source has no test split.
    TEST_FRACTION, test_fraction: f64 = 0.2;
    /// The factor every input feature is multiplied by after scaling.
    INPUT_SCALE, input_scale: f64 = 1.0;
    // Claims (`[[claim]]`).
    /// The level of a claim's rank test (`kind = "less"` or `"greater"`).
    CLAIM_ALPHA, claim_alpha: f64 = 0.05;
}

/// Whether `input_scale` is the default, so that configs without it keep their resolved form.
pub fn is_input_scale(v: &f64) -> bool {
    *v == INPUT_SCALE
}
