//! Scores, totals and bands of the scored examples, against a hand computation: every band
//! boundary, reverse-scored items, routed items that count a fixed score, and blanks.

use quire::eval::{AnswerMap, Value};
use quire::model::{Questionnaire, State};

fn model(spec: &str) -> Questionnaire {
    let text = std::fs::read_to_string(crate::root().join(spec)).unwrap();
    quire::compile(spec, &text).model.unwrap()
}

fn value(m: &Questionnaire, answers: &AnswerMap, name: &str) -> Option<Value> {
    match m.route("respondent", answers).states.get(name) {
        Some(State::Answered(v)) => Some(v.clone()),
        _ => None,
    }
}

/// The K10 option whose score is `s` (1-5).
fn k10_option(s: u32) -> &'static str {
    ["none", "a_little", "some", "most", "all"][s as usize - 1]
}

/// K10 answers adding up to `total` (10-50) with items 2 and 5 above "None of the time",
/// so every item is asked.
fn k10_answers(total: u32) -> AnswerMap {
    let mut a = AnswerMap::new("respondent");
    let mut scores = [1u32; 10];
    scores[1] = 2;
    scores[4] = 2;
    let mut rest = total - 12;
    for s in scores.iter_mut() {
        let add = rest.min(5 - *s);
        *s += add;
        rest -= add;
    }
    assert_eq!(rest, 0, "no K10 answers total {total}");
    for (i, s) in scores.iter().enumerate() {
        a.set(&format!("k10_{}", i + 1), Value::Text(k10_option(*s).into()));
    }
    a
}

#[test]
fn k10_bands_at_every_boundary() {
    let m = model("examples/k10.quire.yaml");
    for (total, level) in [
        (12, "low"),
        (15, "low"),
        (16, "moderate"),
        (21, "moderate"),
        (22, "high"),
        (29, "high"),
        (30, "very_high"),
        (50, "very_high"),
    ] {
        let a = k10_answers(total);
        assert_eq!(
            value(&m, &a, "k10_total"),
            Some(Value::Number(total as f64)),
            "total {total}"
        );
        assert_eq!(
            value(&m, &a, "k10_level"),
            Some(Value::Text(level.into())),
            "total {total}"
        );
    }
}

#[test]
fn k10_items_skipped_by_routing_count_one_and_blanks_leave_the_total_missing() {
    let m = model("examples/k10.quire.yaml");
    let mut a = AnswerMap::new("respondent");
    for i in 1..=10 {
        a.set(&format!("k10_{i}"), Value::Text("none".into()));
    }
    // Items 3 and 6 are routed past (stale answers are dropped), and count 1 each.
    a.set("k10_3", Value::Text("all".into()));
    assert_eq!(value(&m, &a, "k10_3"), None);
    assert_eq!(value(&m, &a, "k10_total"), Some(Value::Number(10.0)));
    assert_eq!(value(&m, &a, "k10_level"), Some(Value::Text("low".into())));
    // An asked item left blank: no total, no band.
    a.values.remove("k10_7");
    assert_eq!(value(&m, &a, "k10_total"), None);
    assert_eq!(value(&m, &a, "k10_level"), None);
}

#[test]
fn epds_reverse_scored_items_bands_and_the_self_harm_note() {
    let m = model("examples/epds.quire.yaml");
    // Per item, the option values from score 0 to 3 (items 3 and 5-10 print 3 first).
    let by_score: [[&str; 4]; 10] = [
        ["as_much", "not_quite", "definitely_not", "not_at_all"],
        ["as_much", "rather_less", "definitely_less", "hardly"],
        ["never", "not_often", "some", "most"],
        ["not_at_all", "hardly", "sometimes", "very_often"],
        ["not_at_all", "not_much", "sometimes", "quite_a_lot"],
        ["as_ever", "mostly_coped", "sometimes", "most"],
        ["not_at_all", "not_often", "sometimes", "most"],
        ["not_at_all", "not_often", "quite_often", "most"],
        ["never", "occasionally", "quite_often", "most"],
        ["never", "hardly", "sometimes", "quite_often"],
    ];
    let answers = |scores: [usize; 10]| {
        let mut a = AnswerMap::new("respondent");
        for (i, s) in scores.iter().enumerate() {
            a.set(&format!("epds_{}", i + 1), Value::Text(by_score[i][*s].into()));
        }
        a
    };
    for (scores, total, result) in [
        ([0; 10], 0, "unlikely"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 1, 0], 9, "unlikely"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 10, "possible"),
        ([3, 3, 3, 3, 0, 0, 0, 0, 0, 0], 12, "possible"),
        ([3, 3, 3, 3, 1, 0, 0, 0, 0, 0], 13, "probable"),
        ([3; 10], 30, "probable"),
    ] {
        let a = answers(scores);
        assert_eq!(
            value(&m, &a, "epds_total"),
            Some(Value::Number(total as f64)),
            "{scores:?}"
        );
        assert_eq!(
            value(&m, &a, "epds_result"),
            Some(Value::Text(result.into())),
            "{scores:?}"
        );
        let anxiety = (scores[2] + scores[3] + scores[4]) as f64;
        assert_eq!(value(&m, &a, "epds_anxiety"), Some(Value::Number(anxiety)));
        assert_eq!(
            value(&m, &a, "epds_self_harm"),
            Some(Value::Bool(scores[9] >= 1)),
            "{scores:?}"
        );
    }
    // The safety note carries its condition: shown exactly when item 10 scores.
    let note = m.instruments[0]
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .find_map(|i| match i {
            quire::model::Item::Note {
                id: Some(id), ask_if, ..
            } if id == "epds_safety" => ask_if.clone(),
            _ => None,
        })
        .expect("the safety note has a condition");
    for (s, value) in by_score[9].iter().enumerate() {
        let mut a = AnswerMap::new("respondent");
        a.set("epds_10", Value::Text(value.to_string()));
        assert_eq!(quire::eval::holds(&note.expr, &a), s >= 1, "item 10 scoring {s}");
    }
    let blank = AnswerMap::new("respondent");
    assert!(!quire::eval::holds(&note.expr, &blank), "no answer, no note");
}

#[test]
fn phq9_total_and_severity_at_every_boundary() {
    let m = model("examples/phq9.quire.yaml");
    let rows = [
        "interest",
        "mood",
        "sleep",
        "tired",
        "appetite",
        "failure",
        "concentration",
        "movement",
        "self_harm",
    ];
    let values = ["not_at_all", "several_days", "more_than_half", "nearly_every_day"];
    for (total, severity) in [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ] {
        let mut a = AnswerMap::new("respondent");
        let mut rest = total;
        for r in rows {
            let s = rest.min(3);
            rest -= s;
            a.set(&format!("phq9_{r}"), Value::Text(values[s].into()));
        }
        assert_eq!(value(&m, &a, "phq9_total"), Some(Value::Number(total as f64)));
        assert_eq!(value(&m, &a, "phq9_severity"), Some(Value::Text(severity.into())));
        assert_eq!(value(&m, &a, "any_problem"), Some(Value::Bool(total > 0)));
    }
}

/// Paper prints scoring guidance, the options' scores for the interviewer, and a filter over
/// many items in one sentence (pdftotext reads the typeset PDFs).
#[cfg(feature = "pdf")]
#[test]
fn paper_prints_scoring_guidance_and_short_filters() {
    use quire::backend::paper::{self, Edition, Paper};
    let text_of = |m: &Questionnaire, edition: Edition| {
        let typ = paper::document(m, &m.instruments[0], edition, Paper::A4);
        let pdf = quire::backend::pdf::pdf(&typ).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("q.pdf"), pdf).unwrap();
        let (ok, text) = crate::run(tmp.path(), "pdftotext", &["q.pdf", "-"]);
        assert!(ok, "{text}");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let phq9 = model("examples/phq9.quire.yaml");
    let script = text_of(&phq9, Edition::Interviewer);
    assert!(
        script.contains("ASK Q2 ONLY IF THE RESPONDENT GAVE AN ANSWER OTHER THAN “NOT AT ALL” AT ANY ROW OF Q1"),
        "{script}"
    );
    assert!(script.contains("Scoring and derived variables"), "{script}");
    assert!(
        script.contains("Severe (20-27): for those who scored 20 to 27 on the “PHQ-9 total score”"),
        "{script}"
    );
    let epds = model("examples/epds.quire.yaml");
    let script = text_of(&epds, Edition::Interviewer);
    assert!(script.contains("Yes, most of the time score 3"), "{script}");
    assert!(
        script.contains("READ OUT THE FOLLOWING ONLY IF THE RESPONDENT GAVE AN ANSWER OTHER THAN “NEVER” AT Q10"),
        "{script}"
    );
    let own = text_of(&epds, Edition::SelfCompletion);
    assert!(
        own.contains("Read the following only if you gave an answer other than “Never” at Q10"),
        "{own}"
    );
    assert!(!own.contains("score 3"), "scores are not printed for respondents");
    assert!(!own.contains("Scoring and derived variables"));
}

/// The postcode and NHS-number checks of docs/spec.md, "Patterns", taken from the page
/// itself: the compiler's evaluator and the form's runtime accept and refuse the same answers.
#[test]
fn documented_pattern_checks_work_in_both_evaluators() {
    let doc = std::fs::read_to_string(crate::root().join("docs/spec.md")).unwrap();
    let start = doc.find("- id: postcode\n").expect("the Patterns example");
    let block = &doc[start..start + doc[start..].find("```").unwrap()];
    let mut spec = String::from(
        "survey: { id: patterns, title: Patterns, version: \"1\" }\nsections:\n  - id: s\n    title: S\n    items:\n",
    );
    for line in block.lines() {
        spec.push_str("      ");
        spec.push_str(line);
        spec.push('\n');
    }
    let compiled = quire::compile("patterns.yaml", &spec);
    assert!(compiled.diagnostics.is_empty(), "{spec}");
    let m = compiled.model.unwrap();
    let checks = |id: &str| -> Vec<quire::model::Condition> {
        crate::questions(&m, "respondent")
            .into_iter()
            .find(|q| q.id == id)
            .unwrap()
            .validations
            .iter()
            .map(|v| v.check.clone())
            .collect()
    };
    let cases = [
        ("postcode", "SW1A 1AA", true),
        ("postcode", "M1 1AE", true),
        ("postcode", "sw1a 1aa", false),
        ("postcode", "SW1A 1AA ", false),
        ("nhs_number", "9434765919", true),
        ("nhs_number", "9434765918", false),
        ("nhs_number", "943476591", false),
        ("nhs_number", "94347659１9", false),
        // Remainder 1: check value 10, which no digit is.
        ("nhs_number", "1000000010", false),
    ];
    let mut lines = String::new();
    for (id, answer, valid) in cases {
        let mut a = AnswerMap::new("respondent");
        a.set(id, Value::Text(answer.into()));
        let ok = checks(id).iter().all(|c| quire::eval::holds(&c.expr, &a));
        assert_eq!(ok, valid, "{id} = {answer:?}");
        lines.push_str(
            &serde_json::json!({
                "checks": checks(id).iter().map(|c| c.expr.clone()).collect::<Vec<_>>(),
                "id": id, "answer": answer, "valid": valid,
            })
            .to_string(),
        );
        lines.push('\n');
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("cases.jsonl"), lines).unwrap();
    let runtime = crate::root().join("crates/quire-backends/src/templates/runtime.js");
    let script = r#"
const Q = require(process.argv[1]);
let bad = 0;
for (const line of require("fs").readFileSync("cases.jsonl", "utf8").trim().split("\n")) {
  const c = JSON.parse(line);
  const env = { audience: "respondent", value: (n) => (n === c.id ? c.answer : null) };
  const ok = c.checks.every((e) => Q.holds(e, env));
  if (ok !== c.valid) { bad++; console.log("MISMATCH", c.id, c.answer); }
}
console.log("mismatches " + bad);
"#;
    let (ok, text) = crate::run(tmp.path(), "node", &["-e", script, runtime.to_str().unwrap()]);
    assert!(ok && text.contains("mismatches 0"), "{text}");
}
