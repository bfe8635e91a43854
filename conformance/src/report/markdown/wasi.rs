//! The `## WASI behaviour` section of `matrix.md` and COMPATIBILITY.md: the model's
//! [`Table`] (one table per probe group, an [`Entry`] per runtime), the deny-by-default line
//! and the probe cells that did not pass, in Markdown.

use std::fmt::Write as _;

use super::escape;
use crate::expectations::{Expectations, Verdict};
use crate::matrix::wasi::{Deny, Entry, Mark, SHOWN_CHARS, Table};
use crate::matrix::{Matrix, Status};

/// The `## WASI behaviour` section, when the run has probe cells.
pub(in crate::report) fn section(matrix: &Matrix, expectations: &Expectations, out: &mut String) {
    let Some(table) = Table::of(matrix) else {
        return;
    };
    writeln!(out, "\n## WASI behaviour\n").unwrap();
    writeln!(
        out,
        "What each WASI probe (`conformance/probes`) observed on each runtime: a mark for the \
         verdict, then the observation, cut to {SHOWN_CHARS} characters (`matrix.json` has it \
         in full, `matrix.html` shows it on click)."
    )
    .unwrap();
    let legend: Vec<String> = Mark::ALL
        .iter()
        .map(|m| format!("{} {}", m.symbol(), m.meaning()))
        .collect();
    writeln!(out, "\n{} · – did not run.\n", legend.join(" · ")).unwrap();
    let deny = Deny::of(matrix);
    if let Some((head, tail)) = deny.parts() {
        let mark = if deny.count() > 0 { "🟥 " } else { "" };
        writeln!(
            out,
            "{mark}**{}** ({}).\n",
            capitalised(&head),
            escape(&tail)
        )
        .unwrap();
    }
    for group in &table.groups {
        writeln!(out, "### {}\n", group.group).unwrap();
        writeln!(
            out,
            "| probe | what it tests | {} |",
            table.runtimes.join(" | ")
        )
        .unwrap();
        writeln!(out, "|---|---|{}", "---|".repeat(table.runtimes.len())).unwrap();
        for row in &group.rows {
            let entries: Vec<String> = row
                .cells
                .iter()
                .map(|i| match i {
                    Some(i) => entry(&Entry::of(&matrix.cells[*i])),
                    None => "–".to_owned(),
                })
                .collect();
            writeln!(
                out,
                "| {} | {} | {} |",
                code(&row.id),
                escape(&row.description),
                entries.join(" | ")
            )
            .unwrap();
        }
        writeln!(out).unwrap();
    }
    problems(matrix, &table, expectations, out);
}

/// Probe cells that did not pass, once each: a row per probe, mark, status, detail (its
/// first line) and known difference, with the runtimes that share it.
fn problems(matrix: &Matrix, table: &Table, expectations: &Expectations, out: &mut String) {
    type Key<'a> = (&'a str, Mark, Status, &'a str, String);
    let mut rows: Vec<(Key<'_>, Vec<&str>)> = Vec::new();
    for group in &table.groups {
        for row in &group.rows {
            for cell in row.cells.iter().flatten().map(|i| &matrix.cells[*i]) {
                if cell.status == Status::Pass {
                    continue;
                }
                let known = match expectations.verdict(cell) {
                    Verdict::Unsupported => "the runtime cannot run this form".to_owned(),
                    Verdict::Known(e) => e.reason.clone(),
                    Verdict::Pass | Verdict::Unexpected(_) => "**unexpected**".to_owned(),
                };
                let key = (
                    row.id.as_str(),
                    Mark::of(cell),
                    cell.status,
                    cell.detail.lines().next().unwrap_or(""),
                    known,
                );
                match rows.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, runtimes)) => runtimes.push(&cell.runtime),
                    None => rows.push((key, vec![&cell.runtime])),
                }
            }
        }
    }
    // Probes that failed the same way on the same runtimes share a row (a runtime that
    // cannot run any probe is one row, not one per probe).
    type Shared<'a> = (Mark, Status, &'a str, String, Vec<&'a str>);
    let mut shared: Vec<(Shared<'_>, Vec<&str>)> = Vec::new();
    for ((probe, mark, status, detail, known), runtimes) in rows {
        let key = (mark, status, detail, known, runtimes);
        match shared.iter_mut().find(|(k, _)| *k == key) {
            Some((_, probes)) => probes.push(probe),
            None => shared.push((key, vec![probe])),
        }
    }
    writeln!(out, "### Probe cells that did not pass\n").unwrap();
    if shared.is_empty() {
        writeln!(out, "None: every probe cell passed.").unwrap();
        return;
    }
    writeln!(
        out,
        "| probe | runtimes | verdict | status | detail | known difference |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    for ((mark, status, detail, known, runtimes), probes) in shared {
        let probe = match probes.len() {
            1..=3 => probes
                .iter()
                .map(|p| code(p))
                .collect::<Vec<_>>()
                .join(", "),
            n => format!("{n} probes ({}, …)", code(probes[0])),
        };
        let verdict = if mark == Mark::Finding {
            format!("{} **security finding**", mark.symbol())
        } else {
            format!("{} {}", mark.symbol(), mark.name())
        };
        writeln!(
            out,
            "| {probe} | {} | {verdict} | {} | {} | {} |",
            runtimes.join(", "),
            status.name(),
            escape(detail),
            escape(&known)
        )
        .unwrap();
    }
}

/// An entry as a table cell: the mark, then the observation as code or the reason.
fn entry(entry: &Entry) -> String {
    let mut out = entry.mark.symbol().to_owned();
    if entry.mark == Mark::Finding {
        out.push_str(" **finding**");
    }
    if entry.observed {
        write!(out, " {}", code(&entry.text)).unwrap();
    } else if !entry.text.is_empty() {
        write!(out, " {}", escape(&entry.text)).unwrap();
    }
    out
}

/// `text` as a Markdown code span inside a table: a fence longer than any run of backticks
/// in it, and `|` escaped (GitHub reads `\|` as `|` in table cells, code spans included).
fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_span_is_fenced_longer_than_its_backticks_and_escapes_pipes() {
        assert_eq!(code("a|b"), r"`a\|b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
    }
}
