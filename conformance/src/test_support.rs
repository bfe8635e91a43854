//! What the crate's tests share, unit tests and the integration tests in `tests/` alike (so
//! it is compiled always, and hidden from the docs): the one sample matrix and small helpers
//! to build and read matrices and reports.

use serde_json::{Value, json};

use crate::expectations::{Expectation, Expectations};
use crate::matrix::{Cell, DENY_BY_DEFAULT, Matrix, PROBE_SERVICE, ProbeInfo, RuntimeInfo, Status};
use crate::target::{Form, Kind};

pub fn runtime(id: &str, forms: &[Form], available: bool) -> RuntimeInfo {
    RuntimeInfo {
        id: id.into(),
        version: format!("{id} 1.0"),
        kind: Kind::Embedded,
        available,
        reason: if available {
            String::new()
        } else {
            format!("{id} is not installed")
        },
        forms: forms.to_vec(),
        settings: String::new(),
    }
}

pub fn probe(
    id: &str,
    group: &str,
    runtime: &str,
    status: Status,
    verdict: Option<&str>,
    observed: Option<Value>,
    detail: &str,
) -> Cell {
    Cell {
        detail: detail.into(),
        millis: 3.0,
        observed,
        verdict: verdict.map(str::to_owned),
        ..Cell::new(runtime, Form::Command, [PROBE_SERVICE, group, id], status)
    }
}

/// A matrix with service cells and probe cells on three runtimes (and one that is not
/// available): every mark, a security finding on `wasmer`, a crash on `node`, a known
/// violation, a probe the manifest does not list, and expectations explaining one.
pub fn sample() -> (Matrix, Expectations) {
    use Status::{Error, Fail, Pass, Unsupported};
    let info = |id: &str, group: &str, description: &str| ProbeInfo {
        id: id.into(),
        group: group.into(),
        description: description.into(),
    };
    let service = |case: &str, runtime: &str, form, status, detail: &str| Cell {
        detail: detail.into(),
        millis: 1.0,
        ..Cell::new(runtime, form, ["token", "keys", case], status)
    };
    let secret = json!({"preopens": [], "std_read": {"/etc/passwd": "ENOTCAPABLE"}});
    let leaked = json!({"preopens": ["/"], "std_read": {"/etc/passwd": "ok"}});
    let cells = vec![
        service("a", "wasmtime", Form::Component, Pass, ""),
        service(
            "a",
            "wasmtime",
            Form::Command,
            Fail,
            "/ok: expected 1, observed 2",
        ),
        service("a", "wasmer", Form::Command, Pass, ""),
        probe(
            "clock-realtime-res",
            "clocks",
            "wasmtime",
            Pass,
            Some("info"),
            Some(json!(1)),
            "",
        ),
        probe(
            "clock-realtime-res",
            "clocks",
            "wasmer",
            Pass,
            Some("info"),
            Some(json!(1000)),
            "",
        ),
        probe(
            "clock-realtime-res",
            "clocks",
            "node",
            Error,
            None,
            Some(json!({"exit": 139})),
            "driver crashed: SIGSEGV\nbacktrace",
        ),
        probe(
            "clock-monotonic-order",
            "clocks",
            "wasmtime",
            Pass,
            Some("conforms"),
            Some(json!({"backwards": 0})),
            "",
        ),
        probe(
            "clock-monotonic-order",
            "clocks",
            "wasmer",
            Pass,
            Some("conforms"),
            Some(json!({"backwards": 0})),
            "",
        ),
        probe(
            "clock-monotonic-order",
            "clocks",
            "node",
            Pass,
            Some("conforms"),
            Some(json!({"backwards": 0})),
            "",
        ),
        probe(
            "fs-readdir-cookies",
            "filesystem",
            "wasmtime",
            Pass,
            Some("conforms"),
            Some(json!("stable")),
            "",
        ),
        probe(
            "fs-readdir-cookies",
            "filesystem",
            "wasmer",
            Fail,
            Some("violates"),
            Some(json!({"errno": "EINVAL", "entries": ["a", "b", "c|d", "e`f"], "resumed_at": 2})),
            "a cookie from fd_readdir must resume after that entry",
        ),
        probe(
            "fs-readdir-cookies",
            "filesystem",
            "node",
            Unsupported,
            None,
            None,
            "no filesystem",
        ),
        probe(
            "exit-42",
            "exit",
            "wasmtime",
            Pass,
            None,
            Some(json!({"exit": 42})),
            "",
        ),
        probe(
            "exit-42",
            "exit",
            "wasmer",
            Fail,
            None,
            Some(json!({"exit": 1})),
            "expected exit code 42, observed 1",
        ),
        probe(
            "deny-read-host-file",
            DENY_BY_DEFAULT,
            "wasmtime",
            Pass,
            Some("conforms"),
            Some(secret.clone()),
            "",
        ),
        probe(
            "deny-read-host-file",
            DENY_BY_DEFAULT,
            "wasmer",
            Fail,
            Some("finding"),
            Some(leaked),
            "a guest reaches only what the host granted: no preopen, no host file",
        ),
        probe(
            "deny-read-host-file",
            DENY_BY_DEFAULT,
            "node",
            Pass,
            Some("conforms"),
            Some(secret),
            "",
        ),
        probe(
            "deny-env-secret",
            DENY_BY_DEFAULT,
            "wasmtime",
            Pass,
            Some("conforms"),
            Some(json!({"HOST_SECRET": null})),
            "",
        ),
        probe(
            "deny-env-secret",
            DENY_BY_DEFAULT,
            "wasmer",
            Pass,
            Some("conforms"),
            Some(json!({"HOST_SECRET": null})),
            "",
        ),
        probe(
            "deny-env-secret",
            DENY_BY_DEFAULT,
            "node",
            Pass,
            Some("conforms"),
            Some(json!({"HOST_SECRET": null})),
            "",
        ),
        probe(
            "extra-probe",
            "misc",
            "wasmtime",
            Pass,
            Some("info"),
            Some(json!("")),
            "",
        ),
    ];
    let matrix = Matrix {
        schema: 1,
        generated: "2026-11-22T02:38:55Z".into(),
        commit: "abc1234".into(),
        runtimes: vec![
            runtime("wasmtime", &[Form::Component, Form::Command], true),
            runtime("wasmer", &[Form::Command], true),
            runtime("node", &[Form::Command], true),
            runtime("ghost", &[Form::Command], false),
        ],
        cells,
        probes: vec![
            info(
                "clock-realtime-res",
                "clocks",
                "Resolution clock_res_get reports (ns).",
            ),
            info(
                "clock-monotonic-order",
                "clocks",
                "The monotonic clock never goes back.",
            ),
            info(
                "fs-readdir-cookies",
                "filesystem",
                "fd_readdir cookies resume | in order.",
            ),
            info(
                "exit-42",
                "exit",
                "proc_exit(42): the host sees exit code 42.",
            ),
            info(
                "deny-read-host-file",
                DENY_BY_DEFAULT,
                "Reading host files fails.",
            ),
            info(
                "deny-env-secret",
                DENY_BY_DEFAULT,
                "The host's HOST_SECRET is not visible.",
            ),
            info("never-ran", "clocks", "A probe no runtime ran."),
        ],
    };
    let expectations = Expectations {
        expectations: vec![Expectation {
            verdict: None,
            runtime: "wasmer".into(),
            form: "command".into(),
            service: PROBE_SERVICE.into(),
            case: "fs-readdir-cookies".into(),
            status: Status::Fail,
            reason: "wasmer's cookies are indexes into a re-read directory".into(),
        }],
    };
    (matrix, expectations)
}

/// The cell of `probe` (a case) on `runtime`, to change it.
pub fn cell_of<'a>(matrix: &'a mut Matrix, probe: &str, runtime: &str) -> &'a mut Cell {
    matrix
        .cells
        .iter_mut()
        .find(|c| c.case == probe && c.runtime == runtime)
        .unwrap_or_else(|| panic!("no cell {probe} on {runtime}"))
}

/// The lines of the Markdown `text` from the one that is `heading` to the next `## `
/// heading.
pub fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| *l != heading);
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no {heading:?} in\n{text}"));
    std::iter::once(first)
        .chain(lines.take_while(|l| !l.starts_with("## ")))
        .collect()
}
