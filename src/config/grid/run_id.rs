//! The stable id of a run: readable main parameters and a hash of everything that determines it,
//! the same on every invocation, machine and Rust version.

use crate::config::spec::RunSpec;
use crate::config::ExperimentConfig;
use crate::init::Branch;
use crate::net::architecture::Architecture;
use crate::net::parameterization::Parameterization;

/// Letters, digits and `_`; anything else becomes `_`.
fn slug(label: &str) -> String {
    let s: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.trim_end_matches('_').to_string()
}

/// A readable, stable id: the main parameters, then a hash of everything that determines the
/// run (scheme parameters, bias, read-out, parameterization, architecture and branch scheme,
/// optimizer, learning rate, dataset and protocol).
pub fn run_id(spec: &RunSpec, config: &ExperimentConfig) -> String {
    let mut canonical = format!(
        "{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
        spec.init,
        spec.activation,
        spec.depth,
        spec.width,
        spec.seed,
        spec.optimizer,
        spec.lr,
        config.datasets[spec.dataset_index],
        config.train
    );
    // Added after ids were first written: shown only when it is not the default, so that
    // existing results keep their ids.
    if spec.parameterization != Parameterization::default() {
        canonical.push_str(&format!("|{:?}", spec.parameterization));
    }
    if spec.architecture != Architecture::default() {
        canonical.push_str(&format!("|{:?}|{:?}", spec.architecture, spec.branch));
    }
    // A residual network's depth counts blocks (`b32`), and its branch scheme follows the
    // weights' (`he_normal_fixup`); a recurrent network names itself (`lstm_chrono`).
    let (scheme, depth) = if spec.architecture.residual() {
        let scheme = match spec.branch {
            Branch::None => spec.init.hidden.to_string(),
            branch => format!("{}_{branch}", spec.init.hidden),
        };
        (scheme, format!("b{}", spec.depth))
    } else if spec.architecture.recurrent() {
        (
            spec.init.hidden.to_string(),
            slug(&spec.architecture.to_string()),
        )
    } else {
        (spec.init.hidden.to_string(), format!("d{}", spec.depth))
    };
    format!(
        "{}-{}-{depth}-w{}-s{}-{:08x}",
        slug(&scheme),
        slug(&spec.activation.to_string()),
        slug(&spec.width.to_string()),
        spec.seed,
        fnv1a(canonical.as_bytes()) as u32
    )
}

/// FNV-1a, 64 bits: a hash that, unlike std's, is the same in every Rust version.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
