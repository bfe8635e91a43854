//! Prints one line on stdout and nothing on stderr: the smallest command there is.

fn main() {
    println!("Hello, world!");
}
