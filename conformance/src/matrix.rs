//! The matrix: every cell of a run, and its text reports (terminal, Markdown,
//! COMPATIBILITY.md; the HTML, JUnit and diff reports are in [`crate::report`]). Field names
//! of `matrix.json` are a contract (DESIGN.md); fields may be added, never renamed.

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
}

impl Cell {
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
                    n if t.get(Status::Pass) == n => format!("✅ {}", t.text()),
                    _ if t.get(Status::Unsupported) == t.total() => "⚪ unsupported".to_owned(),
                    _ => format!("❌ {}", t.text()),
                })
                .collect();
            writeln!(out, "| {name} | {} |", cells.join(" | ")).unwrap();
        }
    }

    fn problems_markdown(&self, out: &mut String, expectations: &Expectations) {
        let cells: Vec<&Cell> = self
            .cells
            .iter()
            .filter(|c| c.status != Status::Pass)
            .collect();
        if cells.is_empty() {
            writeln!(out, "Every cell that ran passed.").unwrap();
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
        for cell in self.cells.iter().filter(|c| c.status != Status::Pass) {
            let detail = cell.detail.lines().next().unwrap_or("");
            groups
                .entry((&cell.runtime, cell.form, &cell.service, cell.status, detail))
                .or_default()
                .push(&cell.case);
        }
        if groups.is_empty() {
            writeln!(out, "Every cell that ran passed.").unwrap();
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

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}
