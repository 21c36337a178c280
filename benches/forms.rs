//! Web form performance in Chromium: first render and one answer change that toggles 500
//! dependent questions, for generated forms of 1,000 and 5,000 questions, and file size.
//! `cargo bench --bench forms`; figures are recorded in docs/BENCHMARKS.md. Under
//! `cargo test` it runs one small form, to keep the benchmark working.

use std::fmt::Write;
use std::process::Command;

const DEPENDENTS: usize = 500;

/// A one-audience spec: a toggle question, then `n - 1` questions, 500 of them shown only
/// when the toggle is "yes"; 100 questions a section.
fn generate(n: usize) -> String {
    let mut s = String::from(
        "survey:\n  id: bench\n  title: Generated form\n  version: \"1\"\nchoices:\n  yn:\n    - { code: 1, value: \"yes\", label: \"Yes\" }\n    - { code: 2, value: \"no\", label: \"No\" }\n  items:\n",
    );
    for i in 1..=5 {
        writeln!(s, "    - {{ code: {i}, value: i{i}, label: Item {i} }}").unwrap();
    }
    s.push_str("sections:\n  - id: s0\n    title: Section 0\n    items:\n      - { id: toggle, type: single, text: Show the dependent questions?, choices: yn }\n");
    let every = (n - 1) / DEPENDENTS.min(n - 1);
    for i in 1..n {
        if i % 100 == 0 {
            writeln!(s, "  - id: s{}\n    title: Section {}\n    items:", i / 100, i / 100).unwrap();
        }
        let cond = if i % every == 0 && i / every <= DEPENDENTS {
            ", ask_if: \"toggle == 'yes'\""
        } else {
            ""
        };
        let body = match i % 4 {
            0 => "type: single, text: A single choice, choices: yn".to_string(),
            1 => "type: multiple, text: Tick any, choices: items, max_selected: 3".to_string(),
            2 => "type: integer, text: How many?, min: 0, max: 100".to_string(),
            _ => "type: text, text: Tell us more, max_length: 200".to_string(),
        };
        writeln!(s, "      - {{ id: q{i}, {body}{cond} }}").unwrap();
    }
    s
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full { &[1_000, 5_000] } else { &[600] };
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = std::path::Path::new(root).join("target/bench-forms");
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "| questions | file size | first render | one change toggling {DEPENDENTS} questions | form's start: script / model read / unpacked / routed / page |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for &n in sizes {
        let compiled = quire::compile("generated.yaml", &generate(n));
        assert!(
            !compiled.has_errors(),
            "{}",
            quire::backend::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
        );
        let model = compiled.model.unwrap();
        let html = quire::backend::html::form(&model, &model.instruments[0], quire::backend::html::Edition::Production)
            .unwrap();
        let file = dir.join(format!("form-{n}.html"));
        std::fs::write(&file, html).unwrap();
        let out = Command::new("node")
            .args([
                &format!("{root}/tests/browser/bench.mjs"),
                file.to_str().unwrap(),
                &DEPENDENTS.min(n - 1).to_string(),
            ])
            .current_dir(format!("{root}/tests/browser"))
            .output()
            .expect("node runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            r["toggled"], r["expected"],
            "the change must show or hide every dependent question"
        );
        let step = |k: &str| r["steps_ms"][k].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {n} | {:.0} KB | {:.1} ms | {:.2} ms | {:.0} / {:.0} / {:.0} / {:.0} / {:.0} ms |",
            r["bytes"].as_f64().unwrap() / 1024.0,
            r["first_render_ms"].as_f64().unwrap(),
            r["change_ms"].as_f64().unwrap(),
            step("start"),
            step("parsed"),
            step("model"),
            step("routed"),
            step("page")
        );
    }
}
