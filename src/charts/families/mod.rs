//! The chart families, one file each. A family names the file stems it draws (a faceted
//! figure is `STEM__FACET`) and draws its figures from a [`ResultSet`] alone; adding a family
//! is one file here plus its line in [`FAMILIES`].

mod histograms;
mod layers_at_init;
mod loss;
mod over_training;
mod phase_diagram;
mod saturation_at_init;
mod steps_heatmap;
mod test_accuracy;

use super::canvas::Figure;
use crate::store::results::ResultSet;

/// A chart family.
pub struct Family {
    /// The stems of the files it draws.
    pub stems: &'static [&'static str],
    /// Its figures for a result set (none where it does not apply).
    pub draw: fn(&ResultSet) -> Vec<Figure>,
}

/// Every family, in the order their figures are drawn.
pub const FAMILIES: [Family; 8] = [
    layers_at_init::FAMILY,
    saturation_at_init::FAMILY,
    loss::FAMILY,
    test_accuracy::FAMILY,
    over_training::FAMILY,
    histograms::FAMILY,
    steps_heatmap::FAMILY,
    phase_diagram::FAMILY,
];

/// Every figure of a result set.
pub fn all_figures(rs: &ResultSet) -> Vec<Figure> {
    FAMILIES.iter().flat_map(|f| (f.draw)(rs)).collect()
}

/// Whether a figure's stem belongs to `family`: one of its stems, alone or faceted.
pub fn drawn_by(family: &Family, stem: &str) -> bool {
    family.stems.iter().any(|s| {
        stem == *s
            || stem
                .strip_prefix(s)
                .is_some_and(|rest| rest.starts_with("__"))
    })
}
