//! The conformance model, independent of any runtime.
//!
//! - [`vectors`]: the data files in `conformance/vectors/<service>/<group>.json`;
//! - [`outcome`]: how a response is normalised and compared with `expect`;
//! - [`target`]: the trait every runtime or platform implements;
//! - [`expectations`]: known, explained differences (`conformance/expectations.json`);
//! - [`run`]: runs cells on targets, with per-cell timeouts and progress;
//! - [`matrix`]: the results and their reports (terminal, JSON, Markdown).

pub mod expectations;
pub mod matrix;
pub mod outcome;
pub mod run;
pub mod target;
pub mod vectors;

pub use target::{Availability, Form, Job, Kind, Target};
