//! `initlab merge`: combines the results folders of the shards of one experiment into one,
//! refusing folders made from different configs and keeping each run once (by `run_id`), in
//! grid order, exactly as an unsharded run would have written it.
//!
//! A merge tells the truth about what it holds: it compares the runs it found with the
//! config's grid and refuses, writing nothing, when runs are missing (a shard not given, one
//! still running, one that stopped early), naming the shards and runs; `--partial` merges what
//! there is and marks the manifest (and so the report) as partial. Rows are copied as bytes,
//! one run at a time, so memory does not grow with the size of the tables. The claims
//! (`claims.toml`) are the first input's: they do not identify runs, so shards may differ in
//! them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::charts::is_chart_file;
use crate::config::grid::grid_order;
use crate::config::grid::{expand, Shard};
use crate::config::spec::RunSpec;
use crate::config::ExperimentConfig;
use crate::store::files::CONFIG_FILE;
use crate::store::folder::{Existing, Manifest, ResultsDir};
use crate::store::ledger::Ledger;
use crate::store::tables::CsvResults;

/// What `initlab merge` was asked to do.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    pub inputs: Vec<PathBuf>,
    /// The merged folder (default `results/<name>/`).
    pub out: Option<PathBuf>,
    /// Merge even when runs of the grid are missing, and say so in the manifest.
    pub partial: bool,
}

/// What a merge wrote.
#[derive(Debug, Clone)]
pub struct Merged {
    /// Folders merged.
    pub inputs: usize,
    pub out: PathBuf,
    /// Runs the merged folder holds.
    pub runs: usize,
    /// Runs of the grid.
    pub grid: usize,
}

impl fmt::Display for Merged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "initlab: merged {} folders: {} of {} runs -> {}{}",
            self.inputs,
            self.runs,
            self.grid,
            self.out.display(),
            if self.runs < self.grid {
                " (partial)"
            } else {
                ""
            }
        )
    }
}

/// Merges the inputs into one folder; see the module header.
pub fn merge(options: &MergeOptions) -> Result<Merged> {
    let inputs = &options.inputs;
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
    let devices = inputs
        .iter()
        .map(|d| Manifest::read(d).map(|m| m.device))
        .collect::<Result<Vec<_>>>()?;
    if let Some(i) = devices.iter().position(|&d| d != devices[0]) {
        bail!(
            "{} was trained with --device {} and {} with --device {}; one result set keeps to \
             one device (a GPU's float32 sums differ from the CPU's, docs/gpu.md)",
            inputs[0].display(),
            devices[0],
            inputs[i].display(),
            devices[i]
        );
    }
    let config: ExperimentConfig = toml::from_str(&resolved)
        .with_context(|| format!("{} does not parse", inputs[0].join(CONFIG_FILE).display()))?;
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&config.name));
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
    for dir in inputs {
        if ResultsDir::is_being_written(dir)? {
            bail!(
                "{} is still being written by another initlab (a shard still running?); merge \
                 once it has finished",
                dir.display()
            );
        }
    }

    let all = expand(&config);
    let order = grid_order(&all);
    let known = |id: &str| order.contains_key(id);
    let rank = |id: &str| order.get(id).copied().unwrap_or(usize::MAX);
    let ledgers = inputs
        .iter()
        .map(|dir| Ledger::scan(dir, &known).map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    let found: HashSet<&str> = ledgers
        .iter()
        .flat_map(|l| l.complete().iter().map(String::as_str))
        .collect();
    let missing: Vec<&RunSpec> = all
        .iter()
        .filter(|s| !found.contains(s.run_id.as_str()))
        .collect();
    if !missing.is_empty() && !options.partial {
        bail!(
            "{}; nothing was written. Merge every shard once it has finished (resume a shard \
             that stopped with `initlab run CONFIG --shard i/n`), or pass --partial to merge \
             what there is",
            describe_missing(inputs, all.len(), &missing)?
        );
    }

    let dir = ResultsDir::open(&out, &resolved, Existing::Resume, is_chart_file)?;
    let mut manifest = Manifest::new(&resolved, 0, devices[0], String::new());
    manifest.inputs = inputs.iter().map(|d| d.display().to_string()).collect();
    manifest.partial = !missing.is_empty();
    dir.write_header(&resolved, &manifest)?;
    // Claims do not identify the runs, so shards may differ in them: the first input's hold.
    crate::claims::write_claims(&out, &crate::claims::read_claims(&inputs[0])?)?;
    let existing = Ledger::scan(&out, &known)?;
    if !existing.is_canonical(&rank) {
        existing.rewrite(&rank)?;
    }
    let mut have: HashSet<String> = existing.complete().clone();
    drop(existing);
    let mut sink = CsvResults::open(&out)?;
    for ledger in &ledgers {
        let mut new: Vec<String> = ledger
            .complete()
            .iter()
            .filter(|id| !have.contains(*id))
            .cloned()
            .collect();
        new.sort_by_key(|id| rank(id));
        ledger.copy_runs(&new, sink.files())?;
        have.extend(new);
    }
    drop(sink);
    let merged = Ledger::scan(&out, &known)?;
    merged.rewrite(&rank)?;
    Ok(Merged {
        inputs: options.inputs.len(),
        out,
        runs: merged.complete().len(),
        grid: all.len(),
    })
}

/// "38 of 40 runs; missing: shard 3/4 (runs a, b)", grouping the missing runs by the shard
/// that trains them when the inputs are shards of one split.
fn describe_missing(inputs: &[PathBuf], grid: usize, missing: &[&RunSpec]) -> Result<String> {
    let mut text = format!("{} of {grid} runs", grid - missing.len());
    let shards = inputs
        .iter()
        .map(|d| Manifest::read(d).map(|m| m.shard.parse::<Shard>().ok()))
        .collect::<Result<Vec<_>>>()?;
    let count = shards.first().copied().flatten().map(|s| s.count);
    let names = |runs: &[&RunSpec]| {
        let shown: Vec<&str> = runs.iter().take(4).map(|s| s.run_id.as_str()).collect();
        let more = runs.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("{} runs: {}{tail}", runs.len(), shown.join(", "))
    };
    match count {
        Some(n) if shards.iter().all(|s| s.is_some_and(|s| s.count == n)) => {
            let given: HashMap<usize, &PathBuf> = shards
                .iter()
                .zip(inputs)
                .map(|(s, d)| (s.expect("checked above").index, d))
                .collect();
            let mut by_shard: BTreeMap<usize, Vec<&RunSpec>> = BTreeMap::new();
            for spec in missing {
                by_shard.entry(spec.index % n).or_default().push(spec);
            }
            text.push_str("; missing:");
            for (i, runs) in by_shard {
                let state = match given.get(&i) {
                    Some(dir) => format!("{} is incomplete", dir.display()),
                    None => "not among the inputs".into(),
                };
                let _ = write!(text, " shard {i}/{n} ({state}; {})", names(&runs));
            }
        }
        _ => {
            let _ = write!(text, "; missing {}", names(missing));
        }
    }
    Ok(text)
}
