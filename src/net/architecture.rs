//! Architectures: which network a run trains (the `architectures` grid axis), and the shape of
//! a residual network. How residual branches start (the `branches` axis) is
//! `crate::init::Branch`, summed up in the table below.
//!
//! - `mlp`: the plain MLP ([`super::mlp`]); `depth` counts hidden layers.
//! - `residual`: a residual MLP without normalization ([`super::residual`]): an input
//!   projection to the width, `depth` residual blocks `x ← x + α·B(x)` of `layers` affine
//!   layers each (default 2), and the read-out; `depth` counts blocks. Two orderings:
//!   - `pre` (the default; He et al. 2016, "Identity mappings in deep residual networks"):
//!     `B(x) = W_m·φ(… W_1·φ(x))`, the stream `x` stays a plain sum;
//!   - `post` (He et al. 2015, the original ResNet and Fixup's arrangement):
//!     `x ← φ(x + α·W_m·φ(… φ(W_1·x)))`, and the input projection is followed by `φ` too.
//!
//! Branch schemes (`crate::init::Branch`) act on top of the weights' own scheme (`inits`):
//!
//! | branch | at initialization | learned |
//! |---|---|---|
//! | `none` | α = 1 | — |
//! | `zero_last` | the last layer of each branch is zero | — |
//! | `fixup` | last layer and read-out zero, the other branch layers × L^(−1/(2m−2)) (Zhang, Dauphin & Ma 2019, §3) | a multiplier α per branch, from 1 |
//! | `skipinit` | α = 0 (De & Smith 2020) | α per branch |
//! | `rezero` | α = 0 (Bachlechner et al. 2020) | α per block |
//!
//! In these networks `skipinit` and `rezero` are the same network (one learned scalar per
//! branch, from 0): the papers differ in what they remove (batch normalization in a ResNet,
//! layer normalization in a Transformer), and neither has normalization here. Both names are
//! kept so that a config can follow either paper literally; they train identically (tested).
//! Fixup's scalar biases before each layer are subsumed by the layers' own bias vectors (a
//! per-unit bias after a layer is a bias before the activation that follows it).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which network a run trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Architecture {
    /// The plain MLP: `depth` hidden layers.
    Mlp {},
    /// A residual MLP: `depth` blocks of `layers` affine layers each.
    Residual {
        #[serde(default = "crate::defaults::residual_layers")]
        layers: usize,
        #[serde(default)]
        order: BlockOrder,
    },
}

impl Default for Architecture {
    fn default() -> Self {
        Architecture::Mlp {}
    }
}

/// Where a residual block applies its activation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockOrder {
    /// `x ← x + α·W_m·φ(… W_1·φ(x))`: the stream is a plain sum (He et al. 2016).
    #[default]
    Pre,
    /// `x ← φ(x + α·W_m·φ(… φ(W_1·x)))` (He et al. 2015; Fixup).
    Post,
}

/// The shape of a residual MLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResidualShape {
    pub input: usize,
    pub width: usize,
    pub outputs: usize,
    pub blocks: usize,
    /// Affine layers per branch.
    pub layers: usize,
    pub order: BlockOrder,
}

impl ResidualShape {
    /// The layer sizes of the MLP whose draw the network uses: the input projection, every
    /// branch layer in order, the read-out.
    pub fn flat_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![self.input];
        sizes.extend(std::iter::repeat_n(
            self.width,
            1 + self.blocks * self.layers,
        ));
        sizes.push(self.outputs);
        sizes
    }
}

impl Architecture {
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Architecture::Residual { layers: 0, .. } => {
                Err("residual: layers (per branch) must be at least 1, got 0".into())
            }
            _ => Ok(()),
        }
    }

    /// Whether this architecture has residual branches (the `branches` axis applies).
    pub fn residual(&self) -> bool {
        matches!(self, Architecture::Residual { .. })
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Architecture::Mlp {} => f.write_str("mlp"),
            Architecture::Residual { layers, order } => {
                let mut parts = Vec::new();
                if layers != crate::defaults::RESIDUAL_LAYERS {
                    parts.push(format!("m={layers}"));
                }
                if order != BlockOrder::default() {
                    parts.push(order.to_string());
                }
                if parts.is_empty() {
                    f.write_str("residual")
                } else {
                    write!(f, "residual({})", parts.join(", "))
                }
            }
        }
    }
}

impl fmt::Display for BlockOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BlockOrder::Pre => "pre",
            BlockOrder::Post => "post",
        })
    }
}

/// `initlab list architectures`.
pub const ARCHITECTURE_KINDS: &str = "\
architectures (the `architectures` axis; depth counts what each says)
mlp        the plain MLP: depth hidden layers h = phi(h W + b), then the read-out
residual   a residual MLP without normalization: an input projection to the width, depth
           blocks x <- x + alpha * B(x) of m affine layers each, then the read-out
           options: layers = m (default 2); order = \"pre\" (default) or \"post\", e.g.
           { kind = \"residual\", layers = 3, order = \"post\" }
             pre    B(x) = W_m phi(... W_1 phi(x))          (He et al. 2016, identity mappings)
             post   x <- phi(x + alpha * W_m phi(... phi(W_1 x)))   (He et al. 2015; Fixup)

branch schemes (the `branches` axis; residual architectures only, on top of `inits`)
none       alpha = 1, the weights as drawn
zero_last  the last layer of each branch zero
fixup      last layer of each branch and the read-out zero, the other branch layers
           x L^(-1/(2m-2)) for L blocks, and a learned multiplier per branch from 1
           (Zhang, Dauphin & Ma 2019)
skipinit   a learned gain alpha per branch from 0 (De & Smith 2020)
rezero     a learned residual weight alpha per block from 0 (Bachlechner et al. 2020);
           the same network as skipinit here (neither has normalization to remove)
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_leave_defaults_out() {
        let r = |layers, order| Architecture::Residual { layers, order };
        assert_eq!(Architecture::Mlp {}.to_string(), "mlp");
        assert_eq!(r(2, BlockOrder::Pre).to_string(), "residual");
        assert_eq!(r(3, BlockOrder::Post).to_string(), "residual(m=3, post)");
        assert!(r(0, BlockOrder::Pre).validate().is_err());
    }
}
