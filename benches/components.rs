//! The cost of the parts of a step and of a run (`cargo bench --bench components`), single
//! threaded, medians of timed repetitions:
//!
//! - every activation's forward and backward pass on a `[128, 1024]` pre-activation, in ns
//!   per element (candle's own kernels, or initlab's for tanh);
//! - every initialization scheme drawing a 1024×1024 weight matrix, in ms; LSUV is timed as a
//!   whole initialization of a 64→1024→1024→10 network on 512 examples (its orthogonal draws
//!   plus the rescaling passes).
//! - one layer's probe statistics on a `[128, 256]` batch (`layer_stats`, everything
//!   `layers.csv` holds per probe) and, of those, the nine activation quantiles, in µs;
//! - the spectra a run computes at step 0 and after the last step (`[record] spectra`), at
//!   depth × width (20, 256), (10, 256) and (5, 1024): the Jacobian's singular values on 4
//!   examples, every layer's weight spectrum, and for scale one training step (forward,
//!   backward and SGD update on a batch of 128), in ms.
//!
//! - a probed training step against a plain one at (10, 256) and (20, 256), batch 128: the
//!   traced forward pass with its taps, the backward pass and every site's statistics against
//!   forward and backward alone (the update is the same in both and left out), and what that
//!   costs a run probed every 10 steps, in ms and per cent.
//!
//! `-- --quick` takes 3 repetitions instead of 9.

use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use initlab::activation::Activation;
use initlab::init::{BiasScheme, InitScheme, NetworkInit};
use initlab::net::activation::ActivationForward;
use initlab::net::correlation::pair_correlations;
use initlab::net::lsuv;
use initlab::net::metrics::{layer_stats, LayerValues};
use initlab::net::mlp::Mlp;
use initlab::net::moments::mean_var;
use initlab::net::optim::Optimizer;
use initlab::net::probe::{self, labels, task_loss};
use initlab::net::quantiles::quantiles;
use initlab::net::spectra::{singular_values, WeightSpectrum, JACOBIAN_EXAMPLES};
use initlab::net::symmetry::unit_symmetry;
use initlab::net::ProbedNet;
use initlab::rng::{stream, Purpose};

/// Median seconds of `reps` calls of `f`, after one warm-up call.
fn median(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn activations(reps: usize) {
    let (rows, cols) = (128, 1024);
    let values: Vec<f32> = (0..rows * cols)
        .map(|i| ((i * 7919) % 4001) as f32 / 1000.0 - 2.0)
        .collect();
    let z =
        Var::from_tensor(&Tensor::from_vec(values, (rows, cols), &Device::Cpu).unwrap()).unwrap();
    println!("activation      forward ns/elem   forward+backward ns/elem");
    for act in Activation::ALL {
        let per = |s: f64| s * 1e9 / (rows * cols) as f64;
        let fwd = median(reps * 5, || {
            act.forward(z.as_tensor()).unwrap();
        });
        let both = median(reps * 5, || {
            act.forward(z.as_tensor()).unwrap().backward().unwrap();
        });
        println!(
            "{:<15} {:>15.2} {:>26.2}",
            act.to_string(),
            per(fwd),
            per(both)
        );
    }
}

fn schemes(reps: usize) {
    let tables = [
        "scheme = \"zeros\"",
        "scheme = \"constant\"\nvalue = 0.1",
        "scheme = \"uniform\"\nlow = -0.05\nhigh = 0.05",
        "scheme = \"normal\"\nstd = 0.01",
        "scheme = \"standard\"",
        "scheme = \"lecun_normal\"",
        "scheme = \"lecun_uniform\"",
        "scheme = \"xavier_normal\"",
        "scheme = \"xavier_uniform\"",
        "scheme = \"he_normal\"",
        "scheme = \"he_uniform\"",
        "scheme = \"variance_scaling\"",
        "scheme = \"trunc_normal\"\nstd = 0.02",
        "scheme = \"orthogonal\"",
        "scheme = \"identity\"",
        "scheme = \"sparse\"",
        "scheme = \"random_walk\"",
        "scheme = \"critical\"\nsigma_w2 = 1.76",
    ];
    println!("\nscheme (1024x1024)        ms");
    for table in tables {
        let scheme: InitScheme = toml::from_str(table).expect("a scheme table");
        let seconds = median(reps, || {
            let mut rng = stream(0, Purpose::Weights(1));
            scheme.weights(1024, 1024, Activation::Tanh, &mut rng);
        });
        println!("{:<22} {:>9.2}", scheme.to_string(), seconds * 1e3);
    }
    let init = NetworkInit {
        input: None,
        hidden: toml::from_str("scheme = \"lsuv\"").expect("lsuv"),
        output: None,
        bias: BiasScheme::Default {},
    };
    let x = Tensor::randn(0f32, 1.0, (512, 64), &Device::Cpu).unwrap();
    let seconds = median(reps, || {
        let sizes = [64, 1024, 1024, 10];
        let model = Mlp::init(&sizes, Activation::Tanh, &init, 0, &Device::Cpu).unwrap();
        lsuv::apply(&model, &init, &x).unwrap();
    });
    println!(
        "{:<22} {:>9.2}   (64-1024-1024-10 network on 512 examples)",
        "lsuv",
        seconds * 1e3
    );
}

fn statistics(reps: usize) {
    let (rows, units) = (128, 256);
    let entries = |seed: usize| -> Vec<f32> {
        (0..rows * units)
            .map(|i| (((i * 7919 + seed) % 4001) as f32 / 1000.0 - 2.0).tanh())
            .collect()
    };
    let (z, h, delta) = (entries(1), entries(2), entries(3));
    let (w, wg) = (
        entries(4)[..units * units / 2].to_vec(),
        entries(5)[..units * units / 2].to_vec(),
    );
    let values = LayerValues {
        units,
        z: &z,
        h: &h,
        delta: &delta,
        weight_grad: &wg,
        weight: &w[..units * units / 2],
        labels: None,
    };
    let all = median(reps * 5, || {
        layer_stats(&values, Activation::Tanh);
    });
    let part = |f: &mut dyn FnMut()| median(reps * 5, f) * 1e6;
    let q = part(&mut || {
        quantiles(&h);
    });
    let moments = part(&mut || {
        for v in [&z, &h, &delta, &wg, &w] {
            std::hint::black_box(mean_var(v));
        }
    });
    let units_alike = part(&mut || {
        std::hint::black_box(unit_symmetry(&h, units));
    });
    let pairs = part(&mut || {
        std::hint::black_box(pair_correlations(&z, units, None));
    });
    println!(
        "\nstatistics of one [128, 256] layer   layer_stats {:.1} µs   of which quantiles {q:.1}, \
         five means and variances {moments:.1}, unit similarity {units_alike:.1}, pair \
         correlations {pairs:.1} µs",
        all * 1e6,
    );
}

fn probe_cost(reps: usize) {
    println!("\nprobe on the training batch (tanh, lecun_normal, batch 128)   plain ms   probed ms   every 10 steps");
    let init = NetworkInit {
        input: None,
        hidden: InitScheme::LecunNormal {},
        output: None,
        bias: BiasScheme::Zeros {},
    };
    let task = initlab::data::Task::Classification { classes: 10 };
    for (depth, width) in [(10, 256), (20, 256)] {
        let mut sizes = vec![64];
        sizes.extend(std::iter::repeat_n(width, depth));
        sizes.push(10);
        let model = Mlp::init(&sizes, Activation::Tanh, &init, 0, &Device::Cpu).unwrap();
        let x = Tensor::randn(0f32, 1.0, (128, 64), &Device::Cpu).unwrap();
        let y = Tensor::from_vec((0..128u32).map(|i| i % 10).collect(), 128, &Device::Cpu).unwrap();
        let plain = median(reps * 3, || {
            model.loss(&x, &y, task).unwrap().backward().unwrap();
        });
        let probed = median(reps * 3, || {
            let trace = model.trace(&x).unwrap();
            let loss = task_loss(&trace.logits, &y, task).unwrap();
            let grads = loss.backward().unwrap();
            let labels = labels(&y, task).unwrap();
            probe::statistics(&model, &trace, &grads, labels.as_deref(), false).unwrap();
        });
        println!(
            "({depth:>2}, {width:>4}) {:>56.2} {:>11.2} {:>14.1}%",
            plain * 1e3,
            probed * 1e3,
            (probed - plain) / (10.0 * plain) * 100.0
        );
    }
}

fn spectra(reps: usize) {
    println!("\nspectra (tanh, lecun_normal)   jacobian ms   weights ms   one step ms");
    let init = NetworkInit {
        input: None,
        hidden: InitScheme::LecunNormal {},
        output: None,
        bias: BiasScheme::Zeros {},
    };
    for (depth, width) in [(20, 256), (10, 256), (5, 1024)] {
        let mut sizes = vec![64];
        sizes.extend(std::iter::repeat_n(width, depth));
        sizes.push(10);
        let model = Mlp::init(&sizes, Activation::Tanh, &init, 0, &Device::Cpu).unwrap();
        let x = Tensor::randn(0f32, 1.0, (JACOBIAN_EXAMPLES, 64), &Device::Cpu).unwrap();
        let jacobian = median(reps, || {
            let trace = model.trace(&x).unwrap();
            for e in 0..JACOBIAN_EXAMPLES {
                let jt = model.jacobian(&trace, e).unwrap().unwrap();
                singular_values(&jt).unwrap();
            }
        });
        let weights = median(reps, || {
            for s in 0..model.sites().len() {
                let w = model.site_weight(s).unwrap().as_tensor();
                let (fan_in, fan_out) = w.dims2().unwrap();
                let values = w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                WeightSpectrum::of(&values, fan_in, fan_out, Some(1.0 / fan_in as f64));
            }
        });
        let batch = Tensor::randn(0f32, 1.0, (128, 64), &Device::Cpu).unwrap();
        let labels = Tensor::zeros(128, candle_core::DType::U32, &Device::Cpu).unwrap();
        let task = initlab::data::Task::Classification { classes: 10 };
        let mut sgd = Optimizer::new(
            toml::from_str("kind = \"sgd\"").unwrap(),
            0.001,
            model.vars(),
        );
        let step = median(reps, || {
            let loss = model.loss(&batch, &labels, task).unwrap();
            sgd.step(&loss.backward().unwrap()).unwrap();
        });
        println!(
            "({depth:>2}, {width:>4}) {:>24.1} {:>12.1} {:>13.2}",
            jacobian * 1e3,
            weights * 1e3,
            step * 1e3
        );
    }
}

fn main() {
    std::env::set_var("RAYON_NUM_THREADS", "1");
    std::env::set_var("CANDLE_NUM_THREADS", "1");
    let reps = if std::env::args().any(|a| a == "--quick") {
        3
    } else {
        9
    };
    activations(reps);
    schemes(reps);
    statistics(reps);
    probe_cost(reps);
    spectra(reps);
}
