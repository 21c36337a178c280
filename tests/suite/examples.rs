//! Every example and the flagship check clean, validate against the spec's JSON Schema,
//! and produce the model in the snapshots.

use std::fmt::Write;

use quire::model::{Item, Questionnaire};

#[test]
fn examples_and_flagship_check_clean() {
    let specs = crate::clean_specs();
    assert!(
        specs.len() >= 6,
        "expected the examples and the flagship, found {specs:?}"
    );
    for path in specs {
        let text = std::fs::read_to_string(&path).unwrap();
        let compiled = quire::compile(&path.display().to_string(), &text);
        assert!(
            compiled.diagnostics.is_empty(),
            "{} is not clean:\n{}",
            path.display(),
            quire::backend::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
        );
    }
}

#[test]
fn specs_validate_against_the_generated_json_schema() {
    let schema = quire::spec::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the generated schema is a valid JSON Schema");
    for path in crate::clean_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    // And the schema rejects what the reader rejects.
    let bad: serde_json::Value = serde_saphyr::from_str(
        "survey: {id: t, title: T, version: '1'}\nsections:\n  - id: s\n    title: S\n    items:\n      - {id: q, type: single, text: Q, ask_fi: x}\n",
    )
    .unwrap();
    assert!(
        !validator.is_valid(&bad),
        "schema must reject the misspelt key `ask_fi`"
    );
}

#[test]
fn rosters_validate_against_the_generated_json_schema() {
    let schema = quire::spec::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the generated schema is a valid JSON Schema");
    let text = std::fs::read_to_string(crate::root().join("tests/rosters/household.yaml")).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // What the reader rejects in a roster, the schema rejects too.
    let roster = |rows: &str, extra: &str| -> serde_json::Value {
        serde_saphyr::from_str(&format!(
            "survey: {{id: t, title: T, version: '1'}}\nsections:\n  - id: s\n    title: S\n    items:\n      - type: roster\n        id: person\n        title: People\n        rows: {rows}\n{extra}        items:\n          - {{id: age, type: integer, text: Age?}}\n"
        ))
        .unwrap()
    };
    assert!(validator.is_valid(&roster("open", "")));
    // (`n` alone would be YAML's false to a YAML 1.1 reader: a count names a question.)
    assert!(validator.is_valid(&roster("{count: hh_size}", "        max_rows: 30\n")));
    assert!(validator.is_valid(&roster("{for_each: conditions}", "        row_label: age\n")));
    for (rows, extra) in [
        ("opne", ""),
        ("{count: hh_size, total: 3}", ""),
        ("{cuont: hh_size}", ""),
        ("open", "        max_row: 30\n"),
    ] {
        assert!(
            !validator.is_valid(&roster(rows, extra)),
            "schema must reject rows `{rows}` with `{extra}`"
        );
    }
}

/// The model as a reviewer reads it: per audience, every item with its number, type and routing.
fn outline(m: &Questionnaire) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "{} v{} [{}]",
        m.survey.id,
        m.survey.version,
        m.survey.title.plain()
    )
    .unwrap();
    for list in &m.choice_lists {
        let opts: Vec<String> = list.options.iter().map(|o| format!("{}={}", o.code, o.value)).collect();
        writeln!(out, "list {}: {}", list.id, opts.join(" ")).unwrap();
    }
    for ins in &m.instruments {
        writeln!(out, "\n== {} ==", ins.audience).unwrap();
        for s in &ins.sections {
            let cond = s
                .condition
                .as_ref()
                .map(|c| format!("  if {}", c.source))
                .unwrap_or_default();
            writeln!(out, "# {} \"{}\"{cond}", s.id, s.title.plain()).unwrap();
            for item in &s.items {
                match item {
                    Item::Question(q) => {
                        let cond = q
                            .condition
                            .as_ref()
                            .map(|c| format!("  if {}", c.source))
                            .unwrap_or_default();
                        let list = q
                            .choice_list
                            .as_deref()
                            .map(|l| format!(" <{l}:{}>", q.options.len()))
                            .unwrap_or_default();
                        writeln!(
                            out,
                            "{} {} [{}{list}]{cond}\n    {}",
                            q.number,
                            q.id,
                            q.kind.name(),
                            q.text.plain()
                        )
                        .unwrap();
                        for r in &q.rows {
                            writeln!(out, "    row {}: {}", r.variable, r.label.plain()).unwrap();
                        }
                        if !q.screens.is_empty() {
                            writeln!(out, "    after screens {}", q.screens.join(", ")).unwrap();
                        }
                        // The routing analysis: where each answer that skips questions leads.
                        for o in q.options.iter() {
                            match o.next.as_deref() {
                                Some(quire::model::Next::Question { number, .. }) => {
                                    writeln!(out, "    {} -> {number}", o.value).unwrap()
                                }
                                Some(quire::model::Next::End { screen }) => {
                                    writeln!(out, "    {} -> end ({})", o.value, screen.as_deref().unwrap_or("-"))
                                        .unwrap()
                                }
                                Some(quire::model::Next::NextRow { roster }) => {
                                    writeln!(out, "    {} -> next row of {roster}", o.value).unwrap()
                                }
                                None => {}
                            }
                        }
                    }
                    Item::Note {
                        title, text, condition, ..
                    } => {
                        let t = title.as_ref().map(|t| t.plain()).unwrap_or_default();
                        let cond = condition
                            .as_ref()
                            .map(|c| format!(" if {}", c.source))
                            .unwrap_or_default();
                        writeln!(
                            out,
                            "note {t}{cond}: {}",
                            text.plain().chars().take(60).collect::<String>()
                        )
                        .unwrap();
                    }
                    Item::Definitions { terms, condition, .. } => {
                        let t: Vec<String> = terms.iter().map(|d| d.term.plain()).collect();
                        let cond = condition
                            .as_ref()
                            .map(|c| format!(" if {}", c.source))
                            .unwrap_or_default();
                        writeln!(out, "definitions{cond}: {}", t.join(", ")).unwrap();
                    }
                    Item::Screen {
                        id, condition, message, ..
                    } => {
                        writeln!(out, "screen {id} if {}: {}", condition.source, message.plain()).unwrap();
                    }
                    // The examples and the flagship have no rosters (they are not built yet).
                    Item::Roster(r) => writeln!(out, "roster {} ({} items)", r.id, r.items.len()).unwrap(),
                }
            }
        }
    }
    writeln!(out, "\n== derived ==").unwrap();
    for d in &m.derived {
        writeln!(out, "{} ({}) for {}", d.id, d.value_type, d.audiences.join(",")).unwrap();
    }
    out
}

#[test]
fn model_outlines() {
    for path in crate::clean_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().replace(".quire", "");
        let model = quire::compile(&name, &text).model.unwrap();
        insta::assert_snapshot!(format!("outline_{name}"), outline(&model));
    }
}

#[test]
fn small_example_ir_is_stable() {
    let text = std::fs::read_to_string(crate::root().join("examples/minimal.quire.yaml")).unwrap();
    let model = quire::compile("minimal.quire.yaml", &text).model.unwrap();
    let ir: serde_json::Value = serde_json::from_slice(&quire::backend::ir::render(&model)).unwrap();
    insta::assert_json_snapshot!("ir_minimal", ir);
}
