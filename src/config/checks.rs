//! The checks of a whole config that TOML's types cannot make and that look across its
//! fields: grid axes without repeats, width profiles against the depths, architectures
//! against their branch schemes, widths, depths and datasets, and claims against
//! the grid (a `where` that matches no run).

use std::collections::HashSet;
use std::fmt::Display;

use super::grid::Grid;
use super::{ExperimentConfig, Width};

impl ExperimentConfig {
    /// A width profile pairs only with the depth of its length, so every profile needs that
    /// depth in `depths`, and every depth needs a width that fits it.
    pub(super) fn check_profiles(&self) -> Result<(), String> {
        for (i, width) in self.widths.iter().enumerate() {
            if let Width::Profile(layers) = width {
                if !self.depths.iter().any(|&d| width.fits(d)) {
                    return Err(format!(
                        "widths entry {}: the profile {width} has {} hidden layers, and `depths` \
                         has no {}: a profile gives one width per hidden layer and pairs only \
                         with the depth of its length",
                        i + 1,
                        layers.len(),
                        layers.len()
                    ));
                }
            }
        }
        if let Some(depth) = self
            .depths
            .iter()
            .find(|&&d| !self.widths.iter().any(|w| w.fits(d)))
        {
            return Err(format!(
                "depths: no entry of `widths` fits depth {depth} (each is a profile of another \
                 length); add a number of units to `widths` or remove the depth"
            ));
        }
        Ok(())
    }

    /// Architectures and branch schemes: each valid, a branch scheme other than `none` only
    /// with a residual architecture to apply to, and residual networks (whose stream has one
    /// width) only with uniform widths.
    pub(super) fn check_architectures(&self) -> Result<(), String> {
        for a in &self.architectures {
            a.validate().map_err(|m| format!("architectures: {m}"))?;
        }
        let residual = self.architectures.iter().any(|a| a.residual());
        if let Some(branch) = self.branches.iter().find(|b| b.silent()) {
            if !residual {
                return Err(format!(
                    "branches: `{branch}` starts residual branches, and `architectures` has no \
                     residual network; add {{ kind = \"residual\" }} to architectures or \
                     remove the branch scheme"
                ));
            }
        }
        if residual {
            if let Some(w) = self.widths.iter().find(|w| w.uniform().is_none()) {
                return Err(format!(
                    "widths: the profile {w} gives one width per hidden layer, and a residual \
                     network's stream has a single width; use a number of units"
                ));
            }
        }
        if let Some(a) = self.architectures.iter().find(|a| a.recurrent()) {
            self.check_recurrent(&a.to_string())?;
        }
        Ok(())
    }

    /// A recurrent network (`label`, the first in `architectures`) reads sequences of one
    /// hidden width, is one layer deep, and has no LSUV.
    fn check_recurrent(&self, label: &str) -> Result<(), String> {
        if let Some((i, d)) = self
            .datasets
            .iter()
            .enumerate()
            .find(|(_, d)| d.step().is_none())
        {
            return Err(format!(
                "dataset {} (`{d}`): architecture `{label}` reads each example as a sequence, \
                 and the dataset has no `step`; set step = the features per time step (the \
                 digits row by row: step = 8)",
                i + 1
            ));
        }
        if let Some(w) = self.widths.iter().find(|w| w.uniform().is_none()) {
            return Err(format!(
                "widths: the profile {w} gives one width per hidden layer, and a recurrent \
                 network has one hidden state; use a number of units"
            ));
        }
        if !self.depths.contains(&1) {
            return Err(format!(
                "depths: architecture `{label}` is one recurrent layer and runs at depth 1 \
                 only (other depths are skipped for it), and `depths` has no 1"
            ));
        }
        if let Some(lsuv) = self
            .inits
            .iter()
            .chain(&self.input_init)
            .find(|s| s.data_batch().is_some())
        {
            return Err(format!(
                "inits: `{lsuv}` rescales layers one by one on data, which initlab does not \
                 do for a recurrent network's shared weights (architecture `{label}`)"
            ));
        }
        Ok(())
    }

    /// Checks that every claim's groups name runs of the grid (a typo in `where` would
    /// otherwise only show after training, as an undecided claim).
    pub fn check_claims(&self) -> Result<(), String> {
        let grid = Grid::new(self);
        for (i, claim) in self.claims.iter().enumerate() {
            let groups = [Some(&claim.subset), claim.a.as_ref(), claim.b.as_ref()];
            for (what, group) in ["where", "a", "b"].iter().zip(groups) {
                let Some(group) = group else { continue };
                let mut both = claim.subset.clone();
                both.extend(group.clone());
                if !grid.points().any(|p| grid.coordinates(&p).matches(&both)) {
                    return Err(format!(
                        "claim {} (`{}`): `{what}` matches no run of the grid",
                        i + 1,
                        claim.name
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A grid axis must be non-empty and free of repeats (a repeat would run twice under one id).
pub(super) fn axis<T: Display>(key: &str, values: &[T]) -> Result<(), String> {
    if values.is_empty() {
        return Err(format!("{key} must list at least one value"));
    }
    let mut seen = HashSet::new();
    for v in values {
        let label = v.to_string();
        if !seen.insert(label.clone()) {
            return Err(format!("{key} lists `{label}` more than once"));
        }
    }
    Ok(())
}
