//! WASI commands: what a host grants a `wasm32-wasip1` command ([`CommandJob`]) and what it
//! observed ([`CommandRun`]). Every runtime that runs commands implements
//! [`Target::run_command`](crate::Target::run_command) once; the service command form, the
//! WASI probes and bring-your-own modules are all built on it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::target::Job;

/// One run of a WASI preview 1 command, and everything the host grants it. Nothing else is
/// granted: no other directories, no network, no environment beyond `env`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandJob {
    /// The core module.
    pub wasm: PathBuf,
    /// The arguments, `argv[0]` first.
    pub args: Vec<String>,
    /// Environment variables, in order.
    pub env: Vec<(String, String)>,
    /// Standard input. `None`: the host gives the guest no input of its own (the runtime's
    /// default; a driver whose own stdin is the protocol gives an empty one).
    pub stdin: Option<String>,
    /// Preopened directories.
    pub dirs: Vec<Preopen>,
    /// How long the guest may run; targets stop it where the runtime allows.
    pub timeout: Duration,
}

/// A host directory the guest sees, preopened, under `guest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
}

impl CommandJob {
    /// The command form of a service request: argv `<service>-command`, the request as one
    /// JSON value on stdin, nothing granted.
    pub fn for_service(job: &Job, wasm: PathBuf) -> CommandJob {
        CommandJob {
            wasm,
            args: vec![format!("{}-command", job.service)],
            env: Vec::new(),
            stdin: Some(job.request.to_string()),
            dirs: Vec::new(),
            timeout: job.timeout,
        }
    }
}

/// What a command run produced, as drivers and embedded runtimes report it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandRun {
    /// The exit code, when the command exited (returning from `_start` is 0).
    pub exit: Option<i32>,
    /// The trap or runtime failure, when it did not exit.
    pub trap: Option<String>,
    pub stdout: String,
    pub stderr: String,
}

impl CommandRun {
    /// The service's JSON response, or why there is none: a served request exits 0 and
    /// writes exactly one JSON value on stdout.
    pub fn into_response(self) -> anyhow::Result<Value> {
        let stderr = self.stderr.trim();
        match (self.exit, &self.trap) {
            (_, Some(trap)) => bail!("trap: {trap}; stderr: {stderr}"),
            (Some(0), None) => {}
            (Some(code), None) => bail!("exit code {code}; stderr: {stderr}"),
            (None, None) => bail!("neither exited nor trapped; stderr: {stderr}"),
        }
        serde_json::from_str(&self.stdout).with_context(|| {
            format!(
                "stdout is not one JSON response: {:?}; stderr: {stderr}",
                self.stdout
            )
        })
    }

    /// How it ended, in a few words: `exit 0`, `trap: unreachable`.
    pub fn ending(&self) -> String {
        match (self.exit, &self.trap) {
            (_, Some(trap)) => format!("trap: {}", first_line(trap)),
            (Some(code), None) => format!("exit {code}"),
            (None, None) => "neither exited nor trapped".to_owned(),
        }
    }

    /// How it ended, as a cell's observation: `{"exit": 0}`, `{"trap": "<first line>"}`,
    /// or `null` when it did neither.
    pub fn ending_observed(&self) -> Value {
        match (self.exit, &self.trap) {
            (_, Some(trap)) => serde_json::json!({ "trap": first_line(trap) }),
            (Some(code), None) => serde_json::json!({ "exit": code }),
            (None, None) => Value::Null,
        }
    }
}

/// A fresh, uniquely named directory under the system's temporary directory, removed with
/// everything in it when dropped: a run's scratch space.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// `<tmp>/<prefix>-<pid>-<n>`, created empty.
    pub fn new(prefix: &str) -> anyhow::Result<TempDir> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(TempDir(dir))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn command_runs_become_responses_or_reasons() {
        let run = |exit, trap: Option<&str>, stdout: &str| CommandRun {
            exit,
            trap: trap.map(str::to_owned),
            stdout: stdout.into(),
            stderr: "e".into(),
        };
        assert_eq!(
            run(Some(0), None, "{\"ok\": 1}").into_response().unwrap(),
            json!({"ok": 1})
        );
        assert!(
            run(Some(2), None, "")
                .into_response()
                .unwrap_err()
                .to_string()
                .starts_with("exit code 2")
        );
        assert!(
            run(None, Some("oob"), "")
                .into_response()
                .unwrap_err()
                .to_string()
                .starts_with("trap: oob")
        );
        assert!(run(Some(0), None, "no").into_response().is_err());
        assert_eq!(run(Some(3), None, "").ending(), "exit 3");
        assert_eq!(run(None, Some("oob\nat"), "").ending(), "trap: oob");
        assert_eq!(
            run(None, Some("oob\nat"), "").ending_observed(),
            json!({"trap": "oob"})
        );
        assert_eq!(run(Some(3), None, "").ending_observed(), json!({"exit": 3}));
    }
}
