//! `saturation_init`: per hidden layer at initialization, the saturated fraction of entries
//! and the fraction of dead units, one line per scheme (median over seeds, band: min–max),
//! two panels per group.

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Scale};
use crate::charts::common::{depth_sites_at_init, per_scheme, points_at_init};
use crate::store::results::ResultSet;
use crate::store::rows::LayerRow;

pub const FAMILY: Family = Family {
    stems: &[
    Stem {
        name: "saturation_init",
        part: Part::Initialization,
        reading: "The fraction of saturated entries and of dead units per layer at initialization: near 1, a layer passes almost no gradient.",
    },
],
    draw: |rs| vec![saturation_at_init(rs)],
};

/// A fraction drawn, with its panel caption.
type Fraction = (&'static str, fn(&LayerRow) -> f64);

/// The two fractions drawn.
const FRACTIONS: [Fraction; 2] = [
    ("saturated entries", |l| l.saturation),
    ("dead units", |l| l.dead_frac),
];

fn saturation_at_init(rs: &ResultSet) -> Figure {
    let at_init = depth_sites_at_init(rs);
    let mut panels = Vec::new();
    for (group, runs) in rs.groups() {
        for (what, value) in FRACTIONS {
            let series = per_scheme(rs, &runs, |run| {
                points_at_init(&at_init, run, |l| Some(value(l)))
            });
            panels.push(Panel::Lines(LinePanel {
                caption: format!("{}: {what}", rs.caption(&group)),
                x_label: group.depth_axis().into(),
                x_scale: Scale::Integer,
                y_label: format!("fraction of {what}"),
                y_scale: Scale::Linear,
                y_range: Some((-0.02, 1.02)),
                series,
            }));
        }
    }
    Figure {
        stem: "saturation_init".into(),
        title:
            "Saturated entries and dead units at initialization (median over seeds, band: min–max)"
                .into(),
        panels,
        color_bar: None,
    }
}
