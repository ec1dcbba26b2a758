//! The bundled UCI optical-recognition handwritten digits (Alpaydin & Kaynak 1998; CC BY 4.0):
//! 1,797 8×8 images with pixels in 0..16, 10 classes. The file is scikit-learn's copy
//! (`sklearn/datasets/data/digits.csv.gz`): one example per line, 64 pixels then the label.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use super::{files::parse_csv, DataError, Examples};

const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// The 1,797 digits, in file order.
pub fn digits() -> Result<Examples, DataError> {
    let path = Path::new("<bundled digits.csv.gz>");
    let mut text = String::new();
    GzDecoder::new(DIGITS_CSV_GZ)
        .read_to_string(&mut text)
        .map_err(|error| DataError::Io {
            path: path.to_path_buf(),
            error,
        })?;
    // The label is the last of 65 columns.
    parse_csv(path, &text, false, 64, Some(10))
}
