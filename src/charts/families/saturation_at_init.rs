//! `saturation_init`: per hidden layer at initialization, the saturated fraction of entries
//! (solid) and of dead units (dashed), one line per scheme, median over seeds.

use super::Family;
use crate::charts::canvas::{Figure, LinePanel, Panel};
use crate::charts::common::{hidden_at_init, per_scheme, points_at_init};
use crate::store::results::ResultSet;
use crate::store::rows::LayerRow;

pub const FAMILY: Family = Family {
    stems: &["saturation_init"],
    draw: |rs| vec![saturation_at_init(rs)],
};

fn saturation_at_init(rs: &ResultSet) -> Figure {
    let at_init = hidden_at_init(rs);
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let mut series = Vec::new();
            for (dashed, what, value) in [
                (
                    false,
                    "saturated",
                    (|l: &LayerRow| l.saturation) as fn(&LayerRow) -> f64,
                ),
                (true, "dead", |l: &LayerRow| l.dead_frac),
            ] {
                for mut s in per_scheme(rs, &runs, |run| {
                    points_at_init(&at_init, run, |l| Some(value(l)))
                }) {
                    s.label = format!("{} {what}", s.label);
                    s.dashed = dashed;
                    s.band.clear();
                    series.push(s);
                }
            }
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: "hidden layer l".into(),
                integer_x: true,
                y_label: "fraction".into(),
                log_y: false,
                y_range: Some((-0.02, 1.02)),
                series,
            })
        })
        .collect();
    Figure {
        stem: "saturation_init".into(),
        title:
            "Saturated entries (solid) and dead units (dashed) at initialization, median over seeds"
                .into(),
        panels,
    }
}
