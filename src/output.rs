//! Writing results: a [`RecordSink`] receives each finished run; [`CsvResults`] appends it to
//! `layers.csv`, `curves.csv`, `histograms.csv` and `runs.csv` at once (one write per file, run rows last, so a
//! run is complete exactly when its `runs.csv` row exists), and [`CsvResults::canonicalize`]
//! rewrites the three files in grid order through temporary files and atomic renames, which
//! makes them byte-for-byte independent of the order in which parallel runs finished.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::records::{CurveRow, HistogramRow, LayerRow, RunRecord, RunRow};

pub const RUNS_CSV: &str = "runs.csv";
pub const LAYERS_CSV: &str = "layers.csv";
pub const CURVES_CSV: &str = "curves.csv";
pub const HISTOGRAMS_CSV: &str = "histograms.csv";

/// Where finished runs go.
pub trait RecordSink {
    fn append(&mut self, record: &RunRecord) -> Result<()>;
}

/// The three CSV tables of a results folder, opened for appending.
pub struct CsvResults {
    dir: PathBuf,
    runs: File,
    layers: File,
    curves: File,
    histograms: File,
}

impl CsvResults {
    /// Opens (creating if needed, with headers) the tables in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        Ok(CsvResults {
            dir: dir.to_path_buf(),
            runs: open_table::<RunRow>(&dir.join(RUNS_CSV))?,
            layers: open_table::<LayerRow>(&dir.join(LAYERS_CSV))?,
            curves: open_table::<CurveRow>(&dir.join(CURVES_CSV))?,
            histograms: open_table::<HistogramRow>(&dir.join(HISTOGRAMS_CSV))?,
        })
    }

    /// Rewrites the tables with complete runs only (rows of runs without a `runs.csv` row are
    /// leftovers of an interrupted run), each run once, ordered by `order` (run id → grid
    /// position) and then by their position in the file.
    pub fn canonicalize(&self, order: &HashMap<String, usize>) -> Result<()> {
        let runs: Vec<RunRow> = read_table(&self.dir.join(RUNS_CSV))?;
        let mut seen = HashSet::new();
        let mut runs: Vec<RunRow> = runs
            .into_iter()
            .filter(|r| seen.insert(r.run_id.clone()))
            .collect();
        let rank = |id: &str| order.get(id).copied().unwrap_or(usize::MAX);
        runs.sort_by_key(|r| rank(&r.run_id));
        let complete: HashSet<String> = seen;

        let mut layers: Vec<LayerRow> = read_table(&self.dir.join(LAYERS_CSV))?;
        layers.retain(|r| complete.contains(&r.run_id));
        dedup_rows(&mut layers, |r| (r.run_id.clone(), r.step, r.layer));
        layers.sort_by_key(|r| rank(&r.run_id));

        let mut curves: Vec<CurveRow> = read_table(&self.dir.join(CURVES_CSV))?;
        curves.retain(|r| complete.contains(&r.run_id));
        dedup_rows(&mut curves, |r| (r.run_id.clone(), r.step, 0));
        curves.sort_by_key(|r| rank(&r.run_id));

        let mut histograms: Vec<HistogramRow> = read_table(&self.dir.join(HISTOGRAMS_CSV))?;
        histograms.retain(|r| complete.contains(&r.run_id));
        dedup_rows(&mut histograms, |r| {
            (r.run_id.clone(), r.step, r.layer * 1000 + r.bin)
        });
        histograms.sort_by_key(|r| rank(&r.run_id));

        replace_table(&self.dir.join(HISTOGRAMS_CSV), &histograms)?;
        replace_table(&self.dir.join(RUNS_CSV), &runs)?;
        replace_table(&self.dir.join(LAYERS_CSV), &layers)?;
        replace_table(&self.dir.join(CURVES_CSV), &curves)?;
        Ok(())
    }
}

impl RecordSink for CsvResults {
    fn append(&mut self, record: &RunRecord) -> Result<()> {
        append_rows(&mut self.layers, &record.layers)?;
        append_rows(&mut self.curves, &record.curve)?;
        append_rows(&mut self.histograms, &record.histograms)?;
        append_rows(&mut self.runs, std::slice::from_ref(&record.run))?;
        Ok(())
    }
}

/// The run ids already complete in a results folder (empty when it has no `runs.csv`).
pub fn completed_run_ids(dir: &Path) -> Result<HashSet<String>> {
    let path = dir.join(RUNS_CSV);
    if !path.exists() {
        return Ok(HashSet::new());
    }
    Ok(read_table::<RunRow>(&path)?
        .into_iter()
        .map(|r| r.run_id)
        .collect())
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
fn open_table<T: Serialize + Default>(path: &Path) -> Result<File> {
    if path.exists() {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        if complete < bytes.len() {
            OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|f| f.set_len(complete as u64))
                .with_context(|| format!("cannot repair {}", path.display()))?;
        }
    }
    let fresh = !path.exists() || std::fs::metadata(path)?.len() == 0;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if fresh {
        file.write_all(&header_bytes::<T>()?)?;
        file.flush()?;
    }
    Ok(file)
}

/// The CSV header line of a row type.
fn header_bytes<T: Serialize + Default>() -> Result<Vec<u8>> {
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

fn replace_table<T: Serialize + Default>(path: &Path, rows: &[T]) -> Result<()> {
    let mut bytes = header_bytes::<T>()?;
    bytes.extend(rows_bytes(rows, false)?);
    write_atomic(path, &bytes)
}

/// Writes through a temporary file in the same folder and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

fn dedup_rows<T, K: Eq + std::hash::Hash>(rows: &mut Vec<T>, key: impl Fn(&T) -> K) {
    let mut seen = HashSet::new();
    rows.retain(|r| seen.insert(key(r)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::CurveRow;

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
        let mut file = open_table::<CurveRow>(&path).unwrap();
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
