//! `matrix.html`: the matrix as one self-contained page (no network, works from `file://`).
//!
//! The header — run date, commit, totals and the runtimes with their versions — is plain
//! HTML. The matrix itself travels as a JSON blob (`<script type="application/json"
//! id="matrix-data">`: the [`Matrix`] and, per cell that is not a plain pass or
//! unsupported, the harness's verdict) and a small inline script draws it: rows are
//! `service/group`, columns `runtime/form` (plus one per runtime that is not available),
//! each entry counts its cells and is coloured by its worst status. A click on an entry
//! shows its cells below the table, each with its diff, error or reason. Filters
//! (`<select>`) narrow by service, runtime and status; they, and the open entry, live in
//! the URL's fragment (`#service=token&status=fail&cell=token/keys@wasmtime/command`), so a
//! view can be linked.
//!
//! When the run has WASI probe cells, `section#wasi` shows what each probe observed
//! ([`crate::matrix::wasi`]): the deny-by-default line (`p#deny-summary`), one
//! `table.wasi[data-group]` per probe group, rows `tr[data-probe]`, columns the runtimes
//! with probe cells, entries `td[data-runtime][data-verdict]` with class
//! `verdict-<mark>` (a security finding red, a violation amber, conforming green, info
//! neutral, an error grey) holding the mark and the observation cut short. A click on an
//! entry shows the whole observation, pretty-printed, and the cell's detail in
//! `section#probe-detail` (`#probe=<id>@<runtime>` in the fragment). The runtime filter
//! narrows its columns, the status filter its rows, and a service filter other than
//! `probe` hides it. Security findings are also counted in the header (`p#findings`).
//!
//! The drawn DOM is a contract of sorts — `conformance/tests/html_in_browser.rs` reads it
//! from a headless Chromium: `table#summary`, rows `tr[data-row]`, entries
//! `td[data-col][data-status]` with class `status-<status>`, `section#detail`, and the
//! WASI behaviour elements above.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::runtimes::RuntimeRow;
use super::{escape_attr as attr, escape_text as text};
use crate::expectations::{Expectations, Verdict};
use crate::matrix::wasi::{Deny, Entry, Table};
use crate::matrix::{Matrix, Status};

/// The page for `matrix`, with the verdicts `expectations` give its cells.
pub fn render(matrix: &Matrix, expectations: &Expectations) -> String {
    let mut judged = Map::new();
    for (i, cell) in matrix.cells.iter().enumerate() {
        let verdict = match expectations.verdict(cell) {
            Verdict::Known(e) => json!(["known", e.reason]),
            Verdict::Unexpected(problem) => json!(["unexpected", problem]),
            Verdict::Pass | Verdict::Unsupported => continue,
        };
        judged.insert(i.to_string(), verdict);
    }
    // The WASI behaviour section, laid out as matrix.md lays it out; each probe cell's entry
    // (mark and short text) computed here too, so the page and the Markdown agree.
    let entries: Map<String, Value> = matrix
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_probe())
        .map(|(i, c)| (i.to_string(), json!(Entry::of(c))))
        .collect();
    let deny = Deny::of(matrix);
    let data = json!({
        "matrix": matrix,
        "judged": Value::Object(judged),
        "wasi": Table::of(matrix),
        "entries": Value::Object(entries),
        "deny": {"text": deny.text(), "findings": deny.count()},
    });
    let title = format!("Conformance matrix, {}", matrix.generated);
    fill(
        TEMPLATE,
        &[
            ("TITLE", &text(&title)),
            ("STYLE", STYLE),
            ("HEADER", &header(matrix)),
            ("DATA", &script_json(&data)),
            ("SCRIPT", SCRIPT),
        ],
    )
}

/// `template` with each `{{NAME}}` replaced by its value, in one pass: nothing inserted is
/// read again, so a diff that says `{{SCRIPT}}` stays text.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let end = start + rest[start..].find("}}").expect("placeholders are closed");
        let name = &rest[start + 2..end];
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no value for {{{{{name}}}}}"))
            .1;
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// JSON that can sit inside `<script>`: `<`, `>` and `&` only occur in JSON strings, where
/// `\u003c` and friends mean the same, so `</script>` or `<!--` in a diff cannot end it.
fn script_json(value: &Value) -> String {
    serde_json::to_string(value)
        .expect("JSON values serialise")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Run date, commit, totals and runtimes.
fn header(matrix: &Matrix) -> String {
    let mut out = String::new();
    let count = |s: Status| matrix.cells.iter().filter(|c| c.status == s).count();
    let commit = if matrix.commit.is_empty() {
        "unknown"
    } else {
        &matrix.commit
    };
    writeln!(
        out,
        r#"<p id="run">Run <time id="generated" datetime="{0}">{1}</time> at commit <code id="commit">{2}</code> · {3} cells: {4} pass, {5} fail, {6} error, {7} unsupported</p>"#,
        attr(&matrix.generated),
        text(&matrix.generated),
        text(commit),
        matrix.cells.len(),
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Error),
        count(Status::Unsupported),
    )
    .unwrap();
    let deny = Deny::of(matrix);
    if deny.count() > 0 {
        writeln!(
            out,
            r#"<p id="findings" class="verdict-finding">{}</p>"#,
            text(&format!(
                "🟥 {} security finding{} (deny by default failed: the guest reached something \
                 never granted): {}",
                deny.count(),
                if deny.count() == 1 { "" } else { "s" },
                deny.findings_text()
            ))
        )
        .unwrap();
    }
    out.push_str(
        "<table id=\"runtimes\">\n<thead><tr><th>runtime</th><th>version</th><th>kind</th>\
         <th>forms</th><th>available</th><th>settings</th></tr></thead>\n<tbody>\n",
    );
    for r in matrix.runtimes.iter().map(RuntimeRow::of) {
        writeln!(
            out,
            r#"<tr data-runtime="{}"><td>{}</td><td class="version">{}</td><td>{}</td><td>{}</td><td class="{}">{}</td><td>{}</td></tr>"#,
            attr(r.id),
            text(r.id),
            text(r.version),
            text(&r.kind),
            text(&r.forms),
            if r.available { "yes" } else { "no" },
            text(&r.availability),
            text(r.settings)
        )
        .unwrap();
    }
    out.push_str("</tbody>\n</table>");
    out
}

const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
{{STYLE}}
</style>
</head>
<body>
<header>
<h1>Conformance matrix</h1>
{{HEADER}}
</header>
<noscript><p class="noscript">This page draws the matrix with JavaScript. Without it, read
<code>matrix.md</code> or <code>junit.xml</code> next to this file.</p></noscript>
<nav id="filters">
<label>service <select id="filter-service"><option value="">all</option></select></label>
<label>runtime <select id="filter-runtime"><option value="">all</option></select></label>
<label>status <select id="filter-status"><option value="">any</option></select></label>
<span class="legend"><span class="status-pass">pass</span> <span class="status-fail">fail</span>
<span class="status-error">error</span> <span class="status-unsupported">unsupported</span>
<span class="status-missing">not available</span> <span class="status-fail known">known difference</span>
<span class="status-fail unexpected">unexpected</span></span>
</nav>
<main>
<table id="summary"><thead></thead><tbody></tbody></table>
<section id="detail" hidden></section>
<section id="wasi" hidden>
<h2>WASI behaviour</h2>
<p>What each WASI probe (<code>conformance/probes</code>) observed on each runtime: a mark for
the verdict, then the observation, cut short. Click an entry for the whole observation.</p>
<p class="legend"><span class="verdict-conforms">&#x2705; conforms to the WASI preview 1 spec</span>
<span class="verdict-violates">&#x274c; violates it</span>
<span class="verdict-finding">&#x1f7e5; security finding: deny by default failed, the guest reached something never granted</span>
<span class="verdict-info">&#x2139;&#xfe0f; the spec leaves it open</span>
<span class="verdict-error">&#x26a0;&#xfe0f; error: crashed or printed no observation</span>
<span class="verdict-unsupported">&#x26aa; unsupported</span>
<span class="verdict-none">&#x2013; did not run</span></p>
<p id="deny-summary" hidden></p>
<div id="wasi-tables"></div>
<section id="probe-detail" hidden></section>
</section>
</main>
<script type="application/json" id="matrix-data">{{DATA}}</script>
<script>
{{SCRIPT}}
</script>
</body>
</html>
"##;

const STYLE: &str = r##"body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #1a1a1a; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #c8c8c8; padding: .25em .5em; text-align: left; vertical-align: top; }
thead th { background: #f0f0f0; }
#runtimes { margin-bottom: 1em; font-size: .9em; }
#runtimes td.no { color: #8a4b00; }
#filters { margin: .5em 0 1em; display: flex; gap: 1.2em; flex-wrap: wrap; align-items: center; }
.legend span { padding: 0 .4em; border: 1px solid #c8c8c8; }
#summary th[data-col] { font-weight: normal; white-space: nowrap; }
#summary th[data-col] .rt { font-weight: bold; }
#summary tbody th { white-space: nowrap; font-weight: normal; }
#summary td { cursor: pointer; white-space: nowrap; text-align: center; }
#summary td:focus, #summary td.open { outline: 3px solid #1565c0; outline-offset: -3px; }
.status-pass { background: #c8e6c9; }
.status-fail { background: #ffcdd2; }
.status-error { background: #ffab91; }
.status-unsupported { background: #e0e0e0; color: #555; }
.status-missing { background: #fafafa; color: #777; font-style: italic; }
.status-empty { background: #fff; color: #999; }
.known { background-image: repeating-linear-gradient(45deg, transparent 0 6px, rgba(255,255,255,.55) 6px 9px); }
.unexpected { font-weight: bold; box-shadow: inset 0 0 0 2px #b71c1c; }
.dim { opacity: .3; }
#detail { margin-top: 1.5em; }
#detail h2 { font-size: 1.1em; }
#detail pre { margin: 0; white-space: pre-wrap; font-size: .9em; }
#detail td.case { white-space: nowrap; }
.noscript { background: #fff3cd; padding: .5em; }
#wasi { margin-top: 2em; }
#wasi h2 { font-size: 1.2em; }
#wasi h3 { font-size: 1em; margin: 1.2em 0 .3em; }
#wasi .legend span { display: inline-block; margin: 0 .3em .3em 0; }
#deny-summary { font-weight: bold; padding: .3em .5em; background: #c8e6c9; display: inline-block; }
table.wasi th[data-runtime] { white-space: nowrap; }
table.wasi tbody th { white-space: nowrap; font-weight: normal; }
table.wasi td.description { color: #444; max-width: 28em; }
table.wasi td[data-runtime] { cursor: pointer; max-width: 24em; overflow-wrap: anywhere; }
table.wasi td:focus, table.wasi td.open { outline: 3px solid #1565c0; outline-offset: -3px; }
.verdict-conforms { background: #c8e6c9; }
.verdict-violates { background: #ffcc80; }
.verdict-finding { background: #c62828; color: #fff; font-weight: bold; }
#deny-summary.verdict-finding, #findings { background: #c62828; color: #fff; }
#findings { font-weight: bold; padding: .3em .5em; }
.verdict-info { background: #f5f5f5; }
.verdict-error { background: #bdbdbd; }
.verdict-unsupported { background: #e0e0e0; color: #555; }
.verdict-none { background: #fff; color: #999; }
#probe-detail { margin-top: 1em; }
#probe-detail h3 { font-size: 1.05em; }
#probe-detail pre { margin: 0; white-space: pre-wrap; font-size: .9em; }"##;

const SCRIPT: &str = r##""use strict";
(function () {
  var data = JSON.parse(document.getElementById("matrix-data").textContent);
  var m = data.matrix, judged = data.judged;
  var wasi = data.wasi, entries = data.entries || {}, deny = data.deny || {};
  var MARKS = { conforms: "\u2705", violates: "\u274c", finding: "\ud83d\udfe5", info: "\u2139\ufe0f",
                error: "\u26a0\ufe0f", unsupported: "\u26aa" };
  var STATUSES = ["pass", "fail", "error", "unsupported"];
  var WORST = ["error", "fail", "pass", "unsupported"];

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  // Columns: one per runtime and form; one per runtime that is not available.
  var columns = [];
  m.runtimes.forEach(function (r) {
    if (r.available) {
      r.forms.forEach(function (f) {
        columns.push({ key: r.id + "/" + f, runtime: r, form: f });
      });
    } else {
      columns.push({ key: r.id + "/-", runtime: r, form: null });
    }
  });

  // Rows: one per service/group, in the order matrix.md uses; cells by column.
  var rowsByKey = {};
  m.cells.forEach(function (c, i) {
    var key = c.service + "/" + c.group;
    var row = rowsByKey[key] || (rowsByKey[key] = { key: key, service: c.service, cells: {} });
    var col = c.runtime + "/" + c.form;
    (row.cells[col] || (row.cells[col] = [])).push(i);
  });
  var rows = Object.keys(rowsByKey).sort().map(function (k) { return rowsByKey[k]; });

  function tally(row, column) {
    var t = { pass: 0, fail: 0, error: 0, unsupported: 0, total: 0, known: 0, unexpected: 0 };
    (row.cells[column.key] || []).forEach(function (i) {
      t[m.cells[i].status] += 1;
      t.total += 1;
      var j = judged[i];
      if (j) { t[j[0]] += 1; }
    });
    return t;
  }

  function describe(t, column) {
    if (!column.form) { return { status: "missing", text: "not available" }; }
    if (t.total === 0) { return { status: "empty", text: "\u2013" }; }
    var status = WORST.filter(function (s) { return t[s] > 0; })[0];
    if (t.unsupported === t.total) { return { status: status, text: "unsupported" }; }
    var rest = ["fail", "error", "unsupported"].filter(function (s) { return t[s] > 0; })
      .map(function (s) { return t[s] + " " + s; });
    var text = t.pass + "/" + t.total + (rest.length ? " (" + rest.join(", ") + ")" : "");
    return { status: status, text: text };
  }

  var select = {
    service: document.getElementById("filter-service"),
    runtime: document.getElementById("filter-runtime"),
    status: document.getElementById("filter-status")
  };
  rows.map(function (r) { return r.service; })
    .filter(function (s, i, all) { return all.indexOf(s) === i; })
    .forEach(function (s) { select.service.appendChild(el("option", { value: s }, [s])); });
  m.runtimes.forEach(function (r) {
    select.runtime.appendChild(el("option", { value: r.id }, [r.id]));
  });
  STATUSES.forEach(function (s) { select.status.appendChild(el("option", { value: s }, [s])); });

  var open = null; // "row@column" of the entry shown in #detail
  var openProbe = null; // "probe@runtime" of the WASI entry shown in #probe-detail

  function state() {
    var params = new URLSearchParams();
    ["service", "runtime", "status"].forEach(function (k) {
      if (select[k].value) { params.set(k, select[k].value); }
    });
    if (open) { params.set("cell", open); }
    if (openProbe) { params.set("probe", openProbe); }
    return params.toString();
  }

  function remember() {
    try { history.replaceState(null, "", "#" + state()); } catch (e) { /* file:// may refuse */ }
  }

  function render() {
    var service = select.service.value, runtime = select.runtime.value, status = select.status.value;
    var cols = columns.filter(function (c) { return !runtime || c.runtime.id === runtime; });
    var thead = document.querySelector("#summary thead");
    var tbody = document.querySelector("#summary tbody");
    thead.textContent = "";
    tbody.textContent = "";
    thead.appendChild(el("tr", {}, [el("th", { scope: "col" }, ["service/group"])].concat(
      cols.map(function (c) {
        return el("th", { scope: "col", "data-col": c.key, title: c.runtime.id + " " + c.runtime.version },
          [el("span", { "class": "rt" }, [c.runtime.id]), " ",
           el("span", { "class": "form" }, [c.form || "not available"])]);
      }))));
    var shown = 0;
    rows.forEach(function (row) {
      if (service && row.service !== service) { return; }
      var tallies = cols.map(function (c) { return tally(row, c); });
      if (status && !tallies.some(function (t) { return t[status] > 0; })) { return; }
      var tr = el("tr", { "data-row": row.key }, [el("th", { scope: "row" }, [row.key])]);
      cols.forEach(function (c, n) {
        var t = tallies[n], d = describe(t, c);
        var classes = ["status-" + d.status];
        if (t.unexpected) { classes.push("unexpected"); }
        else if (t.known) { classes.push("known"); }
        if (status && !(t[status] > 0)) { classes.push("dim"); }
        var id = row.key + "@" + c.key;
        if (id === open) { classes.push("open"); }
        var td = el("td", { "data-col": c.key, "data-status": d.status, "class": classes.join(" "),
                            tabindex: "0", title: row.key + " on " + c.key }, [d.text]);
        td.addEventListener("click", function () { show(id); });
        td.addEventListener("keydown", function (e) { if (e.key === "Enter") { show(id); } });
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
      shown += 1;
    });
    if (!shown) {
      tbody.appendChild(el("tr", { "class": "none" },
        [el("td", { colspan: String(cols.length + 1) }, ["no entry matches the filters"])]));
    }
    detail();
    renderWasi(service, runtime, status);
    remember();
  }

  function show(id) {
    open = open === id ? null : id;
    render();
    if (open) { document.getElementById("detail").scrollIntoView({ block: "nearest" }); }
  }

  function detail() {
    var section = document.getElementById("detail");
    section.textContent = "";
    var at = open ? open.lastIndexOf("@") : -1;
    var row = at < 0 ? null : rowsByKey[open.slice(0, at)];
    var column = at < 0 ? null : columns.filter(function (c) { return c.key === open.slice(at + 1); })[0];
    if (!row || !column) { section.hidden = true; return; }
    section.hidden = false;
    var r = column.runtime;
    section.appendChild(el("h2", {}, [row.key + " on " + r.id + (column.form ? "/" + column.form : "") +
      " (" + r.id + " " + r.version + ")"]));
    var close = el("button", { type: "button", id: "detail-close" }, ["close"]);
    close.addEventListener("click", function () { show(open); });
    section.appendChild(close);
    if (r.settings) { section.appendChild(el("p", { "class": "settings" }, ["settings: " + r.settings])); }
    if (!column.form) {
      section.appendChild(el("p", { "class": "reason" }, ["not available: " + r.reason]));
      return;
    }
    var status = select.status.value;
    var body = el("tbody");
    (row.cells[column.key] || []).forEach(function (i) {
      var c = m.cells[i], j = judged[i];
      if (status && c.status !== status) { return; }
      var verdict = j ? (j[0] === "known" ? "known difference: " + j[1] : "unexpected") : "";
      var text = c.detail;
      if (c.observed !== undefined) {
        text = (text ? text + "\n" : "") + "observed: " + JSON.stringify(c.observed);
      }
      body.appendChild(el("tr", { "class": "status-" + c.status, "data-case": c.case }, [
        el("td", { "class": "case" }, [c.case]),
        el("td", { "class": "status" }, [c.status]),
        el("td", { "class": "detail" }, [el("pre", {}, [text])]),
        el("td", { "class": "verdict" }, [verdict])
      ]));
    });
    section.appendChild(el("table", { "class": "cases" }, [
      el("thead", {}, [el("tr", {}, ["case", "status", "diff, error or reason", "verdict"]
        .map(function (h) { return el("th", {}, [h]); }))]),
      body
    ]));
  }

  // --- WASI behaviour: a table per probe group, a column per runtime with probe cells. ---

  function renderWasi(service, runtime, status) {
    var section = document.getElementById("wasi");
    if (!wasi || (service && service !== "probe")) { section.hidden = true; return; }
    section.hidden = false;
    var summary = document.getElementById("deny-summary");
    summary.hidden = !deny.text;
    summary.textContent = deny.text ? (deny.findings ? MARKS.finding + " " : "") + deny.text : "";
    summary.className = deny.findings ? "verdict-finding" : "";
    var cols = wasi.runtimes.map(function (id, n) { return { id: id, n: n }; })
      .filter(function (c) { return !runtime || c.id === runtime; });
    var holder = document.getElementById("wasi-tables");
    holder.textContent = "";
    wasi.groups.forEach(function (g) {
      var rows = g.rows.filter(function (row) {
        return !status || cols.some(function (c) {
          var i = row.cells[c.n];
          return i !== null && m.cells[i].status === status;
        });
      });
      if (!rows.length) { return; }
      var head = el("tr", {}, [el("th", { scope: "col" }, ["probe"]),
                               el("th", { scope: "col" }, ["what it tests"])]);
      cols.forEach(function (c) {
        head.appendChild(el("th", { scope: "col", "data-runtime": c.id }, [c.id]));
      });
      var body = el("tbody");
      rows.forEach(function (row) {
        var tr = el("tr", { "data-probe": row.id }, [
          el("th", { scope: "row" }, [el("code", {}, [row.id])]),
          el("td", { "class": "description" }, [row.description])
        ]);
        cols.forEach(function (c) {
          var i = row.cells[c.n];
          if (i === null || i === undefined) {
            tr.appendChild(el("td", { "data-runtime": c.id, "data-verdict": "none", "class": "verdict-none" },
              ["\u2013"]));
            return;
          }
          var e = entries[i], cell = m.cells[i], j = judged[i];
          var classes = ["verdict-" + e.mark];
          if (j) { classes.push(j[0]); }
          if (status && cell.status !== status) { classes.push("dim"); }
          var id = row.id + "@" + c.id;
          if (id === openProbe) { classes.push("open"); }
          var children = [MARKS[e.mark]];
          if (e.mark === "finding") { children.push(" ", el("strong", {}, ["finding"])); }
          if (e.text) { children.push(" ", e.observed ? el("code", {}, [e.text]) : e.text); }
          var td = el("td", { "data-runtime": c.id, "data-verdict": e.mark, "data-status": cell.status,
                              "class": classes.join(" "), tabindex: "0",
                              title: row.id + " on " + c.id + ": " + e.mark }, children);
          td.addEventListener("click", function () { showProbe(id); });
          td.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { showProbe(id); } });
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
      holder.appendChild(el("h3", {}, [g.group]));
      holder.appendChild(el("table", { "class": "wasi", "data-group": g.group },
        [el("thead", {}, [head]), body]));
    });
    if (!holder.firstChild) {
      holder.appendChild(el("p", { "class": "none" }, ["no probe matches the filters"]));
    }
    probeDetail();
  }

  function showProbe(id) {
    openProbe = openProbe === id ? null : id;
    render();
    if (openProbe) { document.getElementById("probe-detail").scrollIntoView({ block: "nearest" }); }
  }

  function probeDetail() {
    var section = document.getElementById("probe-detail");
    section.textContent = "";
    var at = openProbe ? openProbe.lastIndexOf("@") : -1;
    var probe = at < 0 ? null : openProbe.slice(0, at), rt = at < 0 ? null : openProbe.slice(at + 1);
    var n = wasi.runtimes.indexOf(rt), row = null;
    wasi.groups.forEach(function (g) {
      g.rows.forEach(function (r) { if (r.id === probe) { row = r; } });
    });
    var i = row && n >= 0 ? row.cells[n] : null;
    if (i === null || i === undefined) { section.hidden = true; return; }
    section.hidden = false;
    var c = m.cells[i], e = entries[i], j = judged[i];
    var r = m.runtimes.filter(function (x) { return x.id === rt; })[0];
    section.appendChild(el("h3", {}, [probe + " on " + rt + (r ? " (" + r.id + " " + r.version + ")" : "")]));
    var close = el("button", { type: "button", id: "probe-detail-close" }, ["close"]);
    close.addEventListener("click", function () { showProbe(openProbe); });
    section.appendChild(close);
    if (row.description) { section.appendChild(el("p", { "class": "description" }, [row.description])); }
    var verdict = MARKS[e.mark] + " " + e.mark +
      (e.mark === "finding" ? ": security finding, deny by default failed" : "");
    var fields = [
      ["verdict", verdict],
      ["status", c.status],
      ["observed", c.observed === undefined ? "(nothing observed)" : JSON.stringify(c.observed, null, 2)],
      ["detail", c.detail]
    ];
    if (j) { fields.push(["judged", j[0] === "known" ? "known difference: " + j[1] : "unexpected: " + j[1]]); }
    var body = el("tbody");
    fields.forEach(function (f) {
      body.appendChild(el("tr", { "data-field": f[0] }, [el("th", { scope: "row" }, [f[0]]),
        el("td", f[0] === "verdict" ? { "class": "verdict-" + e.mark } : {}, [el("pre", {}, [f[1]])])]));
    });
    section.appendChild(el("table", { "class": "fields" }, [body]));
  }

  var params = new URLSearchParams(location.hash.slice(1));
  ["service", "runtime", "status"].forEach(function (k) {
    var v = params.get(k);
    if (v && Array.prototype.some.call(select[k].options, function (o) { return o.value === v; })) {
      select[k].value = v;
    }
    select[k].addEventListener("change", render);
  });
  open = params.get("cell");
  openProbe = params.get("probe");
  render();
})();"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Cell, RuntimeInfo};
    use crate::target::{Form, Kind};

    #[test]
    fn the_page_is_self_contained_and_its_data_cannot_break_out() {
        let matrix = Matrix {
            schema: 1,
            generated: "2026-11-22T02:38:55Z".into(),
            commit: "abc1234".into(),
            probes: Vec::new(),
            runtimes: vec![RuntimeInfo {
                id: "rt".into(),
                version: "1.0 <b>".into(),
                kind: Kind::Embedded,
                available: true,
                reason: String::new(),
                forms: vec![Form::Command],
                settings: String::new(),
            }],
            cells: vec![Cell {
                detail: "</script><script>alert(1)</script> {{DATA}} & <!--".into(),
                millis: 1.0,
                ..Cell::new("rt", Form::Command, ["token", "g", "c"], Status::Fail)
            }],
        };
        let page = render(&matrix, &Expectations::default());
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the page's own scripts end"
        );
        assert!(!page.contains("<!--"));
        for placeholder in ["{{TITLE}}", "{{STYLE}}", "{{HEADER}}", "{{SCRIPT}}"] {
            assert!(!page.contains(placeholder), "{placeholder} is filled");
        }
        for remote in ["http://", "https://", "src=", "@import"] {
            assert!(!page.contains(remote), "the page loads nothing: {remote}");
        }
        assert!(page.contains(r#"<td class="version">1.0 &lt;b&gt;</td>"#));
        assert!(page.contains(r#"<code id="commit">abc1234</code>"#));
        // The blob is the matrix, and says the failing cell is unexpected.
        let start = page.find(r#"id="matrix-data">"#).unwrap() + r#"id="matrix-data">"#.len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(
            data["matrix"]["cells"][0]["detail"],
            matrix.cells[0].detail.as_str()
        );
        assert_eq!(data["judged"]["0"][0], "unexpected");
        assert_eq!(data["wasi"], Value::Null, "no probes, no WASI section");
        assert!(!page.contains(r#"id="findings""#));
    }

    /// The JSON blob embedded in `page`.
    fn blob(page: &str) -> Value {
        let start = page.find(r#"id="matrix-data">"#).unwrap() + r#"id="matrix-data">"#.len();
        let end = start + page[start..].find("</script>").unwrap();
        serde_json::from_str(&page[start..end]).unwrap()
    }

    #[test]
    fn the_wasi_section_travels_as_data_and_findings_are_in_the_header() {
        let (mut matrix, expectations) = crate::test_support::sample();
        // An observation cannot end the script either.
        let i = matrix
            .cells
            .iter()
            .position(|c| c.case == "extra-probe")
            .unwrap();
        matrix.cells[i].observed = Some(json!({"x": "</script><!-- & <b>"}));
        let page = render(&matrix, &expectations);
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(!page.contains("<!--"));
        let data = blob(&page);
        assert_eq!(
            data["matrix"]["cells"][i]["observed"]["x"],
            "</script><!-- & <b>"
        );
        assert_eq!(
            data["entries"][i.to_string()]["text"],
            r#"{"x":"</script><!-- & <b>"}"#
        );
        // The table is laid out as matrix.md lays it out.
        assert_eq!(
            data["wasi"]["runtimes"],
            json!(["wasmtime", "wasmer", "node"])
        );
        assert_eq!(data["wasi"]["groups"][3]["group"], "deny-by-default");
        let row = &data["wasi"]["groups"][3]["rows"][0];
        assert_eq!(row["id"], "deny-read-host-file");
        let finding = row["cells"][1].as_u64().unwrap().to_string();
        assert_eq!(data["entries"][&finding]["mark"], "finding");
        assert_eq!(data["entries"][&finding]["observed"], true);
        assert_eq!(data["judged"][&finding][0], "unexpected");
        assert_eq!(
            data["deny"],
            json!({"text": "deny by default failed: 1 security finding (wasmer: deny-read-host-file)",
                   "findings": 1})
        );
        // Service cells have no entry.
        assert!(data["entries"].get("0").is_none());
        // The header counts the findings; the page has the section, styled: a finding red.
        assert!(page.contains(
            "<p id=\"findings\" class=\"verdict-finding\">🟥 1 security finding (deny by default \
             failed: the guest reached something never granted): wasmer: deny-read-host-file</p>"
        ));
        assert!(page.contains(r#"<section id="wasi" hidden>"#));
        assert!(page.contains(".verdict-finding { background: #c62828; color: #fff;"));
        assert!(page.contains(".verdict-violates { background: #ffcc80; }"));
    }
}
