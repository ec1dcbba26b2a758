//! Loaders for files a user already has: MNIST / Fashion-MNIST IDX files (raw or gzipped),
//! CIFAR-10 binary batches, and generic CSV. Every problem is a [`DataError`] that names the
//! file and what is wrong with it; nothing here panics on bad input.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use super::{DataError, Examples, Targets};

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
    move |error| DataError::Io {
        path: path.to_path_buf(),
        error,
    }
}

fn format_error(path: &Path, problem: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// The bytes of a file, gunzipped when it ends in `.gz`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = std::fs::read(path).map_err(io_error(path))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| format_error(path, format!("not a valid gzip file ({e})")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// An IDX file of unsigned bytes (LeCun's MNIST format): magic `00 00 08 D`, `D` big-endian
/// u32 dimensions, then the data. Returns the dimensions and the bytes.
pub fn read_idx(path: &Path) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let bytes = read_bytes(path)?;
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(format_error(path, "not an IDX file (bad magic number)"));
    }
    if bytes[2] != 0x08 {
        return Err(format_error(
            path,
            format!(
                "IDX type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
                bytes[2]
            ),
        ));
    }
    let rank = usize::from(bytes[3]);
    let header = 4 + 4 * rank;
    if rank == 0 || bytes.len() < header {
        return Err(format_error(path, "truncated IDX header"));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|d| {
            let b = &bytes[4 + 4 * d..8 + 4 * d];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let expected = dims.iter().product::<usize>();
    let actual = bytes.len() - header;
    if actual != expected {
        return Err(format_error(
            path,
            format!("truncated or padded IDX data: dimensions {dims:?} need {expected} bytes, found {actual}"),
        ));
    }
    Ok((dims, bytes[header..].to_vec()))
}

/// The first of `names` (in order, each also tried with `.gz`) that exists in `dir`.
fn find(dir: &Path, names: &[&str]) -> Result<PathBuf, DataError> {
    for name in names {
        for candidate in [dir.join(name), dir.join(format!("{name}.gz"))] {
            if candidate.exists() {
                return Ok(candidate);
            }
        }
    }
    Err(DataError::Invalid(format!(
        "no `{}` (or .gz) in `{}`",
        names[0],
        dir.display()
    )))
}

/// An IDX image file and its label file as examples (images flattened, labels checked < 10).
fn idx_pair(images: &Path, labels: &Path) -> Result<Examples, DataError> {
    let (dims, pixels) = read_idx(images)?;
    let (ldims, label_bytes) = read_idx(labels)?;
    if ldims.len() != 1 {
        return Err(format_error(
            labels,
            format!("labels must be 1-dimensional, found {ldims:?}"),
        ));
    }
    let n = dims[0];
    if ldims[0] != n {
        return Err(format_error(
            labels,
            format!(
                "{} labels for {n} images in `{}`",
                ldims[0],
                images.display()
            ),
        ));
    }
    if let Some((i, l)) = label_bytes.iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(format_error(
            labels,
            format!("label {l} of example {i} is out of range 0..10"),
        ));
    }
    let dim = dims[1..].iter().product();
    Ok(Examples {
        n,
        dim,
        x: pixels.into_iter().map(f32::from).collect(),
        y: Targets::Labels(label_bytes.into_iter().map(u32::from).collect()),
    })
}

/// MNIST or Fashion-MNIST from a folder with the four standard file names (raw or `.gz`).
pub fn mnist(dir: &Path) -> Result<(Examples, Examples), DataError> {
    let train = idx_pair(
        &find(dir, &["train-images-idx3-ubyte", "train-images.idx3-ubyte"])?,
        &find(dir, &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"])?,
    )?;
    let test = idx_pair(
        &find(dir, &["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"])?,
        &find(dir, &["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"])?,
    )?;
    Ok((train, test))
}

/// CIFAR-10 record: 1 label byte, then 3,072 pixel bytes (1,024 red, green, blue).
const CIFAR_RECORD: usize = 1 + 3 * 32 * 32;

/// One CIFAR-10 binary batch file.
pub fn read_cifar10_batch(path: &Path) -> Result<Examples, DataError> {
    let bytes = read_bytes(path)?;
    if bytes.is_empty() || bytes.len() % CIFAR_RECORD != 0 {
        return Err(format_error(
            path,
            format!(
                "{} bytes is not a whole number of {CIFAR_RECORD}-byte CIFAR-10 records",
                bytes.len()
            ),
        ));
    }
    let n = bytes.len() / CIFAR_RECORD;
    let mut x = Vec::with_capacity(n * (CIFAR_RECORD - 1));
    let mut labels = Vec::with_capacity(n);
    for (i, record) in bytes.chunks_exact(CIFAR_RECORD).enumerate() {
        if record[0] > 9 {
            return Err(format_error(
                path,
                format!("label {} of record {i} is out of range 0..10", record[0]),
            ));
        }
        labels.push(u32::from(record[0]));
        x.extend(record[1..].iter().map(|&b| f32::from(b)));
    }
    Ok(Examples {
        n,
        dim: CIFAR_RECORD - 1,
        x,
        y: Targets::Labels(labels),
    })
}

/// CIFAR-10 from a folder: every `data_batch_*.bin` for training, `test_batch.bin` for test.
pub fn cifar10(dir: &Path) -> Result<(Examples, Examples), DataError> {
    let mut batches: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("data_batch_") && n.ends_with(".bin"))
        })
        .collect();
    batches.sort();
    if batches.is_empty() {
        return Err(DataError::Invalid(format!(
            "no data_batch_*.bin in `{}`",
            dir.display()
        )));
    }
    let parts = batches
        .iter()
        .map(|p| read_cifar10_batch(p))
        .collect::<Result<Vec<_>, _>>()?;
    let train = concat(parts);
    let test = read_cifar10_batch(&find(dir, &["test_batch.bin"])?)?;
    Ok((train, test))
}

fn concat(parts: Vec<Examples>) -> Examples {
    let dim = parts[0].dim;
    let mut x = Vec::new();
    let mut labels = Vec::new();
    for p in parts {
        x.extend(p.x);
        if let Targets::Labels(l) = p.y {
            labels.extend(l);
        }
    }
    Examples {
        n: labels.len(),
        dim,
        x,
        y: Targets::Labels(labels),
    }
}

/// A CSV file: `label_column` holds the label (classification, a non-negative integer below
/// `classes` when given) or the target (regression, `classes = None` and `regression`); every
/// other column is a numeric feature.
pub fn read_csv(
    path: &Path,
    header: bool,
    label_column: usize,
    regression: bool,
    classes: Option<usize>,
) -> Result<Examples, DataError> {
    let text =
        String::from_utf8(read_bytes(path)?).map_err(|_| format_error(path, "not UTF-8 text"))?;
    if regression {
        parse_csv_regression(path, &text, header, label_column)
    } else {
        parse_csv(path, &text, header, label_column, classes)
    }
}

/// Parses CSV text into features and one numeric column, row by row.
fn parse_rows(
    path: &Path,
    text: &str,
    header: bool,
    label_column: usize,
) -> Result<(usize, Vec<f32>, Vec<f64>), DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(header)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut x = Vec::new();
    let mut targets = Vec::new();
    let mut width = None;
    for (r, record) in reader.records().enumerate() {
        let line = r + 1 + usize::from(header);
        let record = record.map_err(|e| format_error(path, format!("line {line}: {e}")))?;
        if label_column >= record.len() {
            return Err(format_error(
                path,
                format!(
                    "line {line}: no label column (label_column = {label_column} counts from 0; \
                     the row has {} columns)",
                    record.len()
                ),
            ));
        }
        if *width.get_or_insert(record.len()) != record.len() {
            return Err(format_error(
                path,
                format!(
                    "line {line}: {} columns, expected {}",
                    record.len(),
                    width.unwrap_or(0)
                ),
            ));
        }
        for (c, cell) in record.iter().enumerate() {
            let value: f64 = cell
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    format_error(
                        path,
                        format!(
                            "line {line}, column {}: `{cell}` is not a finite number",
                            c + 1
                        ),
                    )
                })?;
            if c == label_column {
                targets.push(value);
            } else {
                x.push(value as f32);
            }
        }
    }
    let width = width.ok_or_else(|| format_error(path, "no data rows"))?;
    if width < 2 {
        return Err(format_error(
            path,
            "needs a label column and at least one feature",
        ));
    }
    Ok((width - 1, x, targets))
}

/// Classification CSV text (also the bundled digits).
pub(super) fn parse_csv(
    path: &Path,
    text: &str,
    header: bool,
    label_column: usize,
    classes: Option<usize>,
) -> Result<Examples, DataError> {
    let (dim, x, targets) = parse_rows(path, text, header, label_column)?;
    let mut labels = Vec::with_capacity(targets.len());
    for (r, &t) in targets.iter().enumerate() {
        let line = r + 1 + usize::from(header);
        let in_range = t >= 0.0 && t.fract() == 0.0 && classes.is_none_or(|k| t < k as f64);
        if !in_range {
            let range = classes.map_or("a non-negative integer".to_string(), |k| {
                format!("in 0..{k}")
            });
            return Err(format_error(
                path,
                format!("line {line}: label {t} is not {range}"),
            ));
        }
        labels.push(t as u32);
    }
    Ok(Examples {
        n: labels.len(),
        dim,
        x,
        y: Targets::Labels(labels),
    })
}

fn parse_csv_regression(
    path: &Path,
    text: &str,
    header: bool,
    label_column: usize,
) -> Result<Examples, DataError> {
    let (dim, x, targets) = parse_rows(path, text, header, label_column)?;
    Ok(Examples {
        n: targets.len(),
        dim,
        x,
        y: Targets::Values(targets.into_iter().map(|t| t as f32).collect()),
    })
}
