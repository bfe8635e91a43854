//! `matrix.html` in a real browser: renders a small synthetic matrix to a page, loads it in
//! headless Chromium (`chromium --headless --dump-dom`), and reads the table the page's
//! script drew — rows, columns, entries and their status classes, filters and the detail of
//! a clicked entry (opened through the URL fragment, as a link would) — from the DOM it
//! dumps. A string match on the generated HTML would not show that the script works.
//!
//! Needs Chromium: Debian's `chromium` package, which `cargo xtask setup` installs (or
//! `CONFORMANCE_CHROMIUM=/path/to/chrome`). Without it these tests fail, saying so; set
//! `CONFORMANCE_NO_BROWSER=1` to skip them on a machine that cannot have a browser.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conformance::expectations::{Expectation, Expectations};
use conformance::matrix::{Cell, Matrix, RuntimeInfo, Status};
use conformance::report::html::html;
use conformance::{Form, Kind};

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

fn runtime(id: &str, forms: &[Form], available: bool) -> RuntimeInfo {
    RuntimeInfo {
        id: id.into(),
        version: format!("{id} 1.0"),
        kind: Kind::Embedded,
        available,
        reason: if available {
            String::new()
        } else {
            format!("{id} is not installed; to install: apt-get install {id}")
        },
        forms: forms.to_vec(),
        settings: String::new(),
    }
}

fn sample() -> (Matrix, Expectations) {
    let cell =
        |service: &str, group: &str, case: &str, runtime: &str, form, status, detail: &str| Cell {
            service: service.into(),
            group: group.into(),
            case: case.into(),
            runtime: runtime.into(),
            form,
            status,
            detail: detail.into(),
            millis: 1.0,
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
            runtime("ghost", &[Form::Command], false),
        ],
        cells,
    };
    let expectations = Expectations {
        expectations: vec![Expectation {
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
    html(&matrix, &expectations)
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
