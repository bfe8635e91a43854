//! Seed corpora, generated from this workspace's own vector files and small generators.

use serde_json::Value;

/// Every vector group of `service`, parsed (`conformance/vectors/<service>/*.json`).
pub fn vector_groups(service: &str) -> Vec<Value> {
    let dir = crate::workspace_root()
        .join("conformance")
        .join("vectors")
        .join(service);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
        })
        .collect()
}

/// Every case of `service`'s vectors with its group's config: `(config, input)`.
pub fn vector_cases(service: &str) -> Vec<(Value, Value)> {
    vector_groups(service)
        .into_iter()
        .flat_map(|group| {
            let config = group["config"].clone();
            group["cases"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |case| (config.clone(), case["input"].clone()))
        })
        .collect()
}

/// Seeds without duplicates, named `seed-0000`, `seed-0001`, ... Seeds longer than AFL++'s
/// default maximum input (1 MB) are left out.
pub fn named(seeds: Vec<Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    let mut seen = std::collections::BTreeSet::new();
    seeds
        .into_iter()
        .filter(|seed| seed.len() < 1 << 20 && seen.insert(seed.clone()))
        .enumerate()
        .map(|(i, seed)| (format!("seed-{i:04}"), seed))
        .collect()
}
