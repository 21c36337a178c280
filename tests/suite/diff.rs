//! `quire diff`: a pair of specs with every kind of change (golden output in each format),
//! and the flagship with the three edits a pilot team makes (reword, add an option, change a
//! condition), classed and exited as CI expects.

use std::process::Command;

fn compile(path: &str) -> quire::model::Questionnaire {
    let text = std::fs::read_to_string(crate::root().join(path)).unwrap();
    quire::compile(path, &text).model.unwrap()
}

#[test]
fn every_kind_of_change_is_found_and_classed() {
    let (old, new) = (
        compile("tests/diff/old.quire.yaml"),
        compile("tests/diff/new.quire.yaml"),
    );
    let d = quire::diff::diff(&old, &new);
    let kinds: Vec<&str> = d.changes.iter().map(|c| c.kind).collect();
    for k in [
        "question_removed",
        "question_added",
        "type",
        "wording",
        "renumbered",
        "moved",
        "routing",
        "option_added",
        "option_removed",
        "relabelled",
        "recoded",
        "code_reused",
        "limits",
        "validation",
        "hint",
        "screen",
        "section_added",
        "section_title",
        "derived",
        "derived_added",
    ] {
        assert!(kinds.contains(&k), "no `{k}` change found: {kinds:?}");
    }
    let impact = |kind: &str| d.changes.iter().find(|c| c.kind == kind).unwrap().impact;
    use quire::diff::Impact::*;
    for (k, i) in [
        ("question_removed", Breaking),
        ("type", Breaking),
        ("routing", Breaking),
        ("recoded", Breaking),
        ("code_reused", Breaking),
        ("screen", Breaking),
        ("derived", Breaking),
        ("question_added", Compatible),
        ("option_added", Compatible),
        ("relabelled", Compatible),
        ("validation", Compatible),
        ("renumbered", Cosmetic),
        ("moved", Cosmetic),
        ("hint", Cosmetic),
        ("section_title", Cosmetic),
    ] {
        assert_eq!(impact(k), i, "{k}");
    }
    // A trailing space is not a rewording anyone reads.
    assert!(
        d.changes
            .iter()
            .any(|c| c.kind == "wording" && c.subject == "likes" && c.impact == Cosmetic)
    );
    insta::assert_snapshot!("diff_human", quire::backend::changes::human(&d));
    insta::assert_snapshot!("diff_md", quire::backend::changes::markdown(&d));
    insta::assert_json_snapshot!("diff_json", d);
}

#[test]
fn the_flagship_with_a_pilot_teams_three_edits() {
    let spec = crate::root().join("questionnaires/concord/concord.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = |new: &str| {
        let path = tmp.path().join("new.yaml");
        std::fs::write(&path, new).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_quire"))
            .args([
                "diff",
                spec.to_str().unwrap(),
                path.to_str().unwrap(),
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), d)
    };
    // Nothing changed: exit 0.
    let (code, d) = run(&text);
    assert_eq!(code, Some(0));
    assert_eq!(d["changes"].as_array().unwrap().len(), 0);
    // Reworded: compatible, exit 1, for every audience's wording.
    let reworded = text.replacen(
        "text: \"{do_they} have a formal care coordinator?\"",
        "text: \"{do_they} have a named formal care coordinator?\"",
        1,
    );
    let (code, d) = run(&reworded);
    assert_eq!(code, Some(1), "{d}");
    let changes = d["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .all(|c| c["kind"] == "wording" && c["subject"] == "cc_has" && c["impact"] == "compatible"),
        "{d}"
    );
    assert_eq!(changes.len(), 3, "one per audience wording");
    assert!(
        changes
            .iter()
            .any(|c| c["before"] == "Do you have a formal care coordinator?"
                && c["after"] == "Do you have a named formal care coordinator?")
    );
    // An option with a new code: compatible.
    let added = text.replacen(
        "    - { code: 97, value: other, label: \"Other (please specify)\", other: true }\n\n  coordinator_items:",
        "    - { code: 10, value: social_worker, label: \"Social worker\" }\n    - { code: 97, value: other, label: \"Other (please specify)\", other: true }\n\n  coordinator_items:",
        1,
    );
    assert_ne!(added, text);
    let (code, d) = run(&added);
    assert_eq!(code, Some(1), "{d}");
    assert_eq!(d["changes"][0]["kind"], "option_added");
    assert_eq!(d["changes"][0]["who"], "all respondents");
    // A changed condition: breaking (a universe changes), exit 3, in words.
    let routed = text.replacen(
        "ask_if: cc_dedicated == 'no'",
        "ask_if: cc_dedicated in ['no', 'unsure']",
        1,
    );
    assert_ne!(routed, text);
    let (code, d) = run(&routed);
    assert_eq!(code, Some(3), "{d}");
    let c = &d["changes"][0];
    assert_eq!(
        (c["kind"].as_str(), c["impact"].as_str()),
        (Some("routing"), Some("breaking"))
    );
    assert!(c["after"].as_str().unwrap().contains("“No” or “Unsure”"), "{c}");
    // Under the same version number: warned.
    let out = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args([
            "diff",
            spec.to_str().unwrap(),
            tmp.path().join("new.yaml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("warning: the content changed but `survey.version` is 2019.1 in both")
    );
}

/// Version discipline: the lock beside the spec remembers each version's content, so an
/// edit under the same version is warned about, at `survey.version`, across runs.
#[test]
fn a_changed_questionnaire_under_the_same_version_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("survey.quire.yaml");
    let text = std::fs::read_to_string(crate::root().join("examples/minimal.quire.yaml")).unwrap();
    std::fs::write(&spec, &text).unwrap();
    let quire = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_quire"))
            .args(args)
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let built = quire(&["build", "survey.quire.yaml", "-o", "out", "--target", "ir"]);
    assert!(built.status.success());
    let lock = std::fs::read_to_string(tmp.path().join("survey.quire.lock")).unwrap();
    let model = quire::compile("survey.quire.yaml", &text).model.unwrap();
    assert!(
        lock.contains(&format!("{} {}", model.survey.version, model.content_hash)),
        "{lock}"
    );
    assert!(
        quire(&["check", "survey.quire.yaml", "--deny-warnings"])
            .status
            .success()
    );
    // Reworded, same version: a located warning, at check and at build.
    let edited = text.replacen("title:", "title: Revised", 1);
    assert_ne!(edited, text);
    std::fs::write(&spec, &edited).unwrap();
    let check = quire(&["check", "survey.quire.yaml", "--deny-warnings"]);
    let err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{err}");
    assert!(
        err.contains("version-reused")
            && err.contains("was built from other content")
            && err.contains("survey.quire.yaml:"),
        "{err}"
    );
    let rebuilt = quire(&["build", "survey.quire.yaml", "-o", "out", "--target", "ir"]);
    assert!(String::from_utf8_lossy(&rebuilt.stderr).contains("version-reused"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("survey.quire.lock")).unwrap(),
        lock,
        "a recorded hash is never replaced"
    );
    // A new version: no warning, and the lock learns it.
    let bumped = edited.replacen(&format!("version: \"{}\"", model.survey.version), "version: \"2.0\"", 1);
    assert_ne!(bumped, edited, "the minimal example's version is quoted");
    std::fs::write(&spec, &bumped).unwrap();
    assert!(
        quire(&["build", "survey.quire.yaml", "-o", "out", "--target", "ir"])
            .status
            .success()
    );
    assert!(
        quire(&["check", "survey.quire.yaml", "--deny-warnings"])
            .status
            .success()
    );
    let lock = std::fs::read_to_string(tmp.path().join("survey.quire.lock")).unwrap();
    assert_eq!(lock.lines().filter(|l| !l.starts_with('#')).count(), 2, "{lock}");
}

/// `build --changed-since OLD`: the think-aloud and interviewer editions mark exactly the
/// changed questions (pdftotext reads the marks back), list them on the cover, and the
/// codebook gains its changes section; the self-completion edition stays unmarked.
#[test]
fn changed_editions_mark_exactly_the_changed_questions() {
    let tmp = tempfile::tempdir().unwrap();
    let old = crate::root().join("questionnaires/concord/concord.yaml");
    let text = std::fs::read_to_string(&old).unwrap();
    let new_text = text
        .replacen("text: \"{do_they} have a formal care coordinator?\"", "text: \"{do_they} have a named formal care coordinator?\"", 1)
        .replacen(
            "    - { code: 97, value: other, label: \"Other (please specify)\", other: true }\n\n  coordinator_items:",
            "    - { code: 10, value: social_worker, label: \"Social worker\" }\n    - { code: 97, value: other, label: \"Other (please specify)\", other: true }\n\n  coordinator_items:",
            1,
        )
        .replacen("ask_if: cc_dedicated == 'no'", "ask_if: cc_dedicated in ['no', 'unsure']", 1)
        .replacen("version: \"2019.1\"", "version: \"2019.2\"", 1);
    let new = tmp.path().join("concord.yaml");
    std::fs::write(&new, &new_text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args([
            "build",
            new.to_str().unwrap(),
            "-o",
            tmp.path().join("out").to_str().unwrap(),
            "--audience",
            "patient",
            "--target",
            "pdf,codebook",
            "--changed-since",
            old.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let model = quire::compile("concord.yaml", &new_text).model.unwrap();
    let number = |id: &str| {
        model
            .instrument("patient")
            .unwrap()
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .find_map(|it| match it {
                quire::model::Item::Question(q) if q.id == id => Some(q.number.clone()),
                _ => None,
            })
            .unwrap()
    };
    let (q_has, q_role) = (number("cc_has"), number("cc_role"));
    for edition in ["think-aloud", "interviewer", "self-completion"] {
        let pdf = tmp.path().join(format!("out/pdf/patient-{edition}.pdf"));
        let (ok, log) = crate::run(tmp.path(), "pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
        assert!(ok, "{log}");
        // The marks in the body (the cover's list is before the first section).
        let body = &log[log.find("About this survey").unwrap_or(0)..];
        let marks: Vec<&str> = body
            .match_indices("CHANGED:")
            .map(|(i, _)| &body[i..(i + 400).min(body.len())])
            .collect();
        if edition == "self-completion" {
            assert!(
                marks.is_empty() && !log.contains("Changed since version"),
                "{edition}: marked"
            );
            continue;
        }
        assert_eq!(marks.len(), 2, "{edition}: marks {marks:#?}");
        assert!(
            marks[0].contains("wording") && marks[0].contains(&q_has),
            "{edition}: {}",
            marks[0]
        );
        assert!(
            marks[1].contains("options") && marks[1].contains("routing") && marks[1].contains(&q_role),
            "{edition}: {}",
            marks[1]
        );
        assert!(
            log.contains("Changed since version 2019.1"),
            "{edition}: no cover summary"
        );
    }
    let codebook = std::fs::read_to_string(tmp.path().join("out/codebook/codebook.md")).unwrap();
    assert!(
        codebook.contains("## Changes since version 2019.1") && codebook.contains("Social worker"),
        "codebook"
    );
    assert!(tmp.path().join("out/codebook/changes.md").exists());
}
