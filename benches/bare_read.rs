//! The bare YAML read that `quire check` is measured against (docs/BENCHMARKS.md): a file
//! read into `serde_json::Value` by serde-saphyr with Quire's reader options, and nothing
//! else. `cargo bench --bench bare_read -- FILE`; scripts/bench-check runs it.

fn main() {
    // Under `cargo test` there is no file: nothing to read.
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("cannot read the file");
    let value: serde_json::Value =
        serde_saphyr::from_str_with_options(&text, quire::yaml::options()).expect("not YAML Quire reads");
    // Left for the process's end to reclaim, as `quire check` leaves its model.
    std::mem::forget(value);
}
