//! WasmEdge, through `harness-wasmedge` (the `wasm-child` crate's binary, built with its
//! `wasmedge` feature by `cargo xtask test-all-runtimes --features wasmedge`), which links
//! libwasmedge and runs each WASI preview 1 command in a child process (see that binary for
//! what the child sets up: WasmEdge's interpreter and C++ WASI, the memory and
//! address-space caps, logging off, the preopens).
//!
//! The harness itself never links libwasmedge: before the first case it asks the child
//! (`harness-wasmedge --version`). A child that was not built, whose library the dynamic
//! loader cannot find, or that speaks another protocol makes the column `missing` with the
//! reason and how to fix it; every other column runs as usual.
//!
//! Components are `unsupported`: WasmEdge's component-model support is a preview switch,
//! and the SDK has no typed API to call a component's exports.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use conformance::{Availability, CommandJob, CommandRun, Form, Kind, Target};
use wasm_child::Program;

/// The `wasmedge-sdk` the child builds with; it needs the WasmEdge library of the same
/// version.
const SDK_VERSION: &str = "0.17.1";

pub struct WasmEdge {
    /// The child program, when the run was built with it.
    child: Option<PathBuf>,
    /// What the child said of itself, asked once.
    handshake: OnceLock<Result<Handshake, Missing>>,
}

/// What `harness-wasmedge --version` reports.
#[derive(Clone, Debug)]
struct Handshake {
    version: String,
    memory_limit: u64,
    address_space_extra: u64,
}

/// Why the column cannot run, and how to make it.
#[derive(Clone, Debug)]
struct Missing {
    reason: String,
    install: String,
}

/// How to get the column: the library of the SDK's version, then a build with the feature.
fn install() -> String {
    format!(
        "install WasmEdge {SDK_VERSION} with its library (`curl -sSf \
         https://raw.githubusercontent.com/WasmEdge/WasmEdge/master/utils/install.sh | bash -s \
         -- -v {SDK_VERSION}`, see https://wasmedge.org/docs/start/install), make libwasmedge \
         findable at build and run time (`source $HOME/.wasmedge/env`, or `export \
         WASMEDGE_DIR=<prefix> LD_LIBRARY_PATH=<prefix>/lib`), then run `cargo xtask \
         test-all-runtimes --features wasmedge`, which builds the WasmEdge child \
         (`harness-wasmedge`)"
    )
}

impl WasmEdge {
    pub fn new(child: Option<PathBuf>) -> WasmEdge {
        WasmEdge {
            child,
            handshake: OnceLock::new(),
        }
    }

    fn handshake(&self) -> &Result<Handshake, Missing> {
        self.handshake.get_or_init(|| match &self.child {
            None => Err(Missing {
                reason: "the harness was built without the `wasmedge` feature, so there is no \
                         WasmEdge child (`harness-wasmedge`)"
                    .into(),
                install: install(),
            }),
            Some(child) => ask(child),
        })
    }
}

/// Starts the child with `--version` and reads what it says, or why it did not start.
fn ask(child: &Path) -> Result<Handshake, Missing> {
    let missing = |reason: String| Missing {
        reason,
        install: install(),
    };
    let output = Command::new(child)
        .arg("--version")
        .output()
        .map_err(|e| missing(format!("starting {}: {e}", child.display())))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let line = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(if line.contains("cannot open shared object file") {
            missing(format!(
                "the dynamic loader cannot find libwasmedge for {} ({line}): set \
                 LD_LIBRARY_PATH to the directory holding libwasmedge.so.0 (e.g. \
                 $HOME/.wasmedge/lib, or `source $HOME/.wasmedge/env`)",
                child.display()
            ))
        } else {
            missing(format!(
                "{} --version failed ({}): {line}",
                child.display(),
                output.status
            ))
        });
    }
    let said: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        missing(format!(
            "{} --version printed no JSON ({e}); rebuild it",
            child.display()
        ))
    })?;
    if said["protocol"] != wasm_child::PROTOCOL {
        return Err(missing(format!(
            "{} speaks protocol {} where this harness speaks {}: rebuild it from these \
             sources (`cargo xtask test-all-runtimes --features wasmedge`)",
            child.display(),
            said["protocol"],
            wasm_child::PROTOCOL
        )));
    }
    Ok(Handshake {
        version: said["wasmedge"].as_str().unwrap_or("?").to_owned(),
        memory_limit: said["memory_limit"].as_u64().unwrap_or(0),
        address_space_extra: said["address_space_extra"].as_u64().unwrap_or(0),
    })
}

impl Target for WasmEdge {
    fn id(&self) -> &'static str {
        "wasmedge"
    }

    fn kind(&self) -> Kind {
        Kind::Embedded
    }

    fn version(&self) -> String {
        match self.handshake() {
            Ok(said) => format!("{} (sdk {SDK_VERSION})", said.version),
            Err(_) => "-".to_owned(),
        }
    }

    fn settings(&self) -> String {
        match self.handshake() {
            Ok(said) => format!(
                "interpreter in a child process per case (harness-wasmedge), {} MiB memory \
                 cap (max_memory_pages), address space capped at its start-up size + {} MiB \
                 (RLIMIT_AS: one linear memory's 12 GiB reservation, plus the interpreter's \
                 stacks, which have no depth limit of their own), WASI with the job's \
                 environment and preopens, library logging off, killed at the deadline",
                said.memory_limit >> 20,
                said.address_space_extra >> 20
            ),
            Err(_) => String::new(),
        }
    }

    fn detect(&self) -> Availability {
        match self.handshake() {
            Ok(_) => Availability::Available,
            Err(missing) => Availability::Missing {
                reason: missing.reason.clone(),
                install: missing.install.clone(),
            },
        }
    }

    fn forms(&self) -> &'static [Form] {
        &[Form::Component, Form::Command]
    }

    fn supports(&self, _: &str, form: Form) -> Result<(), String> {
        match form {
            Form::Command => Ok(()),
            _ => Err(
                "WasmEdge's component model is a preview with no typed call API in \
                      wasmedge-sdk: the harness runs core modules only"
                    .into(),
            ),
        }
    }

    fn run_command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        let (Some(child), Ok(_)) = (&self.child, self.handshake()) else {
            anyhow::bail!("the WasmEdge child is not available (see the column's reason)")
        };
        let program = Program {
            exe: child.clone(),
            leading: Vec::new(),
        };
        wasm_child::run(&program, job)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn without_the_child_the_column_says_how_to_get_it() {
        let target = WasmEdge::new(None);
        assert_eq!(target.forms(), &[Form::Component, Form::Command]);
        assert!(target.supports("token", Form::Component).is_err());
        match target.detect() {
            Availability::Missing { reason, install } => {
                assert!(reason.contains("`wasmedge` feature"), "{reason}");
                assert!(install.contains("--features wasmedge"), "{install}");
            }
            Availability::Available => panic!("available without the child"),
        }
        assert!(target.run_command(&CommandJob::default()).is_err());
    }

    /// A stand-in for `harness-wasmedge`: a script printing what the real one would.
    fn fake_child(name: &str, script: &str) -> PathBuf {
        let path = crate::testing::scratch(name).join("harness-wasmedge");
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_child_whose_library_is_missing_costs_the_column_only() {
        // What the dynamic loader prints when libwasmedge is not on its path.
        let child = fake_child(
            "no-lib",
            "echo 'harness-wasmedge: error while loading shared libraries: libwasmedge.so.0: \
             cannot open shared object file: No such file or directory' >&2; exit 127",
        );
        let target = WasmEdge::new(Some(child));
        match target.detect() {
            Availability::Missing { reason, install } => {
                assert!(reason.contains("libwasmedge"), "{reason}");
                assert!(reason.contains("LD_LIBRARY_PATH"), "{reason}");
                assert!(install.contains("--features wasmedge"), "{install}");
            }
            Availability::Available => panic!("available without the library"),
        }
        assert_eq!(target.version(), "-");
    }

    #[test]
    fn a_child_of_another_protocol_is_not_used() {
        let child = fake_child("old", r#"echo '{"protocol": 1, "wasmedge": "0.17.1"}'"#);
        match WasmEdge::new(Some(child)).detect() {
            Availability::Missing { reason, .. } => {
                assert!(reason.contains("protocol"), "{reason}")
            }
            Availability::Available => panic!("an old child was accepted"),
        }
    }

    #[test]
    fn a_child_that_answers_makes_the_column() {
        let child = fake_child(
            "ok",
            &format!(
                r#"echo '{{"protocol": {}, "wasmedge": "0.17.1", "memory_limit": 536870912, "address_space_extra": 13690208256}}'"#,
                wasm_child::PROTOCOL
            ),
        );
        let target = WasmEdge::new(Some(child));
        assert!(matches!(target.detect(), Availability::Available));
        assert_eq!(target.version(), "0.17.1 (sdk 0.17.1)");
        assert!(
            target.settings().contains("512 MiB memory cap"),
            "{}",
            target.settings()
        );
    }

    #[test]
    fn the_sdk_version_matches_the_lock_file() {
        crate::testing::assert_locked("wasmedge-sdk", SDK_VERSION);
    }
}
