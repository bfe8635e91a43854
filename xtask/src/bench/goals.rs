//! The goals of issue #7 as one table: what each is judged on, its threshold (every value
//! judged must be at most it), how its values are written and where the charts draw it.
//! Printed beside the measured values; nothing fails on a missed goal. What stands in the
//! way of a goal not met is BENCHMARKS.md's hand-written prose, not this file's.

use std::fmt::Write as _;

use super::model::{Bench, at};
use super::units::{bytes, duration, ratio};

/// The values a goal is judged on, each named when there are several (`ES256 …, RS256 …`).
pub type Values = Vec<(String, Option<f64>)>;

/// One goal of the issue: a row of [`table`].
pub struct Spec {
    pub metric: &'static str,
    /// The goal as the issue writes it.
    pub target: &'static str,
    /// The threshold: met when every value is at most this.
    pub limit: f64,
    pub show: fn(f64) -> String,
    /// The values it is judged on.
    pub values: fn(&Bench) -> Values,
    /// Where the charts draw the threshold.
    pub chart: Mark,
}

/// Where a goal's threshold shows in the charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    None,
    /// A line across the ratio chart.
    RatioLine,
    /// A tick on this service's component in the size chart.
    Size(&'static str),
}

/// The goals of issue #7, in the order BENCHMARKS.md lists them.
pub fn table() -> Vec<Spec> {
    vec![
        Spec {
            metric: "token verifier instantiate, wasmtime pooling + InstancePre, p50",
            target: "≤ 10 µs",
            limit: 10.0,
            show: duration,
            values: |b| vec![(String::new(), b.get(es256(), "instantiate_p50"))],
            chart: Mark::None,
        },
        Spec {
            metric: "precompiled artifact → first response, p99 (token verifier: load the \
                     .cwasm, instantiate, create, verify)",
            target: "≤ 1 ms",
            limit: 1000.0,
            show: duration,
            values: |b| per_token(b, "cold_start_p99"),
            chart: Mark::None,
        },
        Spec {
            metric: "wasm/native warm ratio, ES256 verify and schema validation (wasmtime)",
            target: "≤ 1.10",
            limit: 1.10,
            show: ratio,
            values: |b| {
                vec![
                    ("ES256".to_owned(), b.get(es256(), "wasm_native_ratio")),
                    (
                        "config (JSON)".to_owned(),
                        b.get(
                            at("config", "wasmtime", "component", Some("service-json")),
                            "wasm_native_ratio",
                        ),
                    ),
                ]
            },
            chart: Mark::RatioLine,
        },
        Spec {
            metric: "wasm/native warm ratio, 12 MP JPEG → 256 px thumbnail (wasmtime)",
            target: "≤ 1.25",
            limit: 1.25,
            show: ratio,
            values: |b| {
                let thumbnail = b
                    .workloads_of("thumbnail")
                    .into_iter()
                    .find(|w| *w == "jpeg-12mp");
                vec![(
                    String::new(),
                    thumbnail.and_then(|w| {
                        b.get(
                            at("thumbnail", "wasmtime", "component", Some(w)),
                            "wasm_native_ratio",
                        )
                    }),
                )]
            },
            chart: Mark::RatioLine,
        },
        Spec {
            metric: "token component size after wasm-opt",
            target: "≤ 400 KB",
            limit: 400e3,
            show: bytes,
            values: |b| size(b, "token"),
            chart: Mark::Size("token"),
        },
        Spec {
            metric: "config component size after wasm-opt",
            target: "≤ 900 KB",
            limit: 900e3,
            show: bytes,
            values: |b| size(b, "config"),
            chart: Mark::Size("config"),
        },
        Spec {
            metric: "thumbnail component size after wasm-opt",
            target: "≤ 1.2 MB",
            limit: 1.2e6,
            show: bytes,
            values: |b| size(b, "thumbnail"),
            chart: Mark::Size("thumbnail"),
        },
        Spec {
            metric: "peak linear memory per token-verifier instance",
            target: "≤ 1.5 MB",
            limit: 1.5e6,
            show: bytes,
            values: |b| per_token(b, "peak_memory_bytes"),
            chart: Mark::None,
        },
    ]
}

fn es256() -> super::model::At<'static> {
    at("token", "wasmtime", "component", Some("es256"))
}

/// `metric` of every token workload on the wasmtime component, named `ES256`, `EdDSA`, ….
fn per_token(b: &Bench, metric: &str) -> Values {
    b.workloads_of("token")
        .into_iter()
        .map(|w| {
            (
                w.to_uppercase().replace("EDDSA", "EdDSA"),
                b.get(at("token", "wasmtime", "component", Some(w)), metric),
            )
        })
        .collect()
}

/// The size of `service`'s component after wasm-opt.
fn size(b: &Bench, service: &str) -> Values {
    vec![(
        String::new(),
        b.get(
            at(service, "wasm", "component", None),
            "size_wasm_opt_bytes",
        ),
    )]
}

/// The size goal of `service`'s component, for the size chart.
pub fn size_limit(service: &str) -> Option<f64> {
    table()
        .into_iter()
        .find(|g| matches!(g.chart, Mark::Size(s) if s == service))
        .map(|g| g.limit)
}

/// The ratio goals, for lines across the ratio chart: (threshold, label).
pub fn ratio_lines() -> Vec<(f64, String)> {
    table()
        .into_iter()
        .filter(|g| g.chart == Mark::RatioLine)
        .map(|g| (g.limit, format!("{:.2}", g.limit)))
        .collect()
}

/// One goal of the issue with what was measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    pub metric: String,
    pub goal: String,
    /// The measured value(s), written out.
    pub measured: String,
    /// `None`: not measured in this run.
    pub met: Option<bool>,
}

impl Goal {
    /// How BENCHMARKS.md and the terminal say whether it was met.
    pub fn verdict(&self) -> &'static str {
        match self.met {
            Some(true) => "met",
            Some(false) => "not met",
            None => "not measured",
        }
    }
}

/// A goal judged on `b`: met when every value was measured and is at most the limit.
fn judge(spec: &Spec, b: &Bench) -> Goal {
    let values = (spec.values)(b);
    let measured: Vec<String> = values
        .iter()
        .filter_map(|(name, v)| {
            v.map(|v| {
                if name.is_empty() {
                    (spec.show)(v)
                } else {
                    format!("{name} {}", (spec.show)(v))
                }
            })
        })
        .collect();
    let met = if values.iter().all(|(_, v)| v.is_some()) && !values.is_empty() {
        Some(
            values
                .iter()
                .all(|(_, v)| v.is_some_and(|v| v <= spec.limit)),
        )
    } else {
        None
    };
    Goal {
        metric: spec.metric.to_owned(),
        goal: spec.target.to_owned(),
        measured: if measured.is_empty() {
            "not measured in this run".to_owned()
        } else {
            measured.join(", ")
        },
        met,
    }
}

/// The goals judged on `b`, in the table's order.
pub fn goals(b: &Bench) -> Vec<Goal> {
    table().iter().map(|spec| judge(spec, b)).collect()
}

/// The goals for the terminal: measured value, met or not.
pub fn goals_terminal(b: &Bench) -> String {
    let mut out = format!("goals of issue #7 ({} run, not asserted):\n", b.mode);
    for g in goals(b) {
        let verdict = match g.met {
            Some(false) => "NOT MET",
            _ => g.verdict(),
        };
        let _ = writeln!(
            out,
            "  {:<12} {} {}: {}",
            verdict, g.metric, g.goal, g.measured
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use conformance::bench::Entry;
    use serde_json::Value;

    use super::*;

    fn entry(
        service: &str,
        runtime: &str,
        form: &str,
        w: Option<&str>,
        metric: &str,
        value: f64,
    ) -> Value {
        let mut e = serde_json::json!({
            "service": service, "runtime": runtime, "form": form, "metric": metric,
            "value": value, "unit": "us",
        });
        if let Some(w) = w {
            e["workload"] = w.into();
        }
        e
    }

    fn bench() -> Bench {
        let results = vec![
            entry(
                "token",
                "wasmtime",
                "component",
                Some("es256"),
                "instantiate_p50",
                8.0,
            ),
            entry(
                "token",
                "wasmtime",
                "component",
                Some("es256"),
                "cold_start_p99",
                900.0,
            ),
            entry(
                "token",
                "wasmtime",
                "component",
                Some("es256"),
                "wasm_native_ratio",
                3.2,
            ),
            entry(
                "token",
                "wasmtime",
                "component",
                Some("es256"),
                "peak_memory_bytes",
                1_179_648.0,
            ),
            entry(
                "token",
                "wasmtime",
                "command",
                Some("es256"),
                "wasm_native_ratio",
                2.5,
            ),
            entry(
                "token",
                "wasmi",
                "command",
                Some("es256"),
                "wasm_native_ratio",
                80.0,
            ),
            entry("token", "wasm", "component", None, "size_bytes", 520_555.0),
            entry(
                "token",
                "wasm",
                "component",
                None,
                "size_wasm_opt_bytes",
                390_000.0,
            ),
            entry(
                "token",
                "wasmtime",
                "component",
                None,
                "load_precompiled",
                0.16,
            ),
        ];
        let text = serde_json::json!({
            "schema": 1, "generated": "2026-01-01T00:00:00Z", "commit": "abc", "mode": "full",
            "seconds": 600.0, "machine": {"cpu": "AMD EPYC", "cores": 2},
            "versions": {"wasmtime": "48.0.8"}, "settings": {"threads": 2},
            "workloads": [{"service": "token", "workload": "es256", "description": "ES256"}],
            "results": results,
        });
        Bench::parse(&text.to_string()).unwrap()
    }

    #[test]
    fn goals_are_judged_on_every_value_and_say_what_is_missing() {
        let goals = goals(&bench());
        let find = |prefix: &str| goals.iter().find(|g| g.metric.starts_with(prefix)).unwrap();
        let instantiate = find("token verifier instantiate");
        assert_eq!(instantiate.met, Some(true));
        assert_eq!(instantiate.measured, "8.0 µs");
        // The config half of the ratio goal was not measured: not judged.
        let ratios = find("wasm/native warm ratio, ES256");
        assert_eq!(ratios.met, None);
        let thumbnail = find("wasm/native warm ratio, 12 MP");
        assert_eq!(thumbnail.measured, "not measured in this run");
        let size = find("token component size");
        assert_eq!((size.met, size.measured.as_str()), (Some(true), "390 KB"));
        assert_eq!(find("peak linear memory").met, Some(true));
        assert_eq!(find("precompiled artifact").met, Some(true));
    }

    #[test]
    fn a_goal_is_not_met_when_one_value_misses_it() {
        let mut b = bench();
        b.results.push(Entry {
            service: "config".into(),
            runtime: "wasmtime".into(),
            metric: "wasm_native_ratio".into(),
            value: 2.0,
            unit: "x".into(),
            form: "component".into(),
            workload: Some("service-json".into()),
            build: None,
            samples: None,
            note: None,
        });
        let goals = goals(&b);
        let ratios = goals
            .iter()
            .find(|g| g.metric.contains("ES256 verify"))
            .unwrap();
        assert_eq!(ratios.met, Some(false));
        assert_eq!(ratios.measured, "ES256 3.20×, config (JSON) 2.00×");
        assert!(goals_terminal(&b).contains("NOT MET      wasm/native warm ratio, ES256"));
    }

    #[test]
    fn the_charts_read_the_thresholds_from_the_table() {
        assert_eq!(
            ratio_lines(),
            [(1.10, "1.10".to_owned()), (1.25, "1.25".to_owned())]
        );
        assert_eq!(size_limit("config"), Some(900e3));
        assert_eq!(size_limit("nothing"), None);
    }
}
