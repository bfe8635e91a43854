//! Known, explained differences: a cell that matches an entry here is expected; every other
//! cell that is not `pass` or `unsupported` fails the run, and so does an entry whose cell
//! now passes (the file must stay true).

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::matrix::{Cell, Status};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    pub expectations: Vec<Expectation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub runtime: String,
    pub form: String,
    pub service: String,
    /// A case id, or `*` for every case of the service in that column.
    pub case: String,
    pub status: Status,
    /// For probe cells: the verdict this entry explains. A security finding is only known
    /// when its entry says `"verdict": "finding"`, so an entry written for a spec violation
    /// never quietly covers a new finding in the same cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// What differs and which WASI call or feature causes it.
    pub reason: String,
}

impl Expectation {
    fn matches(&self, cell: &Cell) -> bool {
        self.runtime == cell.runtime
            && self.form == cell.form.name()
            && self.service == cell.service
            && (self.case == "*" || self.case == cell.case)
    }
}

impl Expectations {
    pub fn load(path: &Path) -> anyhow::Result<Expectations> {
        if !path.exists() {
            return Ok(Expectations::default());
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The entry explaining `cell`, if any.
    pub fn explain(&self, cell: &Cell) -> Option<&Expectation> {
        self.expectations.iter().find(|e| e.matches(cell))
    }

    /// Every problem with a run: unexpected cells and stale entries, one line each.
    pub fn judge(&self, cells: &[Cell]) -> Vec<String> {
        cells
            .iter()
            .filter_map(|cell| match self.verdict(cell) {
                Verdict::Unexpected(problem) => Some(problem),
                _ => None,
            })
            .collect()
    }

    /// How the run judges one cell.
    pub fn verdict<'a>(&'a self, cell: &Cell) -> Verdict<'a> {
        match (cell.status, self.explain(cell)) {
            (Status::Pass, None) => Verdict::Pass,
            (Status::Unsupported, None) => Verdict::Unsupported,
            (_, Some(e)) if is_finding(cell) && e.verdict.as_deref() != Some("finding") => {
                Verdict::Unexpected(format!(
                    "{}: a security finding, which conformance/expectations.json does not \
                     explain as one (its entry would need \"verdict\": \"finding\"): {}",
                    cell.label(),
                    cell.detail
                ))
            }
            (status, Some(e))
                if e.status == status
                    && e.verdict.is_some()
                    && e.verdict.as_deref() != cell.verdict.as_deref() =>
            {
                Verdict::Unexpected(format!(
                    "{}: {} with verdict {}, but conformance/expectations.json explains verdict \
                     {}; update the entry",
                    cell.label(),
                    status.name(),
                    cell.verdict.as_deref().unwrap_or("none"),
                    e.verdict.as_deref().unwrap_or("none")
                ))
            }
            (status, Some(e)) if e.status == status => Verdict::Known(e),
            (Status::Pass, Some(e)) => Verdict::Unexpected(format!(
                "{}: passes, but conformance/expectations.json expects {} ({}); remove the entry",
                cell.label(),
                e.status.name(),
                e.reason
            )),
            (status, Some(e)) => Verdict::Unexpected(format!(
                "{}: {} but expected {}: {}",
                cell.label(),
                status.name(),
                e.status.name(),
                cell.detail
            )),
            (status, None) => Verdict::Unexpected(format!(
                "{}: {}: {}",
                cell.label(),
                status.name(),
                cell.detail
            )),
        }
    }
}

fn is_finding(cell: &Cell) -> bool {
    cell.verdict.as_deref() == Some("finding")
}

/// What the run makes of a cell: only [`Verdict::Unexpected`] fails it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    Pass,
    /// `unsupported` with no entry: the runtime cannot run this form.
    Unsupported,
    /// Not a pass, as an entry of the expectations file says, and why.
    Known(&'a Expectation),
    /// Not as expected (a new failure, or a stale entry): one line saying what.
    Unexpected(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Form;

    fn cell(case: &str, status: Status) -> Cell {
        Cell {
            detail: "d".into(),
            ..Cell::new("rt", Form::Command, ["token", "g", case], status)
        }
    }

    fn expect(case: &str, status: Status) -> Expectation {
        Expectation {
            verdict: None,
            runtime: "rt".into(),
            form: "command".into(),
            service: "token".into(),
            case: case.into(),
            status,
            reason: "why".into(),
        }
    }

    #[test]
    fn only_unexplained_or_stale_cells_are_problems() {
        let expectations = Expectations {
            expectations: vec![expect("known", Status::Fail), expect("fixed", Status::Fail)],
        };
        let cells = [
            cell("fine", Status::Pass),
            cell("cannot", Status::Unsupported),
            cell("known", Status::Fail),
            cell("fixed", Status::Pass),
            cell("new", Status::Fail),
            cell("crash", Status::Error),
        ];
        let problems = expectations.judge(&cells);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].contains("fixed") && problems[0].contains("remove the entry"));
        assert!(problems[1].contains("new"));
        assert!(problems[2].contains("crash"));
    }

    #[test]
    fn a_wildcard_covers_a_whole_column() {
        let expectations = Expectations {
            expectations: vec![expect("*", Status::Error)],
        };
        assert!(
            expectations
                .judge(&[cell("a", Status::Error), cell("b", Status::Error)])
                .is_empty()
        );
        assert_eq!(expectations.judge(&[cell("c", Status::Fail)]).len(), 1);
    }

    #[test]
    fn a_security_finding_must_be_explained_as_one() {
        let finding = Cell {
            service: "probe".into(),
            verdict: Some("finding".into()),
            ..cell("c", Status::Fail)
        };
        let entry = |verdict: Option<&str>| Expectations {
            expectations: vec![Expectation {
                service: "probe".into(),
                verdict: verdict.map(str::to_owned),
                ..expect("c", Status::Fail)
            }],
        };
        // An entry written for a failure does not cover a finding in the same cell...
        assert!(matches!(
            entry(None).verdict(&finding),
            Verdict::Unexpected(m) if m.contains("security finding")
        ));
        assert!(matches!(
            entry(Some("violates")).verdict(&finding),
            Verdict::Unexpected(_)
        ));
        // ...one that names it does.
        assert!(matches!(
            entry(Some("finding")).verdict(&finding),
            Verdict::Known(_)
        ));
        // And an entry that names a verdict goes stale when the verdict changes.
        let violation = Cell {
            verdict: Some("violates".into()),
            ..finding.clone()
        };
        assert!(matches!(
            entry(Some("finding")).verdict(&violation),
            Verdict::Unexpected(_)
        ));
    }

    #[test]
    fn the_committed_baseline_is_as_the_committed_expectations_say() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let baseline = crate::report::baseline::load(&root.join("matrix.json")).unwrap();
        let expectations = Expectations::load(&root.join("expectations.json")).unwrap();
        let problems = expectations.judge(&baseline.cells);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
