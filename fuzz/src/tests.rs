//! Every target on its own seeds, and the committed regression inputs: what the fuzzer
//! found once must stay fixed (`fuzz/regressions/<target>/<name>`, each with a line on
//! what it was in `fuzz/regressions/README.md`).

use crate::{TARGETS, alloc, run_one, workspace_root};

#[test]
fn every_target_runs_its_seeds() {
    let _serial = alloc::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for target in TARGETS {
        let seeds = (target.seeds)();
        assert!(!seeds.is_empty(), "{}: no seeds", target.name);
        for (name, data) in &seeds {
            eprintln!("{} {name}", target.name);
            run_one(target, data);
        }
    }
}

#[test]
fn regressions_stay_fixed() {
    let _serial = alloc::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = workspace_root().join("fuzz").join("regressions");
    for target in TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target.name)) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for file in files {
            eprintln!("{} {}", target.name, file.display());
            run_one(target, &std::fs::read(&file).unwrap());
        }
    }
}

#[test]
fn targets_are_named_once() {
    let mut names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), TARGETS.len());
}
