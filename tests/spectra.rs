//! The spectra of `net::spectra` against hand computations and closed forms:
//! - the MLP's Jacobian of the hidden stack equals finite differences of its own forward pass
//!   on a tiny network;
//! - an orthogonal linear network's Jacobian has every singular value 1 (Saxe et al. 2013), to
//!   1e-3 at 100 layers with f32 weights;
//! - an i.i.d. Gaussian matrix is close to its Marchenko–Pastur law, and the same matrix
//!   rescaled (as training moves a layer) is far from it;
//! - `[record] spectra` computes them where it says.

mod common;

use candle_core::{Device, Tensor};
use common::{read_csv, run_quiet, stderr, write_config, TINY};
use initlab::activation::Activation;
use initlab::init::{BiasScheme, InitScheme, NetworkInit};
use initlab::net::mlp::Mlp;
use initlab::net::spectra::{singular_values, WeightSpectrum};
use initlab::net::ProbedNet;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// `tanh(h·W + b)` in f64, `W` row-major `[fan_in, fan_out]`.
fn layer(h: &[f64], w: &[f32], b: &[f32], fan_out: usize) -> Vec<f64> {
    (0..fan_out)
        .map(|j| {
            let z: f64 = h
                .iter()
                .enumerate()
                .map(|(i, &x)| x * f64::from(w[i * fan_out + j]))
                .sum::<f64>()
                + f64::from(b[j]);
            z.tanh()
        })
        .collect()
}

#[test]
fn the_jacobian_of_a_tiny_tanh_network_is_its_finite_difference() {
    // Sizes 3 → 4 → 4 → 4 → 2: J = ∂h³/∂h¹ through layers 2 and 3.
    let sizes = [3usize, 4, 4, 4, 2];
    let params: Vec<(Vec<f32>, Vec<f32>)> = sizes
        .windows(2)
        .enumerate()
        .map(|(l, f)| {
            let w = (0..f[0] * f[1])
                .map(|k| (((k * 7 + l * 3) % 11) as f32 - 5.0) / 6.0)
                .collect();
            let b = (0..f[1]).map(|k| (k as f32 - 1.5) / 10.0).collect();
            (w, b)
        })
        .collect();
    let mlp = Mlp::from_params(&sizes, &params, Activation::Tanh, &Device::Cpu).unwrap();
    let x = [0.3f32, -0.7, 1.1, -0.2, 0.5, 0.9];
    let batch = Tensor::from_slice(&x, (2, 3), &Device::Cpu).unwrap();
    let trace = mlp.trace(&batch).unwrap();
    for example in 0..2 {
        let jt = mlp.jacobian(&trace, example).unwrap().unwrap();
        let input: Vec<f64> = x[example * 3..example * 3 + 3]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let h1 = layer(&input, &params[0].0, &params[0].1, 4);
        let top = |h1: &[f64]| {
            let h2 = layer(h1, &params[1].0, &params[1].1, 4);
            layer(&h2, &params[2].0, &params[2].1, 4)
        };
        let eps = 1e-6;
        for i in 0..4 {
            let (mut up, mut down) = (h1.clone(), h1.clone());
            up[i] += eps;
            down[i] -= eps;
            let (a, b) = (top(&up), top(&down));
            for j in 0..4 {
                let fd = (a[j] - b[j]) / (2.0 * eps);
                // Jᵀ[i][j] = ∂h³_j/∂h¹_i; z is f32 in the traced pass.
                assert!(
                    (jt[(i, j)] - fd).abs() < 1e-5,
                    "example {example}, ({i}, {j}): {} vs {fd}",
                    jt[(i, j)]
                );
            }
        }
    }
}

#[test]
fn an_orthogonal_linear_network_is_an_isometry_at_100_layers() {
    let width = 64;
    let mut sizes = vec![width; 102];
    sizes.push(10);
    let init = NetworkInit {
        input: None,
        hidden: InitScheme::Orthogonal { gain: 1.0 },
        output: None,
        bias: BiasScheme::Zeros {},
    };
    let mlp = Mlp::init(&sizes, Activation::Linear, &init, 3, &Device::Cpu).unwrap();
    let x = Tensor::ones((1, width), candle_core::DType::F32, &Device::Cpu).unwrap();
    let trace = mlp.trace(&x).unwrap();
    let jt = mlp.jacobian(&trace, 0).unwrap().unwrap();
    let s = singular_values(&jt).unwrap();
    assert_eq!(s.len(), width);
    let worst = s.iter().map(|v| (v - 1.0).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-3, "max |s − 1| = {worst}");
}

#[test]
fn a_gaussian_matrix_follows_marchenko_pastur_until_it_is_moved() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for (rows, cols) in [(400, 400), (100, 400), (400, 100)] {
        let v = 1.0 / rows as f64;
        let w: Vec<f32> = (0..rows * cols)
            .map(|_| {
                let g: f64 = StandardNormal.sample(&mut rng);
                (g * v.sqrt()) as f32
            })
            .collect();
        let at_init = WeightSpectrum::of(&w, rows, cols, Some(v));
        let d = at_init.mp_distance.unwrap();
        assert!(d < 0.05, "{rows}x{cols}: KS distance {d} at initialization");
        // Spectral norm ≈ √(v·max)·(1 + √γ) at this size.
        let big = rows.max(cols) as f64;
        let edge = (v * big).sqrt() * (1.0 + (rows.min(cols) as f64 / big).sqrt());
        let norm = at_init.spectral_norm.unwrap();
        assert!(
            (norm / edge - 1.0).abs() < 0.05,
            "{rows}x{cols}: {norm} vs {edge}"
        );
        let moved: Vec<f32> = w.iter().map(|x| x * 1.5).collect();
        let d = WeightSpectrum::of(&moved, rows, cols, Some(v))
            .mp_distance
            .unwrap();
        assert!(
            d > 0.2,
            "{rows}x{cols}: KS distance {d} after rescaling by 1.5"
        );
    }
}

/// `[record] spectra`: by default the Jacobian's density at step 0 and after the last step
/// (4 examples × width 16 values each), every layer's weight spectrum at those two steps only;
/// `"every_probe"` at every probe; `"none"` nowhere.
#[test]
fn record_spectra_says_when() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    for (setting, steps) in [
        ("init_and_final", vec![0, 30]),
        ("every_probe", vec![0, 10, 20, 30]),
        ("none", vec![]),
    ] {
        let out = tmp.path().join(setting);
        let set = format!("record.spectra=\"{setting}\"");
        let run = run_quiet(tmp.path(), &config, &out, &["--no-plot", "--set", &set]);
        assert!(run.status.success(), "{}", stderr(&run));
        let (header, rows) = read_csv(&out.join("spectra.csv"));
        let (run_col, step_col, count_col) = (
            header.iter().position(|h| h == "run_id").unwrap(),
            header.iter().position(|h| h == "step").unwrap(),
            header.iter().position(|h| h == "count").unwrap(),
        );
        let first = rows.first().map(|r| r[run_col].clone());
        for &step in &steps {
            let total: u64 = rows
                .iter()
                .filter(|r| Some(&r[run_col]) == first.as_ref() && r[step_col] == step.to_string())
                .map(|r| r[count_col].parse::<u64>().unwrap())
                .sum();
            assert_eq!(total, 4 * 16, "{setting}: step {step}");
        }
        let (lh, layers) = read_csv(&out.join("layers.csv"));
        let (ls, norm) = (
            lh.iter().position(|h| h == "step").unwrap(),
            lh.iter().position(|h| h == "spectral_norm").unwrap(),
        );
        for row in &layers {
            let step: usize = row[ls].parse().unwrap();
            assert_eq!(
                !row[norm].is_empty(),
                steps.contains(&step),
                "{setting}: spectral_norm at step {step}"
            );
        }
        let (rh, runs) = read_csv(&out.join("runs.csv"));
        let jac = rh.iter().position(|h| h == "jac_s2_var").unwrap();
        let theory = rh.iter().position(|h| h == "jac_s2_var_theory").unwrap();
        for r in &runs {
            assert_eq!(r[jac].is_empty(), setting == "none", "{setting}");
            // lecun_normal and orthogonal(1.2) on square tanh layers: a prediction.
            assert_eq!(r[theory].is_empty(), setting == "none", "{setting}");
        }
    }
}
