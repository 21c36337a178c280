//! Translations: the flagship's first two sections in Welsh (placeholder-quality Welsh, see
//! questionnaires/concord/translations/cy.po) build to every target, each output in each
//! language; gettext PO files go out and back in, checked.

use std::path::{Path, PathBuf};
use std::process::Command;

use quire::model::{Item, Questionnaire, Text};

/// The flagship declared bilingual, with its Welsh PO file beside it, in a temporary folder.
pub(crate) fn welsh_flagship() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let flagship = std::fs::read_to_string(crate::root().join("questionnaires/concord/concord.yaml")).unwrap();
    let bilingual = flagship.replacen(
        "\naudiences:\n",
        "\nlanguages: [en-GB, cy]\ntranslations: { cy: translations/cy.po }\n\naudiences:\n",
        1,
    );
    assert_ne!(bilingual, flagship);
    let spec = tmp.path().join("concord.yaml");
    std::fs::write(&spec, bilingual).unwrap();
    std::fs::create_dir_all(tmp.path().join("translations")).unwrap();
    std::fs::copy(
        crate::root().join("questionnaires/concord/translations/cy.po"),
        tmp.path().join("translations/cy.po"),
    )
    .unwrap();
    (tmp, spec)
}

pub(crate) fn welsh_model(spec: &Path) -> quire::Compiled {
    let options = quire::Options {
        allow_missing_translations: true,
        ..quire::options()
    };
    quire::compile_with(
        &spec.display().to_string(),
        std::fs::read_to_string(spec).unwrap(),
        &options,
    )
}

fn texts_of(m: &Questionnaire, audience: &str, sections: &[&str]) -> Vec<Text> {
    let mut out = Vec::new();
    for s in &m.instrument(audience).unwrap().sections {
        if !sections.contains(&s.id.as_str()) {
            continue;
        }
        out.push(s.title.clone());
        out.extend(s.intro.clone());
        for item in &s.items {
            match item {
                Item::Question(q) => {
                    out.push(q.text.clone());
                    out.extend(q.hint.clone());
                    out.extend(q.interviewer.clone());
                    out.extend(q.probes.clone());
                    out.extend(q.options.iter().map(|o| o.label.clone()));
                }
                Item::Note { title, text, .. } => {
                    out.extend(title.clone());
                    out.push(text.clone());
                }
                Item::Screen { message, .. } => out.push(message.clone()),
                Item::Definitions { .. } | Item::Roster(_) => {}
            }
        }
    }
    out
}

#[test]
fn the_welsh_sections_are_welsh_and_the_rest_stand_in_english() {
    let (_tmp, spec) = welsh_flagship();
    let compiled = welsh_model(&spec);
    let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["missing-translation"],
        "only the untranslated sections are reported"
    );
    let m = compiled.model.unwrap();
    assert_eq!(m.languages, ["en-GB", "cy"]);
    for audience in ["patient", "carer"] {
        let texts = texts_of(&m, audience, &["consent", "diagnosis"]);
        assert!(texts.len() > 20, "{audience}: {}", texts.len());
        for t in texts {
            let cy = t.in_language("cy").plain();
            assert_ne!(cy, t.plain(), "{audience}: “{}” has no Welsh", t.plain());
        }
        // A later section's questions stand in English (its Yes/No options are shared).
        let later: Vec<&quire::model::Question> = crate::questions(&m, audience)
            .into_iter()
            .filter(|q| q.id.starts_with("cc_"))
            .collect();
        assert!(!later.is_empty());
        assert!(later.iter().all(|q| q.text.in_language("cy").plain() == q.text.plain()));
    }
    let welsh = m.in_language("cy");
    assert_eq!(welsh.survey.language, "cy");
    assert!(welsh.survey.title.plain().starts_with("Arolwg CONCORD"));
    // Without `--allow-missing-translations`, every untranslated text is an error at its place.
    let strict = quire::compile(&spec.display().to_string(), &std::fs::read_to_string(&spec).unwrap());
    assert!(strict.model.is_none());
    assert!(
        strict.diagnostics.len() > 200
            && strict
                .diagnostics
                .iter()
                .all(|d| d.code == "missing-translation" && d.is_error())
    );
}

#[test]
fn the_welsh_flagship_builds_to_every_target_in_both_languages() {
    let (tmp, spec) = welsh_flagship();
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args([
            "build",
            spec.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--allow-missing-translations",
        ])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    for f in [
        "html/patient/form.html",
        "html/patient/form.cy.html",
        "html/hcp/form.cy.html",
        "paper/carer-interviewer.cy.typ",
        "codebook/codebook.ddi.xml",
        "quire.ir.json",
    ] {
        assert!(out.join(f).is_file(), "{f} was not written");
    }
    let form = std::fs::read_to_string(out.join("html/patient/form.cy.html")).unwrap();
    assert!(form.contains(r#"<html lang="cy">"#) && form.contains("Am yr arolwg hwn"));
    assert!(
        form.contains(r#"href="form.html" hreflang="en-GB""#),
        "no way back to English"
    );
    // The Welsh PDF, as pdftotext reads it.
    #[cfg(feature = "pdf")]
    {
        let (ok, text) = crate::run(&out.join("pdf"), "pdftotext", &["patient-self-completion.cy.pdf", "-"]);
        assert!(ok, "{text}");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("Ydych chi'n 18 oed neu'n hŷn?"), "{text}");
        assert!(text.contains("Gwybodaeth i gyfranogwyr"));
        // Quire's own words on paper, and a screening rule worded in Welsh.
        assert!(
            text.contains("Sut i lenwi'r holiadur hwn") && text.contains("Ticiwch un blwch"),
            "{text}"
        );
        assert!(
            text.contains("Os ydych chi heb ateb “Ie” yn Q2, stopiwch yma."),
            "{text}"
        );
        assert!(text.contains("Tudalen 1 o"), "{text}");
    }
    // The codebook carries each language's wording; DDI marks it with xml:lang, valid.
    let xsd = crate::reference_schemas().join("ddi-codebook-2.5/codebook.xsd");
    let (ok, log) = crate::run(
        &out.join("codebook"),
        "xmlschema-validate",
        &["--schema", xsd.to_str().unwrap(), "codebook.ddi.xml"],
    );
    assert!(ok && log.contains("is valid"), "{log}");
    let ddi = std::fs::read_to_string(out.join("codebook/codebook.ddi.xml")).unwrap();
    assert!(
        ddi.contains(r#"<qstnLit xml:lang="cy">[patients] Ydych chi'n 18 oed"#)
            || ddi.contains(r#"<qstnLit xml:lang="cy">[all respondents] Ydych chi&apos;n 18 oed"#),
        "no Welsh wording in DDI"
    );
    let md = std::fs::read_to_string(out.join("codebook/codebook.md")).unwrap();
    assert!(md.contains("(cy):* Ydych chi'n 18 oed neu'n hŷn?"));
}

#[test]
fn translations_go_out_and_come_back_checked() {
    let (tmp, _spec) = welsh_flagship();
    let quire = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_quire"))
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap()
    };
    // Out: every text, the known Welsh filled in.
    let out = quire(&[
        "translations",
        "export",
        "concord.yaml",
        "--to",
        "cy",
        "-o",
        "export.po",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let exported = std::fs::read_to_string(tmp.path().join("export.po")).unwrap();
    let entries = quire::translate::parse(&exported).unwrap();
    assert!(entries.len() > 250);
    let consent = entries.iter().find(|e| e.id == "Are you aged 18 or over?").unwrap();
    assert_eq!(consent.text, "Ydych chi'n 18 oed neu'n hŷn?");
    assert!(consent.references.iter().any(|r| r.starts_with("concord.yaml:")));
    let piped = entries.iter().find(|e| e.id.contains("${condition_name")).unwrap();
    assert!(piped.notes.iter().any(|n| n.contains("Keep ${condition_name|…}")));
    // Back in, unchanged: the same file.
    let back = quire(&["translations", "import", "concord.yaml", "export.po", "-o", "again.po"]);
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    let again = std::fs::read_to_string(tmp.path().join("again.po")).unwrap();
    assert_eq!(quire::translate::parse(&again).unwrap(), entries);
    // A translation that loses a pipe is refused, and nothing is written; a text the spec no
    // longer has is reported.
    let broken = exported.replace(
        "msgstr \"A gafodd y diagnosis o ${condition_name|y cyflwr} ei gadarnhau gyda phrawf genetig?\"",
        "msgstr \"A gafodd y diagnosis ei gadarnhau gyda phrawf genetig?\"",
    ) + "\nmsgid \"A question that was removed\"\nmsgstr \"Cwestiwn a dynnwyd\"\n";
    assert_ne!(broken, exported);
    std::fs::write(tmp.path().join("broken.po"), broken).unwrap();
    let refused = quire(&[
        "translations",
        "import",
        "concord.yaml",
        "broken.po",
        "-o",
        "refused.po",
    ]);
    let log = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{log}");
    assert!(
        log.contains("error[translation-placeholders]") && log.contains("must keep ${condition_name|…}"),
        "{log}"
    );
    assert!(
        log.contains("warning[obsolete-translation]") && log.contains("A question that was removed"),
        "{log}"
    );
    assert!(!tmp.path().join("refused.po").exists());
    // The file the spec names is where an import goes by default.
    // The spec's own file was not written by Quire here: replacing it takes `--force`; the
    // next import replaces the file Quire wrote.
    let refused = quire(&["translations", "import", "concord.yaml", "export.po"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("exists and Quire did not write it"));
    let forced = quire(&["translations", "import", "concord.yaml", "export.po", "--force"]);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    let placed = quire(&["translations", "import", "concord.yaml", "export.po"]);
    assert!(placed.status.success());
    assert!(
        String::from_utf8_lossy(&placed.stderr).contains("208 of 428"),
        "{}",
        String::from_utf8_lossy(&placed.stderr)
    );
}

/// Editors validate bilingual specs against the generated schema: per-language texts (and
/// per-language, per-audience ones) are accepted.
#[test]
fn the_editor_schema_accepts_per_language_texts() {
    let schema = quire::spec::json_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (_tmp, spec) = welsh_flagship();
    let mut text = std::fs::read_to_string(&spec).unwrap();
    text = text.replacen(
        "title: \"CONCORD survey: how care is coordinated for rare conditions\"",
        "title: { en-GB: \"CONCORD survey\", cy: \"Arolwg CONCORD\" }",
        1,
    );
    text = text.replacen(
        "text: { patient: Have you received a diagnosis of a rare disease?, carer: Has the person you care for received a diagnosis of a rare disease? }",
        "text: { en-GB: { patient: Have you received a diagnosis?, carer: Has the person you care for? }, cy: { patient: Ydych chi?, carer: Ydy'r person? } }",
        1,
    );
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The compiler reads the same spec (the Welsh given inline wins over the PO file).
    std::fs::write(&spec, &text).unwrap();
    let m = welsh_model(&spec).model.unwrap();
    assert_eq!(m.survey.title.in_language("cy").plain(), "Arolwg CONCORD");
    let q = crate::questions(&m, "carer")
        .into_iter()
        .find(|q| q.id == "diagnosed")
        .unwrap();
    assert_eq!(q.text.in_language("cy").plain(), "Ydy'r person?");
}
