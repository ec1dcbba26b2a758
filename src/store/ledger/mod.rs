//! The ledger of a results folder: which runs its tables hold completely, read by streaming
//! each table once and keeping only O(runs) small keys (a run's row count and the byte spans of
//! its rows), never the rows themselves.
//!
//! `runs.csv` records, for every finished run, how many rows it wrote to `layers.csv`,
//! `curves.csv` and `histograms.csv`. A run counts as done only when it has exactly one
//! `runs.csv` row and every table holds exactly that many rows of it. Anything else (rows of
//! an interrupted run, a truncated or deleted table) is dropped by [`Ledger::rewrite`] and the
//! run is trained again, which reproduces the same bytes because runs are deterministic. A
//! table whose header or rows are not initlab's, or that holds a run the experiment does not
//! have, is refused with its file, line and what to do, and never rewritten.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::store::files::RUNS_CSV;
use crate::store::tables::{write_atomic_with, Table, TABLES};

mod scan;

use scan::{read_recorded, scan_table, Recorded, Scan};

/// A table that is not initlab's, or not this experiment's: refused, never rewritten.
#[derive(Debug, Error)]
pub enum LedgerError {
    #[error("cannot read {path}: {error}")]
    Read { path: PathBuf, error: io::Error },
    #[error(
        "{path}: line 1: {problem}; this table was not written by this version of initlab for \
         this experiment. Move it away (or start over with --fresh), or choose another --out"
    )]
    Header { path: PathBuf, problem: String },
    #[error(
        "{path}: line {line}: {problem}. initlab writes whole rows only; the file was edited \
         or damaged. Restore it, delete the damaged lines (their runs are trained again), or \
         start over with --fresh"
    )]
    Row {
        path: PathBuf,
        line: u64,
        problem: String,
    },
    #[error(
        "{path}: line {line}: run `{run_id}` is not a run of this experiment's grid; the folder \
         mixes results of another config. Choose another --out, or start over with --fresh"
    )]
    UnknownRun {
        path: PathBuf,
        line: u64,
        run_id: String,
    },
}

/// The state of a results folder's tables: which runs are complete, which must be trained
/// again, and where every row is.
#[derive(Debug)]
pub struct Ledger {
    dir: PathBuf,
    scans: HashMap<Table, Scan>,
    recorded: HashMap<String, Recorded>,
    complete: HashSet<String>,
}

impl Ledger {
    /// Scans the tables of `dir`, accepting only run ids for which `known` is true (the
    /// experiment's grid). A missing table is an empty one.
    pub fn scan(dir: &Path, known: &(dyn Fn(&str) -> bool + Sync)) -> Result<Self, LedgerError> {
        // The tables are scanned in parallel where the caller runs in a pool of several
        // threads (plot, report); the first error in table order wins.
        let scanned: Vec<Result<Scan, LedgerError>> = Table::ALL
            .par_iter()
            .map(|&table| scan_table(&dir.join(table.file_name()), table, known))
            .collect();
        let mut scans = HashMap::new();
        for (table, scan) in Table::ALL.into_iter().zip(scanned) {
            scans.insert(table, scan?);
        }
        let recorded = read_recorded(&dir.join(RUNS_CSV), &scans[&Table::Runs])?;
        let complete = scans[&Table::Runs]
            .order
            .iter()
            .filter(|id| {
                recorded.get(*id).is_some_and(|r| {
                    Table::ALL
                        .iter()
                        .all(|t| r.rows(*t) == Some(scans[t].count(id)))
                })
            })
            .cloned()
            .collect();
        Ok(Ledger {
            dir: dir.to_path_buf(),
            scans,
            recorded,
            complete,
        })
    }

    /// The runs every table holds completely.
    pub fn complete(&self) -> &HashSet<String> {
        &self.complete
    }

    /// Runs with a `runs.csv` row whose rows are missing or repeated in some table, in
    /// `runs.csv` order, each with the tables that fall short.
    pub fn damaged(&self) -> Vec<(String, Vec<Table>)> {
        let runs = &self.scans[&Table::Runs];
        runs.order
            .iter()
            .filter(|id| !self.complete.contains(*id))
            .map(|id| {
                let recorded = self.recorded.get(id);
                let short = Table::ALL
                    .into_iter()
                    .filter(|t| recorded.and_then(|r| r.rows(*t)) != Some(self.scans[t].count(id)))
                    .collect();
                (id.clone(), short)
            })
            .collect()
    }

    /// What is missing, e.g. "layers.csv does not hold all the rows of 30 runs (a, b, c,
    /// ...)", or `None` when every run with a `runs.csv` row is complete.
    pub fn describe_damage(&self) -> Option<String> {
        let damaged = self.damaged();
        if damaged.is_empty() {
            return None;
        }
        let missing = self.missing_tables();
        let parts: Vec<String> = Table::ALL
            .into_iter()
            .filter_map(|table| {
                let n = damaged.iter().filter(|(_, t)| t.contains(&table)).count();
                (n > 0).then(|| {
                    if missing.contains(&table) {
                        format!("{} is missing ({n} runs)", table.file_name())
                    } else {
                        format!(
                            "{} does not hold all the rows of {n} runs",
                            table.file_name()
                        )
                    }
                })
            })
            .collect();
        let first: Vec<&str> = damaged.iter().take(3).map(|(id, _)| id.as_str()).collect();
        Some(format!(
            "{} ({}{})",
            parts.join(", "),
            first.join(", "),
            if damaged.len() > 3 { ", ..." } else { "" }
        ))
    }

    /// Tables that do not exist.
    pub fn missing_tables(&self) -> Vec<Table> {
        Table::ALL
            .into_iter()
            .filter(|t| !self.scans[t].exists)
            .collect()
    }

    /// Whether the tables hold exactly the complete runs, each in one block, in `order`
    /// (complete run ids by rank), with no torn line: then [`Ledger::rewrite`] has nothing to do.
    pub fn is_canonical(&self, rank: &dyn Fn(&str) -> usize) -> bool {
        let sorted = self.sorted_complete(rank);
        Table::ALL.iter().all(|t| {
            let scan = &self.scans[t];
            // Only complete runs, each in one block, in grid order, and no torn line.
            scan.exists
                && scan.complete_len == scan.file_len
                && scan.order.iter().all(|id| self.complete.contains(id))
                && scan.rows.iter().all(|r| r.spans.len() <= 1)
                && scan
                    .order
                    .iter()
                    .eq(sorted.iter().filter(|id| scan.index.contains_key(*id)))
        })
    }

    fn sorted_complete(&self, rank: &dyn Fn(&str) -> usize) -> Vec<String> {
        let mut ids: Vec<String> = self.scans[&Table::Runs]
            .order
            .iter()
            .filter(|id| self.complete.contains(*id))
            .cloned()
            .collect();
        ids.sort_by_key(|id| rank(id));
        ids
    }

    /// Rewrites every table with the complete runs only, in the order of `rank` (a run's
    /// grid position), through temporary files and atomic renames (`runs.csv` last). Rows are
    /// copied as bytes: memory stays at one buffer whatever the size of the tables.
    pub fn rewrite(&self, rank: &dyn Fn(&str) -> usize) -> anyhow::Result<()> {
        let order = self.sorted_complete(rank);
        for table in Table::ALL {
            let path = self.dir.join(table.file_name());
            let scan = &self.scans[&table];
            write_atomic_with(&path, |out| {
                out.write_all(&table.header())?;
                if !scan.exists {
                    return Ok(());
                }
                let mut src = File::open(&path)?;
                for id in &order {
                    for &(start, end) in scan.spans(id) {
                        src.seek(SeekFrom::Start(start))?;
                        io::copy(&mut (&mut src).take(end - start), out)?;
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// The rows of one run in `table`, read from their byte spans alone.
    pub fn read_rows<T: DeserializeOwned>(
        &self,
        table: Table,
        run_id: &str,
    ) -> anyhow::Result<Vec<T>> {
        let path = self.dir.join(table.file_name());
        let spans = self.scans[&table].spans(run_id);
        let mut bytes = table.header();
        if !spans.is_empty() {
            let mut file =
                File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
            for &(start, end) in spans {
                file.seek(SeekFrom::Start(start))?;
                (&mut file).take(end - start).read_to_end(&mut bytes)?;
            }
        }
        csv::Reader::from_reader(&bytes[..])
            .deserialize()
            .map(|row| row.with_context(|| format!("{}: rows of {run_id}", path.display())))
            .collect()
    }

    /// Appends the rows of `runs` (complete runs of this ledger) to the tables of `out`,
    /// opened for appending by the caller, `runs.csv` rows last for each run.
    pub fn copy_runs(&self, runs: &[String], out: &mut [File; TABLES]) -> anyhow::Result<()> {
        let mut sources = Vec::new();
        for table in Table::ALL {
            sources.push(File::open(self.dir.join(table.file_name()))?);
        }
        for id in runs {
            for (i, table) in Table::ALL.iter().enumerate() {
                for &(start, end) in self.scans[table].spans(id) {
                    sources[i].seek(SeekFrom::Start(start))?;
                    io::copy(&mut (&mut sources[i]).take(end - start), &mut out[i])?;
                }
            }
        }
        for file in out.iter_mut() {
            file.flush()?;
        }
        Ok(())
    }
}
