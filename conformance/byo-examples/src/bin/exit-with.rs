//! `exit-with <code>`: says on stderr that it is leaving, then exits with that code
//! (`proc_exit`). Without a code (or with one that is not a number from 0 to 255) it prints
//! its usage on stderr and exits 2.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.as_slice() {
        [code] => code.parse::<u8>().ok(),
        _ => None,
    };
    let Some(code) = code else {
        eprintln!("usage: exit-with <code from 0 to 255>");
        std::process::exit(2);
    };
    eprintln!("exit-with: exiting with code {code}");
    std::process::exit(i32::from(code));
}
