//! `include:`: a spec assembled from shared files compiles as one, its content hash covers
//! every file, and mistakes are reported in the file and line where they are.

use quire::backend::diagnostics;

fn compile(path: &str) -> quire::Compiled {
    let text = std::fs::read_to_string(crate::root().join(path)).unwrap();
    // Relative names, as the command line gives them: includes resolve against them.
    quire::compile(path, &text)
}

#[test]
fn a_spec_assembled_from_shared_files_compiles_as_one() {
    let compiled = compile("tests/data/include/study.quire.yaml");
    assert!(
        compiled.diagnostics.is_empty(),
        "{}",
        diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
    );
    let m = compiled.model.unwrap();
    let sections: Vec<&str> = m.instruments[0].sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        sections,
        ["wellbeing", "about_you"],
        "the included section sits where it is included"
    );
    assert!(m.choice_list("agreement").is_some_and(|l| l.ordered));
    assert!(m.choice_list("sex").is_some());
    assert!(
        m.derived("age_band").is_some(),
        "an included file's derived variables join the spec's"
    );
    assert_eq!(compiled.sources.iter().count(), 3);
}

#[test]
fn the_content_hash_covers_every_included_file() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = |rel: &str| {
        let to = tmp.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(crate::root().join("tests/data/include").join(rel), &to).unwrap();
        to
    };
    let main = copy("study.quire.yaml");
    copy("common/scales.quire.yaml");
    let demographics = copy("common/demographics.quire.yaml");
    let hash = || {
        let text = std::fs::read_to_string(&main).unwrap();
        quire::compile(&main.display().to_string(), &text)
            .model
            .unwrap()
            .content_hash
    };
    let before = hash();
    let edited = std::fs::read_to_string(&demographics)
        .unwrap()
        .replace("How old are you?", "What is your age?");
    std::fs::write(&demographics, edited).unwrap();
    assert_ne!(hash(), before, "editing an included file changes the hash");
}

#[test]
fn include_mistakes_are_located_in_their_own_files() {
    let mut out = String::new();
    for case in ["cycle_a", "missing", "broken", "top_sections", "duplicate"] {
        let path = format!("tests/data/include/bad/{case}.quire.yaml");
        let compiled = compile(&path);
        assert!(compiled.has_errors(), "{case}: no error");
        for d in &compiled.diagnostics {
            assert!(
                d.span.is_some() && d.help.is_some(),
                "{case}: `{}` lacks a place or help",
                d.message
            );
        }
        out.push_str(&format!("== {case}\n"));
        out.push_str(&diagnostics::render(&compiled.diagnostics, &compiled.sources, false));
        out.push_str(&diagnostics::render_short(&compiled.diagnostics, &compiled.sources));
    }
    // The mistakes inside an included file point into it.
    assert!(
        out.contains("tests/data/include/bad/parts/broken_part.quire.yaml:8:27: error[unknown-value]"),
        "{out}"
    );
    assert!(
        out.contains("tests/data/include/bad/parts/cycle_b.quire.yaml:2:14: error[include-cycle]"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn a_spec_from_text_alone_cannot_include() {
    let compiled = quire_core::compile(
        "spec.yaml",
        "survey: { id: t, title: T, version: '1' }\nsections:\n  - include: other.yaml\n",
    );
    assert!(compiled.diagnostics.iter().any(|d| d.code == "include-unavailable"));
}

#[test]
fn the_editor_schema_accepts_includes() {
    let schema = quire::spec::json_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let text = std::fs::read_to_string(crate::root().join("tests/data/include/study.quire.yaml")).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
