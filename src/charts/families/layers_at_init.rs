//! `act_var_init`, `grad_var_init` and `corr_init`: the activation variance, the
//! back-propagated gradient variance (log y) and the mean correlation of pairs of inputs
//! (linear y) per hidden layer at initialization, one line per scheme (median over seeds, band
//! = min–max), one panel per group; dashed, the mean-field prediction for the same networks.

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Role, Scale};
use crate::charts::common::{depth_sites_at_init, label_for, per_scheme, points_at_init};
use crate::store::results::ResultSet;
use crate::store::rows::LayerRow;

pub const FAMILY: Family = Family {
    stems: &[
    Stem {
        name: "act_var_init",
        part: Part::Initialization,
        reading: "Var(h^l) per hidden layer of the untrained network, one line per scheme, dashed the mean-field prediction. A flat line preserves the forward signal; a straight line down is a signal vanishing geometrically with depth, up an exploding one.",
    },
    Stem {
        name: "grad_var_init",
        part: Part::Initialization,
        reading: "The backward twin: the variance of the back-propagated gradient per layer. A line rising from layer 1 to the last means gradients shrink towards the input, so the first layers learn slowly; flat is Glorot and Bengio's goal.",
    },
    Stem {
        name: "corr_init",
        part: Part::Initialization,
        reading: "How alike the network makes two inputs: the mean cosine similarity of pairs of probe examples' pre-activations per layer, dashed the mean-field correlation map. Climbing to 1 (ordered phase) means every input ends up pointing the same way and the deep layers cannot tell them apart; levelling off below 1 (chaotic phase) means similar inputs are pulled apart. Near criticality the approach is slowest, and the depth it takes is the ξ_c that bounds trainable depth.",
    },
],
    draw,
};

fn draw(rs: &ResultSet) -> Vec<Figure> {
    vec![
        by_layer_at_init(
            rs,
            "act_var_init",
            "Activation variance at initialization",
            "Var(hˡ)",
            Scale::Log,
            (|l| Some(l.act_var), |l| l.act_var_theory),
        ),
        by_layer_at_init(
            rs,
            "grad_var_init",
            "Back-propagated gradient variance at initialization",
            "Var(∂lossᵢ/∂zˡ)",
            Scale::Log,
            (|l| Some(l.grad_var), |l| l.grad_var_theory),
        ),
        by_layer_at_init(
            rs,
            "corr_init",
            "Correlation of pairs of inputs at initialization",
            "mean cos(zˡ_a, zˡ_b)",
            Scale::Linear,
            (|l| l.corr, |l| l.corr_theory),
        ),
    ]
}

/// Per group, one line per scheme of `value` against the layer index, at step 0.
/// A measured statistic and its mean-field prediction.
type Measure = (fn(&LayerRow) -> Option<f64>, fn(&LayerRow) -> Option<f64>);

/// Per group, one line per scheme of a statistic against the layer index at step 0, and dashed
/// the mean-field prediction for the same networks.
fn by_layer_at_init(
    rs: &ResultSet,
    stem: &str,
    title: &str,
    y_label: &str,
    y_scale: Scale,
    (value, theory): Measure,
) -> Figure {
    let at_init = depth_sites_at_init(rs);
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let mut series = per_scheme(rs, &runs, |run| points_at_init(&at_init, run, value));
            for mut s in per_scheme(rs, &runs, |run| points_at_init(&at_init, run, theory)) {
                s.label = "mean-field theory".into();
                s.role = Role::Theory;
                s.marker = None;
                s.band.clear();
                series.push(s);
            }
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: group.depth_axis().into(),
                x_scale: Scale::Integer,
                y_label: label_for(&group, y_label),
                y_scale,
                y_range: None,
                series,
            })
        })
        .collect();
    Figure {
        stem: stem.into(),
        title: format!("{title} (median over seeds, band: min–max)"),
        panels,
        color_bar: None,
    }
}
