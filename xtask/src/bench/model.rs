//! bench.json as the harness writes it (schema 1; fields in `shared/DESIGN.md`) and the
//! look-ups the tables, goals and charts make in it.

use conformance::bench::Entry;
use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Deserialize)]
pub struct Bench {
    pub schema: u32,
    pub generated: String,
    #[serde(default)]
    pub commit: String,
    pub mode: String,
    #[serde(default)]
    pub seconds: f64,
    #[serde(default)]
    pub machine: Value,
    #[serde(default)]
    pub versions: Value,
    #[serde(default)]
    pub settings: Value,
    #[serde(default)]
    pub workloads: Vec<Workload>,
    pub results: Vec<Entry>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Workload {
    pub service: String,
    pub workload: String,
    pub description: String,
}

/// Which row of results: service, runtime, form, workload (None: the artifact's).
#[derive(Clone, Copy, Debug)]
pub struct At<'a> {
    pub service: &'a str,
    pub runtime: &'a str,
    pub form: &'a str,
    pub workload: Option<&'a str>,
}

pub fn at<'a>(
    service: &'a str,
    runtime: &'a str,
    form: &'a str,
    workload: Option<&'a str>,
) -> At<'a> {
    At {
        service,
        runtime,
        form,
        workload,
    }
}

impl Bench {
    pub fn parse(text: &str) -> anyhow::Result<Bench> {
        let bench: Bench = serde_json::from_str(text)?;
        anyhow::ensure!(
            bench.schema == 1,
            "bench.json schema {} (1 expected)",
            bench.schema
        );
        Ok(bench)
    }

    /// The value of `metric` at `at`, for the artifacts as the build ships them (no `build`).
    pub fn get(&self, at: At<'_>, metric: &str) -> Option<f64> {
        self.entry(at, metric, None).map(|e| e.value)
    }

    pub fn entry(&self, at: At<'_>, metric: &str, build: Option<&str>) -> Option<&Entry> {
        self.results.iter().find(|e| {
            e.service == at.service
                && e.runtime == at.runtime
                && e.form == at.form
                && e.workload.as_deref() == at.workload
                && e.metric == metric
                && e.build.as_deref() == build
        })
    }

    /// The workloads of `service`, in run order.
    pub fn workloads_of(&self, service: &str) -> Vec<&str> {
        self.workloads
            .iter()
            .filter(|w| w.service == service)
            .map(|w| w.workload.as_str())
            .collect()
    }

    pub fn services(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for w in &self.workloads {
            if !seen.contains(&w.service.as_str()) {
                seen.push(w.service.as_str());
            }
        }
        seen
    }

    /// The command runtimes measured, wasmtime first.
    pub fn command_runtimes(&self) -> Vec<&str> {
        let mut runtimes: Vec<&str> = Vec::new();
        for e in &self.results {
            if e.form == "command" && e.runtime != "wasm" && !runtimes.contains(&e.runtime.as_str())
            {
                runtimes.push(&e.runtime);
            }
        }
        runtimes
    }

    pub fn text(&self, value: &Value, path: &[&str]) -> String {
        let mut v = value;
        for key in path {
            v = &v[*key];
        }
        match v {
            Value::String(s) => s.clone(),
            Value::Null => "?".to_owned(),
            other => other.to_string(),
        }
    }
}
