//! BENCHMARKS.md and its charts, as plain functions of bench.json: the machine, the
//! versions, the goals of issue #7 with the measured values (met / not met, and what stands
//! in the way of each one not met), the tables and the charts.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use conformance::bench::{BEFORE_WASM_OPT, Entry};
use serde::Deserialize;
use serde_json::Value;

use super::svg::{self, Chart, Panel, Row};

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

    fn services(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for w in &self.workloads {
            if !seen.contains(&w.service.as_str()) {
                seen.push(w.service.as_str());
            }
        }
        seen
    }

    /// The command runtimes measured, wasmtime first.
    fn command_runtimes(&self) -> Vec<&str> {
        let mut runtimes: Vec<&str> = Vec::new();
        for e in &self.results {
            if e.form == "command" && e.runtime != "wasm" && !runtimes.contains(&e.runtime.as_str())
            {
                runtimes.push(&e.runtime);
            }
        }
        runtimes
    }

    fn text(&self, value: &Value, path: &[&str]) -> String {
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

/// µs as people read them: `850 µs`, `1.23 ms`, `2.5 s`.
pub fn duration(us: f64) -> String {
    if us < 1.0 {
        format!("{us:.2} µs")
    } else if us < 100.0 {
        format!("{us:.1} µs")
    } else if us < 1e3 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{} ms", significant(us / 1e3))
    } else {
        format!("{} s", significant(us / 1e6))
    }
}

/// Three significant digits, no more than two decimals.
fn significant(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// Sizes in decimal kilo- and megabytes, as the goals are written.
pub fn bytes(value: f64) -> String {
    if value >= 1e6 {
        format!("{} MB", significant(value / 1e6))
    } else {
        format!("{:.0} KB", value / 1e3)
    }
}

pub fn ratio(value: f64) -> String {
    format!("{value:.2}×")
}

fn rate(value: f64) -> String {
    format!("{value:.0}/s")
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
    /// What stands in the way, for a goal not met.
    pub obstacle: Option<String>,
}

fn goal(
    metric: &str,
    target: &str,
    values: &[(String, Option<f64>)],
    limit: f64,
    show: fn(f64) -> String,
    obstacle: String,
) -> Goal {
    let measured: Vec<String> = values
        .iter()
        .filter_map(|(name, v)| {
            v.map(|v| {
                if name.is_empty() {
                    show(v)
                } else {
                    format!("{name} {}", show(v))
                }
            })
        })
        .collect();
    let met = if values.iter().all(|(_, v)| v.is_some()) && !values.is_empty() {
        Some(values.iter().all(|(_, v)| v.is_some_and(|v| v <= limit)))
    } else {
        None
    };
    Goal {
        metric: metric.to_owned(),
        goal: target.to_owned(),
        measured: if measured.is_empty() {
            "not measured in this run".to_owned()
        } else {
            measured.join(", ")
        },
        met,
        obstacle: (met == Some(false)).then_some(obstacle),
    }
}

/// The goals, each with the values it is judged on (all of them must meet it).
pub fn goals(b: &Bench) -> Vec<Goal> {
    let token = |workload: &'static str| at("token", "wasmtime", "component", Some(workload));
    let tokens: Vec<&str> = b.workloads_of("token");
    let per_token = |metric: &str| -> Vec<(String, Option<f64>)> {
        tokens
            .iter()
            .map(|w| {
                (
                    w.to_uppercase().replace("EDDSA", "EdDSA"),
                    b.get(at("token", "wasmtime", "component", Some(w)), metric),
                )
            })
            .collect()
    };
    let thumbnail = b
        .workloads_of("thumbnail")
        .into_iter()
        .find(|w| *w == "jpeg-12mp");
    let mut goals = vec![
        goal(
            "token verifier instantiate, wasmtime pooling + InstancePre, p50",
            "≤ 10 µs",
            &[(String::new(), b.get(token("es256"), "instantiate_p50"))],
            10.0,
            duration,
            obstacles::instantiate(b),
        ),
        goal(
            "precompiled artifact → first response, p99 (token verifier: load the .cwasm, \
             instantiate, create, verify)",
            "≤ 1 ms",
            &per_token("cold_start_p99"),
            1000.0,
            duration,
            obstacles::cold_start(b),
        ),
        goal(
            "wasm/native warm ratio, ES256 verify and schema validation (wasmtime)",
            "≤ 1.10",
            &[
                (
                    "ES256".to_owned(),
                    b.get(token("es256"), "wasm_native_ratio"),
                ),
                (
                    "config (JSON)".to_owned(),
                    b.get(
                        at("config", "wasmtime", "component", Some("service-json")),
                        "wasm_native_ratio",
                    ),
                ),
            ],
            1.10,
            ratio,
            obstacles::crypto_and_schema(b),
        ),
        goal(
            "wasm/native warm ratio, 12 MP JPEG → 256 px thumbnail (wasmtime)",
            "≤ 1.25",
            &[(
                String::new(),
                thumbnail.and_then(|w| {
                    b.get(
                        at("thumbnail", "wasmtime", "component", Some(w)),
                        "wasm_native_ratio",
                    )
                }),
            )],
            1.25,
            ratio,
            obstacles::thumbnail(b),
        ),
    ];
    for (service, limit, shown) in [
        ("token", 400e3, "≤ 400 KB"),
        ("config", 900e3, "≤ 900 KB"),
        ("thumbnail", 1.2e6, "≤ 1.2 MB"),
    ] {
        goals.push(goal(
            &format!("{service} component size after wasm-opt"),
            shown,
            &[(
                String::new(),
                b.get(
                    at(service, "wasm", "component", None),
                    "size_wasm_opt_bytes",
                ),
            )],
            limit,
            bytes,
            obstacles::size(b, service),
        ));
    }
    goals.push(goal(
        "peak linear memory per token-verifier instance",
        "≤ 1.5 MB",
        &per_token("peak_memory_bytes"),
        1.5e6,
        bytes,
        "The instance's memory is the module's static data plus the heap the guest's \
         allocator grew to, which it never returns."
            .to_owned(),
    ));
    goals
}

/// The goals for the terminal: measured value, met or not.
pub fn goals_terminal(b: &Bench) -> String {
    let mut out = format!("goals of issue #7 ({} run, not asserted):\n", b.mode);
    for g in goals(b) {
        let verdict = match g.met {
            Some(true) => "met",
            Some(false) => "NOT MET",
            None => "not measured",
        };
        let _ = writeln!(
            out,
            "  {:<12} {} {}: {}",
            verdict, g.metric, g.goal, g.measured
        );
    }
    out
}

/// What stands in the way of each goal not met, written from what the run measured.
mod obstacles {
    use super::*;

    fn v(b: &Bench, service: &str, runtime: &str, form: &str, w: Option<&str>, m: &str) -> f64 {
        b.get(at(service, runtime, form, w), m).unwrap_or(f64::NAN)
    }

    pub fn instantiate(b: &Bench) -> String {
        let t = |m| v(b, "token", "wasmtime", "component", Some("es256"), m);
        format!(
            "Of the {} p50, {} is the fresh `Store` with its WASI context (`WasiCtxBuilder::\
             build`, which also seeds the guest's random sources) and the rest is \
             `InstancePre::instantiate` itself: the component has 3 core modules, 21 core \
             instances, 17 imported interfaces and 26 lowered functions, all set up per \
             instance even from a warm pool slot; dropping the store costs another {}. \
             Tried without effect on this machine: `linear_memory_keep_resident` / \
             `table_keep_resident` (1 MiB) and `max_unused_warm_slots(0)`. Left to try: a \
             guest that imports less of WASI (the verifier needs little of it, but Rust's \
             `wasm32-wasip2` std links wasi:cli, wasi:io, wasi:clocks, wasi:random and \
             wasi:filesystem), one WASI context shared by the stores, and a profile of \
             instantiation. The machine was shared while measuring (see the load average), \
             which inflates every absolute time here.",
            duration(t("instantiate_p50")),
            duration(t("store_p50")),
            duration(t("teardown_p50")),
        )
    }

    pub fn cold_start(b: &Bench) -> String {
        let t = |m| v(b, "token", "wasmtime", "component", Some("es256"), m);
        let e = |m| v(b, "token", "wasmtime", "component", Some("eddsa"), m);
        format!(
            "The verification itself: on wasmtime an ES256 verify takes {} warm and {} as \
             the first call on a fresh instance, against {} native, and `create` (parsing \
             the JWKS) {}; EdDSA verifies in {}. Loading the `.cwasm` ({} ms) and \
             instantiating ({}) are a small part. This goal follows from the next one: with \
             the signature check near native speed the cold path would fit in 1 ms. The \
             p99 ({} for ES256, p50 {}) also carries the shared machine's noise.",
            duration(t("warm_p50")),
            duration(t("first_call")),
            duration(t("native_p50")),
            duration(t("create_p50")),
            duration(e("warm_p50")),
            significant(v(
                b,
                "token",
                "wasmtime",
                "component",
                None,
                "load_precompiled"
            )),
            duration(t("instantiate_p50")),
            duration(t("cold_start_p99")),
            duration(t("cold_start_p50")),
        )
    }

    pub fn crypto_and_schema(b: &Bench) -> String {
        let r = |s, w| v(b, s, "wasmtime", "component", Some(w), "wasm_native_ratio");
        format!(
            "Signature checks are big-number and field arithmetic, wasm's worst case (ES256 \
             {}, RS256 {}, EdDSA {}): their inner loop is a 64×64→128-bit multiply (`u128` \
             in ed25519-compact, and in the `rsa` crate with the `u64_digit` digits \
             jwt-simple selects), one instruction on x86-64 but none in wasm32, where each \
             becomes a call to compiler-rt's `__multi3`; there is no carry flag and no SIMD \
             either, and the guests are built for size (`opt-level = \"s\"`). Schema \
             validation ({} JSON, {} YAML) is allocation- and branch-heavy code, where the \
             guest's allocator and bounds-checked memory cost; its ratio is of calls of a \
             few µs, where the component call's own lifting and lowering counts. The epoch \
             deadline costs a few percent (ES256 about 5 % faster without it, in one \
             quick comparison). Guests at opt-level 3 instead of s, in one comparison on \
             this shared machine: ES256 2.93× instead of 3.27×, RS256 6.37× instead of \
             6.60×, EdDSA 7.17× instead of 7.28×, for a token component of 717 KB instead \
             of 521 KB (config 4.88 MB instead of 2.95 MB): far from the goal and against \
             the size goals, so not adopted. Left: the wide-arithmetic proposal \
             (`i64.mul_wide_u`, in wasmtime behind a flag) with crates that use it; a \
             faster guest allocator.",
            ratio(r("token", "es256")),
            ratio(r("token", "rs256")),
            ratio(r("token", "eddsa")),
            ratio(r("config", "service-json")),
            ratio(r("config", "service-yaml")),
        )
    }

    pub fn thumbnail(b: &Bench) -> String {
        let t = |m| {
            v(
                b,
                "thumbnail",
                "wasmtime",
                "component",
                Some("jpeg-12mp"),
                m,
            )
        };
        format!(
            "{} per thumbnail on wasmtime against {} native. The work is JPEG decoding \
             (jpeg-decoder, which already decodes at reduced scale, so the Huffman decoding \
             of every block is what cannot shrink), the resize and the encode, all built \
             for size in the guest. The resize already runs simd128 in wasm: \
             fast_image_resize compiles its wasm32 kernels with `#[target_feature(enable = \
             \"simd128\")]` and always selects them there (which is also why the thumbnailer \
             needs a SIMD-capable runtime, see COMPATIBILITY.md). Building the whole \
             thumbnailer with `-C target-feature=+simd128`, so LLVM may vectorise decode and \
             encode too, moved the component's ratio from 2.06× to 1.96× in one comparison \
             on this shared machine (the command's from 1.78× to 1.45×, measured less \
             cleanly): not adopted, as the flag cannot be set per package and would build \
             the guests' shared dependencies twice. opt-level 3 instead of s left the ratio \
             where it was (1.70× against 1.73× in one comparison) for 786 KB instead of \
             655 KB. Left to try: a profile of decode against resize against encode.",
            duration(t("warm_p50")),
            duration(t("native_p50")),
        )
    }

    pub fn size(b: &Bench, service: &str) -> String {
        let raw = v(b, service, "wasm", "component", None, "size_bytes");
        let opt = v(b, service, "wasm", "component", None, "size_wasm_opt_bytes");
        let what = match service {
            "config" => {
                "jsonschema with its format checks and regex engines (fancy-regex over regex, \
                 with Unicode tables), saphyr's YAML parser and toml are linked in; `wasm-opt` \
                 cannot remove code that is reachable. Candidates: jsonschema without the \
                 formats nobody asserts, regex without Unicode tables (`regex-lite`), \
                 dropping a document format"
            }
            "thumbnail" => {
                "the image codecs (PNG, GIF, WebP decoders, JPEG both ways) and the resizer"
            }
            _ => "RSA, P-256, P-384, Ed25519 and HMAC code, serde_json",
        };
        format!(
            "{} as cargo built it, {} after `wasm-opt -Oz`, as the build ships it (the guests \
             are already built with opt-level s, LTO and one codegen unit, so binaryen finds \
             little): {what}.",
            bytes(raw),
            bytes(opt)
        )
    }
}

/// What stands out in the run besides the goals, each only when the numbers show it.
pub fn findings(b: &Bench) -> Vec<String> {
    let mut found = Vec::new();
    let config = |form, w: &str, m: &str| b.get(at("config", "wasmtime", form, Some(w)), m);
    let native = b.get(
        at("config", "native", "native", Some("service-json")),
        "create_p50",
    );
    if let (Some(wasm), Some(native)) = (
        config("component", "service-json", "create_warm_p50"),
        native,
    ) && wasm > 10.0 * native
    {
        found.push(format!(
            "Compiling the config validator's schema set (`create`) takes {} on wasmtime even \
             on a warm instance, against {} natively ({}). jsonschema 0.60 keeps its compiled \
             meta-schema validators in a `LazyLock` only off wasm (`cfg(not(target_family = \
             \"wasm\"))`), so on wasm every `build()` compiles a meta-schema again to check \
             the schema it is given (about 3 ms for 2020-12), and that check cannot be \
             switched off from outside the crate. config-core therefore builds the whole set \
             as one draft-04 document that refers to each schema (one compile of the smallest \
             meta-schema per `create`) and checks the schemas with meta-schema validators \
             generated at build time; that compile and the schemas' own are what is left. It \
             makes the config validator's cold start ({} p50) and every command run ({}, \
             which creates per request) slow.",
            duration(wasm),
            duration(native),
            ratio(wasm / native),
            cell(
                config("component", "service-json", "cold_start_p50"),
                duration
            ),
            cell(config("command", "service-json", "warm_p50"), duration),
        ));
    }
    // Ratios, not times: each was measured against native runs interleaved with it, so
    // the two builds, measured minutes apart, compare fairly.
    let (mut faster, mut slower) = (Vec::new(), Vec::new());
    for w in &b.workloads {
        let a = at(&w.service, "wasmtime", "component", Some(&w.workload));
        let (Some(after), Some(before)) = (
            b.get(a, "wasm_native_ratio"),
            b.entry(a, "wasm_native_ratio", Some(BEFORE_WASM_OPT)),
        ) else {
            continue;
        };
        let change = format!("{} {} → {}", w.workload, ratio(before.value), ratio(after));
        if after < 0.95 * before.value {
            faster.push(change);
        } else if after > 1.05 * before.value {
            slower.push(change);
        }
    }
    if !faster.is_empty() || !slower.is_empty() {
        let mut text = String::from(
            "`wasm-opt -Oz`, the build's last step, changes the speed of warm calls, not only \
             the artifacts' size (wasm/native ratio as cargo built the component → after \
             wasm-opt, where it moved by more than 5 %)",
        );
        if !faster.is_empty() {
            text += &format!("; faster: {}", faster.join(", "));
        }
        if !slower.is_empty() {
            text += &format!(
                "; slower: {} (`-Oz` trades speed for size; kept, as the size goals ask for it)",
                slower.join(", ")
            );
        }
        found.push(text + ".");
    }
    found
}

/// Every chart: (file name, SVG).
pub fn charts(b: &Bench) -> Vec<(String, String)> {
    vec![
        (
            "cold-start.svg".to_owned(),
            svg::render(&cold_start_chart(b)),
        ),
        ("ratios.svg".to_owned(), svg::render(&ratio_chart(b))),
        ("sizes.svg".to_owned(), svg::render(&size_chart(b))),
    ]
}

fn cold_start_chart(b: &Bench) -> Chart {
    let panels = b
        .services()
        .into_iter()
        .map(|service| Panel {
            title: service.to_owned(),
            rows: b
                .workloads_of(service)
                .into_iter()
                .map(|w| {
                    let get = |m| b.get(at(service, "wasmtime", "component", Some(w)), m);
                    let load = b
                        .get(
                            at(service, "wasmtime", "component", None),
                            "load_precompiled",
                        )
                        .map(|ms| ms * 1e3);
                    let segments = [
                        load,
                        get("instantiate_p50"),
                        get("create_p50"),
                        get("first_call"),
                    ];
                    Row {
                        label: w.to_owned(),
                        bars: vec![
                            segments
                                .iter()
                                .enumerate()
                                .filter_map(|(i, v)| v.map(|v| (i, v)))
                                .collect(),
                        ],
                        marker: None,
                    }
                })
                .collect(),
        })
        .collect();
    Chart {
        title: "From the .cwasm to the first response, by phase (wasmtime component)".into(),
        axis: "µs, p50 of each phase; each service on its own scale".into(),
        log: false,
        series: vec![
            "load .cwasm".into(),
            "instantiate".into(),
            "create".into(),
            "first call".into(),
        ],
        panels,
        lines: Vec::new(),
        format: duration,
    }
}

fn ratio_chart(b: &Bench) -> Chart {
    let mut series = vec!["wasmtime component (warm call)".to_owned()];
    let commands = b.command_runtimes();
    series.extend(
        commands
            .iter()
            .map(|r| format!("{r} command (whole request)")),
    );
    let panels = b
        .services()
        .into_iter()
        .map(|service| Panel {
            title: service.to_owned(),
            rows: b
                .workloads_of(service)
                .into_iter()
                .map(|w| {
                    let mut bars = Vec::new();
                    let component = b.get(
                        at(service, "wasmtime", "component", Some(w)),
                        "wasm_native_ratio",
                    );
                    bars.extend(component.map(|r| vec![(0, r)]));
                    for (i, runtime) in commands.iter().enumerate() {
                        let r = b.get(
                            at(service, runtime, "command", Some(w)),
                            "wasm_native_ratio",
                        );
                        bars.extend(r.map(|r| vec![(i + 1, r)]));
                    }
                    Row {
                        label: w.to_owned(),
                        bars,
                        marker: None,
                    }
                })
                .collect(),
        })
        .collect();
    Chart {
        title: "wasm / native, warm (log scale; 1 = native speed)".into(),
        axis: "ratio of medians, measured interleaved".into(),
        log: true,
        series,
        panels,
        lines: vec![(1.10, "1.10".into()), (1.25, "1.25".into())],
        format: ratio,
    }
}

fn size_chart(b: &Bench) -> Chart {
    let goal = |service: &str| match service {
        "token" => Some(400e3),
        "config" => Some(900e3),
        "thumbnail" => Some(1.2e6),
        _ => None,
    };
    let rows = b
        .services()
        .into_iter()
        .flat_map(|service| {
            ["component", "command"]
                .into_iter()
                .map(move |form| (service, form))
        })
        .map(|(service, form)| {
            let get = |m| b.get(at(service, "wasm", form, None), m);
            let bars = [get("size_bytes"), get("size_wasm_opt_bytes")]
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| vec![(i, v)]))
                .collect();
            Row {
                label: format!("{service} {form}"),
                bars,
                marker: goal(service)
                    .filter(|_| form == "component")
                    .map(|g| (g, format!("goal {}", bytes(g)))),
            }
        })
        .collect();
    Chart {
        title: "Artifact size (dashed: the component's goal)".into(),
        axis: "bytes".into(),
        log: false,
        series: vec![
            "as cargo built it".into(),
            "after wasm-opt -Oz (shipped)".into(),
        ],
        panels: vec![Panel {
            title: "artifacts".into(),
            rows,
        }],
        lines: Vec::new(),
        format: bytes,
    }
}

fn cell(value: Option<f64>, show: fn(f64) -> String) -> String {
    value.map_or_else(|| "–".to_owned(), show)
}

/// BENCHMARKS.md.
pub fn markdown(b: &Bench, charts: &str) -> String {
    let mut md = String::new();
    let m = &b.machine;
    let _ = writeln!(
        md,
        "# Benchmarks\n\n\
         Generated by `cargo xtask bench --update` from `target/bench/bench.json` (fields in \
         `shared/DESIGN.md`); do not edit by hand. Measured {} at commit `{}`, a {} run of \
         {:.0} s. What is measured and how: `targets/src/bench/` and [method](#method).\n",
        b.generated, b.commit, b.mode, b.seconds
    );
    let _ = writeln!(md, "## Machine and versions\n");
    let memory = m["memory_bytes"].as_f64().map_or("?".to_owned(), |v| {
        format!("{:.1} GiB", v / f64::from(1u32 << 30))
    });
    let load = |key: &str| {
        m[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .unwrap_or_else(|| "?".to_owned())
    };
    let _ = writeln!(
        md,
        "| | |\n|---|---|\n\
         | CPU | {} ({} MHz), {} cores, {} |\n\
         | memory | {memory} |\n\
         | OS | {}, kernel {} |\n\
         | load average (1/5/15 min) | {} before, {} after |\n\
         | rustc | {} |\n\
         | wasmtime / Wasmer / wasmi | {} / {} / {} |\n\
         | binaryen (wasm-opt) | {} |\n",
        b.text(m, &["cpu"]),
        b.text(m, &["cpu_mhz"]),
        b.text(m, &["cores"]),
        b.text(m, &["arch"]),
        b.text(m, &["os"]),
        b.text(m, &["kernel"]),
        load("load_average_before"),
        load("load_average_after"),
        b.text(&b.versions, &["rustc"]),
        b.text(&b.versions, &["wasmtime"]),
        b.text(&b.versions, &["wasmer"]),
        b.text(&b.versions, &["wasmi"]),
        b.text(&b.versions, &["binaryen"]),
    );
    let _ = writeln!(
        md,
        "The machine is a shared two-core VM: other work ran beside the benchmarks (see \
         the load average), so absolute times are higher and noisier than on an idle \
         machine. Ratios are less affected: each wasm run is timed right after the native \
         run it is compared with.\n"
    );

    // Goals.
    let _ = writeln!(
        md,
        "## Goals (issue #7)\n\nPrinted beside the measured values; never asserted in \
         tests.\n\n| metric | goal | measured | |\n|---|---|---|---|"
    );
    let goals = goals(b);
    for g in &goals {
        let verdict = match g.met {
            Some(true) => "met",
            Some(false) => "**not met**",
            None => "not measured",
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {verdict} |",
            g.metric, g.goal, g.measured
        );
    }
    let unmet: Vec<&Goal> = goals.iter().filter(|g| g.met == Some(false)).collect();
    if !unmet.is_empty() {
        let _ = writeln!(md, "\n### What stands in the way\n");
        for g in unmet {
            let _ = writeln!(
                md,
                "- **{}** ({}): {}",
                g.metric,
                g.goal,
                g.obstacle.as_deref().unwrap_or("")
            );
        }
    }

    let found = findings(b);
    if !found.is_empty() {
        let _ = writeln!(md, "\n## Findings\n");
        for finding in found {
            let _ = writeln!(md, "- {finding}");
        }
    }

    // Workloads.
    let _ = writeln!(
        md,
        "\n## Workloads\n\n| service | workload | |\n|---|---|---|"
    );
    for w in &b.workloads {
        let _ = writeln!(
            md,
            "| {} | `{}` | {} |",
            w.service, w.workload, w.description
        );
    }

    // Cold path.
    let _ = writeln!(
        md,
        "\n## From the artifact to the first response (wasmtime component)\n\n\
         ![phases]({charts}/cold-start.svg)\n\n\
         p50 (p99) in µs unless marked. *load* is `Component::deserialize_file` of the \
         `.cwasm`; *instantiate* a fresh `Store` with its WASI context and `InstancePre::\
         instantiate` from the pool (*of it, store*: the `Store` and WASI context alone); \
         *create* the resource from the deployment config on that fresh instance (*create, \
         warm instance*: the same on an instance that has run before); *first call* the \
         first request on it; *cold start* all of it from the file, timed as one; \
         *teardown* dropping the store.\n\n\
         | workload | load | instantiate | of it, store | create | create, warm instance | first call | cold start | teardown |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    for service in b.services() {
        let load = b.get(
            at(service, "wasmtime", "component", None),
            "load_precompiled",
        );
        for w in b.workloads_of(service) {
            let a = at(service, "wasmtime", "component", Some(w));
            let pair = |name: &str| {
                let p50 = b.get(a, &format!("{name}_p50"));
                let p99 = b.get(a, &format!("{name}_p99"));
                match (p50, p99) {
                    (Some(p50), Some(p99)) => format!("{} ({})", duration(p50), duration(p99)),
                    _ => "–".to_owned(),
                }
            };
            let first = match (b.get(a, "first_call"), b.get(a, "first_call_p99")) {
                (Some(p50), Some(p99)) => format!("{} ({})", duration(p50), duration(p99)),
                _ => "–".to_owned(),
            };
            let _ = writeln!(
                md,
                "| {service} `{w}` | {} | {} | {} | {} | {} | {first} | {} | {} |",
                cell(load, |ms| duration(ms * 1e3)),
                pair("instantiate"),
                pair("store"),
                pair("create"),
                pair("create_warm"),
                pair("cold_start"),
                pair("teardown"),
            );
        }
    }

    // Warm calls and ratios.
    let commands = b.command_runtimes();
    let _ = writeln!(
        md,
        "\n## Warm: wasm against native\n\n![ratios]({charts}/ratios.svg)\n\n\
         *Component*: the service's method on an instance that has served before (the \
         resource created once), against the same call on the core crate natively. \
         *Command*: a whole request on a fresh instance (read the JSON request, create, \
         call, write the JSON response), against the native core doing the same from the \
         same JSON text. p50 / p99, and the ratio of the medians; each wasm run is timed \
         right after a native one.\n"
    );
    let mut header =
        "| workload | native call | wasmtime component | ratio | native request |".to_owned();
    let mut rule = "|---|---|---|---|---|".to_owned();
    for r in &commands {
        let _ = write!(header, " {r} command | ratio |");
        rule.push_str("---|---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    for service in b.services() {
        for w in b.workloads_of(service) {
            let c = at(service, "wasmtime", "component", Some(w));
            let p = |a: At<'_>| match (b.get(a, "warm_p50"), b.get(a, "warm_p99")) {
                (Some(p50), Some(p99)) => format!("{} / {}", duration(p50), duration(p99)),
                _ => "–".to_owned(),
            };
            let native_serve = commands
                .first()
                .and_then(|r| b.get(at(service, r, "command", Some(w)), "native_p50"));
            let _ = write!(
                md,
                "| {service} `{w}` | {} | {} | {} | {} |",
                cell(b.get(c, "native_p50"), duration),
                p(c),
                cell(b.get(c, "wasm_native_ratio"), ratio),
                cell(native_serve, duration),
            );
            for r in &commands {
                let a = at(service, r, "command", Some(w));
                let _ = write!(
                    md,
                    " {} | {} |",
                    p(a),
                    cell(b.get(a, "wasm_native_ratio"), ratio)
                );
            }
            md.push('\n');
        }
    }

    // Throughput.
    let tokens: Vec<&str> = b
        .workloads_of("token")
        .into_iter()
        .filter(|w| {
            b.get(
                at("token", "native", "native", Some(w)),
                "throughput_warm_rps",
            )
            .is_some()
        })
        .collect();
    if !tokens.is_empty() {
        let threads = b.text(&b.settings, &["threads"]);
        let _ = writeln!(
            md,
            "\n## Throughput of the token verifier ({threads} threads)\n\n\
             Requests per second on {threads} threads together, each with its own instances \
             from the pool: *fresh* a new instance per request (instantiate, create, verify, \
             drop), as a per-request isolating platform runs it; *warm* one instance per \
             thread, reused. Native: a verifier per request, or one per thread.\n\n\
             | workload | wasmtime fresh | native fresh | wasmtime warm | native warm |\n\
             |---|---|---|---|---|"
        );
        for w in tokens {
            let get = |runtime, form, metric| b.get(at("token", runtime, form, Some(w)), metric);
            let _ = writeln!(
                md,
                "| `{w}` | {} | {} | {} | {} |",
                cell(get("wasmtime", "component", "throughput_fresh_rps"), rate),
                cell(get("native", "native", "throughput_fresh_rps"), rate),
                cell(get("wasmtime", "component", "throughput_warm_rps"), rate),
                cell(get("native", "native", "throughput_warm_rps"), rate),
            );
        }
    }

    // Compile, load, size.
    let _ = writeln!(
        md,
        "\n## Compile, load, size\n\n![sizes]({charts}/sizes.svg)\n\n\
         *compile*: cranelift from the `.wasm` bytes, once (wasmtime: both cores; the \
         Wasmer column with its metering middleware); *load*: `deserialize_file` of the \
         `.cwasm`, p50. Every column after the sizes is of the artifact after wasm-opt \
         (what the build ships).\n\n\
         | artifact | size as cargo built it | after wasm-opt -Oz | .cwasm | wasmtime compile | load |{}\n\
         |---|---|---|---|---|---|{}",
        commands
            .iter()
            .skip(1)
            .map(|r| format!(" {r} compile |"))
            .collect::<String>(),
        "---|".repeat(commands.len().saturating_sub(1)),
    );
    for service in b.services() {
        for form in ["component", "command"] {
            let w = at(service, "wasmtime", form, None);
            let others: Vec<String> = commands
                .iter()
                .skip(1)
                .map(|r| {
                    let a = at(service, r, form, None);
                    cell(b.get(a, "compile"), |ms| duration(ms * 1e3))
                })
                .collect();
            let _ = writeln!(
                md,
                "| {service} {form} | {} | {} | {} | {} | {} |{}",
                cell(b.get(at(service, "wasm", form, None), "size_bytes"), bytes),
                cell(
                    b.get(at(service, "wasm", form, None), "size_wasm_opt_bytes"),
                    bytes
                ),
                cell(b.get(w, "size_cwasm_bytes"), bytes),
                cell(b.get(w, "compile"), |ms| duration(ms * 1e3)),
                cell(b.get(w, "load_precompiled"), |ms| duration(ms * 1e3)),
                others.iter().map(|o| format!(" {o} |")).collect::<String>(),
            );
        }
    }

    // Memory.
    let _ = writeln!(
        md,
        "\n## Peak linear memory per instance\n\n\
         The instance's linear memory at its high-water mark (memories never shrink): after \
         the warm calls for the component, at exit for the command.\n\n\
         | workload | component | command |\n|---|---|---|"
    );
    for service in b.services() {
        for w in b.workloads_of(service) {
            let get = |form| b.get(at(service, "wasmtime", form, Some(w)), "peak_memory_bytes");
            let _ = writeln!(
                md,
                "| {service} `{w}` | {} | {} |",
                cell(get("component"), bytes),
                cell(get("command"), bytes)
            );
        }
    }

    // The effect of wasm-opt on speed.
    let built: BTreeSet<&str> = b
        .results
        .iter()
        .filter(|e| e.build.is_some())
        .map(|e| e.service.as_str())
        .collect();
    let optimized: Vec<&str> = b
        .services()
        .into_iter()
        .filter(|s| built.contains(s))
        .collect();
    if !optimized.is_empty() {
        let _ = writeln!(
            md,
            "\n## The components before wasm-opt, measured\n\n\
             Everything above measures the artifacts as `cargo xtask build` ships them, after \
             `wasm-opt -Oz`. The same measurements on the components as cargo built them \
             show what `-Oz` gains or costs besides size.\n\n\
             | workload | warm p50, before wasm-opt | after | ratio, before wasm-opt | after | instantiate, before wasm-opt | after |\n\
             |---|---|---|---|---|---|---|"
        );
        for service in optimized {
            for w in b.workloads_of(service) {
                let a = at(service, "wasmtime", "component", Some(w));
                let before = |metric| b.entry(a, metric, Some(BEFORE_WASM_OPT)).map(|e| e.value);
                let _ = writeln!(
                    md,
                    "| {service} `{w}` | {} | {} | {} | {} | {} | {} |",
                    cell(before("warm_p50"), duration),
                    cell(b.get(a, "warm_p50"), duration),
                    cell(before("wasm_native_ratio"), ratio),
                    cell(b.get(a, "wasm_native_ratio"), ratio),
                    cell(before("instantiate_p50"), duration),
                    cell(b.get(a, "instantiate_p50"), duration),
                );
            }
        }
    }

    // Method.
    let s = &b.settings;
    let _ = writeln!(
        md,
        "\n## Method\n\n\
         - **wasmtime**: {}.\n\
         - **native**: {}.\n\
         - **guests**: {}.\n\
         - **Wasmer**: {}; **wasmi**: {} — whole command runs through the harness's own \
           targets.\n\
         - Every response is checked against the native reference's before its timings \
           count; a runtime that answers differently fails the run.\n\
         - Percentiles by nearest rank over the timed runs after warm-up (bench.json has \
           the sample count of each value; with fewer than 100 samples the p99 is the \
           maximum). Ratios are of medians measured interleaved, native run then wasm run.\n\
         - `cargo xtask bench --quick` is a smoke run (a 2 MP image, few iterations, no \
           Wasmer, no measurement of the components before wasm-opt), part of `cargo xtask \
           ci`; its numbers are not for this file.",
        b.text(s, &["wasmtime"]),
        b.text(s, &["native"]),
        b.text(s, &["wasm"]),
        b.text(s, &["wasmer"]),
        b.text(s, &["wasmi"]),
    );
    md
}

#[cfg(test)]
mod tests {
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
    fn units_read_as_people_write_them() {
        assert_eq!(duration(0.5), "0.50 µs");
        assert_eq!(duration(8.04), "8.0 µs");
        assert_eq!(duration(850.2), "850 µs");
        assert_eq!(duration(1234.0), "1.23 ms");
        assert_eq!(duration(56_700.0), "56.7 ms");
        assert_eq!(duration(2_500_000.0), "2.50 s");
        assert_eq!(bytes(520_555.0), "521 KB");
        assert_eq!(bytes(2_950_158.0), "2.95 MB");
        assert_eq!(ratio(1.104), "1.10×");
    }

    #[test]
    fn goals_are_judged_on_every_value_and_say_what_is_missing() {
        let goals = goals(&bench());
        let find = |prefix: &str| goals.iter().find(|g| g.metric.starts_with(prefix)).unwrap();
        let instantiate = find("token verifier instantiate");
        assert_eq!(instantiate.met, Some(true));
        assert_eq!(instantiate.measured, "8.0 µs");
        assert!(instantiate.obstacle.is_none());
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
    fn an_unmet_goal_says_what_stands_in_the_way() {
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
        assert!(ratios.obstacle.as_deref().unwrap().contains("64×64→128"));
        let md = markdown(&b, "docs/bench");
        assert!(md.contains("| **not met** |"), "{md}");
        assert!(md.contains("### What stands in the way"));
        assert!(md.contains("![ratios](docs/bench/ratios.svg)"));
        assert!(md.contains("| token `es256` |"));
    }

    #[test]
    fn charts_have_a_row_per_workload() {
        let b = bench();
        let charts = charts(&b);
        assert_eq!(charts.len(), 3);
        let ratios = &charts[1].1;
        assert!(ratios.contains(">es256<"));
        assert!(ratios.contains("wasmi command (whole request)"));
        assert!(ratios.contains("3.20×"));
    }
}
