//! Architectures: which network a run trains (the `architectures` grid axis), and the shape of
//! a residual network. How residual branches start (the `branches` axis) is
//! `crate::init::Branch`, summed up in the table below.
//!
//! - `mlp`: the plain MLP ([`super::mlp`]); `depth` counts hidden layers.
//! - `rnn`, `lstm`: a single-layer recurrent network ([`super::recurrent`]) reading each example
//!   as a sequence (`[dataset] step` features per time step) and a read-out of its last hidden
//!   state; `depth` is 1 (one recurrent layer), and time plays the role of depth. The Elman
//!   network `h_t = φ(x_t·W_ih + h_{t−1}·W_hh + b)` (Elman 1990) uses the `activations` axis
//!   (`relu` with identity recurrent weights is the IRNN, Le, Jaitly & Hinton 2015); the LSTM
//!   (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000) uses it for its
//!   cell input and output (`tanh` as usual). The LSTM's `forget_bias` starts the forget
//!   gate's bias at a constant (1: Gers et al. 2000, Jozefowicz et al. 2015) or by chrono
//!   initialization (Tallec & Ollivier 2018); without it the forget gate's bias is drawn like
//!   the other biases.
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

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which network a run trains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Architecture {
    /// The plain MLP: `depth` hidden layers.
    Mlp {},
    /// The Elman RNN: one recurrent layer, `h_t = φ(x_t·W_ih + h_{t−1}·W_hh + b)`.
    Rnn {},
    /// The LSTM: one recurrent layer with input, forget and output gates.
    Lstm {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forget_bias: Option<ForgetBias>,
    },
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

/// How an LSTM's forget-gate bias starts (one bias vector per gate: counted once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ForgetBias {
    /// `b_f = value` (1: Gers et al. 2000; Jozefowicz, Zaremba & Sutskever 2015).
    Constant(f64),
    /// Chrono initialization (Tallec & Ollivier 2018, eq. 16): `b_f = log U(1, T_max − 1)` per
    /// unit and `b_i = −b_f`; `T_max` the longest dependency expected, the sequence length
    /// when `None`.
    Chrono(Option<usize>),
}

/// The TOML forms of [`ForgetBias`]: a number, `"chrono"`, or `{ chrono = T_max }`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ForgetBiasForm {
    Constant(f64),
    Name(String),
    Chrono { chrono: usize },
}

impl<'de> Deserialize<'de> for ForgetBias {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match ForgetBiasForm::deserialize(deserializer)? {
            ForgetBiasForm::Constant(v) => Ok(ForgetBias::Constant(v)),
            ForgetBiasForm::Name(name) if name == "chrono" => Ok(ForgetBias::Chrono(None)),
            ForgetBiasForm::Name(name) => Err(serde::de::Error::custom(format!(
                "forget_bias: unknown `{name}`; a number, \"chrono\" or {{ chrono = T_max }}"
            ))),
            ForgetBiasForm::Chrono { chrono } => Ok(ForgetBias::Chrono(Some(chrono))),
        }
    }
}

impl Serialize for ForgetBias {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            ForgetBias::Constant(v) => ForgetBiasForm::Constant(v),
            ForgetBias::Chrono(None) => ForgetBiasForm::Name("chrono".into()),
            ForgetBias::Chrono(Some(chrono)) => ForgetBiasForm::Chrono { chrono },
        }
        .serialize(serializer)
    }
}

impl fmt::Display for ForgetBias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForgetBias::Constant(v) => write!(f, "b_f={v}"),
            ForgetBias::Chrono(None) => f.write_str("chrono"),
            ForgetBias::Chrono(Some(t)) => write!(f, "chrono({t})"),
        }
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
            Architecture::Lstm {
                forget_bias: Some(ForgetBias::Constant(v)),
            } if !v.is_finite() => Err(format!("lstm: forget_bias must be finite, got {v}")),
            Architecture::Lstm {
                forget_bias: Some(ForgetBias::Chrono(Some(t))),
            } if t < 2 => Err(format!(
                "lstm: forget_bias = {{ chrono = {t} }}: T_max must be at least 2"
            )),
            _ => Ok(()),
        }
    }

    /// Whether this architecture has residual branches (the `branches` axis applies).
    pub fn residual(&self) -> bool {
        matches!(self, Architecture::Residual { .. })
    }

    /// Whether this is a recurrent network, which reads its examples as sequences.
    pub fn recurrent(&self) -> bool {
        matches!(self, Architecture::Rnn {} | Architecture::Lstm { .. })
    }

    /// Whether the label of an architecture (a `runs.csv` `architecture` value) names a
    /// recurrent network.
    pub fn recurrent_label(label: &str) -> bool {
        label == "rnn" || label.starts_with("lstm")
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Architecture::Mlp {} => f.write_str("mlp"),
            Architecture::Rnn {} => f.write_str("rnn"),
            Architecture::Lstm { forget_bias: None } => f.write_str("lstm"),
            Architecture::Lstm {
                forget_bias: Some(forget_bias),
            } => write!(f, "lstm({forget_bias})"),
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
rnn        the Elman RNN, one recurrent layer over the sequence ([dataset] step features per
           time step): h_t = phi(x_t W_ih + h_{t-1} W_hh + b), read out from h_T; depth = 1.
           inits draws W_hh (identity, orthogonal, critical, standard = PyTorch's U(+-1/sqrt H)),
           input_init W_ih (e.g. { scheme = \"normal\", std = 0.001 } for the IRNN)
lstm       the LSTM (gates i, f, g, o; one bias vector per gate), read out from h_T; depth = 1;
           phi (the activations axis, usually tanh) on the cell input and output.
           option: forget_bias = 1 (a constant), \"chrono\" (T_max = the sequence length) or
           { chrono = T_max }: b_f = log U(1, T_max - 1), b_i = -b_f (Tallec & Ollivier 2018);
           without it the forget gate's bias is drawn like the others, e.g.
           { kind = \"lstm\", forget_bias = 1 }
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
        let lstm = |forget_bias| Architecture::Lstm { forget_bias };
        assert_eq!(lstm(None).to_string(), "lstm");
        assert_eq!(
            lstm(Some(ForgetBias::Constant(1.0))).to_string(),
            "lstm(b_f=1)"
        );
        assert_eq!(
            lstm(Some(ForgetBias::Chrono(None))).to_string(),
            "lstm(chrono)"
        );
        assert_eq!(
            lstm(Some(ForgetBias::Chrono(Some(200)))).to_string(),
            "lstm(chrono(200))"
        );
        assert!(Architecture::recurrent_label("lstm(chrono)"));
        assert!(Architecture::recurrent_label("rnn"));
        assert!(!Architecture::recurrent_label("residual"));
    }

    #[test]
    fn forget_bias_reads_its_three_forms() {
        #[derive(Deserialize)]
        struct A {
            architectures: Vec<Architecture>,
        }
        let a: A = toml::from_str(
            r#"architectures = [{ kind = "lstm", forget_bias = 1 }, { kind = "lstm", forget_bias = "chrono" },
                { kind = "lstm", forget_bias = { chrono = 50 } }, { kind = "rnn" }]"#,
        )
        .unwrap();
        let fb = |a: &Architecture| match a {
            Architecture::Lstm { forget_bias } => *forget_bias,
            _ => None,
        };
        assert_eq!(fb(&a.architectures[0]), Some(ForgetBias::Constant(1.0)));
        assert_eq!(fb(&a.architectures[1]), Some(ForgetBias::Chrono(None)));
        assert_eq!(fb(&a.architectures[2]), Some(ForgetBias::Chrono(Some(50))));
        assert_eq!(a.architectures[3], Architecture::Rnn {});
        let bad: Result<A, _> =
            toml::from_str(r#"architectures = [{ kind = "lstm", forget_bias = "late" }]"#);
        assert!(bad.is_err());
    }
}
