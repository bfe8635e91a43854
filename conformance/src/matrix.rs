//! The matrix: every cell of a run, and its text reports (terminal, Markdown,
//! COMPATIBILITY.md; the HTML, JUnit and diff reports are in [`crate::report`]). Field names
//! of `matrix.json` are a contract (DESIGN.md); fields may be added, never renamed.
//!
//! WASI probe cells (`service` `probe`) count in the summary as `probe/<group>` rows like any
//! other; their observations and verdicts get their own section, [`wasi`].

pub mod wasi;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::expectations::Expectations;
use crate::target::{Form, Kind};

pub const SCHEMA: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Matrix {
    pub schema: u32,
    /// RFC 3339, UTC.
    pub generated: String,
    /// The source the run measured: `git rev-parse --short HEAD`, `-dirty` appended when
    /// tracked files differ from it; `unknown` outside a git checkout. Set by the harness.
    #[serde(default)]
    pub commit: String,
    pub runtimes: Vec<RuntimeInfo>,
    pub cells: Vec<Cell>,
    /// The WASI probes this run ran (their cells have `service` `probe`), for the
    /// "WASI behaviour" section: what each one tests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeInfo>,
}

/// A WASI probe, as `conformance/probes/probes.json` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeInfo {
    pub id: String,
    pub group: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuntimeInfo {
    pub id: String,
    pub version: String,
    pub kind: Kind,
    pub available: bool,
    /// Why it is not available and how to install it; empty when available.
    pub reason: String,
    pub forms: Vec<Form>,
    /// How the harness configured the runtime: limits, flags, workarounds.
    #[serde(default)]
    pub settings: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Unsupported,
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unsupported => "unsupported",
            Status::Error => "error",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cell {
    pub service: String,
    pub group: String,
    pub case: String,
    pub runtime: String,
    pub form: Form,
    pub status: Status,
    /// The diff (fail), the reason (unsupported) or what went wrong (error); empty on pass.
    pub detail: String,
    /// Left out of the committed baseline (`conformance/matrix.json`), so it is optional.
    #[serde(default)]
    pub millis: f64,
    /// Probe cells (`service` is `probe`): what the probe observed, as it printed it, or
    /// how the run ended when that is the observation (`{"exit": 42}`, `{"trap": "..."}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<serde_json::Value>,
    /// Probe cells: the verdict where the WASI spec decides (`conforms`, `violates`), a
    /// security `finding` (deny-by-default failed), or `info` (the spec leaves it open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// The `service` of a WASI probe's cells.
pub const PROBE_SERVICE: &str = "probe";

/// The group whose probes must all be refused: a success there is a security finding.
pub const DENY_BY_DEFAULT: &str = "deny-by-default";

impl Cell {
    /// A cell with no detail, timing, observation or verdict yet.
    pub fn new(runtime: &str, form: Form, id: [&str; 3], status: Status) -> Cell {
        let [service, group, case] = id.map(str::to_owned);
        Cell {
            service,
            group,
            case,
            runtime: runtime.to_owned(),
            form,
            status,
            detail: String::new(),
            millis: 0.0,
            observed: None,
            verdict: None,
        }
    }

    /// A WASI probe's cell (shown in the "WASI behaviour" section).
    pub fn is_probe(&self) -> bool {
        self.service == PROBE_SERVICE
    }

    pub fn label(&self) -> String {
        format!(
            "{}/{} {}/{} {}",
            self.runtime, self.form, self.service, self.group, self.case
        )
    }
}

/// A column of the matrix: one runtime running one form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    runtime: String,
    form: Form,
}

#[derive(Default)]
struct Tally {
    counts: BTreeMap<Status, usize>,
    /// Probe cells that are security findings ([`wasi::Mark::Finding`]).
    findings: usize,
}

impl Tally {
    fn add(&mut self, status: Status) {
        *self.counts.entry(status).or_default() += 1;
    }

    fn get(&self, status: Status) -> usize {
        self.counts.get(&status).copied().unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// `12/12`, `10/12 (2 fail)`, `unsupported`.
    fn text(&self) -> String {
        let (pass, total) = (self.get(Status::Pass), self.total());
        if self.get(Status::Unsupported) == total {
            return "unsupported".to_owned();
        }
        let mut text = format!("{pass}/{total}");
        let rest: Vec<String> = [Status::Fail, Status::Error, Status::Unsupported]
            .into_iter()
            .filter(|s| self.get(*s) > 0)
            .map(|s| format!("{} {}", self.get(s), s.name()))
            .collect();
        if !rest.is_empty() {
            write!(text, " ({})", rest.join(", ")).unwrap();
        }
        text
    }
}

impl Matrix {
    fn columns(&self) -> Vec<Column> {
        let mut columns = Vec::new();
        for runtime in self.runtimes.iter().filter(|r| r.available) {
            for form in &runtime.forms {
                columns.push(Column {
                    runtime: runtime.id.clone(),
                    form: *form,
                });
            }
        }
        columns
    }

    /// Per `service/group` row and column: the tally of its cells.
    fn summary(&self) -> (Vec<Column>, Vec<(String, Vec<Tally>)>) {
        let columns = self.columns();
        let mut rows: BTreeMap<String, Vec<Tally>> = BTreeMap::new();
        for cell in &self.cells {
            let row = rows
                .entry(format!("{}/{}", cell.service, cell.group))
                .or_insert_with(|| columns.iter().map(|_| Tally::default()).collect());
            if let Some(i) = columns
                .iter()
                .position(|c| c.runtime == cell.runtime && c.form == cell.form)
            {
                row[i].add(cell.status);
                if cell.is_probe() && wasi::Mark::of(cell) == wasi::Mark::Finding {
                    row[i].findings += 1;
                }
            }
        }
        (columns, rows.into_iter().collect())
    }

    /// The plain-text table printed at the end of a run.
    pub fn terminal(&self) -> String {
        let (columns, rows) = self.summary();
        let mut table: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["service/group".to_owned()];
        header.extend(columns.iter().map(|c| format!("{}/{}", c.runtime, c.form)));
        table.push(header);
        for (name, tallies) in &rows {
            let mut line = vec![name.clone()];
            line.extend(tallies.iter().map(|t| {
                if t.total() == 0 {
                    "-".to_owned()
                } else {
                    t.text()
                }
            }));
            table.push(line);
        }
        let widths: Vec<usize> = (0..table[0].len())
            .map(|i| {
                table
                    .iter()
                    .map(|row| row[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for (n, row) in table.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(text, w)| format!("{text:<w$}"))
                .collect();
            writeln!(out, "{}", cells.join("  ").trim_end()).unwrap();
            if n == 0 {
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                writeln!(out, "{}", rule.join("  ")).unwrap();
            }
        }
        for runtime in self.runtimes.iter().filter(|r| !r.available) {
            writeln!(out, "{}: not available: {}", runtime.id, runtime.reason).unwrap();
        }
        let deny = wasi::Deny::of(self);
        if deny.count() > 0 {
            writeln!(
                out,
                "SECURITY FINDINGS (deny by default failed: the guest reached something never \
                 granted): {}",
                deny.findings_text()
            )
            .unwrap();
        }
        out
    }

    fn runtimes_markdown(&self, out: &mut String) {
        writeln!(
            out,
            "| runtime | kind | version | forms | available | settings |"
        )
        .unwrap();
        writeln!(out, "|---|---|---|---|---|---|").unwrap();
        for r in &self.runtimes {
            let forms: Vec<&str> = r.forms.iter().map(|f| f.name()).collect();
            let available = if r.available {
                "yes".to_owned()
            } else {
                format!("no: {}", r.reason)
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                r.id,
                serde_json::to_value(r.kind).unwrap().as_str().unwrap_or(""),
                escape(&r.version),
                forms.join(", "),
                escape(&available),
                escape(&r.settings)
            )
            .unwrap();
        }
    }

    fn summary_markdown(&self, out: &mut String) {
        let (columns, rows) = self.summary();
        let header: Vec<String> = columns
            .iter()
            .map(|c| format!("{} {}", c.runtime, c.form))
            .collect();
        writeln!(out, "| service/group | {} |", header.join(" | ")).unwrap();
        writeln!(out, "|---|{}", "---|".repeat(columns.len())).unwrap();
        for (name, tallies) in &rows {
            let cells: Vec<String> = tallies
                .iter()
                .map(|t| match t.total() {
                    0 => "–".to_owned(),
                    _ if t.findings > 0 => format!("🟥 {}", t.text()),
                    n if t.get(Status::Pass) == n => format!("✅ {}", t.text()),
                    _ if t.get(Status::Unsupported) == t.total() => "⚪ unsupported".to_owned(),
                    _ => format!("❌ {}", t.text()),
                })
                .collect();
            writeln!(out, "| {name} | {} |", cells.join(" | ")).unwrap();
        }
    }

    /// Service cells that did not pass, one row each (probe cells are listed in the WASI
    /// behaviour section).
    fn problems_markdown(&self, out: &mut String, expectations: &Expectations) {
        let cells: Vec<&Cell> = self
            .cells
            .iter()
            .filter(|c| c.status != Status::Pass && !c.is_probe())
            .collect();
        self.probes_elsewhere(out);
        if cells.is_empty() {
            writeln!(out, "{}", self.all_passed()).unwrap();
            return;
        }
        writeln!(out, "| cell | status | detail | known difference |").unwrap();
        writeln!(out, "|---|---|---|---|").unwrap();
        for cell in cells {
            let known = expectations
                .explain(cell)
                .map(|e| e.reason.as_str())
                .unwrap_or("**unexpected**");
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&cell.label()),
                cell.status.name(),
                escape(&cell.detail),
                escape(known)
            )
            .unwrap();
        }
    }

    /// `matrix.md`: runtimes, the summary, and every cell that did not pass.
    pub fn markdown(&self, expectations: &Expectations) -> String {
        let mut out = String::new();
        writeln!(
            out,
            "# Conformance matrix\n\nGenerated {}.\n\n## Runtimes\n",
            self.generated
        )
        .unwrap();
        self.runtimes_markdown(&mut out);
        writeln!(out, "\n## Summary\n").unwrap();
        self.summary_markdown(&mut out);
        wasi::markdown(self, expectations, &mut out);
        writeln!(out, "\n## Cells that did not pass\n").unwrap();
        self.problems_markdown(&mut out, expectations);
        out
    }

    /// `COMPATIBILITY.md`, the committed, generated view of the matrix.
    pub fn compatibility(&self, expectations: &Expectations) -> String {
        let mut out = String::new();
        out.push_str(
            "# Compatibility\n\n\
             <!-- Generated by `cargo xtask test-all-runtimes --update`; do not edit by hand. -->\n\n\
             What every service vector observed on every runtime, measured, not claimed. A cell is\n\
             `pass` (the response equals the vector's `expect`), `fail` (it differs; the diff is\n\
             shown), `unsupported` (the runtime cannot run that form; the reason is shown) or\n\
             `error` (trap, crash or timeout). Known differences are explained in\n\
             `conformance/expectations.json` and listed below.\n\n",
        );
        writeln!(out, "Last regenerated {}.\n\n## Runtimes\n", self.generated).unwrap();
        self.runtimes_markdown(&mut out);
        writeln!(out, "\n## Summary\n").unwrap();
        self.summary_markdown(&mut out);
        wasi::markdown(self, expectations, &mut out);
        writeln!(out, "\n## Known differences\n").unwrap();
        if expectations.expectations.is_empty() {
            writeln!(
                out,
                "None recorded: no runtime has differed from the native reference."
            )
            .unwrap();
        } else {
            writeln!(out, "| runtime | form | service | case | status | why |").unwrap();
            writeln!(out, "|---|---|---|---|---|---|").unwrap();
            for e in &expectations.expectations {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    e.runtime,
                    e.form,
                    e.service,
                    e.case,
                    e.status.name(),
                    escape(&e.reason)
                )
                .unwrap();
            }
        }
        writeln!(out, "\n## Cells that did not pass\n").unwrap();
        self.grouped_problems_markdown(&mut out, expectations);
        out
    }

    /// Cells that did not pass, one row per runtime, form, service, status and detail,
    /// with how many cases share it: compact enough to commit and diff.
    fn grouped_problems_markdown(&self, out: &mut String, expectations: &Expectations) {
        let mut groups: BTreeMap<(&str, Form, &str, Status, &str), Vec<&str>> = BTreeMap::new();
        self.probes_elsewhere(out);
        for cell in self
            .cells
            .iter()
            .filter(|c| c.status != Status::Pass && !c.is_probe())
        {
            let detail = cell.detail.lines().next().unwrap_or("");
            groups
                .entry((&cell.runtime, cell.form, &cell.service, cell.status, detail))
                .or_default()
                .push(&cell.case);
        }
        if groups.is_empty() {
            writeln!(out, "{}", self.all_passed()).unwrap();
            return;
        }
        writeln!(
            out,
            "| runtime | form | service | status | cases | detail | known difference |"
        )
        .unwrap();
        writeln!(out, "|---|---|---|---|---|---|---|").unwrap();
        for ((runtime, form, service, status, detail), cases) in groups {
            let first = self
                .cells
                .iter()
                .find(|c| {
                    c.runtime == runtime
                        && c.form == form
                        && c.service == service
                        && c.case == cases[0]
                })
                .expect("grouped from these cells");
            let known = match (status, expectations.explain(first)) {
                (Status::Unsupported, _) => "the runtime cannot run this form",
                (_, Some(e)) => e.reason.as_str(),
                (_, None) => "**unexpected**",
            };
            let shown = if cases.len() <= 3 {
                cases.join(", ")
            } else {
                format!("{} cases", cases.len())
            };
            writeln!(
                out,
                "| {runtime} | {form} | {service} | {} | {} | {} | {} |",
                status.name(),
                escape(&shown),
                escape(detail),
                escape(known)
            )
            .unwrap();
        }
    }
}

impl Matrix {
    /// What a list of cells that did not pass says when it is empty.
    fn all_passed(&self) -> &'static str {
        if self.cells.iter().any(Cell::is_probe) {
            "Every service cell that ran passed."
        } else {
            "Every cell that ran passed."
        }
    }

    /// Before a list of cells that did not pass: where the probe cells are, if any ran.
    fn probes_elsewhere(&self, out: &mut String) {
        if self.cells.iter().any(Cell::is_probe) {
            writeln!(
                out,
                "Service cells only: WASI probe cells are under WASI behaviour, those that did \
                 not pass in its last table.\n"
            )
            .unwrap();
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of `text` from the one that is `heading` to the next `## ` heading.
    fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
        let mut lines = text.lines().skip_while(|l| *l != heading);
        let first = lines
            .next()
            .unwrap_or_else(|| panic!("no {heading:?} in\n{text}"));
        std::iter::once(first)
            .chain(lines.take_while(|l| !l.starts_with("## ")))
            .collect()
    }

    #[test]
    fn matrix_md_shows_wasi_behaviour_per_group_and_lists_probe_problems_once() {
        let (matrix, expectations) = wasi::tests::sample();
        let md = matrix.markdown(&expectations);
        let wasi = section(&md, "## WASI behaviour");
        for line in [
            "🟥 **Deny by default failed: 1 security finding** (wasmer: deny-read-host-file).",
            "### clocks",
            "| probe | what it tests | wasmtime | wasmer | node |",
            "| `clock-realtime-res` | Resolution clock_res_get reports (ns). | ℹ️ `1` | ℹ️ `1000` \
             | ⚠️ error: driver crashed: SIGSEGV |",
            "| `fs-readdir-cookies` | fd_readdir cookies resume \\| in order. | ✅ `stable` \
             | ❌ ``{\"entries\":[\"a\",\"b\",\"c\\|d\",\"e`f\"],\"errno…`` | ⚪ unsupported |",
            "| `exit-42` | proc_exit(42): the host sees exit code 42. | ✅ `{\"exit\":42}` \
             | ❌ `{\"exit\":1}` | – |",
            "| `deny-env-secret` | The host's HOST_SECRET is not visible. \
             | ✅ `{\"HOST_SECRET\":null}` | ✅ `{\"HOST_SECRET\":null}` | ✅ `{\"HOST_SECRET\":null}` |",
            "### Probe cells that did not pass",
            "| `deny-read-host-file` | wasmer | 🟥 **security finding** | fail \
             | a guest reaches only what the host granted: no preopen, no host file | **unexpected** |",
            "| `fs-readdir-cookies` | wasmer | ❌ violates | fail \
             | a cookie from fd_readdir must resume after that entry \
             | wasmer's cookies are indexes into a re-read directory |",
            "| `clock-realtime-res` | node | ⚠️ error | error | driver crashed: SIGSEGV | **unexpected** |",
        ] {
            assert!(wasi.contains(&line), "{line}\nnot in\n{}", wasi.join("\n"));
        }
        let finding = wasi
            .iter()
            .find(|l| l.starts_with("| `deny-read-host-file` | Reading"))
            .unwrap();
        assert!(
            finding
                .contains(" | 🟥 **finding** `{\"preopens\":[\"/\"],\"std_read\":{\"/etc/pas…` | "),
            "{finding}"
        );
        // The legend says what a finding is.
        assert!(
            wasi.iter()
                .any(|l| l.contains("🟥 security finding: deny by default failed"))
        );
        // Groups in the manifest's order; a probe that never ran has no row.
        let groups: Vec<&&str> = wasi.iter().filter(|l| l.starts_with("### ")).collect();
        assert_eq!(
            groups,
            [
                &"### clocks",
                &"### filesystem",
                &"### exit",
                &"### deny-by-default",
                &"### misc",
                &"### Probe cells that did not pass"
            ]
        );
        assert!(!md.contains("never-ran"));
        // The section sits between the summary and the service cells that did not pass, and
        // the latter has no probe cell.
        let (summary, wasi_at, problems) = (
            md.find("## Summary").unwrap(),
            md.find("## WASI behaviour").unwrap(),
            md.find("## Cells that did not pass").unwrap(),
        );
        assert!(summary < wasi_at && wasi_at < problems);
        let problems = section(&md, "## Cells that did not pass");
        assert!(
            problems
                .iter()
                .any(|l| l.contains("wasmtime/command token/keys a"))
        );
        assert!(
            !problems.iter().any(|l| l.contains("probe/")),
            "{problems:?}"
        );
        // The summary has probe rows; a column with a finding is red.
        assert!(md.contains("| probe/deny-by-default | – | ✅ 2/2 | 🟥 1/2 (1 fail) | ✅ 2/2 |"));
        assert!(md.contains("| probe/clocks | – | ✅ 2/2 | ✅ 2/2 | ❌ 1/2 (1 error) |"));
    }

    #[test]
    fn compatibility_md_has_the_section_before_known_differences() {
        let (matrix, expectations) = wasi::tests::sample();
        let md = matrix.compatibility(&expectations);
        let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("no {s}"));
        assert!(at("## Summary") < at("## WASI behaviour"));
        assert!(at("## WASI behaviour") < at("## Known differences"));
        assert!(at("## Known differences") < at("## Cells that did not pass"));
        assert!(md.contains("| `exit-42` | wasmer | ❌ violates | fail | expected exit code 42, observed 1 | **unexpected** |"));
        let problems = section(&md, "## Cells that did not pass");
        assert_eq!(
            problems
                .iter()
                .filter(|l| l.starts_with("| ") && !l.starts_with("|---"))
                .count(),
            2,
            "the header and the one service row: {problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|l| l.starts_with("| wasmtime | command | token | fail | a |"))
        );
    }

    #[test]
    fn deny_refused_everywhere_reads_so() {
        let (mut matrix, expectations) = wasi::tests::sample();
        for cell in matrix
            .cells
            .iter_mut()
            .filter(|c| c.case == "deny-read-host-file")
        {
            cell.status = Status::Pass;
            cell.verdict = Some("conforms".into());
        }
        let md = matrix.markdown(&expectations);
        assert!(
            md.contains(
                "\n**Deny by default: refused everywhere** (2 probes on 3 runtimes; no security \
                 finding).\n"
            ),
            "{md}"
        );
        assert_eq!(md.matches("🟥").count(), 1, "only the legend's: {md}");
        assert!(!matrix.terminal().contains("SECURITY"));
    }

    #[test]
    fn the_terminal_has_probe_rows_and_a_security_line() {
        let (matrix, _) = wasi::tests::sample();
        let out = matrix.terminal();
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("probe/deny-by-default ")),
            "{out}"
        );
        assert!(lines.iter().any(|l| l.starts_with("token/keys ")), "{out}");
        assert_eq!(
            *lines.last().unwrap(),
            "SECURITY FINDINGS (deny by default failed: the guest reached something never \
             granted): wasmer: deny-read-host-file"
        );
        assert!(
            !out.contains("clock-realtime-res"),
            "no probe table in the terminal"
        );
    }

    #[test]
    fn without_probes_the_reports_are_as_before() {
        let (matrix, expectations) = wasi::tests::sample();
        let matrix = Matrix {
            cells: matrix.cells.into_iter().filter(|c| !c.is_probe()).collect(),
            probes: Vec::new(),
            ..matrix
        };
        let expectations = Expectations {
            expectations: expectations
                .expectations
                .into_iter()
                .filter(|e| e.service != PROBE_SERVICE)
                .collect(),
        };
        for md in [
            matrix.markdown(&expectations),
            matrix.compatibility(&expectations),
        ] {
            assert!(!md.contains("WASI"), "{md}");
            assert!(!md.contains("probe"), "{md}");
        }
        let passing = Matrix {
            cells: matrix
                .cells
                .iter()
                .filter(|c| c.status == Status::Pass)
                .cloned()
                .collect(),
            ..matrix.clone()
        };
        assert!(
            passing
                .markdown(&expectations)
                .contains("\nEvery cell that ran passed.\n")
        );
    }
}
