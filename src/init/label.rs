//! The label of a scheme in CSV files, charts and run ids: the name, with the parameters that
//! differ from their defaults (`xavier_normal(gain=1.5)`, `normal(0.01)`).

use std::fmt;

use super::{FanMode, InitScheme, ScalingDistribution, ScalingMode};
use crate::defaults::{GAIN, LSUV_BATCH, LSUV_MAX_ITER, LSUV_TOL, STD};

impl fmt::Display for InitScheme {
    /// The label used in CSV files and charts: the name, with the parameters that differ from
    /// their defaults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            InitScheme::Zeros {} => write!(f, "zeros"),
            InitScheme::Constant { value } => write!(f, "constant({value})"),
            InitScheme::Uniform { low, high } => write!(f, "uniform({low};{high})"),
            InitScheme::Normal { mean, std } => {
                if mean == 0.0 {
                    write!(f, "normal({std})")
                } else {
                    write!(f, "normal({mean};{std})")
                }
            }
            InitScheme::Standard {} => write!(f, "standard"),
            InitScheme::LecunNormal {} => write!(f, "lecun_normal"),
            InitScheme::LecunUniform {} => write!(f, "lecun_uniform"),
            InitScheme::XavierNormal { gain } => with_gain(f, "xavier_normal", gain),
            InitScheme::XavierUniform { gain } => with_gain(f, "xavier_uniform", gain),
            InitScheme::Orthogonal { gain } => with_gain(f, "orthogonal", gain),
            InitScheme::Identity { gain } => with_gain(f, "identity", gain),
            InitScheme::ZerO {} => write!(f, "zer_o"),
            InitScheme::VarianceScaling {
                scale,
                mode,
                distribution,
            } => {
                let mode = match mode {
                    ScalingMode::FanIn => "fan_in",
                    ScalingMode::FanOut => "fan_out",
                    ScalingMode::FanAvg => "fan_avg",
                };
                let distribution = match distribution {
                    ScalingDistribution::TruncatedNormal => "truncated_normal",
                    ScalingDistribution::Normal => "normal",
                    ScalingDistribution::Uniform => "uniform",
                };
                write!(f, "variance_scaling({scale};{mode};{distribution})")
            }
            InitScheme::TruncNormal { mean, std, a, b } => {
                write!(f, "trunc_normal(mean={mean};std={std};a={a};b={b})")
            }
            InitScheme::Sparse { k, std } => {
                if std == STD {
                    write!(f, "sparse({k})")
                } else {
                    write!(f, "sparse({k};std={std})")
                }
            }
            InitScheme::RandomWalk {} => write!(f, "random_walk"),
            InitScheme::Critical { sigma_w2, sigma_b2 } => {
                write!(f, "critical(sw2={sigma_w2};sb2={sigma_b2})")
            }
            InitScheme::Lsuv {
                tol,
                max_iter,
                batch,
            } => {
                if tol == LSUV_TOL && max_iter == LSUV_MAX_ITER && batch == LSUV_BATCH {
                    write!(f, "lsuv")
                } else {
                    write!(f, "lsuv(tol={tol};max_iter={max_iter};batch={batch})")
                }
            }
            InitScheme::HeNormal {
                mode,
                negative_slope,
            } => with_fan(f, "he_normal", mode, negative_slope),
            InitScheme::HeUniform {
                mode,
                negative_slope,
            } => with_fan(f, "he_uniform", mode, negative_slope),
        }
    }
}

fn with_gain(f: &mut fmt::Formatter<'_>, name: &str, gain: f64) -> fmt::Result {
    if gain == GAIN {
        write!(f, "{name}")
    } else {
        write!(f, "{name}(gain={gain})")
    }
}

fn with_fan(f: &mut fmt::Formatter<'_>, name: &str, mode: FanMode, slope: f64) -> fmt::Result {
    let mut params = Vec::new();
    if mode == FanMode::FanOut {
        params.push("fan_out".to_string());
    }
    if slope != 0.0 {
        params.push(format!("a={slope}"));
    }
    if params.is_empty() {
        write!(f, "{name}")
    } else {
        write!(f, "{name}({})", params.join(";"))
    }
}
