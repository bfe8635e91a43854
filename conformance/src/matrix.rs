//! The matrix: every cell of a run, as `matrix.json` has it. Field names of `matrix.json`
//! are a contract (DESIGN.md); fields may be added, never renamed. The reports over it
//! (terminal, Markdown, COMPATIBILITY.md, HTML, JUnit, diff) are in [`crate::report`].
//!
//! WASI probe cells (`service` `probe`) count in the summary as `probe/<group>` rows like any
//! other; what their observations and verdicts mean for the reports is [`wasi`].

pub mod wasi;

use serde::{Deserialize, Serialize};

use crate::target::{Form, Kind};

pub const SCHEMA: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Matrix {
    pub schema: u32,
    /// RFC 3339, UTC.
    pub generated: String,
    /// The source the run measured: `git rev-parse --short HEAD`, `-dirty` appended when
    /// tracked files differ from it; `unknown` outside a git checkout. Set by the harness.
    #[serde(default)]
    pub commit: String,
    pub runtimes: Vec<RuntimeInfo>,
    pub cells: Vec<Cell>,
    /// The WASI probes this run ran (their cells have `service` `probe`), for the
    /// "WASI behaviour" section: what each one tests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeInfo>,
}

/// A WASI probe, as `conformance/probes/probes.json` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeInfo {
    pub id: String,
    pub group: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuntimeInfo {
    pub id: String,
    pub version: String,
    pub kind: Kind,
    pub available: bool,
    /// Why it is not available and how to install it; empty when available.
    pub reason: String,
    pub forms: Vec<Form>,
    /// How the harness configured the runtime: limits, flags, workarounds.
    #[serde(default)]
    pub settings: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Unsupported,
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unsupported => "unsupported",
            Status::Error => "error",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cell {
    pub service: String,
    pub group: String,
    pub case: String,
    pub runtime: String,
    pub form: Form,
    pub status: Status,
    /// The diff (fail), the reason (unsupported) or what went wrong (error); empty on pass.
    pub detail: String,
    /// Left out of the committed baseline (`conformance/matrix.json`), so it is optional.
    #[serde(default)]
    pub millis: f64,
    /// Probe cells (`service` is `probe`): what the probe observed, as it printed it, or
    /// how the run ended when that is the observation (`{"exit": 42}`, `{"trap": "..."}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<serde_json::Value>,
    /// Probe cells: the verdict where the WASI spec decides (`conforms`, `violates`), a
    /// security `finding` (deny-by-default failed), or `info` (the spec leaves it open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// The `service` of a WASI probe's cells.
pub const PROBE_SERVICE: &str = "probe";

/// The group whose probes must all be refused: a success there is a security finding.
pub const DENY_BY_DEFAULT: &str = "deny-by-default";

impl Cell {
    /// A cell with no detail, timing, observation or verdict yet.
    pub fn new(runtime: &str, form: Form, id: [&str; 3], status: Status) -> Cell {
        let [service, group, case] = id.map(str::to_owned);
        Cell {
            service,
            group,
            case,
            runtime: runtime.to_owned(),
            form,
            status,
            detail: String::new(),
            millis: 0.0,
            observed: None,
            verdict: None,
        }
    }

    /// A WASI probe's cell (shown in the "WASI behaviour" section).
    pub fn is_probe(&self) -> bool {
        self.service == PROBE_SERVICE
    }

    pub fn label(&self) -> String {
        format!(
            "{}/{} {}/{} {}",
            self.runtime, self.form, self.service, self.group, self.case
        )
    }
}
