//! What changed between a baseline matrix and a run: cells whose status changed, runtimes
//! added, removed, (no longer) available or at another version, and cases added or removed.
//! Only statuses and versions are compared — never timings or detail text — so the same
//! results always give the same diff.
//!
//! A **regression** is a cell that passed and no longer does, a cell that newly fails or
//! errs (from any other status, so a known `error` that turns into a `fail` counts too), a
//! probe cell that newly is a security finding (even when it failed before, as a spec
//! violation), or
//! a cell of the baseline that the run should have had and did not (a removed case, a
//! runtime or form that is gone). Cells of a runtime that is not available in this run are
//! not compared (it is listed, not a regression: availability depends on the machine), and
//! neither are cells outside the run's selection ([`Scope`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::matrix::{Cell, Matrix, RuntimeInfo, Status};
use crate::target::Form;

/// The part of the matrix a run covered (the harness's `--runtime`, `--service`, `--form`,
/// `--case`); empty lists mean everything.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub runtimes: Vec<String>,
    pub services: Vec<String>,
    pub forms: Vec<Form>,
    /// Only cases whose id contains this text.
    pub case: Option<String>,
}

impl Scope {
    pub fn all() -> Scope {
        Scope::default()
    }

    pub fn is_all(&self) -> bool {
        self.runtimes.is_empty()
            && self.services.is_empty()
            && self.forms.is_empty()
            && self.case.is_none()
    }

    /// Whether the run covers runtime `id`.
    pub fn has_runtime(&self, id: &str) -> bool {
        self.runtimes.is_empty() || self.runtimes.iter().any(|r| r == id)
    }

    fn has(&self, cell: &Cell) -> bool {
        self.has_runtime(&cell.runtime)
            && (self.services.is_empty() || self.services.contains(&cell.service))
            && (self.forms.is_empty() || self.forms.contains(&cell.form))
            && self
                .case
                .as_ref()
                .is_none_or(|c| cell.case.contains(c.as_str()))
    }
}

/// One cell's identity across runs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub runtime: String,
    pub form: Form,
    pub service: String,
    pub group: String,
    pub case: String,
}

impl CellKey {
    pub fn of(cell: &Cell) -> CellKey {
        CellKey {
            runtime: cell.runtime.clone(),
            form: cell.form,
            service: cell.service.clone(),
            group: cell.group.clone(),
            case: cell.case.clone(),
        }
    }

    fn column(&self) -> String {
        format!("{}/{}", self.runtime, self.form)
    }

    fn case_key(&self) -> CaseKey {
        CaseKey {
            service: self.service.clone(),
            group: self.group.clone(),
            case: self.case.clone(),
        }
    }
}

/// A vector case (on every column).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseKey {
    pub service: String,
    pub group: String,
    pub case: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Regression,
    Improvement,
    /// Neither: a failing cell that is now `unsupported`.
    Other,
}

impl ChangeKind {
    /// How a cell's move from `before` to `after` (which differ) counts.
    pub fn of(before: Status, after: Status) -> ChangeKind {
        match (before, after) {
            (_, Status::Pass) => ChangeKind::Improvement,
            (Status::Pass, _) | (_, Status::Fail | Status::Error) => ChangeKind::Regression,
            _ => ChangeKind::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ChangeKind::Regression => "regression",
            ChangeKind::Improvement => "improvement",
            ChangeKind::Other => "change",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub key: CellKey,
    pub before: Status,
    pub after: Status,
    /// The run's detail for the cell (its diff or error).
    pub detail: String,
    /// The cell is a security finding now and was not in the baseline.
    pub new_finding: bool,
}

impl StatusChange {
    pub fn kind(&self) -> ChangeKind {
        if self.new_finding {
            return ChangeKind::Regression;
        }
        ChangeKind::of(self.before, self.after)
    }
}

/// A probe cell whose deny-by-default check failed.
fn is_finding(cell: &Cell) -> bool {
    cell.verdict.as_deref() == Some("finding")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeChange {
    /// A runtime the baseline did not list. `cells` is 0 when it is not available here.
    Added {
        id: String,
        version: String,
        available: bool,
        cells: usize,
    },
    /// A runtime the baseline listed (in scope) that this run does not: its cells are
    /// among the removed ones.
    Removed {
        id: String,
        version: String,
        cells: usize,
    },
    /// Not available in the baseline, available now: its cells are among the added ones.
    NowAvailable {
        id: String,
        version: String,
        cells: usize,
    },
    /// Available in the baseline, not in this run: its `cells` were not compared.
    NotAvailable {
        id: String,
        reason: String,
        cells: usize,
    },
    Version {
        id: String,
        before: String,
        after: String,
    },
}

/// Everything that differs between a baseline and a run, within the run's [`Scope`].
#[derive(Clone, Debug, Default)]
pub struct MatrixDiff {
    pub runtimes: Vec<RuntimeChange>,
    /// Cells in both whose status differs.
    pub status: Vec<StatusChange>,
    /// Cells of the run the baseline does not have.
    pub added: Vec<CellKey>,
    /// Cells of the baseline the run should have had and does not.
    pub removed: Vec<CellKey>,
    /// Cases (service, group, case) on no column of the baseline.
    pub cases_added: Vec<CaseKey>,
    /// Cases of the baseline on no column of the run.
    pub cases_removed: Vec<CaseKey>,
}

/// Compares `run` with `baseline` within `scope`.
pub fn diff(baseline: &Matrix, run: &Matrix, scope: &Scope) -> MatrixDiff {
    let mut out = MatrixDiff::default();
    let runtimes = |m: &Matrix| -> BTreeMap<String, RuntimeInfo> {
        m.runtimes
            .iter()
            .filter(|r| scope.has_runtime(&r.id))
            .map(|r| (r.id.clone(), r.clone()))
            .collect()
    };
    let (before_runtimes, after_runtimes) = (runtimes(baseline), runtimes(run));
    let before: BTreeMap<CellKey, &Cell> = baseline
        .cells
        .iter()
        .filter(|c| scope.has(c))
        .map(|c| (CellKey::of(c), c))
        .collect();
    let after: BTreeMap<CellKey, &Cell> = run.cells.iter().map(|c| (CellKey::of(c), c)).collect();
    let count = |cells: &BTreeMap<CellKey, &Cell>, id: &str| {
        cells.keys().filter(|k| k.runtime == id).count()
    };

    // Runtimes, in the run's order, then those only the baseline has.
    let mut not_compared = BTreeSet::new();
    for r in run.runtimes.iter().filter(|r| scope.has_runtime(&r.id)) {
        let cells = count(&after, &r.id);
        match before_runtimes.get(&r.id) {
            None => out.runtimes.push(RuntimeChange::Added {
                id: r.id.clone(),
                version: r.version.clone(),
                available: r.available,
                cells,
            }),
            Some(b) if !b.available && r.available => {
                out.runtimes.push(RuntimeChange::NowAvailable {
                    id: r.id.clone(),
                    version: r.version.clone(),
                    cells,
                })
            }
            Some(b) if b.available && !r.available => {
                not_compared.insert(r.id.clone());
                out.runtimes.push(RuntimeChange::NotAvailable {
                    id: r.id.clone(),
                    reason: r.reason.clone(),
                    cells: count(&before, &r.id),
                });
            }
            Some(b) if b.available && b.version != r.version => {
                out.runtimes.push(RuntimeChange::Version {
                    id: r.id.clone(),
                    before: b.version.clone(),
                    after: r.version.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for b in baseline.runtimes.iter() {
        if scope.has_runtime(&b.id) && !after_runtimes.contains_key(&b.id) {
            out.runtimes.push(RuntimeChange::Removed {
                id: b.id.clone(),
                version: b.version.clone(),
                cells: count(&before, &b.id),
            });
        }
    }

    for (key, cell) in &before {
        if not_compared.contains(&key.runtime) {
            continue;
        }
        match after.get(key) {
            Some(now) if now.status != cell.status || (is_finding(now) && !is_finding(cell)) => {
                out.status.push(StatusChange {
                    key: key.clone(),
                    before: cell.status,
                    after: now.status,
                    detail: now.detail.clone(),
                    new_finding: is_finding(now) && !is_finding(cell),
                })
            }
            Some(_) => {}
            None => out.removed.push(key.clone()),
        }
    }
    out.added = after
        .keys()
        .filter(|k| !before.contains_key(k))
        .cloned()
        .collect();

    let cases = |cells: &BTreeMap<CellKey, &Cell>| -> BTreeSet<CaseKey> {
        cells.keys().map(CellKey::case_key).collect()
    };
    let (before_cases, after_cases) = (cases(&before), cases(&after));
    let compared_before: BTreeSet<CaseKey> = before
        .keys()
        .filter(|k| !not_compared.contains(&k.runtime))
        .map(CellKey::case_key)
        .collect();
    out.cases_added = after_cases.difference(&before_cases).cloned().collect();
    out.cases_removed = compared_before.difference(&after_cases).cloned().collect();
    out
}

/// Up to `max` names, then how many more.
fn some(names: &[String], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!(
            "{}, … and {} more",
            names[..max].join(", "),
            names.len() - max
        )
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// What a line of the diff is about, as the report marks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Runtime,
    Added,
    Status(ChangeKind),
    /// A removed runtime with cells, or removed cells.
    Removed,
}

impl Mark {
    fn text(self) -> &'static str {
        match self {
            Mark::Runtime => "runtime",
            Mark::Added => "added",
            Mark::Status(ChangeKind::Regression) | Mark::Removed => "REGRESSION",
            Mark::Status(kind) => kind.name(),
        }
    }
}

type Line = (Mark, String);

impl MatrixDiff {
    pub fn is_empty(&self) -> bool {
        self.runtimes.is_empty()
            && self.status.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
    }

    /// How many cells regressed: status regressions plus removed cells.
    pub fn regressions(&self) -> usize {
        self.status
            .iter()
            .filter(|c| c.kind() == ChangeKind::Regression)
            .count()
            + self.removed.len()
    }

    fn runtime_lines(&self) -> Vec<Line> {
        self.runtimes
            .iter()
            .map(|change| match change {
                RuntimeChange::Added {
                    id,
                    version,
                    available: true,
                    cells,
                } => (
                    Mark::Runtime,
                    format!("{id} {version} added: {}", plural(*cells, "cell")),
                ),
                RuntimeChange::Added { id, .. } => (
                    Mark::Runtime,
                    format!("{id} added (not available in this run)"),
                ),
                RuntimeChange::Removed { id, version, cells } => (
                    if *cells > 0 {
                        Mark::Removed
                    } else {
                        Mark::Runtime
                    },
                    format!("{id} {version} removed: {}", plural(*cells, "cell")),
                ),
                RuntimeChange::NowAvailable { id, version, cells } => (
                    Mark::Runtime,
                    format!("{id} {version} now available: {}", plural(*cells, "cell")),
                ),
                RuntimeChange::NotAvailable { id, cells, .. } => (
                    Mark::Runtime,
                    format!(
                        "{id} not available in this run: {} not compared",
                        plural(*cells, "cell")
                    ),
                ),
                RuntimeChange::Version { id, before, after } => {
                    (Mark::Runtime, format!("{id} {before} → {after}"))
                }
            })
            .collect()
    }

    /// Status changes by column, service, kind and transition.
    fn status_lines(&self, names: usize) -> Vec<Line> {
        type Transition<'a> = (ChangeKind, String, &'a str, Status, Status, bool);
        let mut groups: BTreeMap<Transition<'_>, Vec<String>> = BTreeMap::new();
        for change in &self.status {
            groups
                .entry((
                    change.kind(),
                    change.key.column(),
                    &change.key.service,
                    change.before,
                    change.after,
                    change.new_finding,
                ))
                .or_default()
                .push(format!("{}/{}", change.key.group, change.key.case));
        }
        groups
            .into_iter()
            .map(|((kind, column, service, before, after, finding), cases)| {
                let after = match finding {
                    true => format!("{} (security finding)", after.name()),
                    false => after.name().to_owned(),
                };
                let shown = if names == 0 {
                    String::new()
                } else {
                    format!(": {}", some(&cases, names))
                };
                (
                    Mark::Status(kind),
                    format!(
                        "{column} {service}: {} {} → {after}{shown}",
                        cases.len(),
                        before.name(),
                    ),
                )
            })
            .collect()
    }

    /// Cells added or removed: whole cases by service and group, whole runtimes (said by
    /// the runtime lines), and the rest by column.
    fn cell_lines(&self, names: usize) -> Vec<Line> {
        let whole_runtime = |id: &str| {
            self.runtimes.iter().any(|r| match r {
                RuntimeChange::Added { id: r, .. }
                | RuntimeChange::Removed { id: r, .. }
                | RuntimeChange::NowAvailable { id: r, .. } => r == id,
                _ => false,
            })
        };
        let mut lines = Vec::new();
        for (cells, cases, verb, kind) in [
            (&self.added, &self.cases_added, "added", Mark::Added),
            (&self.removed, &self.cases_removed, "removed", Mark::Removed),
        ] {
            let mut by_group: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
            for case in cases {
                by_group
                    .entry((&case.service, &case.group))
                    .or_default()
                    .push(case.case.clone());
            }
            for ((service, group), ids) in by_group {
                let shown = if names == 0 {
                    String::new()
                } else {
                    format!(": {}", some(&ids, names))
                };
                lines.push((
                    kind,
                    format!(
                        "{service}/{group}: {} {verb}{shown}",
                        plural(ids.len(), "case")
                    ),
                ));
            }
            let whole_cases: BTreeSet<&CaseKey> = cases.iter().collect();
            let mut by_column: BTreeMap<String, usize> = BTreeMap::new();
            for key in cells
                .iter()
                .filter(|k| !whole_runtime(&k.runtime) && !whole_cases.contains(&k.case_key()))
            {
                *by_column.entry(key.column()).or_default() += 1;
            }
            for (column, n) in by_column {
                lines.push((kind, format!("{column}: {} {verb}", plural(n, "cell"))));
            }
        }
        lines
    }

    /// The terse form, for a changelog entry: at most `max` items.
    pub fn summary(&self, max: usize) -> Vec<String> {
        let mut items: Vec<String> = self
            .runtime_lines()
            .into_iter()
            .chain(self.status_lines(0))
            .chain(self.cell_lines(0))
            .map(|(_, text)| text)
            .collect();
        if items.len() > max {
            let more = items.len() - max + 1;
            items.truncate(max - 1);
            items.push(format!("… and {more} more changes"));
        }
        items
    }

    /// The diff as the harness prints it: a headline, one line per change (regressions
    /// marked), and the count of regressions.
    pub fn report(&self, baseline: &Matrix, source: &str) -> String {
        let mut out = String::new();
        let commit = if baseline.commit.is_empty() {
            String::new()
        } else {
            format!(", commit {}", baseline.commit)
        };
        writeln!(
            out,
            "diff against {source} (generated {}{commit}):",
            baseline.generated
        )
        .unwrap();
        if self.is_empty() {
            writeln!(out, "  no changes").unwrap();
            return out;
        }
        let lines: Vec<Line> = self
            .runtime_lines()
            .into_iter()
            .chain(self.status_lines(8))
            .chain(self.cell_lines(8))
            .collect();
        for (mark, text) in lines {
            writeln!(out, "  {:<12}{text}", mark.text()).unwrap();
        }
        match self.regressions() {
            0 => writeln!(out, "no regressions").unwrap(),
            n => writeln!(
                out,
                "{}: cells that passed (or failed as known) and now fail, err or are gone",
                plural(n, "regression")
            )
            .unwrap(),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Kind;

    fn runtime(id: &str, version: &str, available: bool) -> RuntimeInfo {
        RuntimeInfo {
            id: id.into(),
            version: version.into(),
            kind: Kind::Embedded,
            available,
            reason: if available {
                String::new()
            } else {
                "not installed".into()
            },
            forms: vec![Form::Command],
            settings: String::new(),
        }
    }

    fn cell(runtime: &str, case: &str, status: Status) -> Cell {
        Cell {
            millis: 1.0,
            ..Cell::new(runtime, Form::Command, ["token", "g", case], status)
        }
    }

    fn matrix(runtimes: Vec<RuntimeInfo>, cells: Vec<Cell>) -> Matrix {
        Matrix {
            schema: 1,
            generated: "2026-11-22T00:00:00Z".into(),
            commit: "abc1234".into(),
            runtimes,
            cells,
            probes: Vec::new(),
        }
    }

    #[test]
    fn the_same_results_are_no_diff_whatever_the_timings() {
        let a = matrix(
            vec![runtime("rt", "1", true)],
            vec![cell("rt", "a", Status::Pass)],
        );
        let mut b = a.clone();
        b.cells[0].millis = 99.0;
        b.cells[0].detail = "different words".into();
        b.generated = "later".into();
        let d = diff(&a, &b, &Scope::all());
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(d.regressions(), 0);
        assert!(d.report(&a, "base").contains("no changes"));
    }

    #[test]
    fn status_changes_are_classified() {
        use Status::*;
        let transitions = [
            (Pass, Fail, ChangeKind::Regression),
            (Pass, Error, ChangeKind::Regression),
            (Pass, Unsupported, ChangeKind::Regression),
            (Error, Fail, ChangeKind::Regression),
            (Unsupported, Error, ChangeKind::Regression),
            (Fail, Pass, ChangeKind::Improvement),
            (Unsupported, Pass, ChangeKind::Improvement),
            (Fail, Unsupported, ChangeKind::Other),
        ];
        let (before, after): (Vec<Cell>, Vec<Cell>) = transitions
            .iter()
            .enumerate()
            .map(|(i, (b, a, _))| {
                let case = format!("c{i}");
                (cell("rt", &case, *b), cell("rt", &case, *a))
            })
            .unzip();
        let rts = vec![runtime("rt", "1", true)];
        let d = diff(
            &matrix(rts.clone(), before),
            &matrix(rts, after),
            &Scope::all(),
        );
        let kinds: Vec<ChangeKind> = d.status.iter().map(StatusChange::kind).collect();
        let expected: Vec<ChangeKind> = transitions.iter().map(|t| t.2).collect();
        assert_eq!(kinds, expected);
        assert_eq!(d.regressions(), 5);
        assert!(d.added.is_empty() && d.removed.is_empty());
    }

    #[test]
    fn versions_runtimes_and_cases_added_or_removed() {
        let base = matrix(
            vec![
                runtime("a", "1.0", true),
                runtime("gone", "3", true),
                runtime("later", "?", false),
            ],
            vec![
                cell("a", "kept", Status::Pass),
                cell("a", "dropped", Status::Pass),
                cell("gone", "kept", Status::Pass),
            ],
        );
        let run = matrix(
            vec![
                runtime("a", "1.1", true),
                runtime("later", "2.0", true),
                runtime("new", "7.3.0", true),
            ],
            vec![
                cell("a", "kept", Status::Pass),
                cell("a", "fresh", Status::Pass),
                cell("later", "kept", Status::Pass),
                cell("new", "kept", Status::Pass),
                cell("new", "fresh", Status::Pass),
            ],
        );
        let d = diff(&base, &run, &Scope::all());
        assert_eq!(
            d.runtimes,
            [
                RuntimeChange::Version {
                    id: "a".into(),
                    before: "1.0".into(),
                    after: "1.1".into()
                },
                RuntimeChange::NowAvailable {
                    id: "later".into(),
                    version: "2.0".into(),
                    cells: 1
                },
                RuntimeChange::Added {
                    id: "new".into(),
                    version: "7.3.0".into(),
                    available: true,
                    cells: 2
                },
                RuntimeChange::Removed {
                    id: "gone".into(),
                    version: "3".into(),
                    cells: 1
                },
            ]
        );
        let case = |c: &str| CaseKey {
            service: "token".into(),
            group: "g".into(),
            case: c.into(),
        };
        assert_eq!(d.cases_added, [case("fresh")]);
        assert_eq!(d.cases_removed, [case("dropped")]);
        // The dropped case and the removed runtime's cell are regressions.
        assert_eq!(d.removed.len(), 2);
        assert_eq!(d.regressions(), 2);
        assert_eq!(d.added.len(), 4);

        let summary = d.summary(20);
        assert_eq!(
            summary,
            [
                "a 1.0 → 1.1",
                "later 2.0 now available: 1 cell",
                "new 7.3.0 added: 2 cells",
                "gone 3 removed: 1 cell",
                "token/g: 1 case added",
                "token/g: 1 case removed",
            ]
        );
        let report = d.report(&base, "base.json");
        assert!(
            report.contains("REGRESSION  gone 3 removed: 1 cell"),
            "{report}"
        );
        assert!(
            report.contains("REGRESSION  token/g: 1 case removed: dropped"),
            "{report}"
        );
        assert!(report.contains("2 regressions"), "{report}");
    }

    #[test]
    fn a_new_security_finding_is_a_regression_even_if_the_cell_failed_before() {
        let probe = |verdict: &str| Cell {
            verdict: Some(verdict.into()),
            ..cell("rt", "deny", Status::Fail)
        };
        let rt = || vec![runtime("rt", "1", true)];
        let base = matrix(rt(), vec![probe("violates")]);
        let run = matrix(rt(), vec![probe("finding")]);
        let d = diff(&base, &run, &Scope::all());
        assert_eq!(d.regressions(), 1, "{d:?}");
        let report = d.report(&base, "baseline");
        assert!(
            report.contains("fail → fail (security finding)"),
            "{report}"
        );
        // Still a finding: nothing new.
        assert_eq!(diff(&run, &run, &Scope::all()).regressions(), 0);
    }

    #[test]
    fn an_unavailable_runtime_or_a_narrower_selection_is_not_a_regression() {
        let base = matrix(
            vec![runtime("a", "1", true), runtime("b", "1", true)],
            vec![
                cell("a", "x", Status::Pass),
                cell("a", "y", Status::Pass),
                cell("b", "x", Status::Pass),
            ],
        );
        // `b` is not installed on this machine; only case `x` was selected.
        let run = matrix(
            vec![runtime("a", "1", true), runtime("b", "1", false)],
            vec![cell("a", "x", Status::Pass)],
        );
        let scope = Scope {
            case: Some("x".into()),
            ..Scope::all()
        };
        let d = diff(&base, &run, &scope);
        assert_eq!(d.regressions(), 0, "{d:?}");
        assert!(matches!(
            &d.runtimes[..],
            [RuntimeChange::NotAvailable { id, cells: 1, .. }] if id == "b"
        ));
        // Filtered to runtime `a`, `b` is out of scope altogether.
        let scope = Scope {
            runtimes: vec!["a".into()],
            ..Scope::all()
        };
        let run = matrix(
            vec![runtime("a", "1", true)],
            vec![cell("a", "x", Status::Pass), cell("a", "y", Status::Pass)],
        );
        assert!(diff(&base, &run, &scope).is_empty());
        // Unfiltered, the same run lost `b`.
        assert_eq!(diff(&base, &run, &Scope::all()).regressions(), 1);
    }

    #[test]
    fn a_column_that_loses_cells_is_named() {
        let rts = vec![runtime("a", "1", true), runtime("b", "1", true)];
        let base = matrix(
            rts.clone(),
            vec![cell("a", "x", Status::Pass), cell("b", "x", Status::Pass)],
        );
        let run = matrix(rts, vec![cell("a", "x", Status::Pass)]);
        let d = diff(&base, &run, &Scope::all());
        assert_eq!(d.regressions(), 1);
        assert!(d.cases_removed.is_empty());
        assert_eq!(d.summary(20), ["b/command: 1 cell removed"]);
    }

    #[test]
    fn a_long_summary_is_cut() {
        let base = matrix(vec![], vec![]);
        let run = matrix(
            (0..12)
                .map(|i| runtime(&format!("r{i}"), "1", true))
                .collect(),
            vec![],
        );
        let summary = diff(&base, &run, &Scope::all()).summary(5);
        assert_eq!(summary.len(), 5);
        assert_eq!(summary[4], "… and 8 more changes");
    }
}
