//! Vector files: one deployment (`config`) and its cases, per file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One vector file: a deployment and the cases run against it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub service: String,
    pub group: String,
    #[serde(default)]
    pub description: String,
    /// The JSON form of the service's WIT `config` record.
    pub config: Value,
    pub cases: Vec<Case>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub description: String,
    /// The request's fields other than `config`.
    pub input: Map<String, Value>,
    /// `{"ok": value}` or `{"err": {"code", ...}}`, compared after normalisation.
    pub expect: Value,
}

impl Group {
    /// The JSON request every form receives for `case`: `config` plus the case's input.
    pub fn request(&self, case: &Case) -> Value {
        let mut request = case.input.clone();
        request.insert("config".to_owned(), self.config.clone());
        Value::Object(request)
    }
}

/// Loads every `<service>/<group>.json` under `root`, sorted by service then group.
pub fn load_dir(root: &Path) -> anyhow::Result<Vec<Group>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for service in read_dir_sorted(root)? {
        if service.is_dir() {
            files.extend(
                read_dir_sorted(&service)?
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "json")),
            );
        }
    }
    let groups = files
        .iter()
        .map(|path| load_file(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut seen = BTreeSet::new();
    for group in &groups {
        ensure!(
            seen.insert((group.service.clone(), group.group.clone())),
            "group {}/{} is defined twice",
            group.service,
            group.group
        );
    }
    Ok(groups)
}

fn read_dir_sorted(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading vector directory {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort();
    Ok(entries)
}

/// Loads and checks one vector file.
pub fn load_file(path: &Path) -> anyhow::Result<Group> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let group: Group =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    group
        .check()
        .with_context(|| format!("checking {}", path.display()))?;
    Ok(group)
}

impl Group {
    fn check(&self) -> anyhow::Result<()> {
        let mut ids = BTreeSet::new();
        for case in &self.cases {
            ensure!(
                ids.insert(case.id.as_str()),
                "case id `{}` is used twice",
                case.id
            );
            ensure!(
                !case.input.contains_key("config"),
                "case `{}`: input may not set `config`",
                case.id
            );
            check_expect(&case.expect).with_context(|| format!("case `{}`", case.id))?;
        }
        Ok(())
    }
}

fn check_expect(expect: &Value) -> anyhow::Result<()> {
    let Some(object) = expect.as_object().filter(|o| o.len() == 1) else {
        bail!("`expect` must be {{\"ok\": ...}} or {{\"err\": ...}}");
    };
    if let Some(err) = object.get("err") {
        ensure!(
            err.get("code").is_some_and(Value::is_string),
            "`expect.err` needs a string `code`"
        );
        ensure!(
            err.get("message").is_none(),
            "`expect.err` must not pin a message: errors match by code"
        );
    } else {
        ensure!(
            object.contains_key("ok"),
            "`expect` must be {{\"ok\": ...}} or {{\"err\": ...}}"
        );
    }
    Ok(())
}
