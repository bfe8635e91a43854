//! `matrix.html` in a real browser: renders a small synthetic matrix to a page, loads it in
//! headless Chromium (`chromium --headless --dump-dom`), and reads the table the page's
//! script drew — rows, columns, entries and their status classes, filters and the detail of
//! a clicked entry (opened through the URL fragment, as a link would) — from the DOM it
//! dumps. A string match on the generated HTML would not show that the script works. The
//! WASI behaviour section is read the same way, and its colours as the browser computed
//! them (a test-only script copies each entry's computed background into `data-bg`).
//!
//! Needs Chromium: Debian's `chromium` package, which `cargo xtask setup` installs (or
//! `CONFORMANCE_CHROMIUM=/path/to/chrome`). Without it these tests fail, saying so; set
//! `CONFORMANCE_NO_BROWSER=1` to skip them on a machine that cannot have a browser.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conformance::Form;
use conformance::expectations::{Expectation, Expectations};
use conformance::matrix::{Cell, Matrix, RuntimeInfo, Status};
use conformance::report::html;
use conformance::test_support::{self, runtime};
use serde_json::json;

const LOAD_TIMEOUT: Duration = Duration::from_secs(90);

fn skipped() -> bool {
    if std::env::var_os("CONFORMANCE_NO_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("CONFORMANCE_NO_BROWSER=1: not checking matrix.html in a browser");
        return true;
    }
    false
}

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CONFORMANCE_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            if dir.join(name).is_file() {
                return dir.join(name);
            }
        }
    }
    panic!(
        "Chromium not found (looked for `chromium` and `chromium-browser` on PATH): this test \
         renders matrix.html in a headless browser. Install it with `cargo xtask setup` \
         (Debian: `apt-get install chromium`), point CONFORMANCE_CHROMIUM at a Chrome or \
         Chromium binary, or set CONFORMANCE_NO_BROWSER=1 to skip the browser tests"
    );
}

/// A fresh directory for one page and its browser profile.
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "conformance-html-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_url(path: &Path, fragment: &str) -> String {
    let mut url = String::from("file://");
    for b in path.to_str().expect("a UTF-8 temp path").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(char::from(b))
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// Writes the page, opens it at `#fragment` in headless Chromium and returns the DOM the
/// script left.
fn rendered(page: &str, fragment: &str) -> String {
    let dir = scratch();
    let path = dir.join("matrix.html");
    std::fs::write(&path, page).unwrap();
    let (stdout, stderr) = (dir.join("dom.html"), dir.join("chromium.log"));
    let started = Instant::now();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg("--dump-dom")
        .arg(file_url(&path, fragment))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("starting Chromium: {e}"));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LOAD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium did not finish within {LOAD_TIMEOUT:?}; its log:\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let dom = std::fs::read_to_string(&stdout).unwrap();
    assert!(
        status.success() && dom.contains("</html>"),
        "Chromium failed ({status}); its log:\n{}",
        std::fs::read_to_string(&stderr).unwrap_or_default()
    );
    eprintln!(
        "rendered {} in {:.1} s",
        file_url(&path, fragment),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    dom
}

// --- A few lines of DOM reading: Chromium serialises every attribute as name="value". ---

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The part of `dom` from the opening tag that starts with `opening` to its `</tag>`
/// (tables and sections here do not nest in themselves).
fn element<'a>(dom: &'a str, opening: &str) -> Option<&'a str> {
    let start = dom.find(opening)?;
    let tag: String = opening[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let end = start + dom[start..].find(&format!("</{tag}>"))?;
    Some(&dom[start..end])
}

#[derive(Debug)]
struct Tag {
    attrs: String,
    /// Everything up to the closing tag, tags removed.
    text: String,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<String> {
        let key = format!(" {name}=\"");
        let start = self.attrs.find(&key)? + key.len();
        let end = start + self.attrs[start..].find('"')?;
        Some(unescape(&self.attrs[start..end]))
    }

    fn classes(&self) -> Vec<String> {
        self.attr("class")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }
}

/// Every `<tag ...>...</tag>` in `html` (not nested in itself).
fn tags(html: &str, tag: &str) -> Vec<Tag> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        if !after.starts_with([' ', '>']) {
            rest = after;
            continue;
        }
        let head_end = after.find('>').unwrap();
        let body_end = after.find(&close).unwrap_or(after.len());
        let mut text = String::new();
        let mut inside = false;
        for c in after[head_end + 1..body_end].chars() {
            match c {
                '<' => inside = true,
                '>' => inside = false,
                c if !inside => text.push(c),
                _ => {}
            }
        }
        out.push(Tag {
            attrs: after[..head_end].to_owned(),
            text: unescape(&text),
        });
        rest = &after[head_end..];
    }
    out
}

/// The summary table as drawn: column keys, and per row its key and (column, status,
/// classes, text) per entry.
struct Summary {
    columns: Vec<String>,
    rows: Vec<(String, Vec<Tag>)>,
}

fn summary(dom: &str) -> Summary {
    let table = element(dom, "<table id=\"summary\"").expect("the page has table#summary");
    let thead = element(table, "<thead").expect("a drawn header");
    let tbody = element(table, "<tbody").expect("a body");
    let columns = tags(thead, "th")
        .iter()
        .filter_map(|th| th.attr("data-col"))
        .collect();
    let rows = tags(tbody, "tr")
        .into_iter()
        .filter_map(|tr| tr.attr("data-row"))
        .map(|key| {
            let opening = format!("<tr data-row=\"{key}\"");
            let row = element(tbody, &opening).unwrap();
            (key, tags(row, "td"))
        })
        .collect();
    Summary { columns, rows }
}

impl Summary {
    fn entry(&self, row: &str, column: &str) -> &Tag {
        let (_, tds) = self
            .rows
            .iter()
            .find(|(key, _)| key == row)
            .unwrap_or_else(|| panic!("no row {row}"));
        tds.iter()
            .find(|td| td.attr("data-col").as_deref() == Some(column))
            .unwrap_or_else(|| panic!("no entry {row} × {column}"))
    }

    fn row_keys(&self) -> Vec<&str> {
        self.rows.iter().map(|(k, _)| k.as_str()).collect()
    }
}

// --- The synthetic matrix. ---

fn sample() -> (Matrix, Expectations) {
    let cell =
        |service: &str, group: &str, case: &str, runtime: &str, form, status, detail: &str| Cell {
            detail: detail.into(),
            millis: 1.0,
            ..Cell::new(runtime, form, [service, group, case], status)
        };
    let mut cells = Vec::new();
    for case in ["a", "b", "c"] {
        cells.push(cell(
            "token",
            "keys",
            case,
            "native",
            Form::Native,
            Status::Pass,
            "",
        ));
    }
    cells.push(cell(
        "token",
        "keys",
        "a",
        "wasmtime",
        Form::Component,
        Status::Pass,
        "",
    ));
    cells.push(cell(
        "token",
        "keys",
        "b",
        "wasmtime",
        Form::Component,
        Status::Fail,
        "/ok/claims/exp: expected 1, observed 2 <&>",
    ));
    cells.push(cell(
        "token",
        "keys",
        "c",
        "wasmtime",
        Form::Component,
        Status::Error,
        "trap: unreachable",
    ));
    for case in ["a", "b", "c"] {
        cells.push(cell(
            "token",
            "keys",
            case,
            "wasmtime",
            Form::Command,
            Status::Pass,
            "",
        ));
    }
    for case in ["x", "y"] {
        cells.push(cell(
            "config",
            "schemas",
            case,
            "native",
            Form::Native,
            Status::Pass,
            "",
        ));
        cells.push(cell(
            "config",
            "schemas",
            case,
            "wasmtime",
            Form::Component,
            Status::Unsupported,
            "no such component",
        ));
        cells.push(cell(
            "config",
            "schemas",
            case,
            "wasmtime",
            Form::Command,
            Status::Error,
            "Unhandled opcode: V128_LOAD",
        ));
    }
    let matrix = Matrix {
        schema: 1,
        generated: "2026-11-22T02:38:55Z".into(),
        commit: "abc1234".into(),
        runtimes: vec![
            runtime("native", &[Form::Native], true),
            runtime("wasmtime", &[Form::Component, Form::Command], true),
            RuntimeInfo {
                reason: "ghost is not installed; to install: apt-get install ghost".into(),
                ..runtime("ghost", &[Form::Command], false)
            },
        ],
        cells,
        probes: Vec::new(),
    };
    let expectations = Expectations {
        expectations: vec![Expectation {
            verdict: None,
            runtime: "wasmtime".into(),
            form: "command".into(),
            service: "config".into(),
            case: "*".into(),
            status: Status::Error,
            reason: "no SIMD here".into(),
        }],
    };
    (matrix, expectations)
}

fn page() -> String {
    let (matrix, expectations) = sample();
    html::render(&matrix, &expectations)
}

#[test]
fn the_script_draws_the_whole_matrix() {
    if skipped() {
        return;
    }
    let dom = rendered(&page(), "");
    let table = summary(&dom);
    assert_eq!(
        table.columns,
        [
            "native/native",
            "wasmtime/component",
            "wasmtime/command",
            "ghost/-"
        ]
    );
    assert_eq!(table.row_keys(), ["config/schemas", "token/keys"]);
    for (row, column, status, text) in [
        ("token/keys", "native/native", "pass", "3/3"),
        (
            "token/keys",
            "wasmtime/component",
            "error",
            "1/3 (1 fail, 1 error)",
        ),
        ("token/keys", "wasmtime/command", "pass", "3/3"),
        ("token/keys", "ghost/-", "missing", "not available"),
        ("config/schemas", "native/native", "pass", "2/2"),
        (
            "config/schemas",
            "wasmtime/component",
            "unsupported",
            "unsupported",
        ),
        (
            "config/schemas",
            "wasmtime/command",
            "error",
            "0/2 (2 error)",
        ),
    ] {
        let td = table.entry(row, column);
        assert_eq!(td.attr("data-status").as_deref(), Some(status), "{td:?}");
        assert!(td.classes().contains(&format!("status-{status}")), "{td:?}");
        assert_eq!(td.text, text, "{row} × {column}");
    }
    // Unexplained problems are marked; explained ones are marked as known.
    assert!(
        table
            .entry("token/keys", "wasmtime/component")
            .classes()
            .contains(&"unexpected".to_owned())
    );
    assert!(
        table
            .entry("config/schemas", "wasmtime/command")
            .classes()
            .contains(&"known".to_owned())
    );
    // The filters offer what the matrix has; nothing is open.
    let service = element(&dom, "<select id=\"filter-service\"").unwrap();
    let options: Vec<String> = tags(service, "option")
        .into_iter()
        .map(|o| o.text)
        .collect();
    assert_eq!(options, ["all", "config", "token"]);
    let detail = tags(&dom, "section")
        .into_iter()
        .find(|s| s.attr("id").as_deref() == Some("detail"))
        .unwrap();
    assert!(detail.attrs.contains("hidden"), "{detail:?}");
    // The header is there too: versions, date and commit.
    assert!(dom.contains("<td class=\"version\">wasmtime 1.0</td>"));
    assert!(dom.contains("<code id=\"commit\">abc1234</code>"));
}

#[test]
fn a_status_filter_and_an_open_entry_show_its_diff() {
    if skipped() {
        return;
    }
    let dom = rendered(
        &page(),
        "status=fail&cell=token%2Fkeys%40wasmtime%2Fcomponent",
    );
    let table = summary(&dom);
    // Only rows with a failing cell; entries without one are dimmed.
    assert_eq!(table.row_keys(), ["token/keys"]);
    assert!(
        !table
            .entry("token/keys", "wasmtime/component")
            .classes()
            .contains(&"dim".to_owned())
    );
    assert!(
        table
            .entry("token/keys", "native/native")
            .classes()
            .contains(&"dim".to_owned())
    );
    assert!(
        table
            .entry("token/keys", "wasmtime/component")
            .classes()
            .contains(&"open".to_owned())
    );
    let detail = element(&dom, "<section id=\"detail\"").expect("the detail is shown");
    assert!(
        !detail.starts_with("<section id=\"detail\" hidden"),
        "{detail}"
    );
    let heading = tags(detail, "h2").remove(0).text;
    assert_eq!(
        heading,
        "token/keys on wasmtime/component (wasmtime wasmtime 1.0)"
    );
    let cases = tags(detail, "tr")
        .into_iter()
        .filter(|tr| tr.attr("data-case").is_some())
        .collect::<Vec<_>>();
    assert_eq!(cases.len(), 1, "the status filter applies: {cases:?}");
    assert_eq!(cases[0].attr("data-case").as_deref(), Some("b"));
    assert!(
        cases[0]
            .text
            .contains("/ok/claims/exp: expected 1, observed 2 <&>"),
        "{:?}",
        cases[0].text
    );
    assert!(cases[0].text.contains("unexpected"));
}

#[test]
fn service_and_runtime_filters_and_a_missing_runtime_explained() {
    if skipped() {
        return;
    }
    let dom = rendered(
        &page(),
        "service=config&runtime=ghost&cell=config%2Fschemas%40ghost%2F-",
    );
    let table = summary(&dom);
    assert_eq!(table.columns, ["ghost/-"]);
    assert_eq!(table.row_keys(), ["config/schemas"]);
    let detail = element(&dom, "<section id=\"detail\"").unwrap();
    let reason = tags(detail, "p")
        .into_iter()
        .find(|p| p.attr("class").as_deref() == Some("reason"))
        .expect("the reason is shown");
    assert_eq!(
        reason.text,
        "not available: ghost is not installed; to install: apt-get install ghost"
    );
}

// --- The WASI behaviour section. ---

/// The page for the crate's sample matrix ([`test_support::sample`]: service and probe cells
/// on three runtimes, every mark, a security finding), its finding's observation holding
/// markup, with a test-only script after the page's own that copies each WASI entry's
/// computed background colour into `data-bg`, so the dumped DOM shows what the browser
/// painted.
fn probe_page() -> String {
    let (mut matrix, expectations) = test_support::sample();
    test_support::cell_of(&mut matrix, "deny-read-host-file", "wasmer").observed =
        Some(json!({"preopens": ["/"], "std_read": {"/etc/passwd": "ok <&>"}}));
    let page = html::render(&matrix, &expectations);
    let probe = "<script>document.querySelectorAll(\"table.wasi td[data-runtime]\").forEach(\
                 function (td) { td.setAttribute(\"data-bg\", getComputedStyle(td).backgroundColor); });\
                 </script>\n</body>";
    assert_eq!(page.matches("</body>").count(), 1);
    page.replace("</body>", probe)
}

/// A probe's row of a drawn `table.wasi`: its id and its entries.
type ProbeRow = (String, Vec<Tag>);

/// Per `table.wasi`: its group, its runtime columns, and its rows.
struct Wasi {
    groups: Vec<(String, Vec<String>, Vec<ProbeRow>)>,
}

fn wasi(dom: &str) -> Wasi {
    let mut groups = Vec::new();
    let mut rest = dom;
    while let Some(at) = rest.find("<table class=\"wasi\"") {
        let table = element(&rest[at..], "<table class=\"wasi\"").unwrap();
        let group = tags(table, "table")[0].attr("data-group").unwrap();
        let thead = element(table, "<thead").unwrap();
        let columns = tags(thead, "th")
            .iter()
            .filter_map(|th| th.attr("data-runtime"))
            .collect();
        let tbody = element(table, "<tbody").unwrap();
        let rows = tags(tbody, "tr")
            .into_iter()
            .filter_map(|tr| tr.attr("data-probe"))
            .map(|probe| {
                let row = element(tbody, &format!("<tr data-probe=\"{probe}\"")).unwrap();
                let tds = tags(row, "td")
                    .into_iter()
                    .filter(|td| td.attr("data-runtime").is_some())
                    .collect();
                (probe, tds)
            })
            .collect();
        groups.push((group, columns, rows));
        rest = &rest[at + table.len()..];
    }
    Wasi { groups }
}

impl Wasi {
    fn entry(&self, probe: &str, runtime: &str) -> &Tag {
        self.groups
            .iter()
            .flat_map(|(_, _, rows)| rows)
            .find(|(id, _)| id == probe)
            .unwrap_or_else(|| panic!("no row {probe}"))
            .1
            .iter()
            .find(|td| td.attr("data-runtime").as_deref() == Some(runtime))
            .unwrap_or_else(|| panic!("no entry {probe} × {runtime}"))
    }

    fn names(&self) -> Vec<&str> {
        self.groups.iter().map(|(g, _, _)| g.as_str()).collect()
    }
}

#[test]
fn the_wasi_section_shows_observations_and_a_finding_in_red() {
    if skipped() {
        return;
    }
    let dom = rendered(&probe_page(), "");
    let section = tags(&dom, "section")
        .into_iter()
        .find(|s| s.attr("id").as_deref() == Some("wasi"))
        .expect("section#wasi");
    assert!(!section.attrs.contains("hidden"), "{section:?}");
    let table = wasi(&dom);
    assert_eq!(
        table.names(),
        ["clocks", "filesystem", "exit", "deny-by-default", "misc"]
    );
    for (_, columns, _) in &table.groups {
        assert_eq!(columns, &["wasmtime", "wasmer", "node"], "not ghost");
    }
    for (probe, runtime, verdict, text, colour) in [
        (
            "clock-realtime-res",
            "wasmtime",
            "info",
            "\u{2139}\u{fe0f} 1",
            "rgb(245, 245, 245)",
        ),
        (
            "clock-realtime-res",
            "wasmer",
            "info",
            "\u{2139}\u{fe0f} 1000",
            "rgb(245, 245, 245)",
        ),
        (
            "clock-realtime-res",
            "node",
            "error",
            "⚠️ error: driver crashed: SIGSEGV",
            "rgb(189, 189, 189)",
        ),
        (
            "fs-readdir-cookies",
            "wasmtime",
            "conforms",
            "✅ stable",
            "rgb(200, 230, 201)",
        ),
        (
            "fs-readdir-cookies",
            "wasmer",
            "violates",
            "❌ {\"entries\":[\"a\",\"b\",\"c|d\",\"e`f\"],\"errno…",
            "rgb(255, 204, 128)",
        ),
        (
            "fs-readdir-cookies",
            "node",
            "unsupported",
            "⚪ unsupported",
            "rgb(224, 224, 224)",
        ),
        ("exit-42", "node", "none", "–", "rgb(255, 255, 255)"),
        (
            "deny-read-host-file",
            "wasmer",
            "finding",
            "🟥 finding {\"preopens\":[\"/\"],\"std_read\":{\"/etc/pas…",
            "rgb(198, 40, 40)",
        ),
    ] {
        let td = table.entry(probe, runtime);
        assert_eq!(td.attr("data-verdict").as_deref(), Some(verdict), "{td:?}");
        assert!(
            td.classes().contains(&format!("verdict-{verdict}")),
            "{td:?}"
        );
        assert_eq!(td.text, text, "{probe} × {runtime}");
        assert_eq!(
            td.attr("data-bg").as_deref(),
            Some(colour),
            "{probe} × {runtime}"
        );
    }
    // The finding is unexpected (nothing explains it), and said in red above the tables
    // and in the header.
    let finding = table.entry("deny-read-host-file", "wasmer");
    assert!(finding.classes().contains(&"unexpected".to_owned()));
    let deny = tags(&dom, "p")
        .into_iter()
        .find(|p| p.attr("id").as_deref() == Some("deny-summary"))
        .expect("p#deny-summary");
    assert_eq!(
        deny.text,
        "🟥 deny by default failed: 1 security finding (wasmer: deny-read-host-file)"
    );
    assert_eq!(deny.attr("class").as_deref(), Some("verdict-finding"));
    assert!(!deny.attrs.contains("hidden"));
    let header = tags(&dom, "p")
        .into_iter()
        .find(|p| p.attr("id").as_deref() == Some("findings"))
        .expect("p#findings");
    assert!(header.text.contains("1 security finding"), "{header:?}");
    // Descriptions come from the manifest; nothing is open.
    assert!(dom.contains("<td class=\"description\">Resolution clock_res_get reports (ns).</td>"));
    let detail = tags(&dom, "section")
        .into_iter()
        .find(|s| s.attr("id").as_deref() == Some("probe-detail"))
        .unwrap();
    assert!(detail.attrs.contains("hidden"), "{detail:?}");
}

#[test]
fn an_open_probe_entry_shows_the_whole_observation_and_the_runtime_filter_applies() {
    if skipped() {
        return;
    }
    let dom = rendered(
        &probe_page(),
        "runtime=wasmer&probe=deny-read-host-file%40wasmer",
    );
    let table = wasi(&dom);
    for (_, columns, _) in &table.groups {
        assert_eq!(columns, &["wasmer"]);
    }
    assert!(
        table
            .entry("deny-read-host-file", "wasmer")
            .classes()
            .contains(&"open".to_owned())
    );
    let detail = element(&dom, "<section id=\"probe-detail\"").expect("the probe detail is shown");
    assert!(
        !detail.starts_with("<section id=\"probe-detail\" hidden"),
        "{detail}"
    );
    assert_eq!(
        tags(detail, "h3").remove(0).text,
        "deny-read-host-file on wasmer (wasmer wasmer 1.0)"
    );
    let field = |name: &str| {
        tags(detail, "tr")
            .into_iter()
            .find(|tr| tr.attr("data-field").as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no field {name} in {detail}"))
            .text
    };
    assert_eq!(
        field("observed"),
        "observed{\n  \"preopens\": [\n    \"/\"\n  ],\n  \"std_read\": {\n    \"/etc/passwd\": \"ok <&>\"\n  }\n}"
    );
    assert_eq!(
        field("verdict"),
        "verdict🟥 finding: security finding, deny by default failed"
    );
    assert_eq!(
        field("detail"),
        "detaila guest reaches only what the host granted: no preopen, no host file"
    );
    assert!(field("judged").starts_with(
        "judgedunexpected: wasmer/command probe/deny-by-default deny-read-host-file: fail"
    ));
}

#[test]
fn status_and_service_filters_apply_to_the_wasi_section() {
    if skipped() {
        return;
    }
    let dom = rendered(&probe_page(), "status=error");
    let table = wasi(&dom);
    assert_eq!(table.names(), ["clocks"], "only groups with an error");
    assert!(
        table
            .entry("clock-realtime-res", "wasmtime")
            .classes()
            .contains(&"dim".to_owned())
    );
    assert!(
        !table
            .entry("clock-realtime-res", "node")
            .classes()
            .contains(&"dim".to_owned())
    );
    // Another service: the section is hidden; the summary still has the probe rows.
    let dom = rendered(&probe_page(), "service=token");
    let section = tags(&dom, "section")
        .into_iter()
        .find(|s| s.attr("id").as_deref() == Some("wasi"))
        .unwrap();
    assert!(section.attrs.contains("hidden"), "{section:?}");
    let dom = rendered(&probe_page(), "service=probe");
    assert_eq!(
        summary(&dom).row_keys(),
        [
            "probe/clocks",
            "probe/deny-by-default",
            "probe/exit",
            "probe/filesystem",
            "probe/misc"
        ]
    );
    assert_eq!(wasi(&dom).names().len(), 5);
}
