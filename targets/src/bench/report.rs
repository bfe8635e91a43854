//! bench.json's `results`: one entry per measured value, keyed by service, runtime, form,
//! workload (absent for what belongs to the artifact: size, compile, load) and build
//! (absent for the artifacts as `cargo xtask build` makes them).

use conformance::Form;
pub use conformance::bench::Entry;

use super::stats::{Summary, ratio};
use super::wasmtime::Compiled;

/// Which row a value belongs to.
#[derive(Clone, Debug)]
pub struct Key {
    service: String,
    runtime: String,
    form: Form,
    workload: Option<String>,
    build: Option<String>,
}

impl Key {
    pub fn new(service: &str, runtime: &str, form: Form) -> Key {
        Key {
            service: service.to_owned(),
            runtime: runtime.to_owned(),
            form,
            workload: None,
            build: None,
        }
    }

    pub fn workload(mut self, workload: &str) -> Key {
        self.workload = Some(workload.to_owned());
        self
    }

    pub fn build(mut self, build: &str) -> Key {
        self.build = Some(build.to_owned());
        self
    }
}

#[derive(Debug, Default)]
pub struct Report {
    entries: Vec<Entry>,
}

/// Three significant decimals are more than any of these measurements hold.
fn round(value: f64) -> f64 {
    if value.abs() >= 100.0 {
        (value * 10.0).round() / 10.0
    } else {
        (value * 1000.0).round() / 1000.0
    }
}

impl Report {
    pub fn value(&mut self, key: &Key, metric: &str, value: f64, unit: &str) -> &mut Entry {
        self.entries.push(Entry {
            service: key.service.clone(),
            runtime: key.runtime.clone(),
            metric: metric.to_owned(),
            value: round(value),
            unit: unit.to_owned(),
            form: key.form.name().to_owned(),
            workload: key.workload.clone(),
            build: key.build.clone(),
            samples: None,
            note: None,
        });
        self.entries.last_mut().expect("just pushed")
    }

    /// `<name>_p50` and `<name>_p99`.
    pub fn summary(&mut self, key: &Key, name: &str, summary: &Summary, unit: &str) {
        self.value(key, &format!("{name}_p50"), summary.p50, unit)
            .samples = Some(summary.samples);
        self.value(key, &format!("{name}_p99"), summary.p99, unit)
            .samples = Some(summary.samples);
    }

    /// `first_call` (the median) and `first_call_p99`.
    pub fn first_call(&mut self, key: &Key, summary: &Summary) {
        self.value(key, "first_call", summary.p50, "us").samples = Some(summary.samples);
        self.value(key, "first_call_p99", summary.p99, "us").samples = Some(summary.samples);
    }

    /// `warm_p50`, `warm_p99`, the native reference's p50 (`native_p50`, what `reference`
    /// says it is) and `wasm_native_ratio` of the medians.
    pub fn warm(&mut self, key: &Key, warm: &Summary, native: &Summary, reference: &str) {
        self.summary(key, "warm", warm, "us");
        self.value(key, "native_p50", native.p50, "us").note = Some(reference.to_owned());
        if let Some(r) = ratio(warm.p50, native.p50) {
            self.value(key, "wasm_native_ratio", r, "x").note =
                Some(format!("warm_p50 / native_p50 ({reference})"));
        }
    }

    /// What compiling and loading an artifact cost, and its sizes.
    pub fn compiled(&mut self, key: &Key, compiled: &Compiled) {
        self.value(key, "compile", compiled.compile_ms, "ms")
            .samples = Some(1);
        self.value(key, "load_precompiled", compiled.load.p50, "ms")
            .samples = Some(compiled.load.samples);
        self.value(key, "load_precompiled_p99", compiled.load.p99, "ms")
            .samples = Some(compiled.load.samples);
        self.value(key, "size_bytes", compiled.size_bytes as f64, "bytes");
        self.value(
            key,
            "size_cwasm_bytes",
            compiled.cwasm_bytes as f64,
            "bytes",
        );
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The run at a glance, for the terminal: one line per row with its main values.
    pub fn terminal(&self) -> String {
        let shown = [
            "compile",
            "load_precompiled",
            "instantiate_p50",
            "first_call",
            "warm_p50",
            "warm_p99",
            "wasm_native_ratio",
            "peak_memory_bytes",
        ];
        let mut rows: Vec<(String, Vec<String>)> = Vec::new();
        for entry in &self.entries {
            if !shown.contains(&entry.metric.as_str()) {
                continue;
            }
            let name = format!(
                "{}/{} {}{}{}",
                entry.service,
                entry.workload.as_deref().unwrap_or("*"),
                entry.runtime,
                if entry.form == "native" {
                    String::new()
                } else {
                    format!(" {}", entry.form)
                },
                entry
                    .build
                    .as_deref()
                    .map(|b| format!(" ({b})"))
                    .unwrap_or_default()
            );
            let value = format!("{}={}{}", entry.metric, entry.value, short(&entry.unit));
            match rows.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(value),
                None => rows.push((name, vec![value])),
            }
        }
        let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        rows.iter()
            .map(|(name, values)| format!("{name:<width$}  {}", values.join("  ")))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn short(unit: &str) -> &str {
    match unit {
        "bytes" => " B",
        "x" => "x",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_rows_carry_the_reference_and_the_ratio() {
        let mut report = Report::default();
        let key = Key::new("token", "wasmtime", Form::Component).workload("es256");
        let summary = |p50| Summary {
            samples: 10,
            p50,
            p99: p50 * 2.0,
            min: p50,
            max: p50 * 2.0,
        };
        report.warm(&key, &summary(120.0), &summary(100.0), "native warm call");
        let metrics: Vec<(&str, f64)> = report
            .entries()
            .iter()
            .map(|e| (e.metric.as_str(), e.value))
            .collect();
        assert_eq!(
            metrics,
            [
                ("warm_p50", 120.0),
                ("warm_p99", 240.0),
                ("native_p50", 100.0),
                ("wasm_native_ratio", 1.2)
            ]
        );
        let json = serde_json::to_value(&report.entries()[0]).unwrap();
        assert_eq!(json["service"], "token");
        assert_eq!(json["form"], "component");
        assert_eq!(json["workload"], "es256");
        assert_eq!(json["unit"], "us");
        assert_eq!(json["samples"], 10);
        assert!(json.get("build").is_none());
    }

    #[test]
    fn values_are_rounded_to_what_they_hold() {
        assert_eq!(round(1.234_567), 1.235);
        assert_eq!(round(1234.567), 1234.6);
        assert_eq!(round(-0.000_4), -0.0);
    }
}
