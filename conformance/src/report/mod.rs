//! Reports over a [`Matrix`](crate::matrix::Matrix), each a plain function of the run (and
//! the expectations file where a report says which differences are known), each module's
//! `render`:
//!
//! - [`terminal`]: the table printed at the end of a run (summary, missing runtimes,
//!   security findings);
//! - [`markdown`]: `matrix.md`: runtimes, summary, WASI behaviour, every cell that did not
//!   pass;
//! - [`compatibility`]: `COMPATIBILITY.md` (before its changelog): `matrix.md`'s tables, the
//!   known differences, and the cells that did not pass, grouped;
//! - [`html`]: `matrix.html`, one self-contained page (the matrix as JSON, a small script
//!   that draws it, filters, and each cell's detail on click);
//! - [`junit`]: `junit.xml`, one testsuite per runtime and one testcase per cell, so CI
//!   systems show the matrix natively;
//! - [`baseline`]: the committed baseline `conformance/matrix.json` (matrix.json without
//!   timings, one cell per line) and where `--diff` finds it;
//! - [`diff`]: what changed between a baseline and a run, and which changes are regressions;
//! - [`changelog`]: the dated entries that diff leaves in COMPATIBILITY.md.

pub mod baseline;
pub mod changelog;
pub mod compatibility;
pub mod diff;
pub mod html;
pub mod junit;
pub mod markdown;
mod runtimes;
mod summary;
pub mod terminal;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::expectations::Expectations;
use crate::matrix::Matrix;

/// Where [`write_all`] wrote each report.
#[derive(Clone, Debug)]
pub struct Written {
    pub json: PathBuf,
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub junit: PathBuf,
}

impl Written {
    /// The paths, comma-separated, for a "wrote ..." line.
    pub fn list(&self) -> String {
        [&self.json, &self.markdown, &self.html, &self.junit]
            .map(|p| p.display().to_string())
            .join(", ")
    }
}

/// Writes every report of `matrix` into `dir`: `matrix.json`, `matrix.md`, `matrix.html`,
/// `junit.xml`.
pub fn write_all(
    matrix: &Matrix,
    expectations: &Expectations,
    dir: &Path,
) -> anyhow::Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |name: &str, text: String| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    Ok(Written {
        json: write("matrix.json", serde_json::to_string_pretty(matrix)? + "\n")?,
        markdown: write("matrix.md", markdown::render(matrix, expectations))?,
        html: write("matrix.html", html::render(matrix, expectations))?,
        junit: write("junit.xml", junit::render(matrix, expectations))?,
    })
}

/// Escapes `text` for XML or HTML content: `& < > " '` become references, and the control
/// characters XML 1.0 cannot carry (all below U+0020 but tab, newline and carriage return,
/// and U+FFFE, U+FFFF) are written out as `\x1b`-style text, so a garbled diff stays readable
/// and the document stays well-formed.
pub fn escape_text(text: &str) -> String {
    escape(text, false)
}

/// [`escape_text`] for an attribute value (in double or single quotes): also tab, newline
/// and carriage return as character references, which attribute normalisation would
/// otherwise turn into spaces.
pub fn escape_attr(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' if attribute => out.push_str(&format!("&#{};", u32::from(c))),
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            '\u{fffe}' | '\u{ffff}' => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_become_references() {
        assert_eq!(
            escape_text(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_text("plain → text ✅"), "plain → text ✅");
        assert_eq!(escape_text(""), "");
    }

    #[test]
    fn newlines_survive_in_text_and_attributes() {
        assert_eq!(escape_text("a\n\tb\r"), "a\n\tb\r");
        assert_eq!(escape_attr("a\n\tb\r"), "a&#10;&#9;b&#13;");
    }

    #[test]
    fn characters_xml_cannot_carry_are_spelled_out() {
        assert_eq!(escape_text("\u{1b}[31mred\u{0}"), "\\x1b[31mred\\x00");
        assert_eq!(escape_attr("\u{ffff}"), "\\u{ffff}");
        // Already-escaped text is escaped again, not passed through.
        assert_eq!(escape_text("&amp;"), "&amp;amp;");
    }
}
