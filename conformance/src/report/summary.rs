//! The summary table the terminal and Markdown reports share: per `service/group` row and
//! per column (a runtime running a form), the tally of its cells.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::matrix::wasi::Mark;
use crate::matrix::{Matrix, Status};
use crate::target::Form;

/// A column of the matrix: one runtime running one form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Column {
    pub(super) runtime: String,
    pub(super) form: Form,
}

#[derive(Default)]
pub(super) struct Tally {
    counts: BTreeMap<Status, usize>,
    /// Probe cells that are security findings ([`Mark::Finding`]).
    pub(super) findings: usize,
}

impl Tally {
    fn add(&mut self, status: Status) {
        *self.counts.entry(status).or_default() += 1;
    }

    pub(super) fn get(&self, status: Status) -> usize {
        self.counts.get(&status).copied().unwrap_or(0)
    }

    pub(super) fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// `12/12`, `10/12 (2 fail)`, `unsupported`.
    pub(super) fn text(&self) -> String {
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

fn columns(matrix: &Matrix) -> Vec<Column> {
    let mut columns = Vec::new();
    for runtime in matrix.runtimes.iter().filter(|r| r.available) {
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
pub(super) fn summary(matrix: &Matrix) -> (Vec<Column>, Vec<(String, Vec<Tally>)>) {
    let columns = columns(matrix);
    let mut rows: BTreeMap<String, Vec<Tally>> = BTreeMap::new();
    for cell in &matrix.cells {
        let row = rows
            .entry(format!("{}/{}", cell.service, cell.group))
            .or_insert_with(|| columns.iter().map(|_| Tally::default()).collect());
        if let Some(i) = columns
            .iter()
            .position(|c| c.runtime == cell.runtime && c.form == cell.form)
        {
            row[i].add(cell.status);
            if cell.is_probe() && Mark::of(cell) == Mark::Finding {
                row[i].findings += 1;
            }
        }
    }
    (columns, rows.into_iter().collect())
}
