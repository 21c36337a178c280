//! The generated specs the benchmarks share.

use std::fmt::Write;

/// A spec of `n` questions, deterministic for a given `n`.
pub(crate) fn generate(n: usize) -> String {
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
            // A condition on an earlier question, of a kind that question allows, spread over
            // the questions before (every kind of question is read by some condition).
            let j = (i * 7919 + i / 3) % i;
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
