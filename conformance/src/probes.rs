//! The WASI probes (`conformance/probes/`): their manifest, `probes.json`, and how a probe's
//! run on a runtime becomes a cell — the probe's printed observation and verdict, or the
//! exit code or trap the host reported when that is what the probe tests.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use serde::Deserialize;
use serde_json::Value;

use crate::command::CommandRun;
use crate::matrix::{ProbeInfo, Status};
use crate::run::{CommandCase, DirGrant, Judged};

/// The guest path of a probe's scratch directory, given to it in `PROBE_DIR`.
pub const GUEST_DIR: &str = "/sandbox";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub probes: Vec<Probe>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub id: String,
    pub group: String,
    pub description: String,
    pub host: Host,
    #[serde(default)]
    pub expect: Expect,
}

/// What the host grants the probe.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// argv after argv[0] (which is the probe's id).
    #[serde(default)]
    pub args: Args,
    #[serde(default)]
    pub env: Env,
    /// The text on stdin, or `null` for no stdin.
    #[serde(default)]
    pub stdin: Option<String>,
    /// A fresh empty scratch directory, preopened at [`GUEST_DIR`].
    #[serde(default)]
    pub dir: bool,
}

/// Arguments, listed or generated (`{"count": 1000, "value": "a{i}"}`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Args {
    Listed(Vec<String>),
    Generated { count: usize, value: Text },
}

impl Default for Args {
    fn default() -> Args {
        Args::Listed(Vec::new())
    }
}

/// Environment variables, listed as `[name, value]` pairs or generated
/// (`{"count": 1000, "name": "K{i}", "value": "v{i}"}`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Env {
    Listed(Vec<(String, String)>),
    Generated {
        count: usize,
        name: Text,
        value: Text,
    },
}

impl Default for Env {
    fn default() -> Env {
        Env::Listed(Vec::new())
    }
}

/// A generated text: a pattern where `{i}` is the index, or `{"repeat": "0123", "len": n}`,
/// the first `n` bytes of the ASCII text repeated.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Pattern(String),
    Repeat { repeat: String, len: usize },
}

impl Text {
    fn make(&self, i: usize) -> anyhow::Result<String> {
        match self {
            Text::Pattern(pattern) => Ok(pattern.replace("{i}", &i.to_string())),
            Text::Repeat { repeat, len } => {
                ensure!(
                    repeat.is_ascii() && !repeat.is_empty(),
                    "`repeat` must be non-empty ASCII"
                );
                Ok(repeat.chars().cycle().take(*len).collect())
            }
        }
    }
}

impl Args {
    fn make(&self) -> anyhow::Result<Vec<String>> {
        match self {
            Args::Listed(args) => Ok(args.clone()),
            Args::Generated { count, value } => (0..*count).map(|i| value.make(i)).collect(),
        }
    }
}

impl Env {
    fn make(&self) -> anyhow::Result<Vec<(String, String)>> {
        match self {
            Env::Listed(env) => Ok(env.clone()),
            Env::Generated { count, name, value } => (0..*count)
                .map(|i| Ok((name.make(i)?, value.make(i)?)))
                .collect(),
        }
    }
}

/// How the host judges a probe that is not judged by its own printed verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The exit code the host must report.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// The run must trap.
    #[serde(default)]
    pub trap: bool,
    /// A trap without a line is an observation (the runtime's limit), not an error.
    #[serde(default)]
    pub may_trap: bool,
}

impl Manifest {
    pub fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let manifest: Manifest =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let mut ids = std::collections::BTreeSet::new();
        for probe in &manifest.probes {
            ensure!(
                ids.insert(&probe.id),
                "probe `{}` is listed twice",
                probe.id
            );
            probe
                .host
                .args
                .make()
                .and(probe.host.env.make())
                .with_context(|| format!("probe `{}`", probe.id))?;
        }
        Ok(manifest)
    }

    pub fn infos(&self) -> Vec<ProbeInfo> {
        self.probes
            .iter()
            .map(|p| ProbeInfo {
                id: p.id.clone(),
                group: p.group.clone(),
                description: p.description.clone(),
            })
            .collect()
    }

    /// One command case per probe, running `<wasm_dir>/<id>.wasm`.
    pub fn cases(&self, wasm_dir: &Path) -> anyhow::Result<Vec<CommandCase>> {
        self.probes.iter().map(|p| p.case(wasm_dir)).collect()
    }
}

impl Probe {
    fn case(&self, wasm_dir: &Path) -> anyhow::Result<CommandCase> {
        let mut args = vec![self.id.clone()];
        args.extend(self.host.args.make()?);
        let mut env = self.host.env.make()?;
        let mut dirs = Vec::new();
        if self.host.dir {
            env.push(("PROBE_DIR".to_owned(), GUEST_DIR.to_owned()));
            dirs.push(DirGrant {
                copy_of: None,
                guest: GUEST_DIR.to_owned(),
            });
        }
        let probe = self.clone();
        Ok(CommandCase {
            service: "probe".to_owned(),
            group: self.group.clone(),
            case: self.id.clone(),
            wasm: wasm_dir.join(format!("{}.wasm", self.id)),
            args,
            env,
            stdin: self.host.stdin.clone(),
            dirs,
            judge: Box::new(move |run| probe.judge(run)),
        })
    }

    /// The cell for one run of this probe.
    pub fn judge(&self, run: &CommandRun) -> Judged {
        let line = self.line(&run.stdout);
        let ending = run.ending_observed();
        let stderr = run.stderr.trim();
        if let Some(code) = self.expect.exit_code {
            let ok = run.trap.is_none() && run.exit == Some(code);
            return spec_judged(
                ok,
                ending,
                format!(
                    "the host must report exit code {code}; it reported {}",
                    run.ending()
                ),
            );
        }
        if self.expect.trap {
            return spec_judged(
                run.trap.is_some(),
                ending,
                format!("the host must report a trap; it reported {}", run.ending()),
            );
        }
        let line = match line {
            Ok(line) => line,
            Err(_) if run.trap.is_some() && self.expect.may_trap => {
                return Judged {
                    status: Status::Pass,
                    detail: String::new(),
                    observed: Some(ending),
                    verdict: Some("info".to_owned()),
                };
            }
            Err(why) => {
                return Judged {
                    status: Status::Error,
                    detail: format!("no observation: {why}; {}; stderr: {stderr}", run.ending()),
                    observed: Some(ending),
                    verdict: None,
                };
            }
        };
        if let Some(missing) = line.setup_failure() {
            // Nothing was tested: whatever else the line says, this is not a pass.
            return Judged {
                status: Status::Error,
                detail: format!(
                    "setup failed, nothing was tested: {missing} ({}); observed {}",
                    line.note, line.observed
                ),
                observed: Some(line.observed),
                verdict: None,
            };
        }
        let verdict = line.verdict.as_str();
        let mut judged = Judged {
            status: Status::Pass,
            detail: String::new(),
            observed: Some(line.observed.clone()),
            verdict: Some(verdict.to_owned()),
        };
        match verdict {
            "conforms" | "info" => {}
            "violates" => {
                judged.status = Status::Fail;
                judged.detail = format!("violates the spec: {}", line.note);
            }
            "finding" => {
                judged.status = Status::Fail;
                judged.detail = format!(
                    "SECURITY FINDING (deny by default failed): {}; observed {}",
                    line.note, line.observed
                );
            }
            other => {
                judged.status = Status::Error;
                judged.detail = format!("the probe printed an unknown verdict `{other}`");
            }
        }
        if run.exit != Some(0) && judged.status != Status::Error {
            judged.status = Status::Error;
            judged.detail = format!(
                "the probe printed its line but then did not exit 0 ({}); stderr: {stderr}",
                run.ending()
            );
        }
        judged
    }

    /// The probe's one line on stdout, parsed.
    fn line(&self, stdout: &str) -> Result<Line, String> {
        let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
        let [line] = lines[..] else {
            return Err(match lines.len() {
                0 => "it printed nothing".to_owned(),
                n => format!("it printed {n} lines, not one"),
            });
        };
        let line: Line = serde_json::from_str(line)
            .map_err(|e| format!("its line is not the probe contract ({e}): {line:?}"))?;
        if line.probe != self.id {
            return Err(format!(
                "its line names probe `{}`, not `{}`",
                line.probe, self.id
            ));
        }
        Ok(line)
    }
}

/// A probe's printed line (conformance/probes/README.md).
#[derive(Debug, Deserialize)]
struct Line {
    probe: String,
    observed: Value,
    verdict: String,
    note: String,
}

impl Line {
    /// What the probe could not set up (a grant the host did not give), when it says so:
    /// the `setup` verdict, or a `setup` member in its observation under any verdict.
    fn setup_failure(&self) -> Option<String> {
        let named = self.observed.get("setup").map(|what| match what.as_str() {
            Some(text) => text.to_owned(),
            None => what.to_string(),
        });
        match (named, self.verdict.as_str()) {
            (Some(what), _) => Some(what),
            (None, "setup") => Some("the probe reports a setup failure".to_owned()),
            (None, _) => None,
        }
    }
}

/// A check the WASI spec decides: conforms (pass) or violates (fail).
fn spec_judged(ok: bool, observed: Value, what: String) -> Judged {
    Judged {
        status: if ok { Status::Pass } else { Status::Fail },
        detail: if ok { String::new() } else { what },
        observed: Some(observed),
        verdict: Some(if ok { "conforms" } else { "violates" }.to_owned()),
    }
}

/// Where the probes' manifest lives, relative to the workspace root.
pub const MANIFEST: &str = "conformance/probes/probes.json";

/// Checks that every probe in the manifest has its built `.wasm` in `dir`.
pub fn check_built(manifest: &Manifest, dir: &Path) -> anyhow::Result<()> {
    let missing: Vec<PathBuf> = manifest
        .probes
        .iter()
        .map(|p| dir.join(format!("{}.wasm", p.id)))
        .filter(|p| !p.exists())
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} probes are not built, e.g. {} (build them with `cargo build -p wasi-probes \
             --target wasm32-wasip1 --profile wasm`, or run through `cargo xtask \
             test-all-runtimes`)",
            missing.len(),
            missing[0].display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn probe(expect: Value) -> Probe {
        serde_json::from_value(json!({
            "id": "p", "group": "g", "description": "d",
            "host": {"args": {"count": 3, "value": "a{i}"},
                     "env": {"count": 1, "name": "BIG", "value": {"repeat": "0123", "len": 6}},
                     "dir": true},
            "expect": expect,
        }))
        .unwrap()
    }

    fn run(exit: Option<i32>, trap: Option<&str>, stdout: &str) -> CommandRun {
        CommandRun {
            exit,
            trap: trap.map(str::to_owned),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    fn line(verdict: &str) -> String {
        format!(r#"{{"probe":"p","observed":{{"n":1}},"verdict":"{verdict}","note":"why"}}"#)
    }

    #[test]
    fn generated_values_and_the_scratch_directory() {
        let case = probe(json!({})).case(Path::new("/w")).unwrap();
        assert_eq!(case.args, ["p", "a0", "a1", "a2"]);
        assert_eq!(
            case.env,
            [
                ("BIG".to_owned(), "012301".to_owned()),
                ("PROBE_DIR".to_owned(), GUEST_DIR.to_owned())
            ]
        );
        assert_eq!(case.wasm, Path::new("/w/p.wasm"));
        assert_eq!(case.dirs.len(), 1);
    }

    #[test]
    fn the_printed_verdict_decides_unless_the_manifest_expects_an_ending() {
        let p = probe(json!({}));
        let judged = |verdict: &str| p.judge(&run(Some(0), None, &line(verdict)));
        assert_eq!(judged("conforms").status, Status::Pass);
        assert_eq!(judged("info").status, Status::Pass);
        assert_eq!(judged("violates").status, Status::Fail);
        let finding = judged("finding");
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.detail.starts_with("SECURITY FINDING"));
        assert_eq!(finding.observed, Some(json!({"n": 1})));
        assert_eq!(finding.verdict.as_deref(), Some("finding"));
        assert_eq!(
            p.judge(&run(None, Some("unreachable"), "")).status,
            Status::Error
        );
        assert_eq!(p.judge(&run(Some(0), None, "junk")).status, Status::Error);

        let exit = probe(json!({"exit_code": 42}));
        let judged = exit.judge(&run(Some(42), None, &line("info")));
        assert_eq!(judged.status, Status::Pass);
        assert_eq!(judged.observed, Some(json!({"exit": 42})));
        assert_eq!(
            exit.judge(&run(Some(1), None, "")).verdict.as_deref(),
            Some("violates")
        );

        let trap = probe(json!({"trap": true}));
        assert_eq!(trap.judge(&run(None, Some("oob"), "")).status, Status::Pass);
        assert_eq!(trap.judge(&run(Some(0), None, "")).status, Status::Fail);

        let deep = probe(json!({"may_trap": true}));
        let judged = deep.judge(&run(None, Some("stack overflow\nmore"), ""));
        assert_eq!(judged.status, Status::Pass);
        assert_eq!(judged.observed, Some(json!({"trap": "stack overflow"})));
    }

    #[test]
    fn a_probe_whose_setup_failed_is_never_a_pass() {
        let p = probe(json!({}));
        let setup = r#"{"probe":"p","observed":{"preopens":["sandbox"],"setup":"no preopen named /sandbox (PROBE_DIR)"},"verdict":"setup","note":"the host must preopen"}"#;
        let judged = p.judge(&run(Some(0), None, setup));
        assert_eq!(judged.status, Status::Error);
        assert!(
            judged.detail.contains("no preopen named /sandbox"),
            "{}",
            judged.detail
        );
        assert_eq!(judged.verdict, None);
        assert_eq!(
            judged.observed.as_ref().unwrap()["preopens"],
            json!(["sandbox"])
        );
        // A `setup` member refuses the pass under any printed verdict, as older probes
        // printed it under `info`.
        for verdict in ["info", "conforms", "violates"] {
            let line = format!(
                r#"{{"probe":"p","observed":{{"setup":"PROBE_DIR is not set"}},"verdict":"{verdict}","note":"n"}}"#
            );
            let judged = p.judge(&run(Some(0), None, &line));
            assert_eq!(judged.status, Status::Error, "{verdict}");
            assert!(judged.detail.contains("PROBE_DIR is not set"), "{verdict}");
        }
        // The verdict alone is enough.
        let bare = r#"{"probe":"p","observed":null,"verdict":"setup","note":"n"}"#;
        assert_eq!(p.judge(&run(Some(0), None, bare)).status, Status::Error);
    }

    #[test]
    fn the_manifest_loads_and_every_probe_has_a_source() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = Manifest::load(&root.join("probes/probes.json")).unwrap();
        assert!(manifest.probes.len() >= 40);
        for probe in &manifest.probes {
            let source = root.join(format!("probes/src/bin/{}.rs", probe.id));
            assert!(source.exists(), "{} has no {}", probe.id, source.display());
        }
    }
}
