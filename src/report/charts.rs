//! The report's charts: the chart files of a results folder paired by stem (PNG and SVG),
//! each with its place in the reading order (initialization, training, outcome) and how to
//! read it, both from the chart registry.

use std::path::PathBuf;

use crate::charts::families::{stem_of, Part};

/// A chart of the report: its files, and where and how it is read.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRef {
    /// The file stem (`act_var_train__tanh_depth_3_width_64`).
    pub name: String,
    pub png: Option<PathBuf>,
    pub svg: Option<PathBuf>,
    pub part: Part,
    /// How to read it.
    pub reading: &'static str,
}

/// The charts among `files`, in reading order: by part, then family, then stem, then facet.
pub fn chart_refs(files: &[PathBuf]) -> Vec<ChartRef> {
    let mut refs: Vec<((Part, usize, usize), ChartRef)> = Vec::new();
    for file in files {
        let Some(name) = file.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let Some((stem, order)) = stem_of(name) else {
            continue;
        };
        let i = match refs.iter().position(|(_, c)| c.name == name) {
            Some(i) => i,
            None => {
                refs.push((
                    order,
                    ChartRef {
                        name: name.to_string(),
                        png: None,
                        svg: None,
                        part: stem.part,
                        reading: stem.reading,
                    },
                ));
                refs.len() - 1
            }
        };
        match file.extension().and_then(|e| e.to_str()) {
            Some("png") => refs[i].1.png = Some(file.clone()),
            Some("svg") => refs[i].1.svg = Some(file.clone()),
            _ => {}
        }
    }
    // Stable: facets keep the order the files were given in (the figures' drawing order).
    refs.sort_by_key(|(order, _)| *order);
    refs.into_iter().map(|(_, c)| c).collect()
}
