//! What the "WASI behaviour" section of the reports is made of: what each WASI probe
//! (`conformance/probes`) observed on each runtime, one [`Table`] per probe group, each
//! [`Entry`] a [`Mark`] for its verdict followed by the observation cut short; and whether
//! deny by default held everywhere ([`Deny`]). `matrix.md` and COMPATIBILITY.md write it in
//! Markdown ([`crate::report::markdown`]), the terminal gets the security findings, JUnit
//! the marks, and `matrix.html` draws the same [`Table`] (see [`crate::report::html`]).

use serde::Serialize;
use serde_json::Value;

use super::{Cell, DENY_BY_DEFAULT, Matrix, Status};

/// Longest observation (or error reason) an entry shows, in characters, `…` included.
pub const SHOWN_CHARS: usize = 40;

/// How a probe cell reads: its verdict, or what kept it from having one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Conforms,
    Violates,
    /// Deny by default failed: the guest reached something nobody granted.
    Finding,
    /// The spec leaves it open; the observation is the point.
    Info,
    /// The probe crashed, hung or printed no observation.
    Error,
    Unsupported,
}

impl Mark {
    pub const ALL: [Mark; 6] = [
        Mark::Conforms,
        Mark::Violates,
        Mark::Finding,
        Mark::Info,
        Mark::Error,
        Mark::Unsupported,
    ];

    /// A finding whatever else the cell says; then an error or unsupported cell as such;
    /// then the printed verdict; a cell without one (an exit or trap probe, judged by how
    /// it ended) conforms when it passed and violates when it did not.
    pub fn of(cell: &Cell) -> Mark {
        match (cell.verdict.as_deref(), cell.status) {
            (Some("finding"), _) => Mark::Finding,
            (_, Status::Error) => Mark::Error,
            (_, Status::Unsupported) => Mark::Unsupported,
            (Some("violates"), _) => Mark::Violates,
            (Some("conforms"), _) => Mark::Conforms,
            (Some("info"), _) => Mark::Info,
            (_, Status::Pass) => Mark::Conforms,
            (_, Status::Fail) => Mark::Violates,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mark::Conforms => "conforms",
            Mark::Violates => "violates",
            Mark::Finding => "finding",
            Mark::Info => "info",
            Mark::Error => "error",
            Mark::Unsupported => "unsupported",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Conforms => "✅",
            Mark::Violates => "❌",
            Mark::Finding => "🟥",
            Mark::Info => "ℹ️",
            Mark::Error => "⚠️",
            Mark::Unsupported => "⚪",
        }
    }

    /// What the mark means, for the legend.
    pub fn meaning(self) -> &'static str {
        match self {
            Mark::Conforms => "conforms to the WASI preview 1 spec",
            Mark::Violates => "violates it",
            Mark::Finding => {
                "security finding: deny by default failed, the guest reached something never granted"
            }
            Mark::Info => "the spec leaves it open; the observation is the point",
            Mark::Error => "the probe crashed or printed no observation (the reason follows)",
            Mark::Unsupported => "the runtime cannot run it",
        }
    }
}

/// One entry of a table: the mark, and the observation or reason that follows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub mark: Mark,
    /// At most [`SHOWN_CHARS`] characters, on one line.
    pub text: String,
    /// `text` is the observation (shown as code), not a reason.
    pub observed: bool,
}

impl Entry {
    pub fn of(cell: &Cell) -> Entry {
        let mark = Mark::of(cell);
        // An error shows why (its `observed`, if any, is only how the run ended).
        match (&cell.observed, mark) {
            (_, Mark::Unsupported) => Entry {
                mark,
                text: "unsupported".to_owned(),
                observed: false,
            },
            (_, Mark::Error) => Entry {
                mark,
                text: cut(&format!(
                    "error: {}",
                    cell.detail.lines().next().unwrap_or("")
                )),
                observed: false,
            },
            (Some(value), _) => Entry {
                mark,
                text: shown(value),
                observed: true,
            },
            (None, _) => Entry {
                mark,
                text: String::new(),
                observed: false,
            },
        }
    }
}

/// `value` as an entry shows it: a string as it is (quoted only when empty), anything else
/// as compact JSON; on one line, cut to [`SHOWN_CHARS`].
pub fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) if !s.is_empty() => s.clone(),
        other => other.to_string(),
    };
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cut(&line)
}

/// `text` cut to [`SHOWN_CHARS`] characters, the last one `…` when cut.
fn cut(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(SHOWN_CHARS - 1).collect();
    out.push('…');
    out
}

/// A probe's row: its cell (an index into `Matrix::cells`) per column of [`Table`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub id: String,
    pub description: String,
    pub cells: Vec<Option<usize>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    pub group: String,
    pub rows: Vec<Row>,
}

/// The probes that ran, by group, against the runtimes that ran any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    /// The columns: runtimes with probe cells, in the matrix's order.
    pub runtimes: Vec<String>,
    /// Groups and their probes in the order of `Matrix::probes` (the manifest's), then any
    /// probe it does not list; only probes with cells.
    pub groups: Vec<Group>,
}

impl Table {
    /// `None` when the run has no probe cells.
    pub fn of(matrix: &Matrix) -> Option<Table> {
        let probe_cells: Vec<(usize, &Cell)> = matrix
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_probe())
            .collect();
        if probe_cells.is_empty() {
            return None;
        }
        let mut runtimes: Vec<String> = matrix
            .runtimes
            .iter()
            .filter(|r| probe_cells.iter().any(|(_, c)| c.runtime == r.id))
            .map(|r| r.id.clone())
            .collect();
        for (_, cell) in &probe_cells {
            if !runtimes.contains(&cell.runtime) {
                runtimes.push(cell.runtime.clone());
            }
        }
        // Probes: the manifest's, then those only cells name.
        let mut probes: Vec<(String, String, String)> = matrix
            .probes
            .iter()
            .map(|p| (p.id.clone(), p.group.clone(), p.description.clone()))
            .collect();
        for (_, cell) in &probe_cells {
            if !probes.iter().any(|(id, _, _)| *id == cell.case) {
                probes.push((cell.case.clone(), cell.group.clone(), String::new()));
            }
        }
        let mut groups: Vec<Group> = Vec::new();
        for (id, group, description) in probes {
            let cells: Vec<Option<usize>> = runtimes
                .iter()
                .map(|runtime| {
                    probe_cells
                        .iter()
                        .find(|(_, c)| c.case == id && c.runtime == *runtime)
                        .map(|(i, _)| *i)
                })
                .collect();
            if cells.iter().all(Option::is_none) {
                continue;
            }
            let row = Row {
                id,
                description,
                cells,
            };
            match groups.iter_mut().find(|g| g.group == group) {
                Some(g) => g.rows.push(row),
                None => groups.push(Group {
                    group,
                    rows: vec![row],
                }),
            }
        }
        Some(Table { runtimes, groups })
    }
}

/// Whether deny by default held: the security findings, and the deny-by-default probes
/// that could not tell (error, unsupported).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Deny {
    /// Per runtime (the matrix's order), the probes that reached something never granted.
    pub findings: Vec<(String, Vec<String>)>,
    /// Deny-by-default cells with no answer: runtime, probe, mark.
    pub unsettled: Vec<(String, String, Mark)>,
    /// How many deny-by-default probes ran, on how many runtimes.
    pub probes: usize,
    pub runtimes: usize,
}

impl Deny {
    pub fn of(matrix: &Matrix) -> Deny {
        let mut deny = Deny::default();
        let mut probes: Vec<&str> = Vec::new();
        let mut runtimes: Vec<&str> = Vec::new();
        let order = |id: &str| matrix.runtimes.iter().position(|r| r.id == id);
        let mut cells: Vec<&Cell> = matrix.cells.iter().filter(|c| c.is_probe()).collect();
        cells.sort_by_key(|c| order(&c.runtime));
        for cell in cells {
            let mark = Mark::of(cell);
            if mark == Mark::Finding {
                match deny.findings.iter_mut().find(|(r, _)| *r == cell.runtime) {
                    Some((_, probes)) => probes.push(cell.case.clone()),
                    None => deny
                        .findings
                        .push((cell.runtime.clone(), vec![cell.case.clone()])),
                }
            }
            if cell.group != DENY_BY_DEFAULT {
                continue;
            }
            if !probes.contains(&cell.case.as_str()) {
                probes.push(&cell.case);
            }
            if !runtimes.contains(&cell.runtime.as_str()) {
                runtimes.push(&cell.runtime);
            }
            if matches!(mark, Mark::Error | Mark::Unsupported) {
                deny.unsettled
                    .push((cell.runtime.clone(), cell.case.clone(), mark));
            }
        }
        deny.probes = probes.len();
        deny.runtimes = runtimes.len();
        deny
    }

    /// How many cells are security findings.
    pub fn count(&self) -> usize {
        self.findings.iter().map(|(_, p)| p.len()).sum()
    }

    /// The findings, `runtime: probe, probe; runtime: probe`.
    pub fn findings_text(&self) -> String {
        self.findings
            .iter()
            .map(|(runtime, probes)| format!("{runtime}: {}", probes.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// One line: the findings, or that every attempt was refused (and where a probe could
    /// not tell). `None` when no deny-by-default probe ran and nothing was found.
    pub fn text(&self) -> Option<String> {
        self.parts().map(|(head, tail)| format!("{head} ({tail})"))
    }

    /// [`Deny::text`] as a headline and what it rests on.
    pub fn parts(&self) -> Option<(String, String)> {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let n = self.count();
        if n > 0 {
            return Some((
                format!("deny by default failed: {}", plural(n, "security finding")),
                self.findings_text(),
            ));
        }
        if self.probes == 0 {
            return None;
        }
        let ran = format!(
            "{} on {}",
            plural(self.probes, "probe"),
            plural(self.runtimes, "runtime")
        );
        if self.unsettled.is_empty() {
            return Some((
                "deny by default: refused everywhere".to_owned(),
                format!("{ran}; no security finding"),
            ));
        }
        let unsettled: Vec<String> = self
            .unsettled
            .iter()
            .map(|(runtime, probe, mark)| format!("{runtime}: {probe} ({})", mark.name()))
            .collect();
        Some((
            "deny by default: no security finding".to_owned(),
            format!(
                "{ran}; refused wherever the probe ran, not established for {}",
                unsettled.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::test_support::{cell_of, sample};

    #[test]
    fn an_entry_is_a_mark_and_the_observation_cut_short() {
        assert_eq!(shown(&json!("ENOTCAPABLE")), "ENOTCAPABLE");
        assert_eq!(shown(&json!("")), r#""""#);
        assert_eq!(shown(&json!("two\nlines")), "two lines");
        assert_eq!(shown(&json!(1000)), "1000");
        assert_eq!(shown(&json!(null)), "null");
        assert_eq!(
            shown(&json!({"errno": "ENOTCAPABLE"})),
            r#"{"errno":"ENOTCAPABLE"}"#
        );
        let long =
            shown(&json!({"std_read": {"/etc/passwd": "ENOTCAPABLE", "/etc/hostname": "ENOENT"}}));
        assert_eq!(long.chars().count(), SHOWN_CHARS);
        assert!(
            long.starts_with(r#"{"std_read":{"#) && long.ends_with('…'),
            "{long}"
        );
        let exactly = "x".repeat(SHOWN_CHARS);
        assert_eq!(shown(&json!(exactly)), exactly, "not cut when it fits");

        let (mut matrix, _) = sample();
        let entry = |m: &Matrix, probe: &str, runtime: &str| {
            Entry::of(
                m.cells
                    .iter()
                    .find(|c| c.case == probe && c.runtime == runtime)
                    .unwrap(),
            )
        };
        assert_eq!(
            entry(&matrix, "clock-realtime-res", "wasmer"),
            Entry {
                mark: Mark::Info,
                text: "1000".into(),
                observed: true
            }
        );
        assert_eq!(
            entry(&matrix, "clock-realtime-res", "node").text,
            "error: driver crashed: SIGSEGV"
        );
        assert_eq!(
            entry(&matrix, "clock-realtime-res", "node").mark,
            Mark::Error
        );
        assert_eq!(
            entry(&matrix, "fs-readdir-cookies", "node").text,
            "unsupported"
        );
        assert_eq!(
            entry(&matrix, "deny-read-host-file", "wasmer").mark,
            Mark::Finding
        );
        // Without a printed verdict, an exit probe is judged by its status.
        assert_eq!(entry(&matrix, "exit-42", "wasmtime").mark, Mark::Conforms);
        assert_eq!(entry(&matrix, "exit-42", "wasmer").mark, Mark::Violates);
        // A finding stays a finding whatever else the cell says.
        cell_of(&mut matrix, "deny-read-host-file", "wasmer").status = Status::Error;
        assert_eq!(
            entry(&matrix, "deny-read-host-file", "wasmer").mark,
            Mark::Finding
        );
        // A long error reason is cut too.
        cell_of(&mut matrix, "clock-realtime-res", "node").detail = "y".repeat(100);
        let text = entry(&matrix, "clock-realtime-res", "node").text;
        assert_eq!(text.chars().count(), SHOWN_CHARS);
        assert!(text.starts_with("error: yyy") && text.ends_with('…'));
    }

    #[test]
    fn the_table_follows_the_manifest_over_the_runtimes_that_ran_probes() {
        let (matrix, _) = sample();
        let table = Table::of(&matrix).unwrap();
        assert_eq!(table.runtimes, ["wasmtime", "wasmer", "node"], "not ghost");
        let groups: Vec<(&str, Vec<&str>)> = table
            .groups
            .iter()
            .map(|g| {
                (
                    g.group.as_str(),
                    g.rows.iter().map(|r| r.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "clocks",
                    vec!["clock-realtime-res", "clock-monotonic-order"]
                ),
                ("filesystem", vec!["fs-readdir-cookies"]),
                ("exit", vec!["exit-42"]),
                (
                    DENY_BY_DEFAULT,
                    vec!["deny-read-host-file", "deny-env-secret"]
                ),
                // Not in the manifest: last, with no description.
                ("misc", vec!["extra-probe"]),
            ]
        );
        let exit = &table.groups[2].rows[0];
        assert_eq!(
            exit.description,
            "proc_exit(42): the host sees exit code 42."
        );
        assert_eq!(matrix.cells[exit.cells[0].unwrap()].runtime, "wasmtime");
        assert_eq!(exit.cells[2], None, "node did not run it");

        let services_only = Matrix {
            cells: matrix
                .cells
                .iter()
                .filter(|c| !c.is_probe())
                .cloned()
                .collect(),
            ..matrix.clone()
        };
        assert_eq!(Table::of(&services_only), None);
        assert_eq!(Deny::of(&services_only).text(), None);
    }

    #[test]
    fn deny_by_default_is_refused_everywhere_or_the_findings_are_listed() {
        let (mut matrix, _) = sample();
        let deny = Deny::of(&matrix);
        assert_eq!(deny.count(), 1);
        assert_eq!(
            deny.text().unwrap(),
            "deny by default failed: 1 security finding (wasmer: deny-read-host-file)"
        );
        cell_of(&mut matrix, "deny-read-host-file", "wasmer").verdict = Some("conforms".into());
        cell_of(&mut matrix, "deny-read-host-file", "wasmer").status = Status::Pass;
        assert_eq!(
            Deny::of(&matrix).text().unwrap(),
            "deny by default: refused everywhere (2 probes on 3 runtimes; no security finding)"
        );
        let crashed = cell_of(&mut matrix, "deny-env-secret", "node");
        crashed.status = Status::Error;
        crashed.verdict = None;
        crashed.observed = None;
        assert_eq!(
            Deny::of(&matrix).text().unwrap(),
            "deny by default: no security finding (2 probes on 3 runtimes; refused wherever the \
             probe ran, not established for node: deny-env-secret (error))"
        );
        // Findings outside the deny-by-default group count too, by runtime in the
        // matrix's order.
        cell_of(&mut matrix, "clock-monotonic-order", "node").verdict = Some("finding".into());
        cell_of(&mut matrix, "extra-probe", "wasmtime").verdict = Some("finding".into());
        cell_of(&mut matrix, "deny-env-secret", "wasmtime").verdict = Some("finding".into());
        assert_eq!(
            Deny::of(&matrix).text().unwrap(),
            "deny by default failed: 3 security findings (wasmtime: deny-env-secret, \
             extra-probe; node: clock-monotonic-order)"
        );
    }
}
