//! Compile-time cost of parse + validate + resolve against the bare YAML read of the same file.
//!
//! Specs of N questions are generated: single and multiple choice, grids, integers; half the
//! questions carry an `ask_if` on earlier ones. Figures are recorded in docs/BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

mod generated;
use generated::generate;

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(2));
    for n in [1_000usize, 20_000] {
        let text = generate(n);
        let check = quire::compile("generated.yaml", &text);
        assert!(
            !check.has_errors(),
            "{}",
            quire::backend::diagnostics::render_short(&check.diagnostics, &check.sources)
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("yaml_only", n), &text, |b, t| {
            b.iter(|| {
                let v: serde_json::Value =
                    serde_saphyr::from_str_with_options(black_box(t), quire::yaml::options()).unwrap();
                black_box(v)
            })
        });
        group.bench_with_input(BenchmarkId::new("parse_validate_resolve", n), &text, |b, t| {
            b.iter(|| black_box(quire::compile("generated.yaml", black_box(t))))
        });
    }
    group.finish();

    let flagship = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/questionnaires/concord/concord.yaml"
    ))
    .unwrap();
    c.bench_function("flagship/parse_validate_resolve", |b| {
        b.iter(|| black_box(quire::compile("concord.yaml", black_box(&flagship))))
    });
}

/// Typesetting every paper document of the flagship (3 audiences × 3 editions) and the
/// self-completion questionnaire of a generated 1,000-question spec.
#[cfg(feature = "pdf")]
fn paper(c: &mut Criterion) {
    use quire::backend::paper::{self, Edition, Paper};
    let mut group = c.benchmark_group("pdf");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    let flagship = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/questionnaires/concord/concord.yaml"
    ))
    .unwrap();
    let model = quire::compile("concord.yaml", &flagship).model.unwrap();
    group.bench_function("flagship_all_editions", |b| {
        b.iter(|| {
            for quire::backend::Output { path: _, bytes: typ } in paper::render(&model, Paper::A4).unwrap() {
                black_box(quire::backend::pdf::pdf(std::str::from_utf8(&typ).unwrap()).unwrap());
            }
        })
    });
    let big = quire::compile("generated.yaml", &generate(1_000)).model.unwrap();
    let typ = paper::document(&big, &big.instruments[0], Edition::SelfCompletion, Paper::A4);
    group.bench_function("generated_1000_self_completion", |b| {
        b.iter(|| black_box(quire::backend::pdf::pdf(&typ).unwrap()))
    });
    group.finish();
}

#[cfg(not(feature = "pdf"))]
fn paper(_: &mut Criterion) {}

criterion_group!(benches, compile, paper);
criterion_main!(benches);
