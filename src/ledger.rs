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
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::output::{
    header_bytes, write_atomic_with, CURVES_CSV, HISTOGRAMS_CSV, LAYERS_CSV, RUNS_CSV,
};
use crate::records::{CurveRow, HistogramRow, LayerRow, RunRow, RunStatus};

/// The four tables of a results folder, `runs.csv` last (a run's row there is written last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Layers,
    Curves,
    Histograms,
    Runs,
}

impl Table {
    /// Every table, in the order rows are appended.
    pub const ALL: [Table; 4] = [Table::Layers, Table::Curves, Table::Histograms, Table::Runs];
    /// The tables whose row counts `runs.csv` records.
    pub const COUNTED: [Table; 3] = [Table::Layers, Table::Curves, Table::Histograms];

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Layers => LAYERS_CSV,
            Table::Curves => CURVES_CSV,
            Table::Histograms => HISTOGRAMS_CSV,
            Table::Runs => RUNS_CSV,
        }
    }

    /// The header line initlab writes for this table.
    pub fn header(self) -> Vec<u8> {
        fn of<T: Serialize + Default>() -> Vec<u8> {
            header_bytes::<T>().expect("a row type's header serializes")
        }
        match self {
            Table::Layers => of::<LayerRow>(),
            Table::Curves => of::<CurveRow>(),
            Table::Histograms => of::<HistogramRow>(),
            Table::Runs => of::<RunRow>(),
        }
    }

    /// The row count of this table that a `runs.csv` row records.
    fn recorded(self, run: &RunRow) -> Option<usize> {
        match self {
            Table::Layers => run.layer_rows,
            Table::Curves => run.curve_rows,
            Table::Histograms => run.histogram_rows,
            Table::Runs => Some(1),
        }
    }
}

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

/// Where one run's rows stand in one table.
#[derive(Debug, Clone, Default)]
struct Rows {
    count: usize,
    /// Byte ranges `[start, end)` of its rows, contiguous runs of lines merged.
    spans: Vec<(u64, u64)>,
}

/// One table, scanned.
#[derive(Debug, Default)]
struct Scan {
    exists: bool,
    /// Bytes of complete lines (a torn last line, left by a kill mid-write, is not counted).
    complete_len: u64,
    file_len: u64,
    /// Run ids in the order their first row appears.
    order: Vec<String>,
    runs: HashMap<String, Rows>,
}

/// What a `runs.csv` row says about its run.
#[derive(Debug, Clone)]
struct Recorded {
    counts: [Option<usize>; 3],
    status: RunStatus,
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
    pub fn scan(dir: &Path, known: &dyn Fn(&str) -> bool) -> Result<Self, LedgerError> {
        let mut scans = HashMap::new();
        for table in Table::ALL {
            scans.insert(
                table,
                scan_table(&dir.join(table.file_name()), table, known)?,
            );
        }
        let recorded = read_recorded(&dir.join(RUNS_CSV), &scans[&Table::Runs])?;
        let complete = scans[&Table::Runs]
            .runs
            .iter()
            .filter(|(id, rows)| {
                rows.count == 1
                    && recorded.get(*id).is_some_and(|r| {
                        Table::COUNTED.iter().zip(r.counts).all(|(t, n)| {
                            n.is_some_and(|n| {
                                scans[t].runs.get(*id).map_or(0, |rows| rows.count) == n
                            })
                        })
                    })
            })
            .map(|(id, _)| id.clone())
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

    /// The status `runs.csv` records for a complete run.
    pub fn status(&self, run_id: &str) -> Option<RunStatus> {
        self.complete
            .contains(run_id)
            .then(|| self.recorded.get(run_id).map(|r| r.status))
            .flatten()
    }

    /// Runs with a `runs.csv` row whose rows are missing or repeated in some table, in
    /// `runs.csv` order, each with the tables that fall short.
    pub fn damaged(&self) -> Vec<(String, Vec<Table>)> {
        let runs = &self.scans[&Table::Runs];
        runs.order
            .iter()
            .filter(|id| !self.complete.contains(*id))
            .map(|id| {
                let short = Table::ALL
                    .into_iter()
                    .filter(|t| {
                        let have = self.scans[t].runs.get(id).map_or(0, |r| r.count);
                        let want = match t {
                            Table::Runs => Some(1),
                            _ => self.recorded.get(id).and_then(|r| {
                                r.counts[Table::COUNTED.iter().position(|c| c == t).unwrap_or(0)]
                            }),
                        };
                        want != Some(have)
                    })
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
            scan.exists
                && scan.complete_len == scan.file_len
                && scan.runs.len() == scan.order.len()
                && scan
                    .order
                    .iter()
                    .filter(|id| self.complete.contains(*id))
                    .eq(sorted.iter().filter(|id| scan.runs.contains_key(*id)))
                && scan.order.iter().all(|id| self.complete.contains(id))
                && scan.runs.values().all(|r| r.spans.len() <= 1)
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
                    for &(start, end) in scan.runs.get(id).map_or(&[][..], |r| &r.spans) {
                        src.seek(SeekFrom::Start(start))?;
                        io::copy(&mut (&mut src).take(end - start), out)?;
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Appends the rows of `runs` (complete runs of this ledger) to the tables of `out`,
    /// opened for appending by the caller, `runs.csv` rows last for each run.
    pub fn copy_runs(&self, runs: &[String], out: &mut [File; 4]) -> anyhow::Result<()> {
        let mut sources = Vec::new();
        for table in Table::ALL {
            sources.push(File::open(self.dir.join(table.file_name()))?);
        }
        for id in runs {
            for (i, table) in Table::ALL.iter().enumerate() {
                for &(start, end) in self.scans[table].runs.get(id).map_or(&[][..], |r| &r.spans) {
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

/// Reads the `runs.csv` rows one at a time, keeping each run's recorded counts and status.
fn read_recorded(path: &Path, scan: &Scan) -> Result<HashMap<String, Recorded>, LedgerError> {
    let mut out = HashMap::new();
    if !scan.exists {
        return Ok(out);
    }
    let file = File::open(path).map_err(|error| LedgerError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let mut reader = csv::Reader::from_reader(BufReader::new(file).take(scan.complete_len));
    for row in reader.deserialize::<RunRow>() {
        let row = row.map_err(|e| row_error(path, &e))?;
        let counts = [
            Table::Layers.recorded(&row),
            Table::Curves.recorded(&row),
            Table::Histograms.recorded(&row),
        ];
        out.entry(row.run_id.clone()).or_insert(Recorded {
            counts,
            status: row.status,
        });
    }
    Ok(out)
}

fn row_error(path: &Path, e: &csv::Error) -> LedgerError {
    let line = e.position().map_or(0, csv::Position::line);
    let problem = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("field {}: {}", field + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        _ => e.to_string(),
    };
    LedgerError::Row {
        path: path.to_path_buf(),
        line,
        problem,
    }
}

/// The length of `file` up to and including its last newline.
fn complete_length(file: &mut File, len: u64) -> io::Result<u64> {
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(p) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + p as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Streams one table: checks its header and every row's shape and run id, and records where
/// each run's rows are.
fn scan_table(
    path: &Path,
    table: Table,
    known: &dyn Fn(&str) -> bool,
) -> Result<Scan, LedgerError> {
    let read_error = |error| LedgerError::Read {
        path: path.to_path_buf(),
        error,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Scan::default()),
        Err(e) => return Err(read_error(e)),
    };
    let file_len = file.metadata().map_err(read_error)?.len();
    let complete_len = complete_length(&mut file, file_len).map_err(read_error)?;
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let mut scan = Scan {
        exists: true,
        complete_len,
        file_len,
        ..Scan::default()
    };
    if complete_len == 0 {
        return Ok(scan);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(BufReader::new(file).take(complete_len));
    let mut record = csv::ByteRecord::new();
    let expected = table.header();
    let expected: Vec<&[u8]> = expected
        .strip_suffix(b"\n")
        .unwrap_or(&expected)
        .split(|&b| b == b',')
        .collect();
    let header_ok = reader
        .read_byte_record(&mut record)
        .map_err(|e| row_error(path, &e))?;
    if !header_ok || record.iter().ne(expected.iter().copied()) {
        let have: Vec<&[u8]> = record.iter().collect();
        let name = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let problem = if let Some(missing) = expected.iter().find(|c| !have.contains(c)) {
            format!("column `{}` is missing", name(missing))
        } else if let Some(extra) = have.iter().find(|c| !expected.contains(c)) {
            format!("column `{}` is not one of initlab's", name(extra))
        } else {
            "the columns are not in initlab's order".into()
        };
        return Err(LedgerError::Header {
            path: path.to_path_buf(),
            problem,
        });
    }
    let mut last: Option<String> = None;
    loop {
        let start = reader.position().byte();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(row_error(path, &e)),
        }
        let end = reader.position().byte();
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != expected.len() {
            return Err(LedgerError::Row {
                path: path.to_path_buf(),
                line,
                problem: format!(
                    "{} fields where the header has {}",
                    record.len(),
                    expected.len()
                ),
            });
        }
        let id = std::str::from_utf8(&record[0]).map_err(|_| LedgerError::Row {
            path: path.to_path_buf(),
            line,
            problem: "the run id is not UTF-8 text".into(),
        })?;
        if !known(id) {
            return Err(LedgerError::UnknownRun {
                path: path.to_path_buf(),
                line,
                run_id: id.to_string(),
            });
        }
        let continues = last.as_deref() == Some(id);
        let rows = match scan.runs.get_mut(id) {
            Some(rows) => rows,
            None => {
                scan.order.push(id.to_string());
                scan.runs.entry(id.to_string()).or_default()
            }
        };
        rows.count += 1;
        match rows.spans.last_mut() {
            Some(span) if continues && span.1 == start => span.1 = end,
            _ => rows.spans.push((start, end)),
        }
        if !continues {
            last = Some(id.to_string());
        }
    }
    Ok(scan)
}
