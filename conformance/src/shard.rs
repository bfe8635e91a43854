//! Running a matrix on several machines: `--shard K/N` runs a deterministic 1/N of the
//! cells, and [`merge`] combines the shards' matrices into the one an unsharded run gives.
//!
//! The unit of work is a *block*: one vector group (or probe group) on one runtime in one
//! form. Blocks are dealt to shards by their measured cost — the milliseconds their cells
//! took in the committed baseline's run, kept in `conformance/costs.json` by `--update` —
//! longest first, each to the least loaded shard (ties: the lowest shard), in name order
//! for equal costs. So every machine computes the same split, and it stays the same until
//! the costs are next regenerated: a new case joins its block and changes no block's
//! measured cost. A block nobody has timed yet (a new group or runtime) counts
//! [`DEFAULT_CELL_MS`] per cell.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, bail, ensure};

use crate::matrix::{Cell, Matrix};

/// Where the measured block costs live, relative to the workspace root.
pub const COSTS: &str = "conformance/costs.json";
/// The assumed cost of a cell in a block with no measurement.
pub const DEFAULT_CELL_MS: f64 = 50.0;

/// `K/N`: this machine runs shard K (1-based) of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn parse(text: &str) -> anyhow::Result<Shard> {
        let (k, n) = text
            .split_once('/')
            .with_context(|| format!("`{text}` is not K/N (e.g. 2/4)"))?;
        let (index, count): (usize, usize) = (
            k.trim().parse().with_context(|| format!("K in `{text}`"))?,
            n.trim().parse().with_context(|| format!("N in `{text}`"))?,
        );
        ensure!(
            count >= 1 && (1..=count).contains(&index),
            "shard `{text}`: K must be between 1 and N"
        );
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A block's name: `runtime/form/service/group`.
pub fn block(runtime: &str, form: &str, service: &str, group: &str) -> String {
    format!("{runtime}/{form}/{service}/{group}")
}

/// Measured milliseconds per block.
pub type Costs = BTreeMap<String, f64>;

pub fn load_costs(path: &Path) -> anyhow::Result<Costs> {
    if !path.exists() {
        return Ok(Costs::new());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The costs a run measured, per block, rounded to the millisecond (what `--update` writes).
pub fn measured(matrix: &Matrix) -> Costs {
    let mut costs = Costs::new();
    for cell in &matrix.cells {
        let name = block(&cell.runtime, cell.form.name(), &cell.service, &cell.group);
        *costs.entry(name).or_default() += cell.millis;
    }
    for cost in costs.values_mut() {
        *cost = cost.round();
    }
    costs
}

/// The text of `costs.json`: one block per line, so a regenerated file diffs by block.
pub fn costs_json(costs: &Costs) -> String {
    let lines: Vec<String> = costs
        .iter()
        .map(|(name, ms)| format!("  {}: {ms}", serde_json::to_string(name).unwrap()))
        .collect();
    format!("{{\n{}\n}}\n", lines.join(",\n"))
}

/// Deals `blocks` (name, number of cells) to `count` shards; returns each block's shard
/// (1-based).
pub fn assign(blocks: &[(String, usize)], costs: &Costs, count: usize) -> BTreeMap<String, usize> {
    let mut weighted: Vec<(f64, &str)> = blocks
        .iter()
        .map(|(name, cells)| {
            let cost = costs
                .get(name)
                .copied()
                .unwrap_or(*cells as f64 * DEFAULT_CELL_MS);
            (cost, name.as_str())
        })
        .collect();
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut load = vec![0.0_f64; count.max(1)];
    let mut out = BTreeMap::new();
    for (cost, name) in weighted {
        let (shard, _) = load
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1).then_with(|| a.0.cmp(&b.0)))
            .expect("at least one shard");
        load[shard] += cost;
        out.insert(name.to_owned(), shard + 1);
    }
    out
}

/// Combines shard matrices into one: the union of their cells (a cell in two shards is an
/// error), their runtimes (one row per runtime; the shards must agree on its version) and
/// probes, the latest `generated`. All shards must have measured the same commit.
pub fn merge(parts: Vec<Matrix>) -> anyhow::Result<Matrix> {
    let mut parts = parts.into_iter();
    let Some(mut merged) = parts.next() else {
        bail!("nothing to merge");
    };
    let key = |c: &Cell| {
        (
            c.runtime.clone(),
            c.form,
            c.service.clone(),
            c.group.clone(),
            c.case.clone(),
        )
    };
    let mut seen: std::collections::BTreeSet<_> = merged.cells.iter().map(key).collect();
    for part in parts {
        ensure!(
            part.schema == merged.schema,
            "schema {} and {} cannot be merged",
            part.schema,
            merged.schema
        );
        ensure!(
            part.commit == merged.commit,
            "the shards measured different commits ({} and {}): rerun them on one commit",
            merged.commit,
            part.commit
        );
        for runtime in part.runtimes {
            match merged.runtimes.iter_mut().find(|r| r.id == runtime.id) {
                None => merged.runtimes.push(runtime),
                Some(known) => {
                    ensure!(
                        known.version == runtime.version || !known.available || !runtime.available,
                        "runtime {} is {} in one shard and {} in another: shards must run on \
                         identically provisioned machines",
                        runtime.id,
                        known.version,
                        runtime.version
                    );
                    if !known.available && runtime.available {
                        *known = runtime;
                    }
                }
            }
        }
        for cell in part.cells {
            ensure!(
                seen.insert(key(&cell)),
                "cell {} is in two shards",
                cell.label()
            );
            merged.cells.push(cell);
        }
        for probe in part.probes {
            if !merged.probes.iter().any(|p| p.id == probe.id) {
                merged.probes.push(probe);
            }
        }
        if part.generated > merged.generated {
            merged.generated = part.generated;
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        for bad in ["0/4", "5/4", "1", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blocks_are_dealt_by_cost_and_new_cases_move_nothing() {
        let blocks: Vec<(String, usize)> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| (n.to_string(), 10))
            .collect();
        let costs: Costs = [("a", 900.0), ("b", 500.0), ("c", 400.0), ("d", 10.0)]
            .iter()
            .map(|(n, c)| (n.to_string(), *c))
            .collect();
        let split = assign(&blocks, &costs, 2);
        assert_eq!(split["a"], 1);
        assert_eq!(split["b"], 2);
        assert_eq!(split["c"], 2);
        assert_eq!(split["d"], 1);
        // The same inputs give the same split on every machine.
        assert_eq!(assign(&blocks, &costs, 2), split);
        // New cases join their blocks: until the costs are regenerated, nothing moves.
        let grown: Vec<(String, usize)> = blocks.iter().map(|(n, c)| (n.clone(), c * 3)).collect();
        assert_eq!(assign(&grown, &costs, 2), split);
        // An unmeasured block counts DEFAULT_CELL_MS per cell.
        let fresh = assign(&[("x".into(), 30), ("y".into(), 1)], &Costs::new(), 2);
        assert_eq!((fresh["x"], fresh["y"]), (1, 2));
    }
}
