//! Greets `$NAME` with `$GREETING` (defaults: "stranger", "Hello"). It also reports any
//! other variable it was given, so a host that passes its own environment through shows.

fn main() {
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "Hello".to_owned());
    let name = std::env::var("NAME").unwrap_or_else(|_| "stranger".to_owned());
    println!("{greeting}, {name}!");
    let mut others: Vec<String> = std::env::vars_os()
        .map(|(key, _)| key.to_string_lossy().into_owned())
        .filter(|key| key != "GREETING" && key != "NAME")
        .collect();
    others.sort();
    if !others.is_empty() {
        println!("other variables: {}", others.join(" "));
    }
}
