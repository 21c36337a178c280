//! Compile-time cost of parse + validate + resolve against the bare YAML read of the same file.
//!
//! Specs of N questions are generated: single and multiple choice, grids, integers; half the
//! questions carry an `ask_if` on earlier ones. Figures are recorded in docs/BENCHMARKS.md.

use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A spec of `n` questions, deterministic for a given `n`.
fn generate(n: usize) -> String {
    let mut s = String::with_capacity(n * 160);
    s.push_str("survey:\n  id: generated\n  title: Generated\n  version: \"1\"\n");
    s.push_str("audiences:\n  patient: { label: Patients, terms: { they: you } }\n  carer: { label: Carers, terms: { they: the person you care for } }\n");
    s.push_str("choices:\n  ynu:\n    - { code: 1, value: \"yes\", label: \"Yes\" }\n    - { code: 2, value: \"no\", label: \"No\" }\n    - { code: 3, value: unsure, label: Unsure, nonsubstantive: unsure }\n");
    s.push_str("  items:\n");
    for i in 1..=6 {
        writeln!(s, "    - {{ code: {i}, value: item{i}, label: Item {i} }}").unwrap();
    }
    s.push_str("sections:\n");
    let mut kinds: Vec<char> = Vec::with_capacity(n);
    for i in 0..n {
        if i % 100 == 0 {
            writeln!(s, "  - id: s{}\n    title: Section {}\n    items:", i / 100, i / 100).unwrap();
        }
        let kind = ['s', 'm', 'g', 'i'][i % 4];
        kinds.push(kind);
        writeln!(s, "      - id: q{i}").unwrap();
        match kind {
            's' => writeln!(s, "        type: single\n        text: \"Do {{they}} agree with statement number {i}?\"\n        choices: ynu").unwrap(),
            'm' => s.push_str("        type: multiple\n        text: Which items apply?\n        choices: items\n        max_selected: 3\n"),
            'g' => s.push_str("        type: grid\n        text: Rate each row\n        choices: ynu\n        rows:\n          - { id: a, label: Row A }\n          - { id: b, label: Row B }\n"),
            _ => s.push_str("        type: integer\n        text: How many?\n        min: 0\n        max: 100\n"),
        }
        if i % 2 == 1 {
            // A condition on an earlier question, of a kind that question allows.
            let j = (i * 7919) % i;
            let cond = match kinds[j] {
                's' => format!("q{j} == 'yes'"),
                'm' => format!("selected(q{j}, 'item2') or count(q{j}) > 1"),
                'g' => format!("q{j}_a != 'no'"),
                _ => format!("q{j} >= 10 and q{j} < 50"),
            };
            writeln!(s, "        ask_if: \"{cond}\"").unwrap();
        }
    }
    s
}

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
            quire::diagnostic::render_short(&check.diagnostics, &check.sources)
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
            for (_, typ) in paper::render(&model, Paper::A4) {
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
