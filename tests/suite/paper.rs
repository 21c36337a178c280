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

/// The markup compiles in the standalone Typst compiler too: the flagship's carer editions
/// and the household schedule's (rosters: grids, blocks per row, recording grids).
#[test]
fn standalone_typst_compiles_the_markup() {
    let tmp = tempfile::tempdir().unwrap();
    let model = crate::flagship();
    let household = crate::roster_model("tests/rosters/household.yaml");
    for quire::backend::Output { path: name, bytes } in paper::render(&model, Paper::Letter)
        .unwrap()
        .into_iter()
        .filter(|f| f.path.starts_with("carer"))
        .chain(paper::render(&household, Paper::Letter).unwrap())
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

/// Rosters on paper (tests/rosters/household.yaml, go-to.yaml): golden markup (with `pdf`,
/// `roster_pdfs` reads the typeset editions back with pdftotext).
mod rosters {
    use super::*;

    #[test]
    fn roster_markup_is_stable() {
        for spec in ["tests/rosters/household.yaml", "tests/rosters/go-to.yaml"] {
            let model = crate::roster_model(spec);
            for edition in Edition::ALL {
                let typ = paper::document(&model, &model.instruments[0], edition, Paper::A4);
                let body = typ.split_once("// ---- ").map(|(_, b)| b).unwrap_or(&typ);
                insta::assert_snapshot!(format!("paper_roster_{}_{}", model.survey.id, edition.slug()), body);
            }
        }
    }
}

#[cfg(feature = "pdf")]
mod roster_pdfs {
    use super::*;
    use quire::backend::paper::rosters::{BLOCKS, NESTED, printed};

    /// The PDF's text, page by page, each page's words joined by single spaces.
    fn pages(pdf: &[u8]) -> Vec<String> {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("q.pdf"), pdf).unwrap();
        let (ok, log) = crate::run(tmp.path(), "pdftotext", &["-layout", "q.pdf", "q.txt"]);
        assert!(ok, "{log}");
        std::fs::read_to_string(tmp.path().join("q.txt"))
            .unwrap()
            .split('\u{c}')
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    fn typeset(model: &quire::model::Questionnaire, edition: Edition) -> Vec<String> {
        let typ = paper::document(model, &model.instruments[0], edition, Paper::A4);
        let pdf = quire::backend::pdf::pdf(&typ).unwrap_or_else(|e| panic!("{}: {e}", edition.slug()));
        pages(&pdf)
    }

    /// The self-completion questionnaire: a block per person up to the printed number, each
    /// on one page with its births grid; a block per condition with its label; the
    /// continuation-sheet line; the aggregate conditions in words.
    #[test]
    fn self_completion_prints_a_block_per_row_never_split_by_a_page() {
        let model = crate::roster_model("tests/rosters/household.yaml");
        let person = model.roster("person").unwrap();
        let n = printed(&model, person, false, 0);
        assert_eq!(n, BLOCKS.min(person.max_rows));
        let pages = typeset(&model, Edition::SelfCompletion);
        let all = pages.join(" ");
        for k in 1..=n {
            let first = format!("Q2 What is the first name of person {k}?");
            let last = format!("Q7 So person {k} has given birth to this many children?");
            assert_eq!(all.matches(&first).count(), 1, "person {k}'s block once");
            let page = pages.iter().position(|p| p.contains(&first)).unwrap();
            assert!(
                pages[page].contains(&last) && pages[page].contains(&format!("Person {k}")),
                "person {k}'s block is split across pages: {}",
                pages[page]
            );
            // The births grid in each woman's block: its lines, numbered.
            let births = model.roster("birth").unwrap();
            assert_eq!(printed(&model, births, true, 1), NESTED.min(births.max_rows));
            assert!(
                pages[page].contains(&format!(
                    "In what year was person {k}'s child number (line number) born?"
                )),
                "births grid in person {k}'s block"
            );
        }
        assert!(!all.contains(&format!("What is the first name of person {}?", n + 1)));
        assert!(all.contains(&format!(
            "There is room for {n} here. If you need more, please ask for a continuation sheet."
        )));
        for condition in ["Diabetes", "Asthma", "High blood pressure"] {
            assert!(
                all.contains(&format!("Answer this part only if you ticked “{condition}” at Q13.")),
                "{condition}'s block"
            );
            assert!(all.contains(&format!("How old were you when you were told you had {condition}?")));
        }
        assert!(all.contains(
            "Answer Q11 only if you listed anyone in “People who live here” and, for them, answered at least"
        ));
        assert!(all.contains("Write the line number from “People who live here”"));
    }

    /// The interviewer's script: loop instructions, the row label read out, the recording
    /// grid by line number, aggregate conditions worded; the think-aloud protocol probes the
    /// roster itself.
    #[test]
    fn the_script_loops_over_the_rows_and_the_protocol_probes_the_roster() {
        let model = crate::roster_model("tests/rosters/household.yaml");
        let script = typeset(&model, Edition::Interviewer).join(" ");
        for said in [
            "FOR EACH PERSON COUNTED AT Q1 (UP TO 30): ASK Q2 TO Q7, ONE PERSON AT A TIME.",
            "Now about [NAME].",
            "What is [NAME]'s relationship to the head of the household?",
            "FOR EACH BIRTH OF THIS PERSON THE RESPONDENT NAMES (UP TO 20): ASK Q6.",
            "ASK THIS LIST FOR THIS PERSON ONLY IF THE RESPONDENT ANSWERED “FEMALE” AT Q4",
            "END OF PERSON LOOP: ASK AGAIN FROM Q2 FOR THE NEXT PERSON; AFTER THE LAST, GO ON.",
            "Person line Q2 Q3 Q4 Q5 Q7",
            "FOR EACH OPTION CODED AT Q13: ASK Q14 TO Q15, FILLING IN THE OPTION FOR [CONDITION].",
            "Are you being treated for [CONDITION]?",
            "ASK Q11 ONLY IF THE RESPONDENT LISTED ANYONE IN “PEOPLE WHO LIVE HERE” AND, FOR THEM, ANSWERED AT LEAST",
        ] {
            assert!(script.contains(said), "`{said}` not in the script");
        }
        let protocol = typeset(&model, Edition::ThinkAloud).join(" ");
        assert!(protocol.contains("who or what does “People who live here” include, in the participant's words?"));
        assert!(protocol.contains("Was any person left out, or counted who should not be?"));
        // Each question once, not once per row.
        assert_eq!(protocol.matches("What is [NAME]'s relationship").count(), 1);
    }

    /// A row's answer that skips the rest of its row: "Go to Person 2" in person 1's block,
    /// "Go to the end of this list" in the last, "GO TO THE NEXT PERSON" in the script, as the
    /// routing analysis says (`Next::NextRow`).
    #[test]
    fn a_skip_past_the_rows_end_goes_to_the_next_block() {
        let model = crate::roster_model("tests/rosters/go-to.yaml");
        let student = model.any_question("student").unwrap();
        assert!(matches!(
            student.options[1].next.as_deref(),
            Some(quire::model::Next::NextRow { .. })
        ));
        let pages = typeset(&model, Edition::SelfCompletion);
        let all = pages.join(" ");
        let n = printed(&model, model.roster("person").unwrap(), false, 0);
        for k in 1..n {
            assert!(all.contains(&format!("Go to Person {}", k + 1)), "person {k}'s skip");
        }
        assert_eq!(all.matches("Go to the end of this list").count(), 1);
        let script = typeset(&model, Edition::Interviewer).join(" ");
        assert!(script.contains("GO TO THE NEXT PERSON"));
    }
}
