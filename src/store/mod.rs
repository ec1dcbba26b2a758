//! Results on disk: the rows of the five tables, appending and reading them, the ledger that
//! tells complete runs from damaged ones, the results folder (its file names, lock and
//! manifest) and the reader that charts and reports draw from.

pub mod files;
pub mod folder;
pub mod ledger;
pub mod results;
pub mod rows;
pub mod tables;
pub mod timestamp;
