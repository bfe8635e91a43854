//! Wasmer and wasmi, through the harness's own targets: commands only (neither has the
//! component model), with the harness's settings (Wasmer's metering, wasmi's fuel, memory
//! caps). Only what is cheap to time from outside: compile, and whole command runs.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use conformance::{CommandJob, Target};
use serde_json::Value;

use super::native::Reference;
use super::stats::{Budget, Summary, micros, summarize};

/// One workload's command runs on one runtime.
pub struct Runs {
    /// The first run after compiling, in µs.
    pub first_call: f64,
    /// Later runs, each a whole request on a fresh instance.
    pub warm: Summary,
    /// The native reference's whole requests, each timed right before one of those.
    pub native: Summary,
    pub response_json: Value,
}

/// The runtimes measured here.
pub enum Other {
    Wasmer(crate::wasmer::Wasmer),
    Wasmi(crate::wasmi::Wasmi),
}

impl Other {
    pub fn all() -> Vec<Other> {
        vec![
            Other::Wasmer(crate::wasmer::Wasmer::new()),
            Other::Wasmi(crate::wasmi::Wasmi::new()),
        ]
    }

    pub fn target(&self) -> &dyn Target {
        match self {
            Other::Wasmer(t) => t,
            Other::Wasmi(t) => t,
        }
    }

    /// Compiles (and keeps) the module, in milliseconds.
    pub fn compile(&self, wasm: &Path) -> anyhow::Result<f64> {
        let start = Instant::now();
        match self {
            Other::Wasmer(t) => drop(t.module(wasm)?),
            Other::Wasmi(t) => drop(t.module(wasm)?),
        }
        Ok(micros(start) / 1e3)
    }

    /// Runs the command on `request` as the harness does, timing each whole run.
    pub fn runs(
        &self,
        wasm: &Path,
        service: &str,
        request: &Value,
        reference: &mut dyn Reference,
        warm: Budget,
    ) -> anyhow::Result<Runs> {
        let job = CommandJob {
            wasm: wasm.to_owned(),
            args: vec![format!("{service}-command")],
            env: Vec::new(),
            stdin: Some(request.to_string()),
            dirs: Vec::new(),
            timeout: Duration::from_secs(600),
        };
        let target = self.target();
        let start = Instant::now();
        let run = target.run_command(&job)?;
        let first_call = micros(start);
        let response_json = run
            .into_response()
            .with_context(|| format!("{} running the {service} command", target.id()))?;
        let mut native = Vec::new();
        let warm = warm.run(|| {
            native.push(reference.serve()?);
            let start = Instant::now();
            let run = target.run_command(&job)?;
            let took = micros(start);
            anyhow::ensure!(run.exit == Some(0), "the command ended: {}", run.ending());
            Ok(took)
        })?;
        let skip = super::wasmtime::warm_up(&native, &warm);
        Ok(Runs {
            first_call,
            native: summarize(&native[skip..]),
            warm,
            response_json,
        })
    }
}
