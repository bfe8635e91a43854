//! What every runtime reports for a WASI command run, and how it becomes the service's
//! response: a served request exits 0 and writes exactly one JSON value on stdout.

use anyhow::{Context, bail};
use conformance::Form;
use serde_json::Value;

/// What a command run produced, as drivers and embedded runtimes report it.
#[derive(Debug, Default)]
pub(crate) struct CommandRun {
    /// The exit code, when the command exited (returning from `_start` is 0).
    pub exit: Option<i32>,
    /// The trap or runtime failure, when it did not exit.
    pub trap: Option<String>,
    pub stdout: String,
    pub stderr: String,
}

impl CommandRun {
    /// From a driver's answer to a `command` request (PROTOCOL.md).
    pub(crate) fn from_driver(ok: &Value) -> CommandRun {
        let text = |name: &str| ok[name].as_str().unwrap_or_default().to_owned();
        CommandRun {
            exit: ok["exit"].as_i64().map(|c| c as i32),
            trap: ok["trap"].as_str().map(str::to_owned),
            stdout: text("stdout"),
            stderr: text("stderr"),
        }
    }

    /// The service's JSON response, or why there is none: a served request exits 0 and
    /// writes exactly one JSON value on stdout.
    pub(crate) fn into_response(self) -> anyhow::Result<Value> {
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
}

/// `Target::supports` of a runtime that runs core modules only: commands, no components.
pub(crate) fn command_only(runtime: &str, form: Form) -> Result<(), String> {
    match form {
        Form::Command => Ok(()),
        _ => Err(format!(
            "{runtime} has no component model: it runs core modules only"
        )),
    }
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
    }
}
