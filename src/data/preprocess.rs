//! Preprocessing: a seeded train/test split for sources without one, caps on the number of
//! examples, and feature scaling with statistics of the training split alone (so nothing about
//! the test split leaks into training).

use rand::seq::SliceRandom;

use super::{Examples, Scaling};
use crate::rng::{stream, Purpose};

/// Shuffles `pool` with `seed` and cuts off `round(n·test_fraction)` examples (at least one, and
/// at least one left for training) as the test split.
pub fn split(pool: &Examples, test_fraction: f64, seed: u64) -> (Examples, Examples) {
    let mut order: Vec<usize> = (0..pool.n).collect();
    order.shuffle(&mut stream(seed, Purpose::Split));
    let n_test = ((pool.n as f64 * test_fraction).round() as usize)
        .clamp(1, pool.n.saturating_sub(1).max(1));
    let (test, train) = order.split_at(n_test);
    (pool.select(train), pool.select(test))
}

/// Keeps the first `max` examples.
pub fn cap(e: Examples, max: Option<usize>) -> Examples {
    match max {
        Some(max) if max < e.n => e.select(&(0..max).collect::<Vec<_>>()),
        _ => e,
    }
}

/// Multiplies every feature of both splits by `gain` (after [`scale`]): puts the inputs at a
/// chosen second moment, e.g. on a mean-field fixed point.
pub fn amplify(train: &mut Examples, test: &mut Examples, gain: f64) {
    if gain == 1.0 {
        return;
    }
    for e in [train, test] {
        for v in &mut e.x {
            *v = (f64::from(*v) * gain) as f32;
        }
    }
}

/// Scales both splits feature by feature with the training split's statistics.
pub fn scale(train: &mut Examples, test: &mut Examples, scaling: Scaling) {
    let (n, d) = (train.n, train.dim);
    if scaling == Scaling::None || n == 0 {
        return;
    }
    for j in 0..d {
        let col = || (0..n).map(|i| f64::from(train.x[i * d + j]));
        let (shift, factor) = match scaling {
            Scaling::Standardize => {
                let mean = col().sum::<f64>() / n as f64;
                let var = col().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
                (mean, if var > 0.0 { 1.0 / var.sqrt() } else { 1.0 })
            }
            Scaling::UnitInterval => {
                let (lo, hi) = col().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
                (lo, if hi > lo { 1.0 / (hi - lo) } else { 1.0 })
            }
            Scaling::None => unreachable!("returned above"),
        };
        for e in [&mut *train, &mut *test] {
            for i in 0..e.n {
                let v = &mut e.x[i * d + j];
                *v = ((f64::from(*v) - shift) * factor) as f32;
            }
        }
    }
}
