//! Resources checked before work starts: the peak memory of every run is estimated from its
//! shapes, and a grid whose largest runs (as many at once as `--jobs` trains) cannot fit in
//! the memory the machine has, or in `--max-memory`, is refused before anything is built or
//! written, naming the config key that makes it large.
//!
//! The estimate counts what a run holds at its peak, in bytes:
//! - the parameters `P` (weights and biases), their gradients, the optimizer's state (one
//!   buffer of `P` for momentum, two for Adam), the update's temporary and the copy of the
//!   weights a probed update is measured against, all f32;
//! - the largest of four transient needs ([`Peak`]): one forward and backward pass of the
//!   largest of the training, probe and LSUV batches, about [`PER_UNIT`] f32 values per
//!   example and unit (pre-activation, activation, their gradients, the probe variable and the
//!   temporaries of candle's ops), plus a probe's statistics (a layer's entries in f64) or the
//!   gradient quotient's copies of the parameters and gradients at step 0; the
//!   forward pass over the whole test split ([`EVAL_PER_UNIT`]; for a recurrent network run
//!   through the whole-sequence op, exactly what that op holds per example and time step,
//!   `FusedCell::floats_per_step`); or the draw of the largest
//!   weight matrix (f64 entries; an orthogonal draw also its QR factors); or the spectra
//!   (`[record] spectra`: the Jacobian's product and decomposition, a weight matrix's Gram
//!   matrix and eigenvalues, in f64, [`PER_SPECTRUM_ENTRY`] bytes per entry of the largest);
//! - the records kept until the run ends (a loss per step, a row per probe and layer);
//! - shared by every run on a dataset: the examples as read, split and scaled, and the probe
//!   batch and test split as tensors; plus the process itself ([`BASELINE`]).
//!
//! Everything is in closed form over the shapes, so an absurd grid (a depth of a billion) is
//! refused at once instead of allocating to find out.
//!
//! `tests/budget.rs` holds the estimate to within a factor of two of the peak resident memory
//! measured on several sizes, an LSTM and an Elman network among them.

use crate::bytes::Bytes;
use crate::config::grid::{Grid, Shard};
use crate::config::record::SpectraAt;
use crate::config::spec::RunSpec;
use crate::config::Width;
use crate::init::InitScheme;
use crate::net::architecture::Architecture;
use crate::net::optim::OptimizerConfig;
use crate::net::recurrent::CellKind;

mod data_shape;
pub use data_shape::DataShape;

/// The resident memory of the process before any run: code, allocator arenas, the thread pool.
pub const BASELINE: u64 = 12 << 20;
/// f32 values held per example and unit during a forward and backward pass.
pub const PER_UNIT: u64 = 8;
/// f32 values held per test example and unit while the test split is evaluated.
pub const EVAL_PER_UNIT: u64 = 3;
/// Bytes of the records kept per step (the loss log and the curve row built from it).
const PER_STEP: u64 = 96;
/// Bytes per entry of the largest matrix whose spectrum a run computes: its f64 copy, the
/// Jacobian's running product or the Gram matrix, and the decomposition's workspace (35–49
/// bytes measured at width 1536; `tests/budget.rs`).
pub const PER_SPECTRUM_ENTRY: u64 = 64;
/// Bytes of one `layers.csv` row and its share of the histogram rows.
const PER_PROBED_LAYER: u64 = 2_048;

/// What the activation part of a run's estimate is made of, whichever is largest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Peak {
    /// A forward and backward pass of the training, probe or LSUV batch.
    #[default]
    Batch,
    /// The forward pass over the whole test split.
    TestSplit,
    /// Drawing the largest weight matrix.
    Draw,
    /// The spectra of the Jacobian and of the largest weight matrix.
    Spectra,
}

/// One run's estimated peak, by part.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunEstimate {
    /// Parameters, gradients and optimizer state.
    pub parameters: u64,
    /// One forward and backward pass of the largest batch and the probe statistics, the test
    /// split's evaluation, or the draw of the largest weight matrix, whichever is largest.
    pub activations: u64,
    pub peak: Peak,
    /// The records kept until the run ends.
    pub records: u64,
}

/// The entries and biases of a `fan_in` × `fan_out` affine layer.
fn affine(fan_in: u64, fan_out: u64) -> u64 {
    fan_in.saturating_mul(fan_out).saturating_add(fan_out)
}

/// The hidden stack's shape, in closed form for a uniform width (a depth of a billion must not
/// allocate a list of layers).
struct Hidden {
    first: u64,
    last: u64,
    widest: u64,
    /// Units over all hidden layers.
    units: u64,
    /// Parameters of the affine layers between hidden layers.
    params: u64,
    /// Entries of the largest weight matrix between hidden layers (0 for one layer).
    largest: u64,
}

impl Hidden {
    fn of(width: &Width, depth: u64) -> Self {
        match width {
            Width::Uniform(n) => {
                let n = *n as u64;
                Hidden {
                    first: n,
                    last: n,
                    widest: n,
                    units: depth.saturating_mul(n),
                    params: depth.saturating_sub(1).saturating_mul(affine(n, n)),
                    largest: if depth > 1 { n.saturating_mul(n) } else { 0 },
                }
            }
            Width::Profile(layers) => {
                let n: Vec<u64> = layers.iter().map(|&n| n as u64).collect();
                let pairs = || n.windows(2).map(|w| (w[0], w[1]));
                Hidden {
                    first: n[0],
                    last: n[n.len() - 1],
                    widest: n.iter().copied().max().unwrap_or(0),
                    units: n.iter().fold(0u64, |a, &b| a.saturating_add(b)),
                    params: pairs().fold(0u64, |a, (i, o)| a.saturating_add(affine(i, o))),
                    largest: pairs().map(|(i, o)| i.saturating_mul(o)).max().unwrap_or(0),
                }
            }
        }
    }
}

impl RunEstimate {
    pub fn total(&self) -> u64 {
        self.parameters
            .saturating_add(self.activations)
            .saturating_add(self.records)
    }

    /// The estimate of `spec` on a dataset of shape `data`.
    pub fn of(spec: &RunSpec, data: DataShape) -> Self {
        let t = &spec.train;
        // A residual network of `depth` blocks of `m` layers has the affine layers of an MLP
        // of `1 + depth·m` hidden layers, and probe sites (each with a pre-activation and an
        // activation in a pass) of one of `1 + depth·(m + 1)`: its stream after every block.
        let depth = spec.depth as u64;
        let (layers, sites) = match spec.architecture {
            Architecture::Mlp {} | Architecture::Rnn {} | Architecture::Lstm { .. } => {
                (depth, depth)
            }
            Architecture::Residual { layers, .. } => {
                let m = layers as u64;
                (
                    depth.saturating_mul(m).saturating_add(1),
                    depth.saturating_mul(m.saturating_add(1)).saturating_add(1),
                )
            }
        };
        let h = Hidden::of(&spec.width, layers);
        let mut site_units = Hidden::of(&spec.width, sites).units;
        // The f32 values per test example of the evaluation, where they are known exactly
        // rather than per unit.
        let mut eval_floats = None;
        // The affine layers: features -> first, between hidden layers, last -> outputs.
        let mut params = affine(data.features, h.first)
            .saturating_add(h.params)
            .saturating_add(affine(h.last, data.outputs));
        // A recurrent network: G gates' input and recurrent weights and one bias each, the
        // read-out; a pass holds per step the gates' pre-activations and values and a few
        // H-wide products (state, cell, their taps when traced).
        if let (Some(cell), Some(step)) = (CellKind::of(spec.architecture), data.step) {
            let g = cell.gates() as u64 * h.widest;
            let steps = data.features / step.max(1);
            params = g
                .saturating_mul(step.saturating_add(h.widest).saturating_add(1))
                .saturating_add(affine(h.widest, data.outputs));
            site_units = steps.saturating_mul(2 * g + 4 * h.widest);
            // Evaluated (on the CPU) by the whole-sequence op, where the cell has one.
            if let Some(fused) = cell.fused(spec.activation) {
                let per_step = fused.floats_per_step(h.widest as usize) as u64;
                eval_floats = Some(steps.saturating_mul(per_step));
            }
        }
        let state = match spec.optimizer {
            OptimizerConfig::Sgd {} => 0,
            OptimizerConfig::Momentum { .. } => 1,
            OptimizerConfig::Adam { .. } => 2,
        };
        // Weights, gradients, optimizer state and the update's temporary (`update_ratio` is
        // measured by the pass that writes the weights, without a copy).
        let parameters = params.saturating_mul(4 * (3 + state));
        let lsuv = match &spec.init.hidden {
            InitScheme::Lsuv { batch, .. } => *batch,
            _ => 0,
        };
        let batch = t.batch_size.max(t.probe_size).max(lsuv) as u64;
        let units = site_units.saturating_add(data.outputs);
        let pass = batch.saturating_mul(units).saturating_mul(4 * PER_UNIT);
        // The test split's evaluation: a forward pass alone, over every test example.
        let eval = match eval_floats {
            Some(floats) => data
                .test
                .saturating_mul(floats.saturating_add(data.outputs))
                .saturating_mul(4),
            None => data
                .test
                .saturating_mul(units)
                .saturating_mul(4 * EVAL_PER_UNIT),
        };
        // A probe copies one layer's entries to f64 (and sorts them for the histogram).
        let stats = (t.probe_size as u64)
            .saturating_mul(h.widest.max(data.outputs))
            .saturating_mul(16);
        // Drawing the largest weight matrix: f64 entries before the f32 tensor; an orthogonal
        // draw also holds the Gaussian matrix, the Householder vectors and Q.
        let largest = data
            .features
            .saturating_mul(h.first)
            .max(h.last.saturating_mul(data.outputs))
            .max(h.largest);
        let per_entry = match spec.init.hidden {
            // The Gaussian matrix, the Householder vectors (half of it on average), Q and W.
            InitScheme::Orthogonal { .. } | InitScheme::Lsuv { .. } => 28,
            _ => 12,
        };
        let draw = largest.saturating_mul(per_entry);
        let spectra = if spec.record.spectra == SpectraAt::None {
            0
        } else {
            largest
                .max(h.widest.saturating_mul(h.widest))
                .saturating_mul(PER_SPECTRUM_ENTRY)
        };
        // MetaInit's gradient quotient at step 0 holds, beside a pass of the probe batch, the
        // parameters twice and three gradients as f32 (`run::quotient`).
        let quotient = params.saturating_mul(4 * 5);
        let (activations, peak) = [
            (pass.saturating_add(stats.max(quotient)), Peak::Batch),
            (eval, Peak::TestSplit),
            (draw, Peak::Draw),
            (spectra, Peak::Spectra),
        ]
        .into_iter()
        .max_by_key(|(bytes, _)| *bytes)
        .unwrap_or_default();
        let probes = (t.steps / t.probe_every + 2) as u64;
        let records = (t.steps as u64).saturating_mul(PER_STEP).saturating_add(
            probes
                .saturating_mul(sites.saturating_add(1))
                .saturating_mul(PER_PROBED_LAYER),
        );
        RunEstimate {
            parameters,
            activations,
            peak,
            records,
        }
    }
}

/// The machine's memory available to new work now (Linux: `MemAvailable`), when known.
pub fn available_memory() -> Option<Bytes> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line["MemAvailable:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(Bytes(kib * 1024))
}

/// The grid's memory need: the largest `jobs` runs at once, plus every dataset and the process.
#[derive(Debug, Clone)]
pub struct GridEstimate {
    pub peak: Bytes,
    /// The largest run: its id, label and estimate.
    pub largest: Option<(String, String, RunEstimate)>,
    pub data: u64,
    pub parallel: usize,
}

impl GridEstimate {
    /// The estimate of the runs of `grid` in `shard`, `jobs` at a time. Runs that share their
    /// shapes (dataset, depth, width, optimizer, scheme) are estimated once
    /// ([`Grid::shape_groups`]: arithmetic without `exclude`, one walk of the grid with it).
    pub fn of(grid: &Grid, shard: Option<Shard>, jobs: usize) -> Self {
        let config = grid.config;
        let shapes: Vec<DataShape> = config.datasets.iter().map(DataShape::of).collect();
        let data = shapes.iter().fold(0u64, |a, s| {
            a.saturating_add(s.bytes(config.train.probe_size))
        });
        let mut kinds: Vec<(RunEstimate, usize, String, String)> = grid
            .shape_groups(shard)
            .into_iter()
            .map(|(p, count)| {
                let s = grid.spec(&p);
                let label = format!(
                    "{} {} depth {} width {} on {}",
                    s.init.hidden, s.activation, s.depth, s.width, s.dataset
                );
                (
                    RunEstimate::of(&s, shapes[p.dataset]),
                    count,
                    s.run_id,
                    label,
                )
            })
            .collect();
        kinds.sort_by_key(|k| std::cmp::Reverse(k.0.total()));
        let runs: usize = kinds.iter().map(|k| k.1).sum();
        let parallel = jobs.max(1).min(runs);
        let (mut left, mut runs_peak) = (parallel, 0u64);
        for (estimate, count, ..) in &kinds {
            let n = left.min(*count);
            runs_peak = runs_peak.saturating_add(estimate.total().saturating_mul(n as u64));
            left -= n;
        }
        GridEstimate {
            peak: Bytes(BASELINE.saturating_add(data).saturating_add(runs_peak)),
            largest: kinds
                .into_iter()
                .next()
                .map(|(estimate, _, id, label)| (id, label, estimate)),
            data,
            parallel,
        }
    }

    /// The config keys most responsible for the peak, for the refusal message.
    fn culprit(&self) -> &'static str {
        let Some((_, _, run)) = &self.largest else {
            return "the dataset (`dataset.samples`, `dataset.dim`)";
        };
        let runs = run.total().saturating_mul(self.parallel as u64);
        if self.data > runs {
            return "the dataset (`dataset.samples`, `dataset.dim`)";
        }
        if run.records > run.parameters.max(run.activations) {
            return "`train.steps` (the losses and probe rows kept until a run ends)";
        }
        if run.parameters > run.activations {
            return "`depths` and `widths` (the parameters and optimizer state)";
        }
        match run.peak {
            Peak::Batch => {
                "`depths` and `widths` with `train.batch_size`, `train.probe_size` or an LSUV \
                 `batch` (the activations of one pass)"
            }
            Peak::TestSplit => {
                "the test split evaluated in one pass (`dataset.samples` × \
                 `dataset.test_fraction`, or `dataset.max_test`) through `depths` × `widths` units"
            }
            Peak::Draw => "`widths` (drawing the largest weight matrix)",
            Peak::Spectra => {
                "`widths` (the spectra of the largest matrices; `[record] spectra = \"none\"` \
                 skips them)"
            }
        }
    }

    /// Refuses a grid that does not fit in `limit`.
    pub fn check(&self, limit: Bytes, source: &str) -> Result<(), String> {
        if self.peak <= limit {
            return Ok(());
        }
        let largest = match &self.largest {
            Some((id, label, e)) => format!(
                "; its largest run, {id} ({label}), needs about {} (parameters {}, activations {}, records {})",
                Bytes(e.total()),
                Bytes(e.parameters),
                Bytes(e.activations),
                Bytes(e.records)
            ),
            None => String::new(),
        };
        Err(format!(
            "the grid needs about {} of memory ({} runs at once{largest}; the data {}), more than \
             the {limit} {source}. It is large because of {}: make it smaller, lower --jobs, or \
             pass --max-memory if this estimate is wrong",
            self.peak,
            self.parallel,
            Bytes(self.data),
            self.culprit()
        ))
    }
}
