//! The three charts of BENCHMARKS.md from bench.json, drawn by `svg.rs`.

use super::goals;
use super::model::{Bench, at};
use super::svg::{self, Chart, Panel, Row};
use super::units::{bytes, duration, ratio};

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
        lines: goals::ratio_lines(),
        format: ratio,
    }
}

fn size_chart(b: &Bench) -> Chart {
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
                marker: goals::size_limit(service)
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
