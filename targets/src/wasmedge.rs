//! WasmEdge, embedded through `wasmedge-sdk` — only when the harness is built with the
//! `wasmedge` feature, which needs libwasmedge installed. Without it the column is still
//! there, saying so and how to get it.
//!
//! WASI preview 1 commands run in a child process (`child.rs`), as wasm3's do: the SDK's
//! synchronous WASI is WasmEdge's C++ WASI module, which uses the process's real stdio and
//! has no way to hand it a request in memory. (The SDK's `async` feature has a Rust WASI
//! with virtual stdio, but it needs an async executor and a fiber stack per call; a child
//! also keeps a crash of the C++ library to one cell.) In the child ([`run_here`]):
//! - linear memory is capped at [`MEMORY_LIMIT`] by the runtime configuration
//!   (`max_memory_pages`), so `memory.grow` beyond it returns -1, as on the other targets;
//! - the WASI module gets the job's arguments and environment (the child's environment is
//!   the job's, see `child.rs`) and no preopened directories;
//! - the interpreter runs (the SDK's default `RunMode::Interpreter`; no AOT compiler is
//!   linked without the SDK's `aot` feature);
//! - the deadline is the parent's, which kills the child. (The SDK's `run_func_with_timeout`
//!   interrupts with a timer signal and `siglongjmp` out of the C++ frames; killing the
//!   child is cleaner and is what every case gets anyway.)
//!
//! The feature-on half of this file is built only where libwasmedge is installed. It was
//! written against wasmedge-sdk 0.17.1's source and docs and type-checks without the library
//! (`DOCS_RS=1 cargo clippy -p targets --features wasmedge`: wasmedge-sys then uses its
//! pregenerated bindings and links nothing), but it has not been run: the machines this
//! project is developed and tested on have no libwasmedge.
//!
//! Components are `unsupported`: WasmEdge's component-model support is a preview switch,
//! and the SDK has no typed API to call a component's exports.

use conformance::{Availability, CommandJob, CommandRun, Form, Kind, Target};

/// The `wasmedge-sdk` the feature builds with; it needs the WasmEdge library of the same
/// version.
const SDK_VERSION: &str = "0.17.1";
/// Linear memory a guest may use.
#[cfg(feature = "wasmedge")]
const MEMORY_LIMIT: usize = 512 << 20;

pub struct WasmEdge;

/// How to get the column: the library of the SDK's version, then a build with the feature.
fn install() -> String {
    format!(
        "install WasmEdge {SDK_VERSION} with its library (`curl -sSf \
         https://raw.githubusercontent.com/WasmEdge/WasmEdge/master/utils/install.sh | bash -s \
         -- -v {SDK_VERSION}`, see https://wasmedge.org/docs/start/install), `source \
         $HOME/.wasmedge/env` so libwasmedge is found at run time, and rebuild the harness \
         with the `wasmedge` feature: `cargo xtask test-all-runtimes --features wasmedge`, or \
         `cargo build -p targets --features wasmedge`"
    )
}

impl Target for WasmEdge {
    fn id(&self) -> &'static str {
        "wasmedge"
    }

    fn kind(&self) -> Kind {
        Kind::Embedded
    }

    fn version(&self) -> String {
        #[cfg(feature = "wasmedge")]
        return format!(
            "{} (sdk {SDK_VERSION})",
            wasmedge_sdk::utils::CoreVersion::version_string()
        );
        #[cfg(not(feature = "wasmedge"))]
        "-".to_owned()
    }

    fn settings(&self) -> String {
        #[cfg(feature = "wasmedge")]
        return format!(
            "interpreter in a child process per case, {} MiB memory cap (max_memory_pages), \
             WASI with the job's environment and no preopens, killed at the deadline",
            MEMORY_LIMIT >> 20
        );
        #[cfg(not(feature = "wasmedge"))]
        String::new()
    }

    fn detect(&self) -> Availability {
        if cfg!(feature = "wasmedge") {
            Availability::Available
        } else {
            Availability::Missing {
                reason: "the harness was built without the `wasmedge` feature".into(),
                install: install(),
            }
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
        #[cfg(feature = "wasmedge")]
        {
            crate::child::run("wasmedge", job)
        }
        #[cfg(not(feature = "wasmedge"))]
        {
            let _ = job;
            anyhow::bail!("the harness was built without the `wasmedge` feature")
        }
    }
}

/// Runs a command module in this process: the child's side (see `child.rs`).
#[cfg(feature = "wasmedge")]
pub(crate) fn run_here(wasm: &[u8], args: &[String]) -> crate::child::Outcome {
    use crate::child::Outcome;
    use std::collections::HashMap;
    use wasmedge_sdk::config::{CommonConfigOptions, ConfigBuilder, RuntimeConfigOptions};
    use wasmedge_sdk::error::{CoreCommonError, CoreError, WasmEdgeError};
    use wasmedge_sdk::vm::SyncInst;
    use wasmedge_sdk::wasi::WasiModule;
    use wasmedge_sdk::{Module, Store, Vm, WasmValue};

    let failed = |what: &str, e: Box<WasmEdgeError>| Outcome::Unrunnable(format!("{what}: {e}"));
    let config = match ConfigBuilder::new(CommonConfigOptions::default())
        .with_runtime_config(
            RuntimeConfigOptions::default().max_memory_pages((MEMORY_LIMIT >> 16) as u32),
        )
        .build()
    {
        Ok(config) => config,
        Err(e) => return failed("configuring", e),
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env: Vec<String> = std::env::vars()
        .filter(|(name, _)| name != "LD_LIBRARY_PATH")
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let env: Vec<&str> = env.iter().map(String::as_str).collect();
    let mut wasi = match WasiModule::create(Some(args), Some(env), None) {
        Ok(wasi) => wasi,
        Err(e) => return failed("creating the WASI module", e),
    };
    let result = {
        let mut instances: HashMap<String, &mut dyn SyncInst> = HashMap::new();
        instances.insert(wasi.name().to_owned(), wasi.as_mut());
        let store = match Store::new(Some(&config), instances) {
            Ok(store) => store,
            Err(e) => return failed("creating the store", e),
        };
        let mut vm = Vm::new(store);
        let module = match Module::from_bytes(Some(&config), wasm) {
            Ok(module) => module,
            Err(e) => return failed("loading", e),
        };
        if let Err(e) = vm.register_module(None, module) {
            return failed("instantiating", e);
        }
        vm.run_func(None, "_start", Vec::<WasmValue>::new())
    };
    match result {
        Ok(_) => Outcome::Exit(0),
        // proc_exit ends the run as `Terminated`, with its code in the WASI module.
        Err(e)
            if matches!(
                *e,
                WasmEdgeError::Core(CoreError::Common(CoreCommonError::Terminated))
            ) =>
        {
            Outcome::Exit(wasi.exit_code() as i32)
        }
        Err(e) => Outcome::Trap(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_says_how_to_get_it() {
        let target = WasmEdge;
        assert_eq!(target.forms(), &[Form::Component, Form::Command]);
        assert!(target.supports("token", Form::Component).is_err());
        #[cfg(not(feature = "wasmedge"))]
        match target.detect() {
            Availability::Missing { reason, install } => {
                assert!(reason.contains("`wasmedge` feature"), "{reason}");
                assert!(install.contains("--features wasmedge"), "{install}");
            }
            Availability::Available => panic!("available without the feature"),
        }
    }

    #[test]
    fn the_sdk_version_matches_the_lock_file() {
        crate::testing::assert_locked("wasmedge-sdk", SDK_VERSION);
    }
}
