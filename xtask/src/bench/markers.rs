//! Generated sections in a hand-written document (rust-analyzer's pattern): the text
//! between `<!-- generated: NAME start -->` and `<!-- generated: NAME end -->` is rewritten,
//! everything outside the markers is kept byte for byte.

use anyhow::{Context, bail, ensure};

fn start(name: &str) -> String {
    format!("<!-- generated: {name} start -->")
}

fn end(name: &str) -> String {
    format!("<!-- generated: {name} end -->")
}

/// The one place `marker` occurs in `doc`; an error if it is missing or repeated.
fn find_once(doc: &str, marker: &str) -> anyhow::Result<usize> {
    let mut found = doc.match_indices(marker).map(|(i, _)| i);
    let first = found
        .next()
        .with_context(|| format!("no `{marker}` marker (add it where the section goes)"))?;
    ensure!(
        found.next().is_none(),
        "`{marker}` appears more than once (keep one)"
    );
    Ok(first)
}

/// `doc` with the text between each section's markers replaced by its content (a blank
/// line either side, so the markers stay apart from the Markdown around them). Every
/// section must have exactly one start and one end marker, in that order, and every
/// generated marker in `doc` must belong to a section.
pub fn splice(doc: &str, sections: &[(&str, String)]) -> anyhow::Result<String> {
    // (start of the replaced text, its end, the content): the text after the start marker
    // up to the end marker.
    let mut spans = Vec::new();
    for (name, content) in sections {
        let (open, close) = (start(name), end(name));
        let from = find_once(doc, &open)? + open.len();
        let to = find_once(doc, &close)?;
        ensure!(from <= to, "`{close}` comes before `{open}`");
        spans.push((from, to, content));
    }
    // A marker of a section nobody generates is a typo or a section removed from the code.
    for (i, _) in doc.match_indices("<!-- generated: ") {
        let line = &doc[i..];
        let marker = &line[..line.find("-->").map_or(line.len(), |e| e + 3)];
        if !sections
            .iter()
            .any(|(name, _)| marker == start(name) || marker == end(name))
        {
            bail!("`{marker}` names no generated section");
        }
    }
    spans.sort_by_key(|(from, ..)| *from);
    for pair in spans.windows(2) {
        ensure!(
            pair[0].1 <= pair[1].0,
            "generated sections overlap (each end marker must come before the next start)"
        );
    }
    let mut out = String::with_capacity(doc.len());
    let mut at = 0;
    for (from, to, content) in spans {
        out.push_str(&doc[at..from]);
        out.push_str("\n\n");
        out.push_str(content.trim_end_matches('\n'));
        out.push_str("\n\n");
        at = to;
    }
    out.push_str(&doc[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Title\n\nProse *before*.\n\n<!-- generated: table start -->\nold\n\
                       <!-- generated: table end -->\n\nProse between.\n\
                       <!-- generated: facts start --><!-- generated: facts end -->\nTail, no \
                       newline";

    fn sections() -> Vec<(&'static str, String)> {
        vec![
            ("facts", "a fact\n".to_owned()),
            ("table", "| a |\n|---|\n| 1 |".to_owned()),
        ]
    }

    #[test]
    fn replaces_between_the_markers_and_keeps_the_rest_byte_for_byte() {
        let out = splice(DOC, &sections()).unwrap();
        assert_eq!(
            out,
            "# Title\n\nProse *before*.\n\n<!-- generated: table start -->\n\n| a |\n|---|\n\
             | 1 |\n\n<!-- generated: table end -->\n\nProse between.\n\
             <!-- generated: facts start -->\n\na fact\n\n<!-- generated: facts end -->\n\
             Tail, no newline"
        );
        // Splicing again changes nothing.
        assert_eq!(splice(&out, &sections()).unwrap(), out);
        // A document without generated sections stays as it is.
        assert_eq!(splice("just prose\n", &[]).unwrap(), "just prose\n");
    }

    #[test]
    fn a_missing_marker_is_an_error() {
        let doc = DOC.replace("<!-- generated: table end -->", "");
        let err = splice(&doc, &sections()).unwrap_err().to_string();
        assert!(err.contains("no `<!-- generated: table end -->`"), "{err}");
        let err = splice(DOC, &[("chart", String::new())])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no `<!-- generated: chart start -->`"),
            "{err}"
        );
    }

    #[test]
    fn a_repeated_marker_is_an_error() {
        let doc = format!("{DOC}\n<!-- generated: facts start -->\n");
        let err = splice(&doc, &sections()).unwrap_err().to_string();
        assert!(err.contains("more than once"), "{err}");
    }

    #[test]
    fn markers_out_of_order_or_unknown_are_errors() {
        let doc = "<!-- generated: a end -->\n<!-- generated: a start -->\n";
        let err = splice(doc, &[("a", String::new())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("comes before"), "{err}");
        let err = splice(DOC, &sections()[1..]).unwrap_err().to_string();
        assert!(
            err.contains("`<!-- generated: facts start -->` names no generated section"),
            "{err}"
        );
        let doc = "<!-- generated: a start -->\n<!-- generated: b start -->\n\
                   <!-- generated: a end -->\n<!-- generated: b end -->\n";
        let err = splice(doc, &[("a", String::new()), ("b", String::new())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("overlap"), "{err}");
    }
}
