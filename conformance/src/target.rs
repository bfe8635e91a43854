//! The target abstraction: one implementation per runtime or platform.
//!
//! A target says what it is ([`Target::id`], [`Target::version`], [`Target::kind`]), whether
//! it can run here ([`Target::detect`]), which forms it offers ([`Target::forms`]) and for
//! which services ([`Target::supports`]), and runs one request ([`Target::run`]) or one WASI
//! command ([`Target::run_command`]). It returns what it observed (the response as JSON in
//! the service's JSON form; a command's exit, trap and output); the runner does all
//! comparing. The service command form is derived from `run_command` by the runner, so a
//! target's `run` only handles the forms it has of its own (component, native, http).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::command::{CommandJob, CommandRun};
use crate::vectors::Group;

/// How a service is packaged for a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// The core crate called in-process: the reference.
    Native,
    /// The `wasm32-wasip2` component exporting the service's WIT world.
    Component,
    /// The `wasm32-wasip1` command: JSON request on stdin, JSON response on stdout.
    Command,
    /// The HTTP service on a platform's local runtime.
    Http,
}

impl Form {
    pub const ALL: [Form; 4] = [Form::Native, Form::Component, Form::Command, Form::Http];

    pub fn name(self) -> &'static str {
        match self {
            Form::Native => "native",
            Form::Component => "component",
            Form::Command => "command",
            Form::Http => "http",
        }
    }

    pub fn parse(name: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The native core: what every other column is compared with.
    Reference,
    /// A runtime linked into the harness.
    Embedded,
    /// A runtime driven through a driver program.
    External,
    /// A platform's local runtime driven over HTTP.
    Platform,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    Available,
    /// Not usable here: why, and how to make it usable.
    Missing {
        reason: String,
        install: String,
    },
}

/// One request for a target to run.
#[derive(Clone, Debug)]
pub struct Job {
    pub service: String,
    /// The vector group the request comes from: a platform's tenant (see [`Target::start`]).
    pub group: String,
    pub form: Form,
    /// The built `.wasm` for `form`, when the form has one.
    pub artifact: Option<PathBuf>,
    /// The JSON request: `config` plus the case's input.
    pub request: Value,
    /// How long the guest may run. Targets enforce it where the runtime allows (fuel,
    /// epochs); the runner also stops waiting after it.
    pub timeout: Duration,
}

pub trait Target: Send + Sync {
    /// Stable column id: `native`, `wasmtime`, ...
    fn id(&self) -> &'static str;
    fn kind(&self) -> Kind;
    /// The runtime's own version, as it reports it.
    fn version(&self) -> String;
    fn detect(&self) -> Availability;
    /// How the harness configures the runtime (limits, flags, workarounds), shown beside its
    /// version so a reader knows what was measured.
    fn settings(&self) -> String {
        String::new()
    }
    /// The forms this target has columns for.
    fn forms(&self) -> &'static [Form];
    /// `Err(reason)` when this target cannot run `form` of `service`: those cells are
    /// `unsupported` with that reason.
    fn supports(&self, service: &str, form: Form) -> Result<(), String> {
        let _ = (service, form);
        Ok(())
    }
    /// Called once before this target's cells of `form`, with the vector groups they come
    /// from: a platform starts its local runtime here, with a deployment holding each group's
    /// config as a tenant named after the group. `Err` makes each of those cells an `error`
    /// that says why.
    fn start(&self, form: Form, groups: &[&Group]) -> anyhow::Result<()> {
        let _ = (form, groups);
        Ok(())
    }
    /// Called after this target's last cell: stops whatever [`Target::start`] started.
    fn stop(&self) {}
    /// Runs one request in a form other than `command`. `Ok` is the service's JSON response
    /// (even a rejected token); `Err` is a failure of the runtime or guest (trap, crash,
    /// timeout, bad output).
    fn run(&self, job: &Job) -> anyhow::Result<Value> {
        anyhow::bail!("{} does not run the {} form", self.id(), job.form)
    }
    /// Runs a WASI preview 1 command with what `job` grants. `Ok` is what the guest did
    /// (exit code or trap, stdout, stderr); `Err` is a failure of the runtime or driver
    /// itself (cannot compile the module, the driver died, deadline passed).
    fn run_command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        let _ = job;
        anyhow::bail!("{} does not run WASI commands", self.id())
    }
}
