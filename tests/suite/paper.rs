//! Paper questionnaires: golden Typst markup, every condition on paper, the standalone Typst
//! compiler, and (with the `pdf` feature) PDFs typeset without warnings whose extracted text
//! holds every question in order with its routing.

#[cfg(feature = "pdf")]
use std::process::Command;

use quire::backend::paper::{self, Edition, Paper};

#[test]
fn flagship_markup_is_stable() {
    let model = crate::flagship();
    for (audience, edition) in [
        ("patient", Edition::SelfCompletion),
        ("carer", Edition::Interviewer),
        ("hcp", Edition::ThinkAloud),
    ] {
        let typ = paper::document(&model, model.instrument(audience).unwrap(), edition, Paper::A4);
        insta::assert_snapshot!(format!("paper_{audience}_{}", edition.slug()), typ);
    }
}

#[test]
fn example_markup_is_stable() {
    for path in crate::clean_specs()
        .into_iter()
        .filter(|p| p.starts_with(crate::root().join("examples")))
    {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().replace(".quire", "");
        let model = quire::compile(&name, &text).model.unwrap();
        let typ = paper::document(&model, &model.instruments[0], Edition::SelfCompletion, Paper::A4);
        // The shared preamble is snapshotted once, with the flagship.
        let body = typ.split_once("// ---- ").map(|(_, b)| b).unwrap_or(&typ);
        insta::assert_snapshot!(format!("paper_example_{name}"), body);
    }
}

#[test]
fn standalone_typst_compiles_the_markup() {
    let tmp = tempfile::tempdir().unwrap();
    let model = crate::flagship();
    for quire::backend::Output { path: name, bytes } in paper::render(&model, Paper::Letter)
        .unwrap()
        .into_iter()
        .filter(|f| f.path.starts_with("carer"))
    {
        std::fs::write(tmp.path().join(&name), bytes).unwrap();
        let (ok, log) = crate::run(
            tmp.path(),
            "python3",
            &[
                "-c",
                "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])",
                &name,
                "out.pdf",
            ],
        );
        assert!(ok, "{name}: {log}");
    }
}

#[cfg(feature = "pdf")]
mod pdf {
    use super::*;
    use crate::questions;
    use quire::model::Item;

    fn text_of(pdf: &[u8]) -> String {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("q.pdf"), pdf).unwrap();
        let (ok, log) = crate::run(tmp.path(), "pdftotext", &["-layout", "q.pdf", "q.txt"]);
        assert!(ok, "{log}");
        std::fs::read_to_string(tmp.path().join("q.txt"))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn every_edition_typesets_and_reads_in_order() {
        let model = crate::flagship();
        let shots = std::env::var_os("QUIRE_SCREENSHOTS").map(|d| crate::root().join(d).join("paper"));
        for instrument in &model.instruments {
            for edition in Edition::ALL {
                let typ = paper::document(&model, instrument, edition, Paper::A4);
                let pdf = quire::backend::pdf::pdf(&typ)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", instrument.audience, edition.slug()));
                let text = text_of(&pdf);
                let mut at = 0;
                for q in questions(&model, &instrument.audience) {
                    let start: String = q.text.plain().split_whitespace().take(5).collect::<Vec<_>>().join(" ");
                    let needle = format!("{} {start}", q.number);
                    let found = text[at..].find(&needle);
                    assert!(
                        found.is_some(),
                        "{} {}: `{needle}` missing or out of order",
                        instrument.audience,
                        edition.slug()
                    );
                    at += found.unwrap();
                }
                assert!(
                    text.contains(&model.content_hash),
                    "version and content hash on the pages"
                );
                if let (Some(dir), "patient") = (&shots, instrument.audience.as_str()) {
                    std::fs::create_dir_all(dir).unwrap();
                    let file = dir.join(format!("{}.pdf", edition.slug()));
                    std::fs::write(&file, &pdf).unwrap();
                    let prefix = dir.join(edition.slug());
                    let ok = Command::new("pdftoppm")
                        .args([
                            "-f",
                            "1",
                            "-l",
                            "3",
                            "-r",
                            "50",
                            "-png",
                            file.to_str().unwrap(),
                            prefix.to_str().unwrap(),
                        ])
                        .status()
                        .unwrap();
                    assert!(ok.success());
                    std::fs::remove_file(file).unwrap();
                }
            }
        }
    }

    /// Every conditional item (question, note, definitions, screening rule, section) carries its
    /// instruction in the typeset questionnaire and script, as pdftotext reads them.
    #[test]
    fn every_condition_is_in_the_pdfs() {
        let specs = [
            crate::root().join("questionnaires/concord/concord.yaml"),
            crate::root().join("examples/phq9.quire.yaml"),
            crate::root().join("tests/data/routing.quire.yaml"),
        ];
        for path in specs {
            let model = quire::compile("spec.yaml", &std::fs::read_to_string(&path).unwrap())
                .model
                .unwrap();
            for instrument in &model.instruments {
                let items: Vec<&Item> = instrument.sections.iter().flat_map(|s| &s.items).collect();
                let notes = items
                    .iter()
                    .filter(|i| {
                        matches!(
                            i,
                            Item::Note { ask_if: Some(_), .. } | Item::Definitions { ask_if: Some(_), .. }
                        )
                    })
                    .count();
                let screens = items.iter().filter(|i| matches!(i, Item::Screen { .. })).count();
                let sections = instrument.sections.iter().filter(|s| s.condition.is_some()).count();
                for (edition, ask, section, note, screen) in [
                    (
                        Edition::SelfCompletion,
                        "Answer {} only if you",
                        "Answer this section only if you",
                        "Read the following only if you",
                        "please stop here",
                    ),
                    (
                        Edition::Interviewer,
                        "ASK {} ONLY IF THE RESPONDENT",
                        "ASK THIS SECTION ONLY IF THE RESPONDENT",
                        "READ OUT THE FOLLOWING ONLY IF THE RESPONDENT",
                        "AND END THE INTERVIEW",
                    ),
                ] {
                    let typ = paper::document(&model, instrument, edition, Paper::A4);
                    let pdf = quire::backend::pdf::pdf(&typ).unwrap();
                    let text = text_of(&pdf);
                    let at = format!("{} {} {}", path.display(), instrument.audience, edition.slug());
                    for q in questions(&model, &instrument.audience) {
                        if q.ask_if.is_some() {
                            let needle = match (&q.ask_if_text, edition) {
                                (Some(t), Edition::SelfCompletion) => {
                                    format!("Answer {} only {}", q.number, t.plain().trim())
                                }
                                _ => ask.replace("{}", &q.number),
                            };
                            assert!(text.contains(&needle), "{at}: `{needle}` not in the PDF");
                        }
                    }
                    assert_eq!(text.matches(section).count(), sections, "{at}: section filters");
                    assert_eq!(text.matches(note).count(), notes, "{at}: note filters");
                    assert_eq!(text.matches(screen).count(), screens, "{at}: screening rules");
                }
            }
        }
    }

    #[test]
    fn hostile_text_stays_literal_on_paper() {
        let text = std::fs::read_to_string(crate::root().join("tests/data/hostile.quire.yaml")).unwrap();
        let model = quire::compile("hostile.quire.yaml", &text).model.unwrap();
        for edition in Edition::ALL {
            let typ = paper::document(&model, &model.instruments[0], edition, Paper::A4);
            let pdf = quire::backend::pdf::pdf(&typ).unwrap_or_else(|e| panic!("{}: {e}", edition.slug()));
            let text = text_of(&pdf);
            for literal in [
                "<b>bold</b>",
                "$HOME",
                "`whoami`",
                "50% * 2",
                "<script>alert('x')</script>",
                "Nac ydw; No * <no> & 'none'",
                "siŵr",
                "=HYPERLINK(\"x\")",
            ] {
                assert!(
                    text.contains(literal),
                    "{}: `{literal}` not printed literally",
                    edition.slug()
                );
            }
        }
    }
}
