//! Links the `quire` command as a position-dependent executable on Linux.
//!
//! The command carries typst's tables, fonts and vtables: a position-independent `quire` had
//! about 100,000 relative relocations, which the dynamic loader applied at every start,
//! copying some 500 pages on write. That was 2–3 ms of each run, an eighth of checking a
//! 1,000-question spec, and a designer runs `quire check` on every save. Linked at a fixed
//! address, `quire --version` takes 1.8 ms instead of 4.1 ms.
//!
//! The collection server (`quire-serve`), which faces the network, stays position-
//! independent, as do the tests, benchmarks and library.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bin=quire=-no-pie");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
