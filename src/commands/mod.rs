//! The commands that tie the layers together: `run` (grid → sweep → store → charts → report)
//! and `merge` (shards → one folder).

pub mod merge;
pub mod run;
