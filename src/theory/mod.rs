//! Mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017), independent of
//! candle. For a network with `W ~ N(0, σ_w²/N)` and `b ~ N(0, σ_b²)`, `Dz` the standard
//! Gaussian measure:
//!
//! - length map `q^l = σ_w² ∫Dz φ(√q^{l-1} z)² + σ_b²`, fixed point `q*`, and its depth scale
//!   `ξ_q = −1/ln(dq^l/dq^{l-1} at q*)`;
//! - `χ₁ = σ_w² ∫Dz φ'(√q* z)²`: ordered phase `χ₁ < 1` (gradients vanish), chaotic `χ₁ > 1`
//!   (they explode); the gradient variance scales as `χ₁^{L−l}`, depth scale `−1/ln χ₁`;
//! - correlation map `c^l = (σ_w² ∫Dz₁Dz₂ φ(u₁)φ(u₂) + σ_b²)/q*` with `u₁ = √q* z₁`,
//!   `u₂ = √q*(c z₁ + √(1−c²) z₂)`, its stable fixed point `c*`, and
//!   `ξ_c = −1/ln(σ_w² ∫Dz₁Dz₂ φ'(u₁)φ'(u₂))` at `c*` (`−1/ln χ₁` when `c* = 1`);
//! - random networks train when depth ≲ 6·ξ_c (Schoenholz et al. 2017).
//!
//! Smooth activations are integrated with Gauss–Hermite quadrature; ReLU and leaky ReLU use
//! closed forms (their kink would cost the quadrature its accuracy), including the arc-cosine
//! kernel of Cho & Saul (2009) for the correlation map.

pub mod cli;
pub mod correlation;
pub mod jacobian;
pub mod network;
pub mod quadrature;
pub mod residual;

use std::f64::consts::PI;
use std::fmt;

use crate::activation::{std_normal_cdf, std_normal_pdf, Activation};
use crate::init::NetworkInit;
use quadrature::{rule_1d, rule_2d};

/// Piecewise-linear activations, `φ(x) = x` for `x > 0` and `a·x` otherwise.
fn slope(act: Activation) -> Option<f64> {
    match act {
        Activation::Relu => Some(0.0),
        Activation::LeakyRelu { slope } => Some(slope),
        Activation::Linear => Some(1.0),
        _ => None,
    }
}

/// `E[φ(x)]` and `E[φ(x)²]` for `x ~ N(μ, q)`.
pub fn moments(act: Activation, mu: f64, q: f64) -> (f64, f64) {
    let s = q.max(0.0).sqrt();
    if let Some(a) = slope(act) {
        if s == 0.0 {
            let v = act.value(mu);
            return (v, v * v);
        }
        // relu(x) moments for x ~ N(m, s²): E = mΦ + sϕ, E[·²] = (m² + s²)Φ + m s ϕ.
        let relu = |m: f64| {
            let (cdf, pdf) = (std_normal_cdf(m / s), std_normal_pdf(m / s));
            (m * cdf + s * pdf, (m * m + q) * cdf + m * s * pdf)
        };
        let (p1, p2) = relu(mu);
        let (n1, n2) = relu(-mu);
        // φ(x) = relu(x) − a·relu(−x).
        return (p1 - a * n1, p2 + a * a * n2);
    }
    let m1 = expect(act, mu, s, |x| act.value(x));
    let m2 = expect(act, mu, s, |x| act.value(x).powi(2));
    (m1, m2)
}

/// Whether `φ` has a kink (a jump in φ' or φ'') at 0 that Gauss–Hermite would integrate
/// poorly.
fn kinked(act: Activation) -> bool {
    matches!(
        act,
        Activation::Softsign | Activation::Elu { .. } | Activation::Selu
    )
}

/// `E[g(μ + s·z)]`: Gauss–Hermite for smooth activations, split Gauss–Legendre at the kink.
fn expect(act: Activation, mu: f64, s: f64, g: impl Fn(f64) -> f64) -> f64 {
    if kinked(act) && s > 0.0 {
        quadrature::expect_split(-mu / s, |z| g(mu + s * z))
    } else {
        rule_1d().expect(|z| g(mu + s * z))
    }
}

/// `E[φ'(x)²]` for `x ~ N(μ, q)`.
pub fn derivative_moment(act: Activation, mu: f64, q: f64) -> f64 {
    derivative_power(act, mu, q, 2)
}

/// `E[φ'(x)⁴]` for `x ~ N(μ, q)`: with [`derivative_moment`], the `μ₂` and `μ₁` of the
/// Jacobian's spectrum ([`jacobian`]).
pub fn derivative_moment4(act: Activation, mu: f64, q: f64) -> f64 {
    derivative_power(act, mu, q, 4)
}

/// `E[φ'(x)^k]` for `x ~ N(μ, q)`: for piecewise-linear `φ`, `P(x > 0) + a^k·P(x ≤ 0)`.
fn derivative_power(act: Activation, mu: f64, q: f64, k: i32) -> f64 {
    let s = q.max(0.0).sqrt();
    if let Some(a) = slope(act) {
        let p = if s == 0.0 {
            f64::from(u8::from(mu > 0.0))
        } else {
            std_normal_cdf(mu / s)
        };
        return p + a.powi(k) * (1.0 - p);
    }
    expect(act, mu, s, |x| act.derivative(x).powi(k))
}

/// `E[φ(u₁)φ(u₂)]` alone, for the correlation map of many layers and input pairs: the closed
/// form where there is one, else [`cross_moments`]' rule with `φ(u₁)` evaluated once per outer
/// node and no derivatives (a quarter of its activation calls). A coarser rule would not do:
/// Gauss–Hermite converges slowly on tanh at large `q`, where it is nearly a step (24² nodes
/// were off by 3e-2 at `q = 10`, measured).
pub(crate) fn correlation_moment(act: Activation, q: f64, c: f64) -> f64 {
    if slope(act).is_some() {
        return cross_moments(act, q, c).0;
    }
    let c = c.clamp(-1.0, 1.0);
    let (s, t) = (q.sqrt(), (1.0 - c * c).max(0.0).sqrt());
    let r = rule_2d();
    r.z.iter()
        .zip(&r.w)
        .map(|(&z1, &w1)| {
            let inner: f64 =
                r.z.iter()
                    .zip(&r.w)
                    .map(|(&z2, &w2)| w2 * act.value(s * (c * z1 + t * z2)))
                    .sum();
            w1 * act.value(s * z1) * inner
        })
        .sum()
}

/// `E[φ(u₁)φ(u₂)]` and `E[φ'(u₁)φ'(u₂)]` for zero-mean Gaussians of variance `q` and
/// correlation `c`.
pub(crate) fn cross_moments(act: Activation, q: f64, c: f64) -> (f64, f64) {
    let c = c.clamp(-1.0, 1.0);
    if let Some(a) = slope(act) {
        // Arc-cosine kernel: E[relu(u₁)relu(u₂)] = q/(2π)(√(1−c²) + (π − arccos c)c).
        let k = |c: f64| q / (2.0 * PI) * ((1.0 - c * c).max(0.0).sqrt() + (PI - c.acos()) * c);
        let both = (PI - c.acos()) / (2.0 * PI);
        let mixed = c.acos() / (2.0 * PI);
        let phi = (1.0 + a * a) * k(c) - 2.0 * a * k(-c);
        let dphi = (1.0 + a * a) * both + 2.0 * a * mixed;
        return (phi, dphi);
    }
    let s = q.sqrt();
    let t = (1.0 - c * c).max(0.0).sqrt();
    let r = rule_2d();
    let phi = r.expect2(|z1, z2| act.value(s * z1) * act.value(s * (c * z1 + t * z2)));
    let dphi = r.expect2(|z1, z2| act.derivative(s * z1) * act.derivative(s * (c * z1 + t * z2)));
    (phi, dphi)
}

/// The ordered, critical or chaotic phase of an initialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `χ₁ < 1`: inputs converge, gradients vanish with depth.
    Ordered,
    /// `χ₁ = 1` (within 1e-3): the edge of chaos.
    Critical,
    /// `χ₁ > 1`: inputs decorrelate, gradients explode with depth.
    Chaotic,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Ordered => "ordered",
            Phase::Critical => "critical",
            Phase::Chaotic => "chaotic",
        })
    }
}

/// Everything mean-field theory says about `(φ, σ_w², σ_b²)`.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanField {
    pub activation: Activation,
    pub sigma_w2: f64,
    pub sigma_b2: f64,
    /// The fixed point of the length map; `None` when `q` grows without bound.
    pub q_star: Option<f64>,
    pub chi1: f64,
    /// Depth scale of the length map's convergence to `q*`.
    pub xi_q: f64,
    /// The stable fixed point of the correlation map.
    pub c_star: f64,
    /// Depth scale of correlations.
    pub xi_c: f64,
    /// Depth scale of the gradient's growth or decay, `1/|ln χ₁|`.
    pub xi_grad: f64,
    pub phase: Phase,
}

/// The length map `q ↦ σ_w² E[φ(√q z)²] + σ_b²`.
pub fn length_map(act: Activation, sigma_w2: f64, sigma_b2: f64, q: f64) -> f64 {
    sigma_w2 * moments(act, 0.0, q).1 + sigma_b2
}

/// The fixed point `q*`, iterating the length map from `q = 1`; `None` when it diverges.
/// Without bias the map may creep towards `q* = 0` only polynomially; below 1e-12 that is
/// taken as reached.
pub fn q_star(act: Activation, sigma_w2: f64, sigma_b2: f64) -> Option<f64> {
    let mut q = 1.0;
    for _ in 0..5_000 {
        let next = length_map(act, sigma_w2, sigma_b2, q);
        if !next.is_finite() || next > 1e12 {
            return None;
        }
        if (next - q).abs() <= 1e-14 * q || next < 1e-12 {
            return Some(next);
        }
        q = next;
    }
    // Still creeping down without bias: the only fixed point below is q = 0.
    if sigma_b2 == 0.0 && length_map(act, sigma_w2, sigma_b2, q) < q {
        return Some(0.0);
    }
    Some(q)
}

/// `χ₁` alone (cheaper than [`MeanField::new`]); infinite when `q` diverges.
pub fn chi1(act: Activation, sigma_w2: f64, sigma_b2: f64) -> f64 {
    q_star(act, sigma_w2, sigma_b2)
        .map_or(f64::INFINITY, |q| sigma_w2 * derivative_moment(act, 0.0, q))
}

impl MeanField {
    pub fn new(activation: Activation, sigma_w2: f64, sigma_b2: f64) -> Self {
        let q = q_star(activation, sigma_w2, sigma_b2);
        let (chi1, slope_q, c_star, chi_c) = match q {
            Some(q) => {
                let chi1 = sigma_w2 * derivative_moment(activation, 0.0, q);
                // dq/dq at q*, by a central difference of the length map.
                let h = (q * 1e-5).max(1e-12);
                let slope_q = (length_map(activation, sigma_w2, sigma_b2, q + h)
                    - length_map(activation, sigma_w2, sigma_b2, (q - h).max(0.0)))
                    / (q + h - (q - h).max(0.0));
                let (c_star, chi_c) = Self::correlations(activation, sigma_w2, sigma_b2, q, chi1);
                (chi1, slope_q, c_star, chi_c)
            }
            None => (f64::INFINITY, f64::INFINITY, 0.0, f64::INFINITY),
        };
        let depth_scale = |x: f64| {
            if x > 0.0 && x != 1.0 {
                -1.0 / x.ln()
            } else {
                f64::INFINITY
            }
        };
        let phase = if (chi1 - 1.0).abs() < 1e-3 {
            Phase::Critical
        } else if chi1 < 1.0 {
            Phase::Ordered
        } else {
            Phase::Chaotic
        };
        MeanField {
            activation,
            sigma_w2,
            sigma_b2,
            q_star: q,
            chi1,
            xi_q: depth_scale(slope_q),
            c_star,
            xi_c: depth_scale(chi_c),
            xi_grad: if chi1 > 0.0 && chi1 != 1.0 {
                1.0 / chi1.ln().abs()
            } else {
                f64::INFINITY
            },
            phase,
        }
    }

    /// The mean field of a network's hidden layers of `width` units initialized by `init`:
    /// σ_w² = fan_in·Var(W) of the hidden scheme on a square layer, σ_b² of its biases; `None`
    /// where the scheme is not zero-mean and independent or a bias has a non-zero mean.
    pub fn of_network(init: &NetworkInit, activation: Activation, width: usize) -> Option<Self> {
        let sigma_w2 = init.hidden.zero_mean_variance(width, width, activation)? * width as f64;
        let (mean, sigma_b2) = init.bias.moments(&init.hidden, width);
        (mean == 0.0).then(|| MeanField::new(activation, sigma_w2, sigma_b2))
    }

    /// `c*` and the slope `χ_c` of the correlation map there.
    fn correlations(
        act: Activation,
        sigma_w2: f64,
        sigma_b2: f64,
        q: f64,
        chi1: f64,
    ) -> (f64, f64) {
        if chi1 <= 1.0 {
            // Ordered (or critical): c = 1 is the stable fixed point.
            return (1.0, chi1);
        }
        let map = |c: f64| ((sigma_w2 * cross_moments(act, q, c).0 + sigma_b2) / q).min(1.0);
        let mut c = 0.5;
        for _ in 0..2_000 {
            let next = map(c);
            if (next - c).abs() < 1e-13 {
                c = next;
                break;
            }
            c = next;
        }
        (c, sigma_w2 * cross_moments(act, q, c).1)
    }

    /// Schoenholz et al.'s estimate of the deepest trainable network, `6·ξ_c`.
    pub fn trainable_depth(&self) -> f64 {
        6.0 * self.xi_c
    }
}

/// The σ_w² at which `χ₁ = 1` for a given σ_b² (bisection on `[0.01, 50]`), or `None` when
/// `χ₁ − 1` does not change sign there.
pub fn critical_sigma_w2(act: Activation, sigma_b2: f64) -> Option<f64> {
    let f = |w: f64| chi1(act, w, sigma_b2) - 1.0;
    let (mut lo, mut hi) = (0.01, 50.0);
    if f(lo) > 0.0 || f(hi) < 0.0 {
        return None;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-10 {
            break;
        }
    }
    Some(0.5 * (lo + hi))
}

/// The point of the critical line with a given `q*`: `σ_w² = 1/E[φ'(√q* z)²]` and
/// `σ_b² = q* − σ_w² E[φ(√q* z)²]` (negative when no bias variance reaches that `q*`).
pub fn critical_line_at(act: Activation, q_star: f64) -> (f64, f64) {
    let sigma_w2 = 1.0 / derivative_moment(act, 0.0, q_star);
    (sigma_w2, q_star - sigma_w2 * moments(act, 0.0, q_star).1)
}

#[cfg(test)]
mod tests;
