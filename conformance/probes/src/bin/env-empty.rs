//! No environment granted: `environ_sizes_get` counts no variables. Also what
//! `environ_get` answers when called anyway (wasi-libc skips the call then).

use wasi_probes::{Report, Verdict, environ_pairs, json, outcome};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let vars = environ_pairs()?;
    let mut names: Vec<&str> = vars.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    let (mut pointer, mut byte) = (std::ptr::null_mut::<u8>(), 0u8);
    // SAFETY: one pointer slot and one byte: room for more than the sizes announced.
    let get_anyway = unsafe { wasi::environ_get(&mut pointer, &mut byte) };
    let observed = json!({
        "count": vars.len(),
        "names": names,
        "environ_get_with_none": outcome(&get_anyway),
    });
    Ok(if vars.is_empty() {
        let note = "the environment is what the host grants, and it granted none";
        Report::new(Verdict::Conforms, observed, note)
    } else {
        Report::info(
            observed,
            "variables nobody granted: the runtime adds or inherits them",
        )
    })
}
