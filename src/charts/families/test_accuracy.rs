//! `test_acc`: the test accuracy at each evaluation, median over seeds with a min–max band,
//! one panel per group (classification results only).

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Scale};
use crate::charts::common::per_scheme;
use crate::store::results::ResultSet;

pub const FAMILY: Family = Family {
    stems: &[Stem {
        name: "test_acc",
        part: Part::Outcome,
        reading: "Test accuracy at each evaluation: generalization as training proceeds.",
    }],
    draw: |rs| {
        if rs.has_test_acc() {
            vec![test_accuracy(rs)]
        } else {
            Vec::new()
        }
    },
};

fn test_accuracy(rs: &ResultSet) -> Figure {
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let series = per_scheme(rs, &runs, |run| {
                rs.curves_of(&run.run_id)
                    .iter()
                    .filter_map(|c| c.test_acc.map(|a| (c.step as i64, a)))
                    .collect()
            });
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: "step".into(),
                x_scale: Scale::Linear,
                y_label: "test accuracy".into(),
                y_scale: Scale::Linear,
                y_range: Some((0.0, 1.0)),
                series,
            })
        })
        .collect();
    Figure {
        stem: "test_acc".into(),
        title: "Test accuracy (median over seeds, band: min–max)".into(),
        panels,
        color_bar: None,
    }
}
