//! A row of `target/bench/bench.json`'s `results`: one measured value, in DESIGN.md's fields
//! (`service`, `runtime`, `metric`, `value`, `unit`) and ours. Defined here, in the light
//! crate both depend on, so the harness that writes it (`harness bench`) and xtask that
//! renders BENCHMARKS.md from it (`cargo xtask bench --update`) cannot drift apart.

use serde::{Deserialize, Serialize};

/// [`Entry::build`] of the measurements of the components before `wasm-opt -Oz`.
pub const BEFORE_WASM_OPT: &str = "before wasm-opt";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub service: String,
    pub runtime: String,
    pub metric: String,
    pub value: f64,
    pub unit: String,
    #[serde(default)]
    pub form: String,
    /// The workload measured; absent for what belongs to the artifact (size, compile, load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// Absent for the artifacts as `cargo xtask build` makes them; [`BEFORE_WASM_OPT`] for
    /// the components as cargo built them, before the build's `wasm-opt -Oz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// How many timed runs the value summarises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
