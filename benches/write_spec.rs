//! Writes the benchmarks' generated spec of N questions to a file, for the whole-process
//! comparisons of scripts/bench-pyxform: `cargo bench --bench write_spec -- N FILE`.

mod generated;

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let (Some(n), Some(path)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2)) else {
        // Under `cargo test`, with no arguments: the generated spec must check clean.
        let model = quire::compile("generated.yaml", &generated::generate(100)).model;
        assert!(model.is_some(), "the generated spec checks clean");
        return;
    };
    std::fs::write(path, generated::generate(n)).expect("cannot write the spec");
}
