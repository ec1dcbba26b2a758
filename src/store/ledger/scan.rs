//! Streaming one table into what the ledger keeps of it: per run, its row count and the byte
//! spans of its rows, after checking the header and the shape and run id of every row. Records
//! are split without the CSV parser (initlab quotes nothing but a run's message, in
//! `runs.csv`), at about the speed of reading the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::LedgerError;
use crate::store::rows::RunRow;
use crate::store::tables::{complete_length, Table};

/// Where one run's rows stand in one table.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    pub(super) count: usize,
    /// Byte ranges `[start, end)` of its rows, contiguous runs of lines merged.
    pub(super) spans: Vec<(u64, u64)>,
}

/// One table, scanned.
#[derive(Debug, Default)]
pub(super) struct Scan {
    pub(super) exists: bool,
    /// Bytes of complete lines (a torn last line, left by a kill mid-write, is not counted).
    pub(super) complete_len: u64,
    pub(super) file_len: u64,
    /// Run ids in the order their first row appears, and where each run's rows are.
    pub(super) order: Vec<String>,
    pub(super) rows: Vec<Rows>,
    /// Run id -> its position in `order` and `rows`.
    pub(super) index: HashMap<String, usize>,
}

impl Scan {
    pub(super) fn get(&self, id: &str) -> Option<&Rows> {
        self.index.get(id).map(|&i| &self.rows[i])
    }

    pub(super) fn count(&self, id: &str) -> usize {
        self.get(id).map_or(0, |r| r.count)
    }

    pub(super) fn spans(&self, id: &str) -> &[(u64, u64)] {
        self.get(id).map_or(&[][..], |r| &r.spans)
    }
}

/// What a `runs.csv` row says about its run.
#[derive(Debug, Clone)]
pub(super) struct Recorded {
    /// Rows in layers.csv, curves.csv, histograms.csv and spectra.csv.
    pub(super) counts: [Option<usize>; 4],
}

impl Recorded {
    /// The rows `table` must hold of this run.
    pub(super) fn rows(&self, table: Table) -> Option<usize> {
        match table {
            Table::Layers => self.counts[0],
            Table::Curves => self.counts[1],
            Table::Histograms => self.counts[2],
            Table::Spectra => self.counts[3],
            Table::Runs => Some(1),
        }
    }
}

/// Reads the `runs.csv` rows one at a time, keeping each run's recorded row counts.
pub(super) fn read_recorded(
    path: &Path,
    scan: &Scan,
) -> Result<HashMap<String, Recorded>, LedgerError> {
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
            row.layer_rows,
            row.curve_rows,
            row.histogram_rows,
            row.spectrum_rows,
        ];
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
pub(super) fn scan_table(
    path: &Path,
    table: Table,
    known: &(dyn Fn(&str) -> bool + Sync),
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
