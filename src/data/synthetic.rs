//! Synthetic datasets generated from a seed: a Gaussian mixture, a random teacher network
//! whose outputs give the labels (classification) or targets (regression), and two sequence
//! tasks: the adding problem and the copy task.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::{Examples, Targets};
use crate::activation::Activation;
use crate::rng::{stream, Purpose};

fn gaussian(rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
    Distribution::<f64>::sample(&StandardNormal, rng)
}

/// `classes` isotropic unit-variance clusters in `dim` dimensions with centres
/// `μ_c ~ N(0, separation²/(2·dim)·I)` (two centres lie `separation` apart in expectation);
/// `n` examples, balanced classes in random order.
pub fn gaussian_mixture(
    classes: usize,
    dim: usize,
    separation: f64,
    n: usize,
    seed: u64,
) -> Examples {
    let mut rng = stream(seed, Purpose::Data);
    let centre_std = separation / (2.0 * dim as f64).sqrt();
    let centres: Vec<f64> = (0..classes * dim)
        .map(|_| centre_std * gaussian(&mut rng))
        .collect();
    let mut labels: Vec<u32> = (0..n).map(|i| (i % classes) as u32).collect();
    labels.shuffle(&mut rng);
    let mut x = Vec::with_capacity(n * dim);
    for &c in &labels {
        for j in 0..dim {
            x.push((centres[c as usize * dim + j] + gaussian(&mut rng)) as f32);
        }
    }
    Examples {
        n,
        dim,
        x,
        y: Targets::Labels(labels),
    }
}

/// The shape of a teacher network.
pub struct Teacher {
    pub dim: usize,
    pub outputs: usize,
    pub depth: usize,
    pub width: usize,
    pub activation: Activation,
    /// Standard deviation of Gaussian noise added to regression targets.
    pub noise: f64,
}

/// Inputs `x ~ N(0, I)` pushed through a random MLP with LeCun-normal weights scaled by the
/// activation's gain and zero biases. Classification: the label is the arg-max of the
/// `outputs` teacher outputs. Regression: the targets are the outputs plus `noise·N(0, 1)`.
pub fn teacher(t: &Teacher, n: usize, regression: bool, seed: u64) -> Examples {
    let mut rng = stream(seed, Purpose::Data);
    let mut sizes = vec![t.dim];
    sizes.extend(std::iter::repeat_n(t.width, t.depth));
    sizes.push(t.outputs);
    let weights: Vec<Vec<f64>> = sizes
        .windows(2)
        .enumerate()
        .map(|(l, f)| {
            let gain = if l + 2 == sizes.len() {
                1.0
            } else {
                t.activation.gain()
            };
            let std = gain / (f[0] as f64).sqrt();
            (0..f[0] * f[1]).map(|_| std * gaussian(&mut rng)).collect()
        })
        .collect();
    let mut x = Vec::with_capacity(n * t.dim);
    let mut labels = Vec::new();
    let mut values = Vec::new();
    for _ in 0..n {
        let input: Vec<f64> = (0..t.dim).map(|_| gaussian(&mut rng)).collect();
        x.extend(input.iter().map(|&v| v as f32));
        let mut h = input;
        for (l, w) in weights.iter().enumerate() {
            let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
            let z: Vec<f64> = (0..fan_out)
                .map(|j| (0..fan_in).map(|i| h[i] * w[i * fan_out + j]).sum())
                .collect();
            h = if l + 1 == weights.len() {
                z
            } else {
                z.into_iter().map(|v| t.activation.value(v)).collect()
            };
        }
        if regression {
            for v in h {
                values.push((v + t.noise * gaussian(&mut rng)) as f32);
            }
        } else {
            let arg_max = h
                .iter()
                .enumerate()
                .fold(0, |best, (j, &v)| if v > h[best] { j } else { best });
            labels.push(arg_max as u32);
        }
    }
    Examples {
        n,
        dim: t.dim,
        x,
        y: if regression {
            Targets::Values(values)
        } else {
            Targets::Labels(labels)
        },
    }
}

/// Features per step of the adding problem: a value and a marker.
pub const ADDING_STEP: usize = 2;

/// The adding problem (Hochreiter & Schmidhuber 1997; in the form of Le, Jaitly & Hinton 2015
/// and Arjovsky, Shah & Bengio 2016): a sequence of `length` steps of two inputs, a value
/// `u_t ~ U(0, 1)` and a marker `m_t`, which is 1 at exactly two steps, one drawn uniformly
/// in the first half and one in the second, and 0 elsewhere; the target is the sum of the two
/// marked values. Rows are laid out step by step, `[u_0, m_0, u_1, m_1, …]`, so a recurrent
/// network reads step `t` from columns `2t` and `2t + 1` and an MLP reads the whole row.
/// Predicting the mean, 1, whatever the input has mean squared error `Var(u_a + u_b) = 1/6`:
/// the baseline a network must beat.
pub fn adding_problem(length: usize, n: usize, seed: u64) -> Examples {
    const _: () = assert!(ADDING_STEP == 2, "a step is a value and a marker");
    let mut rng = stream(seed, Purpose::Data);
    let half = length / 2;
    let mut x = Vec::with_capacity(n * 2 * length);
    let mut targets = Vec::with_capacity(n);
    for _ in 0..n {
        let values: Vec<f64> = (0..length).map(|_| rng.random::<f64>()).collect();
        let a = rng.random_range(0..half);
        let b = rng.random_range(half..length);
        for (t, &u) in values.iter().enumerate() {
            x.push(u as f32);
            x.push(if t == a || t == b { 1.0 } else { 0.0 });
        }
        targets.push((values[a] + values[b]) as f32);
    }
    Examples {
        n,
        dim: ADDING_STEP * length,
        x,
        y: Targets::Values(targets),
    }
}

/// The copy task's sequences, inputs and targets (see [`copy_task`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyTask {
    /// The delay `T`: steps from the last symbol shown to the delimiter.
    pub length: usize,
    /// Symbols to remember are drawn from `1..=alphabet`.
    pub alphabet: usize,
    /// Symbols to remember per sequence.
    pub symbols: usize,
}

impl CopyTask {
    /// Features per step: a one-hot code of blank (0), the symbols (1..=alphabet) and the
    /// delimiter (alphabet + 1).
    pub fn step(&self) -> usize {
        self.alphabet + 2
    }

    /// Time steps per sequence, `T + 2·symbols`, every one of them predicted.
    pub fn steps(&self) -> usize {
        self.length + 2 * self.symbols
    }

    /// Output classes: blank and the alphabet.
    pub fn classes(&self) -> usize {
        self.alphabet + 1
    }

    /// The cross-entropy (nats per step) of the memoryless strategy: blank until the
    /// delimiter, then a uniform guess over the alphabet, `symbols·ln(alphabet)/(T +
    /// 2·symbols)` (Arjovsky, Shah & Bengio 2016, §4.1): the baseline a network must beat.
    pub fn baseline(&self) -> f64 {
        self.symbols as f64 * (self.alphabet as f64).ln() / self.steps() as f64
    }
}

/// The copy task (Hochreiter & Schmidhuber 1997; in the form of Arjovsky, Shah & Bengio 2016):
/// a sequence of `T + 2·S` steps shows `S` symbols drawn uniformly from `1..=A`, then `T − 1`
/// blanks, the delimiter and `S` more blanks; the target is blank (0) at every step but the
/// last `S`, which must repeat the `S` symbols in order. Inputs are one-hot, step by step
/// (`[one-hot(s_0), one-hot(s_1), …]`, `A + 2` features a step); targets are `T + 2·S` labels
/// per example. What a network without memory can do is [`CopyTask::baseline`].
pub fn copy_task(task: &CopyTask, n: usize, seed: u64) -> Examples {
    let mut rng = stream(seed, Purpose::Data);
    let (steps, step) = (task.steps(), task.step());
    let delimiter = task.alphabet + 1;
    let mut x = vec![0f32; n * steps * step];
    let mut labels = Vec::with_capacity(n * steps);
    for row in x.chunks_exact_mut(steps * step) {
        let shown: Vec<usize> = (0..task.symbols)
            .map(|_| rng.random_range(1..=task.alphabet))
            .collect();
        for t in 0..steps {
            let input = if t < task.symbols {
                shown[t]
            } else if t == task.symbols + task.length - 1 {
                delimiter
            } else {
                0
            };
            row[t * step + input] = 1.0;
            let recall = t + task.symbols >= steps;
            labels.push(if recall {
                shown[t + task.symbols - steps]
            } else {
                0
            } as u32);
        }
    }
    Examples {
        n,
        dim: steps * step,
        x,
        y: Targets::Labels(labels),
    }
}
