//! The commands that tie the layers together: `run` (grid → sweep → store → charts → report),
//! `merge` (shards → one folder) and `check` (claims → verdicts).

pub mod check;
pub mod merge;
pub mod run;
