//! Writing results: a [`RecordSink`] receives each finished run; [`CsvResults`] appends it to
//! `layers.csv`, `curves.csv`, `histograms.csv`, `spectra.csv` and `runs.csv` at once (one write per file,
//! the `runs.csv` row last; that row records how many rows the run wrote to each other table,
//! so [`crate::store::ledger`] can tell a complete run from an interrupted one). The ledger rewrites
//! the tables in grid order at the end, which makes them byte-for-byte independent of the order
//! in which parallel runs finished.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::store::files::{CURVES_CSV, HISTOGRAMS_CSV, LAYERS_CSV, RUNS_CSV, SPECTRA_CSV};
use crate::store::rows::{CurveRow, HistogramRow, LayerRow, RunRecord, RunRow, SpectrumRow};

/// The five tables of a results folder, `runs.csv` last (a run's row there is written last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Layers,
    Curves,
    Histograms,
    Spectra,
    Runs,
}

impl Table {
    /// Every table, in the order rows are appended.
    pub const ALL: [Table; TABLES] = [
        Table::Layers,
        Table::Curves,
        Table::Histograms,
        Table::Spectra,
        Table::Runs,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Layers => LAYERS_CSV,
            Table::Curves => CURVES_CSV,
            Table::Histograms => HISTOGRAMS_CSV,
            Table::Spectra => SPECTRA_CSV,
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
            Table::Spectra => of::<SpectrumRow>(),
            Table::Runs => of::<RunRow>(),
        }
    }
}

/// Where finished runs go.
pub trait RecordSink {
    fn append(&mut self, record: &RunRecord) -> Result<()>;
}

/// How many tables a results folder has.
pub const TABLES: usize = 5;

/// The CSV tables of a results folder, opened for appending, in [`Table::ALL`] order.
pub struct CsvResults {
    files: [File; TABLES],
    paths: [PathBuf; TABLES],
}

impl CsvResults {
    /// Opens (creating if needed, with headers) the tables in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        let paths = Table::ALL.map(|t| dir.join(t.file_name()));
        let open = |i: usize| open_table(&paths[i], &Table::ALL[i].header());
        Ok(CsvResults {
            files: [open(0)?, open(1)?, open(2)?, open(3)?, open(4)?],
            paths,
        })
    }

    /// The open tables, in [`Table::ALL`] order (for copying rows in, as `merge` does).
    pub fn files(&mut self) -> &mut [File; TABLES] {
        &mut self.files
    }
}

impl RecordSink for CsvResults {
    fn append(&mut self, record: &RunRecord) -> Result<()> {
        let [layers, curves, histograms, spectra, runs] = &mut self.files;
        let context = |i: usize| format!("cannot append to {}", self.paths[i].display());
        append_rows(layers, &record.layers).with_context(|| context(0))?;
        append_rows(curves, &record.curve).with_context(|| context(1))?;
        append_rows(histograms, &record.histograms).with_context(|| context(2))?;
        append_rows(spectra, &record.spectra).with_context(|| context(3))?;
        append_rows(runs, std::slice::from_ref(&record.run)).with_context(|| context(4))?;
        Ok(())
    }
}

/// Reads every complete row of a table. A last line without its newline is the trace of a
/// write cut short (a crash, `kill -9`) and is ignored: its run has no `runs.csv` row yet.
pub fn read_table<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let mut reader = csv::Reader::from_reader(&bytes[..complete]);
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("{}: bad row {}", path.display(), i + 2)))
        .collect()
}

/// Opens a table for appending, writing its header when new, and cutting off a last line left
/// without its newline by an interrupted write (so the next row does not join it).
fn open_table(path: &Path, header: &[u8]) -> Result<File> {
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata()?.len();
    let complete = complete_length(&mut file, len)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if complete < len {
        file.set_len(complete)
            .with_context(|| format!("cannot repair {}", path.display()))?;
    }
    if complete == 0 {
        file.write_all(header)?;
        file.flush()?;
    }
    Ok(file)
}

/// The length of `file` (of `len` bytes) up to and including its last newline, read from the
/// end: what is after it is a line cut short by a crash.
pub fn complete_length(file: &mut File, len: u64) -> io::Result<u64> {
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

/// The CSV header line of a row type.
pub fn header_bytes<T: Serialize + Default>() -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(T::default())?;
    let bytes = w
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| p + 1);
    Ok(bytes[..end].to_vec())
}

fn rows_bytes<T: Serialize>(rows: &[T], headers: bool) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(headers)
        .from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    Ok(w.into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?)
}

fn append_rows<T: Serialize>(file: &mut File, rows: &[T]) -> Result<()> {
    file.write_all(&rows_bytes(rows, false)?)?;
    file.flush()?;
    Ok(())
}

/// Writes through a temporary file in the same folder and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |out| out.write_all(bytes))
}

/// Writes what `fill` produces through a temporary file in the same folder, synced, then
/// renamed over `path`: a crash leaves either the old file or the new one, never a mix.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let write = || -> io::Result<()> {
        let mut out = io::BufWriter::new(File::create(&tmp)?);
        fill(&mut out)?;
        out.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", tmp.display()));
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rows::CurveRow;

    #[test]
    fn a_torn_last_line_is_ignored_and_cut_before_appending() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(CURVES_CSV);
        std::fs::write(
            &path,
            "run_id,step,train_loss,test_loss,test_acc\na,0,1.5,,\na,1,0.7",
        )
        .unwrap();
        let rows: Vec<CurveRow> = read_table(&path).unwrap();
        assert_eq!(
            rows.len(),
            1,
            "the torn row is not read as a row with a cut-off value"
        );
        let mut file = open_table(&path, &Table::Curves.header()).unwrap();
        append_rows(
            &mut file,
            &[CurveRow {
                run_id: "b".into(),
                step: 0,
                train_loss: Some(2.0),
                test_loss: None,
                test_acc: None,
            }],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "run_id,step,train_loss,test_loss,test_acc\na,0,1.5,,\nb,0,2.0,,\n"
        );
    }
}
