//! Fastly Compute: the adapter (`adapters/fastly`, `wasm32-wasip1`) on Viceroy, Fastly's
//! local runtime, installed from crates.io by `cargo xtask setup`. The deployment is the
//! `portable` config store, one key per tenant (a store value holds at most 8,000
//! characters), from a JSON file the harness writes beside a generated `fastly.toml`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use conformance::Availability;
use serde_json::{Map, Value};

use crate::Settings;
use crate::platform::{Launched, Platform};

pub(crate) struct Fastly {
    viceroy: PathBuf,
    wasm: PathBuf,
}

impl Fastly {
    pub(crate) fn new(settings: &Settings) -> Fastly {
        Fastly {
            viceroy: settings
                .tools_dir
                .join("viceroy")
                .join("bin")
                .join("viceroy"),
            wasm: settings
                .platforms_dir
                .join("fastly")
                .join("fastly-adapter.wasm"),
        }
    }
}

impl Platform for Fastly {
    fn id(&self) -> &'static str {
        "fastly"
    }

    fn version(&self) -> String {
        crate::platform::tool_version(&self.viceroy)
    }

    fn settings(&self) -> String {
        "viceroy serve; deployment in the `portable` config store (JSON file), a key per tenant"
            .into()
    }

    fn detect(&self) -> Availability {
        if !self.viceroy.is_file() {
            return Availability::Missing {
                reason: format!("Viceroy is not installed at {}", self.viceroy.display()),
                install: "cargo xtask setup (installs Viceroy from crates.io)".into(),
            };
        }
        if !self.wasm.is_file() {
            return Availability::Missing {
                reason: format!("{} is not built", self.wasm.display()),
                install: "cargo xtask test-all-runtimes (builds the adapter)".into(),
            };
        }
        Availability::Available
    }

    fn launch(&self, deployment: &str, port: u16, dir: &Path) -> anyhow::Result<Launched> {
        let deployment: Value = serde_json::from_str(deployment)?;
        let store: Map<String, Value> = service_http::client::store_entries(&deployment)
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect();
        let store_file = dir.join("store.json");
        std::fs::write(&store_file, Value::Object(store).to_string())?;
        let manifest = dir.join("fastly.toml");
        let toml = format!(
            "manifest_version = 3\nname = \"portable-services\"\nlanguage = \"rust\"\n\n\
             [local_server.config_stores.{store}]\nformat = \"json\"\nfile = {file}\n",
            store = service_http::CONFIG_STORE,
            file = Value::String(store_file.display().to_string()),
        );
        std::fs::write(&manifest, toml).context("writing fastly.toml")?;
        let mut viceroy = Command::new(&self.viceroy);
        viceroy
            .arg("serve")
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-C")
            .arg(&manifest)
            .arg(&self.wasm)
            .current_dir(dir);
        Ok(Launched {
            process: Some(viceroy),
            keep: None,
        })
    }
}
