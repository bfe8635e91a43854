//! Bring your own wasm: a user's WASI preview 1 command and its spec, in the de-facto WASI
//! test format (wasi-testsuite's `<name>.json` beside `<name>.wasm`):
//!
//! ```json
//! {"args": ["a"], "env": {"NAME": "value"}, "dirs": ["data"], "root": "tree",
//!  "stdin": "text", "exit_code": 0, "stdout": "exact\n", "stderr": ""}
//! ```
//!
//! `args` follow argv\[0\] (the module's file stem); `dirs` are directories relative to the
//! spec, each preopened under its name as written; `root` is a directory relative to the
//! spec preopened as `/`; `stdin` absent means no stdin. `exit_code`, `stdout` and `stderr`
//! are each compared only when present; a trap never matches a spec. Preopened directories are copied for every run, so
//! a module may change them without touching the originals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use serde::Deserialize;

use crate::command::CommandRun;
use crate::matrix::Status;
use crate::run::{CommandCase, DirGrant, Judged};

/// The `service` of bring-your-own cells.
pub const SERVICE: &str = "byo";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub dirs: Vec<String>,
    #[serde(default)]
    pub root: Option<String>,
    #[serde(default)]
    pub stdin: Option<String>,
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub stdout: Option<String>,
    #[serde(default)]
    pub stderr: Option<String>,
}

impl Spec {
    /// What differs between the run and the spec, one line each; empty when it matches.
    pub fn differences(&self, run: &CommandRun) -> Vec<String> {
        let mut out = Vec::new();
        match (self.exit_code, &run.trap) {
            (Some(code), _) if run.trap.is_some() || run.exit != Some(code) => {
                out.push(format!(
                    "exit code: expected {code}, observed {}",
                    run.ending()
                ));
            }
            // A trap is never what a spec asks for, even one that names no exit code.
            (None, Some(_)) => out.push(format!("expected an exit, observed {}", run.ending())),
            _ => {}
        }
        for (name, expected, observed) in [
            ("stdout", &self.stdout, &run.stdout),
            ("stderr", &self.stderr, &run.stderr),
        ] {
            if let Some(expected) = expected
                && expected != observed
            {
                out.push(format!(
                    "{name}: expected {expected:?}, observed {}",
                    shorten(observed)
                ));
            }
        }
        out
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 400;
    if text.len() <= MAX {
        return format!("{text:?}");
    }
    let cut = (0..=MAX)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("{:?}… ({} bytes)", &text[..cut], text.len())
}

/// The cases for `--wasm <wasm> [--spec <spec>]`: one module and its spec (default: the
/// `.json` beside it, or an empty spec when there is none), or, when `wasm` is a directory,
/// every `<name>.wasm` in it with `<name>.json` beside it.
pub fn cases(wasm: &Path, spec: Option<&Path>) -> anyhow::Result<Vec<CommandCase>> {
    if wasm.is_dir() {
        ensure!(
            spec.is_none(),
            "--spec goes with one .wasm file; a directory's specs are the .json files beside \
             each .wasm"
        );
        let mut modules: Vec<PathBuf> = std::fs::read_dir(wasm)
            .with_context(|| format!("reading {}", wasm.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        modules.retain(|p| p.extension().is_some_and(|e| e == "wasm") && p.is_file());
        modules.sort();
        ensure!(
            !modules.is_empty(),
            "{} holds no .wasm files (a directory of <name>.wasm + <name>.json pairs is \
             expected)",
            wasm.display()
        );
        let group = wasm
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return modules
            .iter()
            .map(|m| case(m, &m.with_extension("json"), &group))
            .collect();
    }
    ensure!(wasm.is_file(), "{} is not a file", wasm.display());
    let default = wasm.with_extension("json");
    let spec = spec.unwrap_or(&default);
    Ok(vec![case(wasm, spec, "module")?])
}

fn case(wasm: &Path, spec_path: &Path, group: &str) -> anyhow::Result<CommandCase> {
    let name = wasm
        .file_stem()
        .context("a module has a file name")?
        .to_string_lossy()
        .into_owned();
    let spec: Spec = if spec_path.exists() {
        let text = std::fs::read_to_string(spec_path)
            .with_context(|| format!("reading {}", spec_path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", spec_path.display()))?
    } else {
        Spec::default()
    };
    let base = spec_path.parent().unwrap_or(Path::new("."));
    let mut dirs = Vec::new();
    let grant = |dir: &str, guest: &str| -> anyhow::Result<DirGrant> {
        let host = base.join(dir);
        if !host.is_dir() {
            bail!(
                "{}: directory `{dir}` is not there ({})",
                spec_path.display(),
                host.display()
            );
        }
        Ok(DirGrant {
            copy_of: Some(host),
            guest: guest.to_owned(),
        })
    };
    for dir in &spec.dirs {
        dirs.push(grant(dir, dir)?);
    }
    if let Some(root) = &spec.root {
        dirs.push(grant(root, "/")?);
    }
    let mut args = vec![name.clone()];
    args.extend(spec.args.iter().cloned());
    Ok(CommandCase {
        service: SERVICE.to_owned(),
        group: group.to_owned(),
        case: name,
        wasm: wasm.to_owned(),
        args,
        env: spec.env.clone().into_iter().collect(),
        stdin: spec.stdin.clone(),
        dirs,
        judge: Box::new(move |run| judge(&spec, run)),
    })
}

fn judge(spec: &Spec, run: &CommandRun) -> Judged {
    let differences = spec.differences(run);
    Judged {
        status: if differences.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        detail: differences.join("\n"),
        observed: Some(run.ending_observed()),
        verdict: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(exit: Option<i32>, stdout: &str) -> CommandRun {
        CommandRun {
            exit,
            trap: None,
            stdout: stdout.into(),
            stderr: "warn\n".into(),
        }
    }

    #[test]
    fn only_what_the_spec_names_is_compared() {
        let spec: Spec = serde_json::from_str(r#"{"exit_code": 0, "stdout": "hi\n"}"#).unwrap();
        assert!(spec.differences(&run(Some(0), "hi\n")).is_empty());
        assert_eq!(
            spec.differences(&run(Some(1), "ho\n")),
            [
                "exit code: expected 0, observed exit 1",
                r#"stdout: expected "hi\n", observed "ho\n""#
            ]
        );
        assert!(Spec::default().differences(&run(Some(7), "x")).is_empty());
        let trapped = CommandRun {
            trap: Some("unreachable".into()),
            ..run(None, "x")
        };
        assert_eq!(
            Spec::default().differences(&trapped),
            ["expected an exit, observed trap: unreachable"]
        );
    }

    #[test]
    fn a_directory_pairs_modules_with_their_specs() {
        let dir = std::env::temp_dir().join(format!("byo-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("a.wasm"), b"").unwrap();
        std::fs::write(
            dir.join("a.json"),
            r#"{"args": ["x"], "env": {"K": "v"}, "dirs": ["data"], "stdin": "in"}"#,
        )
        .unwrap();
        std::fs::write(dir.join("b.wasm"), b"").unwrap();
        let found = cases(&dir, None).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].args, ["a", "x"]);
        assert_eq!(found[0].env, [("K".to_owned(), "v".to_owned())]);
        assert_eq!(found[0].dirs[0].guest, "data");
        assert_eq!(found[0].stdin.as_deref(), Some("in"));
        assert_eq!(found[1].case, "b");
        std::fs::write(dir.join("b.json"), r#"{"dirs": ["nope"]}"#).unwrap();
        assert!(cases(&dir, None).is_err());
        std::fs::write(dir.join("b.json"), r#"{"unknown": 1}"#).unwrap();
        assert!(cases(&dir, None).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
