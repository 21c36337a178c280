//! The generated specs the benchmarks share.

use std::fmt::Write;

/// A spec of `n` questions, deterministic for a given `n`.
pub(crate) fn generate(n: usize) -> String {
    generate_with(n, false)
}

/// [`generate`] with each section's questions asked in a roster of its own, counted by the
/// section's first question (an integer): `n / 100` rosters, each question's condition
/// reading earlier questions of its own row, and a question after each roster reading its
/// rows through an aggregate.
#[allow(dead_code)]
pub(crate) fn generate_rosters(n: usize) -> String {
    generate_with(n, true)
}

fn generate_with(n: usize, rosters: bool) -> String {
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
    // Questions of a roster are indented under it.
    let pad = if rosters { "        " } else { "" };
    for i in 0..n {
        if i % 100 == 0 {
            if rosters && i > 0 {
                let r = i / 100 - 1;
                writeln!(s, "      - id: after{r}\n        type: integer\n        text: How many more?\n        ask_if: \"count(r{r}, q{} >= 10) > 0\"", r * 100 + 3).unwrap();
            }
            writeln!(s, "  - id: s{}\n    title: Section {}\n    items:", i / 100, i / 100).unwrap();
            if rosters {
                let r = i / 100;
                writeln!(s, "      - id: n{r}\n        type: integer\n        text: How many rows?\n        min: 0\n        max: 8").unwrap();
                writeln!(s, "      - type: roster\n        id: r{r}\n        title: Rows {r}\n        rows: {{ count: n{r} }}\n        max_rows: 8\n        items:").unwrap();
            }
        }
        let kind = ['s', 'm', 'g', 'i'][i % 4];
        kinds.push(kind);
        writeln!(s, "{pad}      - id: q{i}").unwrap();
        let body = match kind {
            's' => format!("        type: single\n        text: \"Do {{they}} agree with statement number {i}?\"\n        choices: ynu\n"),
            'm' => "        type: multiple\n        text: Which items apply?\n        choices: items\n        max_selected: 3\n".to_string(),
            'g' => "        type: grid\n        text: Rate each row\n        choices: ynu\n        rows:\n          - { id: a, label: Row A }\n          - { id: b, label: Row B }\n".to_string(),
            _ => "        type: integer\n        text: How many?\n        min: 0\n        max: 100\n".to_string(),
        };
        for line in body.lines() {
            writeln!(s, "{pad}{line}").unwrap();
        }
        if i % 2 == 1 && !(rosters && i % 100 == 1) {
            // A condition on an earlier question, of a kind that question allows, spread over
            // the questions before (every kind of question is read by some condition); in a
            // roster, over the questions before in its own row.
            let j = if rosters {
                let start = i - i % 100;
                start + (i * 7919 + i / 3) % (i - start)
            } else {
                (i * 7919 + i / 3) % i
            };
            let cond = match kinds[j] {
                's' => format!("q{j} == 'yes'"),
                'm' => format!("selected(q{j}, 'item2') or count(q{j}) > 1"),
                'g' => format!("q{j}_a != 'no'"),
                _ => format!("q{j} >= 10 and q{j} < 50"),
            };
            writeln!(s, "{pad}        ask_if: \"{cond}\"").unwrap();
        }
    }
    if rosters && n > 0 {
        let r = (n - 1) / 100;
        writeln!(s, "      - id: after{r}\n        type: integer\n        text: How many more?\n        ask_if: \"count(r{r}) > 0\"").unwrap();
    }
    s
}
