//! Cloudflare Workers: the adapter (`adapters/cloudflare`, workers-rs on
//! `wasm32-unknown-unknown`, built by worker-build) on workerd, Cloudflare's own runtime,
//! from npm. The harness writes a workerd config serving the built worker on one socket,
//! with the deployment as the text binding `deployment` (what a Worker variable is).

use std::path::{Path, PathBuf};
use std::process::Command;

use conformance::Availability;

use crate::Settings;
use crate::platform::{Launched, Platform};

/// The newest date this workerd accepts (`workerd --version` prints it).
const COMPATIBILITY_DATE: &str = "2026-11-17";

pub(crate) struct Cloudflare {
    workerd: PathBuf,
    /// worker-build's output: `index.js` (the module) and `index_bg.wasm`.
    build: PathBuf,
}

impl Cloudflare {
    pub(crate) fn new(settings: &Settings) -> Cloudflare {
        Cloudflare {
            workerd: settings
                .tools_dir
                .join("cloudflare/node_modules/@cloudflare/workerd-linux-64/bin/workerd"),
            build: settings.platforms_dir.join("cloudflare").join("build"),
        }
    }
}

const MODULES: [&str; 2] = ["index.js", "index_bg.wasm"];

impl Platform for Cloudflare {
    fn id(&self) -> &'static str {
        "cloudflare"
    }

    fn version(&self) -> String {
        crate::platform::tool_version(&self.workerd)
    }

    fn settings(&self) -> String {
        format!(
            "workerd serve, compatibility date {COMPATIBILITY_DATE}; worker-build (wasm-opt \
             off); deployment as the text binding `deployment`"
        )
    }

    fn detect(&self) -> Availability {
        if !self.workerd.is_file() {
            return Availability::Missing {
                reason: format!("workerd is not installed at {}", self.workerd.display()),
                install: "cargo xtask setup (installs workerd from npm; needs Node.js and npm)"
                    .into(),
            };
        }
        if let Some(missing) = MODULES.iter().find(|m| !self.build.join(m).is_file()) {
            return Availability::Missing {
                reason: format!("{} is not built", self.build.join(missing).display()),
                install: "cargo xtask test-all-runtimes (runs worker-build, which setup installs)"
                    .into(),
            };
        }
        Availability::Available
    }

    fn launch(&self, deployment: &str, port: u16, dir: &Path) -> anyhow::Result<Launched> {
        // workerd embeds files relative to its config: put everything beside it.
        for module in MODULES {
            std::fs::copy(self.build.join(module), dir.join(module))?;
        }
        std::fs::write(dir.join("deployment.json"), deployment)?;
        let config = format!(
            r#"using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:{port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "index.js", esModule = embed "index.js"),
    (name = "index_bg.wasm", wasm = embed "index_bg.wasm"),
  ],
  bindings = [(name = "{key}", text = embed "deployment.json")],
  compatibilityDate = "{COMPATIBILITY_DATE}",
);
"#,
            key = service_http::DEPLOYMENT_KEY,
        );
        std::fs::write(dir.join("worker.capnp"), config)?;
        let mut workerd = Command::new(&self.workerd);
        workerd.arg("serve").arg("worker.capnp").current_dir(dir);
        Ok(Launched {
            process: Some(workerd),
            keep: None,
        })
    }
}
