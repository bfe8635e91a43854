//! External runtimes, driven through small driver programs that speak one JSON-lines
//! protocol on stdin/stdout (`targets/drivers/PROTOCOL.md`). One driver process per target
//! serves many cases; a driver that hangs or dies costs the case it was running, and is
//! restarted for the next one.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, bail};
use conformance::{Availability, CommandJob, CommandRun, Form, Job, Kind, Target};
use serde_json::{Value, json};

/// A runtime reached through a driver. `node.rs`, `wazero.rs`, ... each only say how to
/// start their driver and how to install what it needs.
pub(crate) struct External {
    id: &'static str,
    forms: &'static [Form],
    install: &'static str,
    driver: Driver,
    hello: OnceLock<Result<Value, String>>,
    /// For drivers that call components through per-service glue: where the glue lives
    /// (`<service>.mjs`); a service without glue is `unsupported`.
    component_glue: Option<std::path::PathBuf>,
    settings: &'static str,
}

impl External {
    pub(crate) fn new(
        id: &'static str,
        forms: &'static [Form],
        install: &'static str,
        command: impl Fn() -> Command + Send + Sync + 'static,
    ) -> External {
        External {
            id,
            forms,
            install,
            driver: Driver::new(id, command),
            hello: OnceLock::new(),
            component_glue: None,
            settings: "",
        }
    }

    /// How the driver configures its runtime, for the matrix's runtime table.
    pub(crate) fn with_settings(mut self, settings: &'static str) -> External {
        self.settings = settings;
        self
    }

    pub(crate) fn with_component_glue(mut self, dir: impl Into<std::path::PathBuf>) -> External {
        self.component_glue = Some(dir.into());
        self
    }

    /// The driver's own report of its runtime; asking also proves the driver starts.
    fn hello(&self) -> &Result<Value, String> {
        self.hello.get_or_init(|| {
            self.driver
                .request(&json!({"op": "hello"}), Duration::from_secs(20))
                .map_err(|e| format!("{e:#}"))
        })
    }
}

impl Target for External {
    fn id(&self) -> &'static str {
        self.id
    }

    fn kind(&self) -> Kind {
        Kind::External
    }

    fn version(&self) -> String {
        match self.hello() {
            Ok(hello) => hello["version"].as_str().unwrap_or("?").to_owned(),
            Err(_) => "-".to_owned(),
        }
    }

    fn settings(&self) -> String {
        self.settings.to_owned()
    }

    fn detect(&self) -> Availability {
        match self.hello() {
            Ok(_) => Availability::Available,
            Err(e) => Availability::Missing {
                reason: e.clone(),
                install: self.install.to_owned(),
            },
        }
    }

    fn forms(&self) -> &'static [Form] {
        self.forms
    }

    fn supports(&self, service: &str, form: Form) -> Result<(), String> {
        match (&self.component_glue, form) {
            (Some(dir), Form::Component) if !dir.join(format!("{service}.mjs")).exists() => Err(
                format!("no {} glue for the {service} component yet", self.id),
            ),
            _ => Ok(()),
        }
    }

    fn run(&self, job: &Job) -> anyhow::Result<Value> {
        let wasm = job.artifact.as_deref().context("no artifact to run")?;
        match job.form {
            Form::Component => {
                let request = json!({
                    "op": "component",
                    "wasm": wasm,
                    "service": job.service,
                    "request": crate::native::canonical_request(&job.service, &job.request)?,
                    "timeout_ms": job.timeout.as_millis() as u64,
                });
                self.driver.request(&request, job.timeout)
            }
            form => bail!("the {} driver does not run the {form} form", self.id),
        }
    }

    fn run_command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        let answer = self.driver.request(&command_request(job), job.timeout)?;
        Ok(from_driver(&answer))
    }
}

/// A driver process, started on first use and restarted after a failure.
pub(crate) struct Driver {
    name: &'static str,
    command: Box<dyn Fn() -> Command + Send + Sync>,
    process: Mutex<Option<Process>>,
    /// How long past a case's timeout the driver may take to answer.
    grace: Duration,
}

struct Process {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Time a driver gets to start, load a module and answer, on top of the case's timeout.
const GRACE: Duration = Duration::from_secs(10);

impl Driver {
    pub(crate) fn new(
        name: &'static str,
        command: impl Fn() -> Command + Send + Sync + 'static,
    ) -> Driver {
        Driver {
            name,
            command: Box::new(command),
            process: Mutex::new(None),
            grace: GRACE,
        }
    }

    fn start(&self) -> anyhow::Result<Process> {
        let mut command = (self.command)();
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .with_context(|| format!("starting the {} driver", self.name))?;
        let stdin = child.stdin.take().context("driver stdin")?;
        let stdout = child.stdout.take().context("driver stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("{}-driver", self.name))
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let stop = line.is_err();
                    if tx.send(line).is_err() || stop {
                        break;
                    }
                }
            })?;
        Ok(Process {
            child,
            stdin,
            lines,
        })
    }

    /// Sends one request and waits for its answer: `Ok` is the driver's `ok` value, `Err`
    /// its `err` message or a failure of the driver itself (then it is restarted).
    pub(crate) fn request(&self, request: &Value, timeout: Duration) -> anyhow::Result<Value> {
        let mut slot = self.process.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(self.start()?);
        }
        let process = slot.as_mut().expect("started above");
        let answer = exchange(process, request, timeout + self.grace);
        if answer.is_err() {
            // The driver is in an unknown state (hung, dead or out of step): replace it.
            *slot = None;
        }
        let answer = answer.with_context(|| format!("{} driver", self.name))?;
        match (answer.get("ok"), answer.get("err")) {
            (Some(ok), None) => Ok(ok.clone()),
            (None, Some(Value::String(err))) => bail!("{err}"),
            _ => bail!("{} driver answered out of protocol: {answer}", self.name),
        }
    }
}

fn exchange(process: &mut Process, request: &Value, wait: Duration) -> anyhow::Result<Value> {
    let mut line = serde_json::to_string(request)?;
    line.push('\n');
    process
        .stdin
        .write_all(line.as_bytes())
        .context("writing to the driver")?;
    process.stdin.flush()?;
    match process.lines.recv_timeout(wait) {
        Ok(Ok(line)) => {
            serde_json::from_str(&line).with_context(|| format!("driver said {line:?}"))
        }
        Ok(Err(e)) => bail!("reading from the driver: {e}"),
        Err(RecvTimeoutError::Timeout) => bail!(
            "timeout: no answer after {:.1} s; driver restarted",
            wait.as_secs_f64()
        ),
        Err(RecvTimeoutError::Disconnected) => {
            let status = process
                .child
                .wait()
                .map(|s| s.to_string())
                .unwrap_or_default();
            bail!("the driver exited ({status})")
        }
    }
}

/// The driver request that runs a command (PROTOCOL.md).
fn command_request(job: &CommandJob) -> Value {
    json!({
        "op": "command",
        "wasm": job.wasm,
        "args": job.args,
        "env": job.env,
        "stdin": job.stdin,
        "dirs": job.dirs.iter().map(|d| json!([d.host, d.guest])).collect::<Vec<_>>(),
        "timeout_ms": job.timeout.as_millis() as u64,
    })
}

/// A driver's answer to a `command` request (PROTOCOL.md).
fn from_driver(ok: &Value) -> CommandRun {
    let text = |name: &str| ok[name].as_str().unwrap_or_default().to_owned();
    CommandRun {
        exit: ok["exit"].as_i64().map(|c| c as i32),
        trap: ok["trap"].as_str().map(str::to_owned),
        stdout: text("stdout"),
        stderr: text("stderr"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(name: &'static str, script: &'static str) -> Driver {
        let mut driver = Driver::new(name, move || {
            let mut command = Command::new("sh");
            command.args(["-c", script]);
            command
        });
        driver.grace = Duration::from_millis(200);
        driver
    }

    #[test]
    fn answers_come_back_in_order() {
        let driver = shell(
            "echo",
            r#"n=0; while read l; do n=$((n+1)); echo "{\"ok\": $n}"; done"#,
        );
        for n in 1..=3 {
            assert_eq!(
                driver.request(&json!({"op": "x"}), Duration::ZERO).unwrap(),
                json!(n)
            );
        }
    }

    #[test]
    fn errors_are_reported_and_the_driver_keeps_serving() {
        let driver = shell(
            "err",
            r#"while read l; do echo '{"err": "cannot compile"}'; done"#,
        );
        for _ in 0..2 {
            let error = driver.request(&json!({}), Duration::ZERO).unwrap_err();
            assert_eq!(error.to_string(), "cannot compile");
        }
    }

    #[test]
    fn a_hanging_driver_costs_one_request_and_is_restarted() {
        // The first process hangs; every later one answers at once.
        let marker = std::env::temp_dir().join(format!("driver-hang-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let script = format!(
            r#"if [ -e {m} ]; then while read l; do echo '{{"ok": "fresh"}}'; done; else touch {m}; sleep 30; fi"#,
            m = marker.display()
        );
        let mut driver = Driver::new("hang", move || {
            let mut command = Command::new("sh");
            command.args(["-c", &script]);
            command
        });
        driver.grace = Duration::from_millis(300);
        let error = driver.request(&json!({}), Duration::ZERO).unwrap_err();
        assert!(format!("{error:#}").contains("timeout"), "{error:#}");
        assert_eq!(
            driver.request(&json!({}), Duration::ZERO).unwrap(),
            json!("fresh")
        );
        let _ = std::fs::remove_file(&marker);
    }

    #[test]
    fn a_dying_driver_is_an_error_not_a_hang() {
        let driver = shell("dies", "read l; exit 3");
        let error = driver
            .request(&json!({}), Duration::from_secs(5))
            .unwrap_err();
        assert!(format!("{error:#}").contains("exited"), "{error:#}");
    }
}
