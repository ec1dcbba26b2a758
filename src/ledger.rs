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
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

use crate::output::{
    complete_length, header_bytes, write_atomic_with, CURVES_CSV, HISTOGRAMS_CSV, LAYERS_CSV,
    RUNS_CSV,
};
use crate::records::{CurveRow, HistogramRow, LayerRow, RunRow};

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
    /// Run ids in the order their first row appears, and where each run's rows are.
    order: Vec<String>,
    rows: Vec<Rows>,
    /// Run id -> its position in `order` and `rows`.
    index: HashMap<String, usize>,
}

impl Scan {
    fn get(&self, id: &str) -> Option<&Rows> {
        self.index.get(id).map(|&i| &self.rows[i])
    }

    fn count(&self, id: &str) -> usize {
        self.get(id).map_or(0, |r| r.count)
    }

    fn spans(&self, id: &str) -> &[(u64, u64)] {
        self.get(id).map_or(&[][..], |r| &r.spans)
    }
}

/// What a `runs.csv` row says about its run.
#[derive(Debug, Clone)]
struct Recorded {
    /// Rows in layers.csv, curves.csv and histograms.csv.
    counts: [Option<usize>; 3],
}

impl Recorded {
    /// The rows `table` must hold of this run.
    fn rows(&self, table: Table) -> Option<usize> {
        match table {
            Table::Layers => self.counts[0],
            Table::Curves => self.counts[1],
            Table::Histograms => self.counts[2],
            Table::Runs => Some(1),
        }
    }
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
            scan.exists
                && scan.complete_len == scan.file_len
                && scan.index.len() == scan.order.len()
                && scan
                    .order
                    .iter()
                    .filter(|id| self.complete.contains(*id))
                    .eq(sorted.iter().filter(|id| scan.index.contains_key(*id)))
                && scan.order.iter().all(|id| self.complete.contains(id))
                && scan.rows.iter().all(|r| r.spans.len() <= 1)
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
    pub fn copy_runs(&self, runs: &[String], out: &mut [File; 4]) -> anyhow::Result<()> {
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
        let counts = [row.layer_rows, row.curve_rows, row.histogram_rows];
        out.entry(row.run_id.clone()).or_insert(Recorded { counts });
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
    let mut reader = BufReader::with_capacity(1 << 20, file.take(complete_len));
    let expected = table.header();
    let expected: Vec<&[u8]> = expected
        .strip_suffix(b"\n")
        .unwrap_or(&expected)
        .split(|&b| b == b',')
        .collect();
    let mut record = Vec::new();
    let mut offset = read_record(&mut reader, &mut record).map_err(read_error)? as u64;
    let header = record.strip_suffix(b"\n").unwrap_or(&record);
    let have: Vec<&[u8]> = header.split(|&b| b == b',').collect();
    if have != expected {
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
    // The run of the previous row, as its id and position in `scan.rows`.
    let mut last: Option<(String, usize)> = None;
    let mut line = 1u64;
    loop {
        let start = offset;
        let read = read_record(&mut reader, &mut record).map_err(read_error)?;
        if read == 0 {
            break;
        }
        offset += read as u64;
        let end = offset;
        line += 1;
        let (fields, first, lines) = split_record(&record);
        if fields != expected.len() {
            return Err(LedgerError::Row {
                path: path.to_path_buf(),
                line,
                problem: format!("{fields} fields where the header has {}", expected.len()),
            });
        }
        let id = std::str::from_utf8(first).map_err(|_| LedgerError::Row {
            path: path.to_path_buf(),
            line,
            problem: "the run id is not UTF-8 text".into(),
        })?;
        line += lines - 1;
        // Rows of one run are consecutive: extend its last span without a lookup.
        if let Some((_, i)) = last.as_ref().filter(|(l, _)| l == id) {
            let rows = &mut scan.rows[*i];
            rows.count += 1;
            match rows.spans.last_mut() {
                Some(span) if span.1 == start => span.1 = end,
                _ => rows.spans.push((start, end)),
            }
            continue;
        }
        if !known(id) {
            return Err(LedgerError::UnknownRun {
                path: path.to_path_buf(),
                line,
                run_id: id.to_string(),
            });
        }
        let i = match scan.index.get(id) {
            Some(&i) => i,
            None => {
                scan.order.push(id.to_string());
                scan.rows.push(Rows::default());
                scan.index.insert(id.to_string(), scan.rows.len() - 1);
                scan.rows.len() - 1
            }
        };
        scan.rows[i].count += 1;
        scan.rows[i].spans.push((start, end));
        last = Some((id.to_string(), i));
    }
    Ok(scan)
}

/// Reads one CSV record, which may span lines inside a quoted field (a run's message), into
/// `record`; returns its length in bytes (0 at the end).
fn read_record(reader: &mut impl BufRead, record: &mut Vec<u8>) -> io::Result<usize> {
    record.clear();
    let mut quoted = false;
    loop {
        let start = record.len();
        if reader.read_until(b'\n', record)? == 0 {
            return Ok(record.len());
        }
        let line = &record[start..];
        if line.contains(&b'"') {
            quoted ^= line.iter().filter(|&&b| b == b'"').count() % 2 == 1;
        }
        if !quoted {
            return Ok(record.len());
        }
    }
}

/// The number of fields of a record, its first field (a run id, never quoted) and the number
/// of lines it spans.
fn split_record(record: &[u8]) -> (usize, &[u8], u64) {
    let body = record.strip_suffix(b"\n").unwrap_or(record);
    let first_end = body.iter().position(|&b| b == b',').unwrap_or(body.len());
    if !body.contains(&b'"') {
        // What initlab writes for every table but the messages of runs.csv.
        let commas = body.iter().filter(|&&b| b == b',').count();
        return (commas + 1, &body[..first_end], 1);
    }
    let (mut fields, mut lines, mut quoted) = (1, 1, false);
    for &b in body {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => fields += 1,
            b'\n' => lines += 1,
            _ => {}
        }
    }
    (fields, &body[..first_end], lines)
}
