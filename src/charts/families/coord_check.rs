//! `coord_check__G`: μP's coordinate check (Yang et al. 2022, "Tensor Programs V", Fig. 5;
//! microsoft/mup's `plot_coord_data`). Per group of runs that differ only in width (and seed),
//! one panel per scheme and per each of the first three probes (t = 1 at initialization, then
//! after one and two updates), the mean |zˡ| of every layer's linear output against width on
//! log–log axes, one line per layer coloured by depth on the colour bar, as in every chart
//! of layers, and the read-out in the key (median over seeds, band: min–max). Flat lines mean
//! the
//! layer's coordinates keep their size as the network widens; lines rising after a step mean
//! the updates blow up with width. Drawn for groups with at least two uniform widths probed
//! at steps 0, 1 and 2 (the check's protocol, `probe_every = 1`; later probes of a long run
//! compare networks after very different amounts of training).

use std::collections::BTreeMap;

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Role, Scale, Series, CATEGORICAL, MARKERS};
use crate::charts::common::{layer_colors, slug, summarize};
use crate::config::Width;
use crate::net::SiteKind;
use crate::store::results::{Group, ResultSet};
use crate::store::rows::RunRow;

/// The probes a panel row shows: t = 1 (initialization), 2 and 3 in the check's terms.
const PROBES: usize = 3;

pub const FAMILY: Family = Family {
    stems: &[Stem {
        name: "coord_check",
        part: Part::Training,
        reading: "The coordinate check of μP (Yang et al. 2022): the mean |z| of each layer's output against width on log-log axes, at initialization (t = 1) and after one and two updates. Under a parameterization that scales well every line is flat; in the standard parameterization the lines of the layers an update has reached rise with width (about like width for Adam), which is why its best learning rate shrinks as networks widen.",
    }],
    draw,
};

/// A group with width left out: the runs a coordinate check compares.
fn key(run: &RunRow) -> Group {
    Group {
        width: Width::default(),
        ..Group::of(run)
    }
}

/// One site's line of a coordinate check.
pub struct CoordSite {
    pub layer: usize,
    pub kind: SiteKind,
    /// `(width, the runs' mean |z|)`, widths ascending.
    pub per_width: Vec<(usize, Vec<f64>)>,
}

/// One panel's worth of a coordinate check: a scheme at one probe step, its sites in order.
pub struct CoordPanel {
    pub scheme: String,
    /// The probe step (0, 1 or 2: t = step + 1).
    pub step: usize,
    pub sites: Vec<CoordSite>,
}

/// A coordinate check of one group of runs that differ only in width (and seed).
pub struct CoordCheck {
    /// The group's caption without its width.
    pub caption: String,
    pub depth: usize,
    /// What the colour bar counts: an MLP's hidden layers, another network's probe sites.
    pub site_axis: &'static str,
    pub panels: Vec<CoordPanel>,
}

/// Every coordinate check a result set holds: each group with at least two uniform widths
/// probed at steps 0, 1 and 2. Zero values (a read-out that starts at zero) are left out, as
/// they have no place on a log axis.
pub fn coordinate_checks(rs: &ResultSet) -> Vec<CoordCheck> {
    let mut keys: Vec<Group> = Vec::new();
    for r in &rs.runs {
        let k = key(r);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .filter_map(|k| {
            let runs: Vec<&RunRow> = rs
                .runs
                .iter()
                .filter(|r| key(r) == k && r.width.uniform().is_some())
                .collect();
            check(rs, &k, &runs)
        })
        .collect()
}

fn check(rs: &ResultSet, key: &Group, runs: &[&RunRow]) -> Option<CoordCheck> {
    let mut widths: Vec<usize> = runs.iter().filter_map(|r| r.width.uniform()).collect();
    widths.sort_unstable();
    widths.dedup();
    if widths.len() < 2 {
        return None;
    }
    let rows: BTreeMap<&str, _> = runs
        .iter()
        .map(|r| (r.run_id.as_str(), rs.layers_of(&r.run_id)))
        .collect();
    let mut steps: Vec<usize> = rows.values().flatten().map(|l| l.step).collect();
    steps.sort_unstable();
    steps.dedup();
    steps.truncate(PROBES);
    if steps != (0..PROBES).collect::<Vec<_>>() {
        return None;
    }
    let mut panels = Vec::new();
    for scheme in rs.schemes() {
        let of_scheme: Vec<&&RunRow> = runs.iter().filter(|r| r.scheme() == *scheme).collect();
        if of_scheme.is_empty() {
            continue;
        }
        for &step in &steps {
            let mut sites: BTreeMap<usize, (SiteKind, BTreeMap<usize, Vec<f64>>)> = BTreeMap::new();
            for run in &of_scheme {
                let Some(width) = run.width.uniform() else {
                    continue;
                };
                for l in rows[run.run_id.as_str()].iter().filter(|l| l.step == step) {
                    if let Some(v) = l.pre_abs_mean.filter(|v| *v > 0.0) {
                        sites
                            .entry(l.layer)
                            .or_insert_with(|| (l.kind, BTreeMap::new()))
                            .1
                            .entry(width)
                            .or_default()
                            .push(v);
                    }
                }
            }
            panels.push(CoordPanel {
                scheme: scheme.clone(),
                step,
                sites: sites
                    .into_iter()
                    .map(|(layer, (kind, per_width))| CoordSite {
                        layer,
                        kind,
                        per_width: per_width.into_iter().collect(),
                    })
                    .collect(),
            });
        }
    }
    Some(CoordCheck {
        caption: rs
            .caption(key)
            .replace(&format!(", width {}", Width::default()), ""),
        depth: key.depth,
        site_axis: if key.mlp() {
            "hidden layer l"
        } else {
            "probe site l"
        },
        panels,
    })
}

fn draw(rs: &ResultSet) -> Vec<Figure> {
    coordinate_checks(rs).iter().filter_map(figure).collect()
}

fn figure(check: &CoordCheck) -> Option<Figure> {
    let (color_bar, depth_color) = layer_colors(check.depth, check.site_axis);
    let panels: Vec<Panel> = check
        .panels
        .iter()
        .filter(|p| !p.sites.is_empty())
        .map(|panel| {
            let series = panel
                .sites
                .iter()
                .map(|site| {
                    let per_x = site
                        .per_width
                        .iter()
                        .map(|(w, v)| (*w as i64, v.clone()))
                        .collect();
                    let (mut points, mut band) = summarize(per_x);
                    for p in &mut points {
                        p.0 = p.0.log2();
                    }
                    for b in &mut band {
                        b.0 = b.0.log2();
                    }
                    let (label, color, role, marker) = match site.kind {
                        SiteKind::Output => (
                            "read-out".to_string(),
                            CATEGORICAL[0],
                            Role::Measured,
                            Some(MARKERS[0]),
                        ),
                        kind => (
                            kind.site_label(site.layer),
                            depth_color(site.layer),
                            Role::Ordered,
                            None,
                        ),
                    };
                    Series {
                        label,
                        color,
                        points,
                        band,
                        role,
                        marker,
                    }
                })
                .collect();
            let when = match panel.step {
                0 => "at initialization".to_string(),
                1 => "after 1 update".to_string(),
                step => format!("after {step} updates"),
            };
            Panel::Lines(LinePanel {
                caption: format!("{}: t = {} ({when})", panel.scheme, panel.step + 1),
                x_label: "log₂ width".into(),
                x_scale: Scale::Linear,
                y_label: "mean |zˡ|".into(),
                y_scale: Scale::Log,
                y_range: None,
                series,
            })
        })
        .collect();
    if panels.is_empty() {
        return None;
    }
    let caption = &check.caption;
    Some(Figure {
        stem: format!("coord_check__{}", slug(caption)),
        title: format!(
            "Coordinate check: each layer's mean |z| against width, {caption} (median over seeds, band: min–max)"
        ),
        panels,
        color_bar: Some(color_bar),
    })
}
