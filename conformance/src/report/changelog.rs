//! COMPATIBILITY.md's changelog: when `--update` regenerates it, the diff between the
//! baseline it replaces and the run becomes one dated line at the top of a `## Changelog`
//! section; earlier lines are read back from the file being replaced, and the newest
//! [`KEEP`] are kept. Entries are derived from the diff only, never written by hand.

use std::fmt::Write as _;

use super::diff::MatrixDiff;

pub const HEADING: &str = "## Changelog";

/// How many entries the section keeps.
pub const KEEP: usize = 20;

/// Changes named per entry, at most.
const ITEMS: usize = 8;

/// The entries of the changelog section of an existing COMPATIBILITY.md, newest first,
/// without their `- ` bullets.
pub fn read(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .skip_while(|line| line.trim_end() != HEADING)
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| line.strip_prefix("- "))
        .map(str::to_owned)
        .collect()
}

/// The entry for a regeneration at `generated` (RFC 3339; its date is used), or `None` when
/// nothing changed.
pub fn entry(generated: &str, diff: &MatrixDiff) -> Option<String> {
    if diff.is_empty() {
        return None;
    }
    let date = generated.get(..10).unwrap_or(generated);
    Some(format!("{date}: {}", diff.summary(ITEMS).join("; ")))
}

/// `entries` with `entry` (if any) first, at most [`KEEP`].
pub fn prepend(entry: Option<String>, entries: Vec<String>) -> Vec<String> {
    entry.into_iter().chain(entries).take(KEEP).collect()
}

/// The section to append to COMPATIBILITY.md; empty when there are no entries.
pub fn section(entries: &[String]) -> String {
    if entries.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n{HEADING}\n\n\
         What changed at each regeneration, newest first (the last {KEEP}): the run compared \
         with the\nprevious `conformance/matrix.json`.\n\n"
    );
    for entry in entries {
        writeln!(out, "- {entry}").unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Matrix, RuntimeInfo};
    use crate::report::diff::{Scope, diff};
    use crate::target::{Form, Kind};

    fn matrix(version: &str) -> Matrix {
        Matrix {
            schema: 1,
            generated: "2026-11-22T02:38:55Z".into(),
            commit: String::new(),
            probes: Vec::new(),
            runtimes: vec![RuntimeInfo {
                id: "node".into(),
                version: version.into(),
                kind: Kind::External,
                available: true,
                reason: String::new(),
                forms: vec![Form::Command],
                settings: String::new(),
            }],
            cells: vec![],
        }
    }

    #[test]
    fn an_entry_is_the_dated_summary_of_the_diff() {
        let d = diff(&matrix("20.20.2"), &matrix("22.1.0"), &Scope::all());
        assert_eq!(
            entry("2026-11-22T02:38:55Z", &d).as_deref(),
            Some("2026-11-22: node 20.20.2 → 22.1.0")
        );
        let same = diff(&matrix("1"), &matrix("1"), &Scope::all());
        assert_eq!(entry("2026-11-22T02:38:55Z", &same), None);
    }

    #[test]
    fn entries_round_trip_through_the_section_newest_first_and_capped() {
        let old: Vec<String> = (0..KEEP).map(|i| format!("2026-01-{i:02}: x")).collect();
        let markdown = format!(
            "# Compatibility\n\n- not an entry\n{}\n## Later section\n\n- not one either\n",
            section(&old)
        );
        assert_eq!(read(&markdown), old);
        let entries = prepend(Some("2026-11-22: new".into()), read(&markdown));
        assert_eq!(entries.len(), KEEP);
        assert_eq!(entries[0], "2026-11-22: new");
        assert_eq!(entries[KEEP - 1], old[KEEP - 2]);
        assert_eq!(
            read("# Compatibility\n\nno changelog yet\n"),
            Vec::<String>::new()
        );
        assert_eq!(section(&[]), "");
    }
}
