//! AWS Lambda: the adapter's `bootstrap` (a custom runtime running the components on
//! wasmtime, `adapters/lambda`) behind the harness's Runtime-API emulator ([`emulator`]),
//! which a function-URL-like listener feeds. The Runtime API is emulated, not AWS's (no
//! cargo-lambda here): the column's name says so.

mod emulator;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use conformance::Availability;

use crate::Settings;
use crate::platform::{Launched, Platform};

/// lambda_http's version in Cargo.lock (the adapter pins it).
const LAMBDA_HTTP: &str = "1.3.2";
/// The function's timeout in the emulator.
const TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Lambda {
    /// `bootstrap` and the precompiled components, as `cargo xtask test-all-runtimes` packs them.
    package: PathBuf,
}

impl Lambda {
    pub(crate) fn new(settings: &Settings) -> Lambda {
        Lambda {
            package: settings
                .platforms_dir
                .join("lambda-emulator")
                .join("package"),
        }
    }
}

impl Platform for Lambda {
    fn id(&self) -> &'static str {
        "lambda-emulator"
    }

    fn version(&self) -> String {
        format!(
            "lambda_http {LAMBDA_HTTP}, wasmtime {}",
            crate::wasmtime::VERSION
        )
    }

    fn settings(&self) -> String {
        format!(
            "custom runtime (provided.al2023 bootstrap), components precompiled; Runtime API \
             emulated by the harness, function-URL events (payload 2.0), {} s timeout",
            TIMEOUT.as_secs()
        )
    }

    fn detect(&self) -> Availability {
        let bootstrap = self.package.join("bootstrap");
        if bootstrap.is_file() {
            Availability::Available
        } else {
            Availability::Missing {
                reason: format!("{} is not built", bootstrap.display()),
                install:
                    "cargo xtask test-all-runtimes (builds adapters/lambda, precompiles the components)"
                        .into(),
            }
        }
    }

    fn launch(&self, deployment: &str, port: u16, _dir: &Path) -> anyhow::Result<Launched> {
        let emulator = emulator::start(port, TIMEOUT)?;
        let mut bootstrap = Command::new(self.package.join("bootstrap"));
        // What Lambda sets for a custom runtime, and nothing of the harness's environment.
        bootstrap
            .current_dir(&self.package)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", &emulator.api)
            .env("LAMBDA_TASK_ROOT", &self.package)
            .env("_HANDLER", "bootstrap")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_LAMBDA_FUNCTION_NAME", "portable")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("DEPLOYMENT", deployment);
        Ok(Launched {
            process: Some(bootstrap),
            keep: Some(Box::new(emulator)),
        })
    }
}
