//! Writes the benchmarks' generated spec of N questions to a file, for the whole-process
//! comparisons of scripts/bench-check and scripts/bench-pyxform:
//! `cargo bench --bench write_spec -- N FILE [rosters]` (with `rosters`, each section's
//! questions asked in a roster of their own).

mod generated;

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let (Some(n), Some(path)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2)) else {
        // Under `cargo test`, with no arguments: the generated specs must check clean (the
        // one with rosters as far as rosters go: handed on, though no output carries them).
        let model = quire::compile("generated.yaml", &generated::generate(100)).model;
        assert!(model.is_some(), "the generated spec checks clean");
        let options = quire::Options {
            unbuilt_rosters: true,
            ..quire::backend::compile_options()
        };
        let compiled = quire::compile_with("rosters.yaml", generated::generate_rosters(300), &options);
        assert!(
            compiled.diagnostics.is_empty(),
            "{}",
            quire::backend::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
        );
        return;
    };
    let text = match args.get(3).map(String::as_str) {
        Some("rosters") => generated::generate_rosters(n),
        _ => generated::generate(n),
    };
    std::fs::write(path, text).expect("cannot write the spec");
}
