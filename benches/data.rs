//! The data tools at study scale: `check-data` and `tabulate` over 60,000 records of a
//! generated questionnaire with 300 columns (116 questions: single and multiple choice,
//! grids, integers; half routed), 18 million cells, just under the 20 million a data file
//! may hold (`records::MAX_CELLS`). Each step is timed once, whole, as an analyst runs it.
//!
//! `cargo bench --bench data` prints the figures recorded in docs/BENCHMARKS.md; under
//! `cargo test` it runs the same steps on 1,000 records as a smoke test.

mod generated;

use std::time::Instant;

use quire::backend::{data_check, tables};
use quire::data::{self, records, simulate, tabulate, verify};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rows = if full { 60_000 } else { 1_000 };
    // The largest file the readers take, with its header row.
    assert!((rows + 1) * 300 <= records::MAX_CELLS, "a file the readers refuse");
    let text = generated::generate(116);
    let model = quire::compile("generated.yaml", &text)
        .model
        .expect("the generated spec checks clean");
    let cols = data::columns(&model);
    let t = Instant::now();
    let opts = simulate::Options {
        n: rows,
        seed: 5,
        ..simulate::Options::default()
    };
    let encoded = simulate::records(&model, &opts);
    let csv = data::to_csv(&model, &cols, &encoded);
    let simulate_s = t.elapsed().as_secs_f64();
    drop(encoded);

    let t = Instant::now();
    let table = records::read_csv(&csv).expect("the simulated file reads back");
    let read_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let report = verify::check(
        &model,
        &table,
        &verify::Options {
            min_completion: Some(0.2),
        },
    );
    let check_s = t.elapsed().as_secs_f64();
    assert!(report.is_clean(), "{}", data_check::human(&report, "generated", 5));
    let t = Instant::now();
    let tables = tabulate::tabulate(&model, &table, &tabulate::Options::default());
    let md = tables::markdown(&tables);
    let tabulate_s = t.elapsed().as_secs_f64();
    println!(
        "data: {rows} records x {} columns ({:.1} MB CSV): simulate+encode {simulate_s:.2} s, read {read_s:.2} s, check-data {check_s:.2} s, tabulate {tabulate_s:.2} s ({} tables, {} KB)",
        cols.len(),
        csv.len() as f64 / 1e6,
        tables.blocks.len(),
        md.len() / 1000
    );
}
