//! Residual branch schemes: how the branches of a residual network start (the `branches` grid
//! axis), on top of the weights' own scheme. The rules, with their papers, are in the table of
//! `net::architecture`; [`Branch::start`] is their one owner.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How the branches of a residual network start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Branch {
    /// The weights as their scheme draws them, α = 1.
    #[default]
    None,
    /// The last layer of each branch zero.
    ZeroLast,
    /// Fixup (Zhang, Dauphin & Ma 2019): the last layer of each branch zero, the others scaled
    /// by `L^(−1/(2m−2))`, and a learned multiplier per branch from 1.
    Fixup,
    /// SkipInit (De & Smith 2020): a learned gain per branch from 0.
    #[serde(rename = "skipinit")]
    SkipInit,
    /// ReZero (Bachlechner et al. 2020): a learned residual weight per block from 0.
    #[serde(rename = "rezero")]
    ReZero,
}

/// What the branch scheme does to one block at initialization.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BranchStart {
    /// The residual gain α at initialization.
    pub alpha: f64,
    /// Whether α is a trained variable (otherwise the constant above).
    pub learned: bool,
    /// The factor on the weights of every branch layer but the last.
    pub inner_scale: f64,
    /// The factor on the weights of the branch's last layer (0: zero-initialized, its bias
    /// too).
    pub last_scale: f64,
    /// The factor on the read-out's weights (0 under Fixup, whose rule 1 zeroes the
    /// classification layer too).
    pub readout_scale: f64,
}

impl Branch {
    /// The start of each block of a network of `blocks` blocks of `layers` layers.
    pub fn start(self, blocks: usize, layers: usize) -> BranchStart {
        let plain = BranchStart {
            alpha: 1.0,
            learned: false,
            inner_scale: 1.0,
            last_scale: 1.0,
            readout_scale: 1.0,
        };
        match self {
            Branch::None => plain,
            Branch::ZeroLast => BranchStart {
                last_scale: 0.0,
                ..plain
            },
            Branch::Fixup => BranchStart {
                learned: true,
                inner_scale: fixup_scale(blocks, layers),
                last_scale: 0.0,
                readout_scale: 0.0,
                ..plain
            },
            Branch::SkipInit | Branch::ReZero => BranchStart {
                alpha: 0.0,
                learned: true,
                ..plain
            },
        }
    }

    /// Whether every branch contributes exactly nothing at initialization, so that the
    /// network starts as its input projection followed by the read-out.
    pub fn silent(self) -> bool {
        !matches!(self, Branch::None)
    }
}

/// Fixup's factor on a branch's inner layers, `L^(−1/(2m−2))` for `L` blocks of `m` layers
/// (Zhang, Dauphin & Ma 2019, §3, rule 2); 1 for one-layer branches, which have none.
pub fn fixup_scale(blocks: usize, layers: usize) -> f64 {
    if layers < 2 {
        return 1.0;
    }
    (blocks as f64).powf(-1.0 / (2.0 * layers as f64 - 2.0))
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Branch::None => "none",
            Branch::ZeroLast => "zero_last",
            Branch::Fixup => "fixup",
            Branch::SkipInit => "skipinit",
            Branch::ReZero => "rezero",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixup_scales_inner_layers_by_the_papers_power() {
        // L = 16 blocks of m = 2 layers: 16^(-1/2) = 0.25; m = 3: 16^(-1/4) = 0.5.
        assert_eq!(fixup_scale(16, 2), 0.25);
        assert_eq!(fixup_scale(16, 3), 0.5);
        assert_eq!(fixup_scale(16, 1), 1.0);
        let s = Branch::Fixup.start(16, 2);
        assert_eq!((s.alpha, s.learned, s.last_scale), (1.0, true, 0.0));
    }

    #[test]
    fn every_branch_but_none_is_silent_at_initialization() {
        for b in [
            Branch::ZeroLast,
            Branch::Fixup,
            Branch::SkipInit,
            Branch::ReZero,
        ] {
            let s = b.start(8, 2);
            assert!(b.silent());
            assert_eq!(s.alpha * s.last_scale, 0.0, "{b}");
        }
        assert!(!Branch::None.silent());
    }
}
