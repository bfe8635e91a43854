//! The generated sections of BENCHMARKS.md as plain functions of bench.json: the run's facts,
//! the machine, the goals with the measured values, the tables and the chart links. Each
//! section is spliced between its markers by `markers.rs`; the prose around them, the
//! analysis of the run included, is BENCHMARKS.md's own and written by hand.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use conformance::bench::BEFORE_WASM_OPT;

use super::goals::goals;
use super::model::{At, Bench, at};
use super::units::{bytes, cell, duration, rate, ratio};

/// What a section holds when the run did not measure it.
const NOT_MEASURED: &str = "Not measured in this run.";

/// Every generated section of BENCHMARKS.md: (marker name, Markdown), in the file's order.
/// `charts` is the directory of the charts, relative to BENCHMARKS.md.
pub fn sections(b: &Bench, charts: &str) -> Vec<(&'static str, String)> {
    vec![
        ("run", run(b)),
        ("machine", machine(b)),
        ("goals", goal_table(b)),
        ("workloads", workloads(b)),
        ("cold-start", cold_start(b, charts)),
        ("warm", warm(b, charts)),
        ("throughput", throughput(b)),
        ("sizes", sizes(b, charts)),
        ("memory", memory(b)),
        ("before-wasm-opt", before_wasm_opt(b)),
        ("settings", settings(b)),
    ]
}

/// The facts of the run: when, at which commit, which mode, how long.
fn run(b: &Bench) -> String {
    format!(
        "Measured {} at commit `{}`, a {} run of {:.0} s.",
        b.generated, b.commit, b.mode, b.seconds
    )
}

fn machine(b: &Bench) -> String {
    let m = &b.machine;
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
    format!(
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
    )
}

/// The goals of issue #7 with the measured values, met or not.
fn goal_table(b: &Bench) -> String {
    let mut md = "| metric | goal | measured | |\n|---|---|---|---|\n".to_owned();
    for g in goals(b) {
        let verdict = match g.met {
            Some(false) => "**not met**",
            _ => g.verdict(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {verdict} |",
            g.metric, g.goal, g.measured
        );
    }
    md
}

fn workloads(b: &Bench) -> String {
    let mut md = "| service | workload | |\n|---|---|---|\n".to_owned();
    for w in &b.workloads {
        let _ = writeln!(
            md,
            "| {} | `{}` | {} |",
            w.service, w.workload, w.description
        );
    }
    md
}

/// From the artifact to the first response: its chart and the phases, p50 (p99).
fn cold_start(b: &Bench, charts: &str) -> String {
    let mut md = format!(
        "![phases]({charts}/cold-start.svg)\n\n\
         | workload | load | instantiate | of it, store | create | create, warm instance | first call | cold start | teardown |\n\
         |---|---|---|---|---|---|---|---|---|\n"
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
    md
}

/// Warm calls against native: the ratio chart, p50 / p99 and the ratios of the medians.
fn warm(b: &Bench, charts: &str) -> String {
    let commands = b.command_runtimes();
    let mut md = format!("![ratios]({charts}/ratios.svg)\n\n");
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
    md
}

/// Token verifications per second, fresh and warm instances, wasmtime and native.
fn throughput(b: &Bench) -> String {
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
    if tokens.is_empty() {
        return NOT_MEASURED.to_owned();
    }
    let mut md = format!(
        "Threads: {}.\n\n\
         | workload | wasmtime fresh | native fresh | wasmtime warm | native warm |\n\
         |---|---|---|---|---|\n",
        b.text(&b.settings, &["threads"])
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
    md
}

/// Compile, load and size of every artifact, with the size chart.
fn sizes(b: &Bench, charts: &str) -> String {
    let commands = b.command_runtimes();
    let mut md = format!(
        "![sizes]({charts}/sizes.svg)\n\n\
         | artifact | size as cargo built it | after wasm-opt -Oz | .cwasm | wasmtime compile | load |{}\n\
         |---|---|---|---|---|---|{}\n",
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
    md
}

/// Peak linear memory per instance, component and command.
fn memory(b: &Bench) -> String {
    let mut md = "| workload | component | command |\n|---|---|---|\n".to_owned();
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
    md
}

/// The components as cargo built them against the shipped ones (after wasm-opt).
fn before_wasm_opt(b: &Bench) -> String {
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
    if optimized.is_empty() {
        return NOT_MEASURED.to_owned();
    }
    let mut md = "| workload | warm p50, before wasm-opt | after | ratio, before wasm-opt | after | instantiate, before wasm-opt | after |\n\
                  |---|---|---|---|---|---|---|\n"
        .to_owned();
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
    md
}

/// The runtimes' and builds' settings as the run recorded them, one bullet each.
fn settings(b: &Bench) -> String {
    let s = &b.settings;
    [
        ("wasmtime", "wasmtime"),
        ("native", "native"),
        ("guests", "wasm"),
        ("Wasmer", "wasmer"),
        ("wasmi", "wasmi"),
    ]
    .iter()
    .map(|(name, key)| format!("- **{name}**: {}.\n", b.text(s, &[key])))
    .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::charts::charts;
    use super::super::markers;
    use super::*;

    /// A full run of two workloads with every table's metrics, some missing (`–`).
    fn fixture_json() -> String {
        let mut results = Vec::new();
        let mut e = |s: &str, r: &str, f: &str, w: Option<&str>, m: &str, v: f64| {
            let mut e = json!({"service": s, "runtime": r, "form": f, "metric": m, "value": v,
                               "unit": "us"});
            if let Some(w) = w {
                e["workload"] = w.into();
            }
            results.push(e);
        };
        for (s, w, k) in [("token", "es256", 1.0), ("thumbnail", "jpeg-12mp", 130.0)] {
            let (c, w) = ("component", Some(w));
            e(s, "wasmtime", c, None, "load_precompiled", 0.131 * k);
            for (m, v) in [
                ("instantiate", 42.8),
                ("store", 7.4),
                ("create", 84.7),
                ("cold_start", 1270.0),
                ("teardown", 24.7),
            ] {
                e(s, "wasmtime", c, w, &format!("{m}_p50"), v * k);
                e(s, "wasmtime", c, w, &format!("{m}_p99"), v * k * 1.4);
            }
            // No p99: the cell is `–`.
            e(s, "wasmtime", c, w, "create_warm_p50", 50.4 * k);
            e(s, "wasmtime", c, w, "first_call", 887.0 * k);
            e(s, "wasmtime", c, w, "first_call_p99", 993.0 * k);
            e(s, "wasmtime", c, w, "native_p50", 298.0 * k);
            e(s, "wasmtime", c, w, "warm_p50", 872.0 * k);
            e(s, "wasmtime", c, w, "warm_p99", 942.0 * k);
            e(s, "wasmtime", c, w, "wasm_native_ratio", 2.92 / k.sqrt());
            e(
                s,
                "wasmtime",
                c,
                w,
                "peak_memory_bytes",
                1_179_648.0 * k / 20.0,
            );
            for (r, f) in [("wasmtime", 1.0), ("wasmer", 1.9), ("wasmi", 40.0)] {
                e(s, r, "command", w, "warm_p50", 1070.0 * k * f);
                e(s, r, "command", w, "warm_p99", 1190.0 * k * f);
                e(s, r, "command", w, "wasm_native_ratio", 2.81 * f);
                e(s, r, "command", w, "native_p50", 383.0 * k);
                e(s, r, "command", None, "compile", 3.63 * f * k);
            }
            e(
                s,
                "wasmtime",
                "command",
                w,
                "peak_memory_bytes",
                117_964.8 * k,
            );
            for (form, z) in [("component", 521_000.0), ("command", 523_000.0)] {
                e(s, "wasm", form, None, "size_bytes", z * k / 60.0);
                e(s, "wasm", form, None, "size_wasm_opt_bytes", z * k / 70.0);
                e(
                    s,
                    "wasmtime",
                    form,
                    None,
                    "size_cwasm_bytes",
                    z * 3.0 * k / 60.0,
                );
            }
        }
        e(
            "token",
            "wasmtime",
            "command",
            None,
            "load_precompiled",
            0.086,
        );
        let es256 = Some("es256");
        e(
            "token",
            "native",
            "native",
            es256,
            "throughput_warm_rps",
            6621.0,
        );
        e(
            "token",
            "native",
            "native",
            es256,
            "throughput_fresh_rps",
            6273.0,
        );
        e(
            "token",
            "wasmtime",
            "component",
            es256,
            "throughput_warm_rps",
            2283.0,
        );
        e(
            "token",
            "wasmtime",
            "component",
            es256,
            "throughput_fresh_rps",
            1731.4,
        );
        for (m, v) in [
            ("warm_p50", 956.0),
            ("wasm_native_ratio", 3.2),
            ("instantiate_p50", 48.1),
        ] {
            e("token", "wasmtime", "component", es256, m, v);
        }
        // Those three: the component as cargo built it.
        for before in results.iter_mut().rev().take(3) {
            before["build"] = BEFORE_WASM_OPT.into();
        }
        let text = json!({
            "schema": 1, "generated": "2026-01-01T00:00:00Z", "commit": "abc1234",
            "mode": "full", "seconds": 255.4,
            "machine": {"cpu": "AMD EPYC", "cpu_mhz": "2596.152", "cores": 2, "arch": "x86_64",
                        "memory_bytes": 25_276_194_816_u64, "os": "Debian", "kernel": "6.1",
                        "load_average_before": [0.48, 1.09, 1.05],
                        "load_average_after": [1.11, 1.17, 1.09]},
            "versions": {"rustc": "rustc 1.95.0", "wasmtime": "48.0.8", "wasmer": "7.3.0",
                         "wasmi": "2.0.0", "binaryen": "132"},
            "settings": {"threads": 2, "wasmtime": "cranelift", "native": "opt-level 3",
                         "wasm": "opt-level s", "wasmer": "cranelift", "wasmi": "interpreter"},
            "workloads": [
                {"service": "token", "workload": "es256", "description": "ES256 JWT"},
                {"service": "thumbnail", "workload": "jpeg-12mp", "description": "12 MP JPEG"},
            ],
            "results": results,
        });
        text.to_string()
    }

    fn fixture() -> Bench {
        Bench::parse(&fixture_json()).unwrap()
    }

    /// The table rows `fixture()` rendered to before the prose left the code (BENCHMARKS.md
    /// was then one format string): the tables must stay as they were.
    const TABLES: &str = "
        | | |
        |---|---|
        | CPU | AMD EPYC (2596.152 MHz), 2 cores, x86_64 |
        | memory | 23.5 GiB |
        | OS | Debian, kernel 6.1 |
        | load average (1/5/15 min) | 0.48 / 1.09 / 1.05 before, 1.11 / 1.17 / 1.09 after |
        | rustc | rustc 1.95.0 |
        | wasmtime / Wasmer / wasmi | 48.0.8 / 7.3.0 / 2.0.0 |
        | binaryen (wasm-opt) | 132 |
        | metric | goal | measured | |
        |---|---|---|---|
        | token verifier instantiate, wasmtime pooling + InstancePre, p50 | ≤ 10 µs | 42.8 µs | **not met** |
        | precompiled artifact → first response, p99 (token verifier: load the .cwasm, instantiate, create, verify) | ≤ 1 ms | ES256 1.78 ms | **not met** |
        | wasm/native warm ratio, ES256 verify and schema validation (wasmtime) | ≤ 1.10 | ES256 2.92× | not measured |
        | wasm/native warm ratio, 12 MP JPEG → 256 px thumbnail (wasmtime) | ≤ 1.25 | 0.26× | met |
        | token component size after wasm-opt | ≤ 400 KB | 7 KB | met |
        | config component size after wasm-opt | ≤ 900 KB | not measured in this run | not measured |
        | thumbnail component size after wasm-opt | ≤ 1.2 MB | 968 KB | met |
        | peak linear memory per token-verifier instance | ≤ 1.5 MB | ES256 59 KB | met |
        | service | workload | |
        |---|---|---|
        | token | `es256` | ES256 JWT |
        | thumbnail | `jpeg-12mp` | 12 MP JPEG |
        | workload | load | instantiate | of it, store | create | create, warm instance | first call | cold start | teardown |
        |---|---|---|---|---|---|---|---|---|
        | token `es256` | 131 µs | 42.8 µs (59.9 µs) | 7.4 µs (10.4 µs) | 84.7 µs (119 µs) | – | 887 µs (993 µs) | 1.27 ms (1.78 ms) | 24.7 µs (34.6 µs) |
        | thumbnail `jpeg-12mp` | 17.0 ms | 5.56 ms (7.79 ms) | 962 µs (1.35 ms) | 11.0 ms (15.4 ms) | – | 115 ms (129 ms) | 165 ms (231 ms) | 3.21 ms (4.50 ms) |
        | workload | native call | wasmtime component | ratio | native request | wasmtime command | ratio | wasmer command | ratio | wasmi command | ratio |
        |---|---|---|---|---|---|---|---|---|---|---|
        | token `es256` | 298 µs | 872 µs / 942 µs | 2.92× | 383 µs | 1.07 ms / 1.19 ms | 2.81× | 2.03 ms / 2.26 ms | 5.34× | 42.8 ms / 47.6 ms | 112.40× |
        | thumbnail `jpeg-12mp` | 38.7 ms | 113 ms / 122 ms | 0.26× | 49.8 ms | 139 ms / 155 ms | 2.81× | 264 ms / 294 ms | 5.34× | 5.56 s / 6.19 s | 112.40× |
        | workload | wasmtime fresh | native fresh | wasmtime warm | native warm |
        |---|---|---|---|---|
        | `es256` | 1731/s | 6273/s | 2283/s | 6621/s |
        | artifact | size as cargo built it | after wasm-opt -Oz | .cwasm | wasmtime compile | load | wasmer compile | wasmi compile |
        |---|---|---|---|---|---|---|---|
        | token component | 9 KB | 7 KB | 26 KB | – | 131 µs | – | – |
        | token command | 9 KB | 7 KB | 26 KB | 3.63 ms | 86.0 µs | 6.90 ms | 145 ms |
        | thumbnail component | 1.13 MB | 968 KB | 3.39 MB | – | 17.0 ms | – | – |
        | thumbnail command | 1.13 MB | 971 KB | 3.40 MB | 472 ms | – | 897 ms | 18.9 s |
        | workload | component | command |
        |---|---|---|
        | token `es256` | 59 KB | 118 KB |
        | thumbnail `jpeg-12mp` | 7.67 MB | 15.3 MB |
        | workload | warm p50, before wasm-opt | after | ratio, before wasm-opt | after | instantiate, before wasm-opt | after |
        |---|---|---|---|---|---|---|
        | token `es256` | 956 µs | 872 µs | 3.20× | 2.92× | 48.1 µs | 42.8 µs |
    ";

    fn rows(md: &str) -> Vec<&str> {
        md.lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with('|'))
            .collect()
    }

    #[test]
    fn the_tables_are_the_ones_rendered_before() {
        let md: String = sections(&fixture(), "docs/bench")
            .into_iter()
            .map(|(_, text)| text + "\n")
            .collect();
        assert_eq!(rows(&md), rows(TABLES));
    }

    #[test]
    fn every_section_has_its_markers_and_its_facts() {
        let b = fixture();
        let sections = sections(&b, "docs/bench");
        let doc: String = sections
            .iter()
            .map(|(name, _)| {
                format!("## {name}\n\n<!-- generated: {name} start -->\n<!-- generated: {name} end -->\n")
            })
            .collect();
        let md = markers::splice(&doc, &sections).unwrap();
        for fact in [
            "Measured 2026-01-01T00:00:00Z at commit `abc1234`, a full run of 255 s.",
            "![phases](docs/bench/cold-start.svg)",
            "![ratios](docs/bench/ratios.svg)",
            "![sizes](docs/bench/sizes.svg)",
            "Threads: 2.",
            "- **wasmtime**: cranelift.\n- **native**: opt-level 3.\n- **guests**: opt-level s.\n\
             - **Wasmer**: cranelift.\n- **wasmi**: interpreter.\n",
            "| **not met** |",
        ] {
            assert!(md.contains(fact), "{fact} missing from\n{md}");
        }
        // No analysis in the generated text: that is BENCHMARKS.md's prose.
        assert!(!md.contains("stands in the way"), "{md}");
    }

    #[test]
    fn a_run_without_throughput_or_the_build_before_wasm_opt_says_so() {
        let mut b = fixture();
        b.results
            .retain(|e| e.build.is_none() && !e.metric.starts_with("throughput"));
        let sections = sections(&b, "docs/bench");
        let get = |name| &sections.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(get("throughput"), NOT_MEASURED);
        assert_eq!(get("before-wasm-opt"), NOT_MEASURED);
    }

    #[test]
    fn charts_have_a_row_per_workload() {
        let charts = charts(&fixture());
        assert_eq!(charts.len(), 3);
        let ratios = &charts[1].1;
        assert!(ratios.contains(">es256<"));
        assert!(ratios.contains("wasmi command (whole request)"));
        assert!(ratios.contains("2.92×"));
        // The goals' thresholds, from the goals' table.
        assert!(
            ratios.contains(">1.10<") && ratios.contains(">1.25<"),
            "{ratios}"
        );
        assert!(charts[2].1.contains("goal 400 KB"));
    }
}
