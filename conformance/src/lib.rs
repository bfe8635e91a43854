//! The conformance model, independent of any runtime.
//!
//! - [`vectors`]: the data files in `conformance/vectors/<service>/<group>.json`;
//! - [`outcome`]: how a response is normalised and compared with `expect`;
//! - [`target`]: the trait every runtime or platform implements;
//! - [`expectations`]: known, explained differences (`conformance/expectations.json`);
//! - [`run`]: runs cells on targets, with per-cell timeouts and progress;
//! - [`matrix`]: the results and their text reports (terminal, JSON, Markdown);
//! - [`report`]: the other reports (HTML page, JUnit XML), the diff against a baseline
//!   matrix and the changelog it feeds;
//! - [`git`]: the commit a run measured, and the committed baseline.

pub mod expectations;
pub mod git;
pub mod matrix;
pub mod outcome;
pub mod report;
pub mod run;
pub mod target;
pub mod vectors;

pub use target::{Availability, Form, Job, Kind, Target};
