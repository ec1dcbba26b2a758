//! `exclude` against the grid: each entry compiled once into the positions it matches on each
//! axis it names (so matching a point is a lookup per named axis), and checked to name only
//! values the grid has.

use super::{Grid, Point, AXES, AXIS_COUNT};

/// An `exclude` entry compiled against the grid: per named axis, which positions it matches.
pub(super) struct Exclusion {
    pub(super) conditions: Vec<(usize, Vec<bool>)>,
}

impl Exclusion {
    pub(super) fn matches(&self, pos: &[usize; AXIS_COUNT]) -> bool {
        self.conditions.iter().all(|(axis, hit)| hit[pos[*axis]])
    }
}

impl Grid<'_> {
    /// Compiles `exclude` once: matching a point is then a lookup per named axis.
    pub(super) fn with_exclusions(mut self) -> Self {
        self.exclusions = self
            .config
            .exclude
            .iter()
            .map(|entry| Exclusion {
                conditions: entry
                    .iter()
                    .map(|(key, value)| {
                        // An unknown key (refused by validation) matches nothing.
                        let axis = AXES.iter().position(|(k, _)| k == key);
                        let hits = (0..self.lens[axis.unwrap_or(0)])
                            .map(|v| {
                                let mut pos = [0; AXIS_COUNT];
                                pos[axis.unwrap_or(0)] = v;
                                axis.is_some()
                                    && self.coordinates(&Point::at(0, pos)).matches_key(key, value)
                            })
                            .collect();
                        (axis.unwrap_or(0), hits)
                    })
                    .collect(),
            })
            .collect();
        self
    }

    /// Checks that every value an `exclude` entry names is one of the grid's (a misspelt
    /// scheme or a width given as a string would silently exclude nothing).
    pub fn check_exclusions(&self) -> Result<(), String> {
        for (i, entry) in self.config.exclude.iter().enumerate() {
            for (key, value) in entry {
                let Some(axis) = AXES.iter().position(|(k, _)| k == key) else {
                    continue;
                };
                let found = (0..self.lens[axis]).any(|v| {
                    let mut pos = [0; AXIS_COUNT];
                    pos[axis] = v;
                    self.coordinates(&Point::at(0, pos)).matches_key(key, value)
                });
                if !found {
                    return Err(format!(
                        "exclude entry {}: {key} = {value} matches no value of `{}`",
                        i + 1,
                        AXES[axis].1
                    ));
                }
            }
        }
        Ok(())
    }
}
