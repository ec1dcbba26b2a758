//! The chart families, one file each. A family names the file stems it draws (a faceted
//! figure is `STEM__FACET`), with where each belongs in a report's reading order and how to
//! read it, and draws its figures from a [`ResultSet`] alone; adding a family is one file here
//! plus its line in [`FAMILIES`].

mod bands;
pub mod coord_check;
mod histograms;
mod layers_at_init;
mod loss;
mod over_training;
mod phase_diagram;
mod saturation_at_init;
mod spectra;
mod steps_heatmap;
mod test_accuracy;
mod time_heatmap;

use rayon::prelude::*;

use super::canvas::Figure;
use crate::store::results::ResultSet;

/// Where a chart belongs in a report that reads from cause to effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// Signal propagation at initialization.
    Initialization,
    /// What training did to the network.
    Training,
    /// What came out: accuracy, speed, trainability.
    Outcome,
}

/// A file stem a family draws.
pub struct Stem {
    pub name: &'static str,
    pub part: Part,
    /// How to read the chart, in a sentence or two (the report's caption).
    pub reading: &'static str,
}

/// A chart family.
pub struct Family {
    /// The stems of the files it draws.
    pub stems: &'static [Stem],
    /// Its figures for a result set (none where it does not apply).
    pub draw: fn(&ResultSet) -> Vec<Figure>,
}

/// Every family, in the order their figures are drawn.
pub const FAMILIES: [Family; 12] = [
    layers_at_init::FAMILY,
    saturation_at_init::FAMILY,
    loss::FAMILY,
    test_accuracy::FAMILY,
    over_training::FAMILY,
    bands::FAMILY,
    time_heatmap::FAMILY,
    coord_check::FAMILY,
    histograms::FAMILY,
    spectra::FAMILY,
    steps_heatmap::FAMILY,
    phase_diagram::FAMILY,
];

/// Every figure of a result set, families built in parallel, in registry order.
pub fn all_figures(rs: &ResultSet) -> Vec<Figure> {
    let per_family: Vec<Vec<Figure>> = FAMILIES.par_iter().map(|f| (f.draw)(rs)).collect();
    per_family.into_iter().flatten().collect()
}

/// Whether a figure's stem belongs to `family`: one of its stems, alone or faceted.
pub fn drawn_by(family: &Family, stem: &str) -> bool {
    family.stems.iter().any(|s| is_stem(s, stem))
}

fn is_stem(s: &Stem, file_stem: &str) -> bool {
    file_stem == s.name
        || file_stem
            .strip_prefix(s.name)
            .is_some_and(|rest| rest.starts_with("__"))
}

/// The registered stem a chart file's stem is drawn under, with its place in the reading
/// order: (part, family, stem) indices, so charts sort from initialization to outcome.
pub fn stem_of(file_stem: &str) -> Option<(&'static Stem, (Part, usize, usize))> {
    FAMILIES.iter().enumerate().find_map(|(f, family)| {
        family
            .stems
            .iter()
            .enumerate()
            .find(|(_, s)| is_stem(s, file_stem))
            .map(|(i, s)| (s, (s.part, f, i)))
    })
}
