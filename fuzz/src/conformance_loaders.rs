//! The conformance crate's loaders: vector files and bring-your-own specs. Both read files,
//! so each input is written to a scratch directory of this process first.

use std::path::PathBuf;
use std::sync::LazyLock;

use conformance::byo;
use conformance::command::CommandRun;
use conformance::vectors;

/// This process's scratch directory (under the system's temporary directory), with the
/// directories a spec may name (`data`, `tree`) and an empty module beside the spec.
static SCRATCH: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("portable-fuzz-{}", std::process::id()));
    for sub in ["data", "tree"] {
        std::fs::create_dir_all(dir.join(sub)).expect("creating the scratch directory");
    }
    std::fs::write(dir.join("m.wasm"), b"").expect("writing the scratch module");
    dir
});

/// `vectors`: the input is a vector file. A loaded group must give every case a request
/// object carrying its config, and must survive a round trip through its own JSON.
pub fn vectors(data: &[u8]) {
    let path = SCRATCH.join("group.json");
    std::fs::write(&path, data).expect("writing the scratch vector file");
    let Ok(group) = vectors::load_file(&path) else {
        return;
    };
    for case in &group.cases {
        let request = group.request(case);
        assert!(
            request.get("config") == Some(&group.config),
            "case `{}`: the request does not carry the group's config",
            case.id
        );
    }
    let text = serde_json::to_string(&group).expect("a group serialises");
    std::fs::write(&path, text).expect("writing the scratch vector file");
    let again = vectors::load_file(&path)
        .unwrap_or_else(|e| panic!("a loaded group does not load again once written: {e:#}"));
    assert_eq!(
        again.cases.len(),
        group.cases.len(),
        "cases lost in a round trip"
    );
}

/// The runs every loaded spec is judged against: exits, a trap, output.
fn runs() -> [CommandRun; 3] {
    let run = |exit: Option<i32>, trap: Option<&str>, stdout: &str| CommandRun {
        exit,
        trap: trap.map(str::to_owned),
        stdout: stdout.to_owned(),
        stderr: String::new(),
    };
    [
        run(Some(0), None, ""),
        run(Some(42), None, "hello\n"),
        run(None, Some("unreachable"), "\u{fffd}"),
    ]
}

/// `byo-spec`: the input is `m.json`, the spec of an (empty) `m.wasm`; a spec that loads
/// is judged against fixed runs, and a trap must never pass.
pub fn byo_spec(data: &[u8]) {
    std::fs::write(SCRATCH.join("m.json"), data).expect("writing the scratch spec");
    let Ok(cases) = byo::cases(&SCRATCH.join("m.wasm"), None) else {
        return;
    };
    for case in &cases {
        for run in runs() {
            let judged = (case.judge)(&run);
            if run.trap.is_some() {
                assert_ne!(
                    judged.status,
                    conformance::matrix::Status::Pass,
                    "a trap passed a spec"
                );
            }
        }
    }
}

pub fn vectors_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for service in ["token", "config", "thumbnail"] {
        for mut group in crate::seeds::vector_groups(service) {
            // The first two cases only: seeds of a few KB mutate faster than whole files.
            if let Some(cases) = group["cases"].as_array_mut() {
                cases.truncate(2);
            }
            let text = serde_json::to_string_pretty(&group).expect("JSON");
            if text.len() <= 16 << 10 {
                seeds.push(text.into_bytes());
            }
        }
    }
    seeds.push(
        br#"{"service": "s", "group": "g", "config": {}, "cases": [{"id": "a", "input": {}, "expect": {"err": {"code": "x"}}}]}"#
            .to_vec(),
    );
    crate::seeds::named(seeds)
}

pub fn byo_spec_seeds() -> Vec<(String, Vec<u8>)> {
    let dir = crate::workspace_root()
        .join("conformance")
        .join("byo-examples")
        .join("specs");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "json")
                && path.file_name().is_some_and(|n| n != "expectations.json")
        })
        .filter_map(|path| std::fs::read(path).ok())
        .collect();
    seeds.sort();
    seeds.push(
        br#"{"args": ["a"], "env": {"K": "v"}, "dirs": ["data"], "root": "tree", "stdin": "x", "exit_code": 0, "stdout": "", "stderr": ""}"#
            .to_vec(),
    );
    crate::seeds::named(seeds)
}
