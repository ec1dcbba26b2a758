//! `initlab merge`: combines the results folders of the shards of one experiment into one,
//! refusing folders made from different configs and keeping each run once (by `run_id`), in
//! grid order, exactly as an unsharded run would have written it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::config::ExperimentConfig;
use crate::output::{
    completed_run_ids, read_table, CsvResults, RecordSink, CURVES_CSV, HISTOGRAMS_CSV, LAYERS_CSV,
    RUNS_CSV,
};
use crate::records::{CurveRow, HistogramRow, LayerRow, RunRecord, RunRow};
use crate::results_dir::{Existing, Manifest, ResultsDir, CONFIG_FILE};
use crate::sweep::{expand, grid_order};

/// Merges `inputs` into `out` (default `results/<name>/`); returns the folder and the number of
/// runs it holds.
pub fn merge(inputs: &[PathBuf], out: Option<PathBuf>) -> Result<(PathBuf, usize)> {
    if inputs.is_empty() {
        bail!("merge needs at least one results folder");
    }
    let read_config = |dir: &Path| -> Result<String> {
        let path = dir.join(CONFIG_FILE);
        std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not an initlab results folder (cannot read {})",
                dir.display(),
                path.display()
            )
        })
    };
    let resolved = read_config(&inputs[0])?;
    for dir in &inputs[1..] {
        if read_config(dir)? != resolved {
            bail!(
                "{} and {} hold results of different configs; only shards of one experiment can be merged",
                inputs[0].display(),
                dir.display()
            );
        }
    }
    let config: ExperimentConfig = toml::from_str(&resolved)
        .with_context(|| format!("{} does not parse", inputs[0].join(CONFIG_FILE).display()))?;
    let out = out.unwrap_or_else(|| Path::new("results").join(&config.name));
    let canonical_out = out.canonicalize().ok();
    if inputs.iter().any(|d| {
        d.canonicalize()
            .ok()
            .is_some_and(|d| Some(d) == canonical_out)
    }) {
        bail!(
            "the merged folder {} must not be one of the inputs",
            out.display()
        );
    }
    let dir = ResultsDir::open(&out, &resolved, Existing::Resume)?;
    dir.write_header(&resolved, &Manifest::new(&resolved, 0, String::new()))?;
    let mut sink = CsvResults::open(&out)?;
    let mut have: HashSet<String> = completed_run_ids(&out)?;
    for input in inputs {
        let runs: Vec<RunRow> = read_table(&input.join(RUNS_CSV))?;
        let mut layers = by_run(read_table::<LayerRow>(&input.join(LAYERS_CSV))?, |r| {
            &r.run_id
        });
        let mut curves = by_run(read_table::<CurveRow>(&input.join(CURVES_CSV))?, |r| {
            &r.run_id
        });
        let mut histograms = by_run(
            read_table::<HistogramRow>(&input.join(HISTOGRAMS_CSV))?,
            |r| &r.run_id,
        );
        for run in runs {
            if !have.insert(run.run_id.clone()) {
                continue;
            }
            let record = RunRecord {
                layers: layers.remove(&run.run_id).unwrap_or_default(),
                curve: curves.remove(&run.run_id).unwrap_or_default(),
                histograms: histograms.remove(&run.run_id).unwrap_or_default(),
                run,
            };
            sink.append(&record)?;
        }
    }
    sink.canonicalize(&grid_order(&expand(&config)))?;
    Ok((out, have.len()))
}

/// Rows grouped by run id, in file order.
fn by_run<T>(rows: Vec<T>, id: impl Fn(&T) -> &String) -> HashMap<String, Vec<T>> {
    let mut groups: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(id(&row).clone()).or_default().push(row);
    }
    groups
}
