//! The `iron-worker` command.
fn main() {}
