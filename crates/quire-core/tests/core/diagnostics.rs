//! One small bad spec per mistake (tests/diagnostics/*.yaml), each with its rendered
//! diagnostics as a snapshot.

use quire_backends::diagnostics;

fn rendered(name: &str, text: &str) -> String {
    let compiled = crate::compile(name, text);
    let mut out = diagnostics::render(&compiled.diagnostics, &compiled.sources, false);
    out.push_str("--- short ---\n");
    out.push_str(&diagnostics::render_short(&compiled.diagnostics, &compiled.sources));
    out
}

#[test]
fn every_mistake_is_reported_with_place_and_help() {
    insta::glob!("../../../../tests", "diagnostics/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let compiled = crate::compile(&name, &text);
        assert!(!compiled.diagnostics.is_empty(), "{name}: no diagnostic");
        let unhelpful: Vec<String> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.span.is_none() || d.help.is_none())
            .map(|d| format!("{name}: `{}` lacks a location or help", d.message))
            .collect();
        assert!(unhelpful.is_empty(), "{unhelpful:#?}");
        insta::assert_snapshot!(rendered(&name, &text));
    });
}

#[test]
fn all_errors_are_reported_at_once() {
    let text = std::fs::read_to_string(crate::root().join("tests/diagnostics/unknown_key.yaml")).unwrap();
    let compiled = crate::compile("unknown_key.yaml", &text);
    assert_eq!(
        compiled.diagnostics.iter().filter(|d| d.code == "unknown-key").count(),
        2
    );
}

#[test]
fn json_diagnostics_carry_line_and_column() {
    let text = std::fs::read_to_string(crate::root().join("tests/diagnostics/unknown_value.yaml")).unwrap();
    let compiled = crate::compile("unknown_value.yaml", &text);
    let json = diagnostics::to_json(&compiled.diagnostics, &compiled.sources);
    let first = &json[0];
    assert_eq!(first["code"], "unknown-value");
    assert_eq!(first["location"]["line"], 21);
    assert_eq!(first["location"]["column"], 33);
    assert_eq!(first["help"], "did you mean `unsure`? Values: yes, no, unsure");
}
