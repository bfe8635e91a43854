//! The conformance model, independent of any runtime.
//!
//! - [`bench`]: a row of `bench.json`, shared by the harness and xtask;
//! - [`probes`]: the WASI probes' manifest and how a probe's run is judged;
//! - [`byo`]: bring your own wasm: a user's module and its spec (WASI test format);
//! - [`command`]: a WASI command run: what the host grants, what the guest did;
//! - [`vectors`]: the data files in `conformance/vectors/<service>/<group>.json`;
//! - [`outcome`]: how a response is normalised and compared with `expect`;
//! - [`target`]: the trait every runtime or platform implements;
//! - [`expectations`]: known, explained differences (`conformance/expectations.json`);
//! - [`run`]: runs cells on targets, with per-cell timeouts and progress;
//! - [`session`]: how every run ends: reports written, cells judged, `--diff`, `--update`
//!   and the summary (the harness and `matrix merge` share it);
//! - [`shard`]: `--shard K/N` (a deterministic, cost-balanced part of the cells) and
//!   merging shard matrices;
//! - [`matrix`]: the results (`matrix.json`'s types) and what the WASI probe cells mean;
//! - [`report`]: the reports over a matrix, each a function of it (terminal, Markdown,
//!   COMPATIBILITY.md, HTML page, JUnit XML), the diff against a baseline matrix and the
//!   changelog it feeds;
//! - [`git`]: the commit a run measured, and the committed baseline;
//! - `test_support` (hidden): the sample matrix and helpers the tests share.

pub mod bench;
pub mod byo;
pub mod command;
pub mod expectations;
pub mod git;
pub mod matrix;
pub mod outcome;
pub mod probes;
pub mod report;
pub mod run;
pub mod session;
pub mod shard;
pub mod target;
#[doc(hidden)]
pub mod test_support;
pub mod vectors;

pub use command::{CommandJob, CommandRun, Preopen};
pub use target::{Availability, Form, Job, Kind, Target};
