//! Prints its arguments, one per line with its index, `argv[0]` included (the harness
//! makes it the wasm file's stem, that is, the spec's name).

fn main() {
    for (i, arg) in std::env::args().enumerate() {
        println!("{i}: {arg}");
    }
}
