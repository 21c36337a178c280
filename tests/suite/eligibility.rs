//! The routing analysis proven by simulation, and three-outcome eligibility in the data:
//! every "Go to" of every spec (the flagship, the examples, a spec of every conditional item
//! and generated specs) holds for simulated respondents; every conditional item carries its
//! condition on paper; a missing filter answer is coded as the study counts it.

use quire::eval::{AnswerMap, Value};
use quire::model::{Item, Next, QuestionType, Questionnaire, State};

use crate::{Rng, questions};

/// Random raw answers for every question of an instrument: the first option often (so
/// screening is mostly passed), any option, a number near the bounds, or nothing.
fn answers(model: &Questionnaire, audience: &str, r: &mut Rng) -> AnswerMap {
    let mut a = AnswerMap::new(audience);
    for q in questions(model, audience) {
        for var in q.variable_names() {
            if r.below(8) == 0 {
                continue;
            }
            let v = match q.kind {
                QuestionType::Single | QuestionType::Grid => {
                    let i = if r.below(2) == 0 { 0 } else { r.below(q.options.len()) };
                    Value::Text(q.options[i].value.clone())
                }
                QuestionType::Multiple => Value::Selection(
                    q.options
                        .iter()
                        .filter(|_| r.below(3) == 0)
                        .map(|o| o.value.clone())
                        .collect(),
                ),
                QuestionType::Integer | QuestionType::Decimal => {
                    let lo = q.min.unwrap_or(0.0);
                    let hi = q.max.unwrap_or(lo + 20.0);
                    Value::Number(lo + r.below((hi - lo) as usize + 1) as f64)
                }
                _ => Value::Text(["x", "yes", "2019-09-01"][r.below(3)].to_string()),
            };
            a.set(var, v);
        }
    }
    a
}

fn asked(s: &State) -> bool {
    matches!(s, State::Answered(_) | State::Missing)
}

/// Checks every option's "Go to" of one model by simulation, and that paper prints it.
/// Returns (arrows checked, of which proven to land on a question some respondent is asked).
fn arrows_hold(name: &str, model: &Questionnaire, trials: usize) -> (usize, usize) {
    let (mut checked, mut certain) = (0, 0);
    for instrument in &model.instruments {
        let audience = &instrument.audience;
        let order = questions(model, audience);
        let selfc = quire::backend::paper::document(
            model,
            instrument,
            quire::backend::paper::Edition::SelfCompletion,
            quire::backend::paper::Paper::A4,
        );
        let script = quire::backend::paper::document(
            model,
            instrument,
            quire::backend::paper::Edition::Interviewer,
            quire::backend::paper::Paper::A4,
        );
        for (i, q) in order.iter().enumerate() {
            for o in q.options.iter() {
                let Some(next) = &o.next else { continue };
                let target = match &**next {
                    Next::Question { id, .. } => order.iter().position(|x| &x.id == id).unwrap(),
                    Next::End { .. } => order.len(),
                    Next::NextRow { .. } => panic!("{name}: a flat spec has no rows to go on to"),
                };
                assert!(target > i + 1, "{name} {audience} {}: a Go to must skip", q.id);
                let mut r = Rng(0x5eed ^ ((i as u64 + 1) * 7919));
                let (mut chose, mut reached_target) = (0, false);
                for _ in 0..trials {
                    let mut a = answers(model, audience, &mut r);
                    a.set(&q.id, Value::Text(o.value.clone()));
                    let route = model.route(audience, &a);
                    if route.states[&q.id] != State::Answered(Value::Text(o.value.clone())) {
                        continue;
                    }
                    chose += 1;
                    for skipped in &order[i + 1..target] {
                        for v in skipped.variable_names() {
                            assert!(
                                !asked(&route.states[v]),
                                "{name} {audience}: {} = {} goes to {next:?}, but {} was asked: {a:?}",
                                q.id,
                                o.value,
                                skipped.id
                            );
                        }
                    }
                    if let Some(t) = order.get(target) {
                        reached_target |= asked(&route.states[t.variable_names()[0]]);
                    }
                }
                if chose == 0 {
                    // Only where no respondent at all can give that answer (proven).
                    let compared = quire::reach::Compared::of(model);
                    let reach = quire::reach::Reach::new(model, audience, &compared);
                    let chosen = quire::model::Condition::new(
                        quire::expr::parse(&format!("{} == '{}'", q.id, o.value)).unwrap(),
                    );
                    let both = quire::model::Condition::and(reach.universe(&q.id), Some(&chosen)).unwrap();
                    assert_eq!(
                        reach.can_hold(&both),
                        Some(false),
                        "{name} {audience}: no simulated respondent chose {}={}",
                        q.id,
                        o.value
                    );
                    continue;
                }
                if matches!(**next, Next::Question { certain: true, .. }) {
                    certain += 1;
                    assert!(
                        reached_target,
                        "{name} {audience}: {}={} goes to {}, which no simulated respondent reached",
                        q.id, o.value, order[target].number
                    );
                }
                // Paper and script print it beside that option of that question.
                let (to_self, to_script) = match &**next {
                    Next::Question { number, .. } => (format!("Go to {number}"), format!("GO TO {number}")),
                    Next::End { screen: Some(_) } => ("Stop here".to_string(), "END THE INTERVIEW".to_string()),
                    Next::End { screen: None } => ("Go to the end".to_string(), "END THE INTERVIEW".to_string()),
                    Next::NextRow { .. } => unreachable!("refused above"),
                };
                for (doc, goto) in [(&selfc, to_self), (&script, to_script)] {
                    let block = doc
                        .split(&format!("#question(\"{}\"", q.number))
                        .nth(1)
                        .and_then(|b| b.split("#question(").next())
                        .unwrap();
                    let label = quire::backend::paper::s(o.label.plain().trim());
                    assert!(
                        block
                            .lines()
                            .any(|l| l.contains(&format!("#option({label},"))
                                && l.contains(&format!("goto: \"{goto}\""))),
                        "{name} {audience} {}: `{goto}` not beside {label}",
                        q.number
                    );
                }
                checked += 1;
            }
        }
    }
    (checked, certain)
}

fn compile(path: &std::path::Path) -> Questionnaire {
    let text = std::fs::read_to_string(path).unwrap();
    let c = quire::compile(&path.display().to_string(), &text);
    c.model.unwrap_or_else(|| {
        panic!(
            "{}",
            quire::backend::diagnostics::render_short(&c.diagnostics, &c.sources)
        )
    })
}

#[test]
fn go_to_arrows_point_at_the_first_question_that_can_be_asked() {
    let model = crate::flagship();
    // The study's routing (issue: the generator used to stop at questions routed past).
    let next = |aud: &str, q: &str, v: &str| {
        let q = questions(&model, aud).into_iter().find(|x| x.id == q).unwrap();
        match q
            .options
            .iter()
            .find(|o| o.value == v)
            .unwrap()
            .next
            .as_deref()
            .cloned()
        {
            Some(Next::Question { id, .. }) => id,
            other => format!("{other:?}"),
        }
    };
    for aud in ["patient", "carer"] {
        for v in ["no", "unsure"] {
            assert_eq!(next(aud, "cc_has", v), "cc_pref", "no coordinator: past Q8–Q10");
            assert_eq!(
                next(aud, "sc_available", v),
                "cp_has",
                "no centre: past the centre's questions"
            );
        }
    }
    assert_eq!(next("hcp", "cc_has", "no"), "cc_pref");
    assert_eq!(next("hcp", "sc_available", "no"), "sc_reasons");

    let (flagship, certain) = arrows_hold("concord", &model, 1500);
    let ends = flagship - certain;
    assert!(
        flagship >= 38 && ends == 12,
        "{flagship} arrows, {ends} ending the survey"
    );
    let mut checked = 0;
    for path in crate::clean_specs()
        .into_iter()
        .filter(|p| p.starts_with(crate::root().join("examples")))
        .chain([crate::root().join("tests/data/routing.quire.yaml")])
    {
        checked += arrows_hold(&path.display().to_string(), &compile(&path), 600).0;
    }
    assert!(checked >= 8, "{checked} arrows in the examples");
}

/// A spec of `n` single-choice questions in sections, with routing on earlier answers,
/// section conditions and screening rules, all drawn from `seed`.
fn generated_spec(seed: u64, n: usize) -> String {
    let mut r = Rng(seed);
    let mut y = String::from(
        "survey: { id: generated, title: Generated, version: \"1\" }\nchoices:\n  abc:\n    - { code: 1, value: a, label: A }\n    - { code: 2, value: b, label: B }\n    - { code: 3, value: c, label: C }\nsections:\n",
    );
    let cond = |r: &mut Rng, upto: usize| -> String {
        let atom = |r: &mut Rng| {
            let q = r.below(upto);
            match r.below(3) {
                0 => format!("q{q} == 'a'"),
                1 => format!("q{q} != 'b'"),
                _ => format!("q{q} in ['b', 'c']"),
            }
        };
        match r.below(3) {
            0 => format!("{} and {}", atom(r), atom(r)),
            1 => format!("{} or {}", atom(r), atom(r)),
            _ => atom(r),
        }
    };
    let mut i = 0;
    let mut section = 0;
    while i < n {
        let size = 2 + r.below(4);
        y.push_str(&format!("  - id: s{section}\n    title: Section {section}\n"));
        if i > 0 && r.below(4) == 0 {
            y.push_str(&format!("    ask_if: \"{}\"\n", cond(&mut r, i)));
        }
        y.push_str("    items:\n");
        for _ in 0..size.min(n - i) {
            y.push_str(&format!(
                "      - {{ id: q{i}, type: single, text: \"Question {i}?\", choices: abc"
            ));
            if i > 0 && r.below(2) == 0 {
                y.push_str(&format!(", ask_if: \"{}\"", cond(&mut r, i)));
            }
            y.push_str(" }\n");
            if r.below(9) == 0 {
                y.push_str(&format!(
                    "      - {{ type: screen, id: stop{i}, end_if: \"q{i} == 'c'\", message: Stop. }}\n"
                ));
            }
            i += 1;
        }
        section += 1;
    }
    y
}

#[test]
fn go_to_arrows_hold_in_generated_specs() {
    let (mut checked, mut certain) = (0, 0);
    for seed in 1..=12u64 {
        let text = generated_spec(seed * 0x9e37_79b9, 14);
        let c = quire::compile("generated.yaml", &text);
        let model = c.model.unwrap_or_else(|| {
            panic!(
                "{text}\n{}",
                quire::backend::diagnostics::render_short(&c.diagnostics, &c.sources)
            )
        });
        let (c, sure) = arrows_hold(&format!("generated {seed}"), &model, 400);
        checked += c;
        certain += sure;
    }
    eprintln!("generated specs: {checked} arrows, {certain} proven to land on an askable question");
    assert!(checked >= 20, "only {checked} arrows in the generated specs");
    assert!(certain * 10 >= checked * 7, "{certain} of {checked} targets proven");
}

/// The seed's Table 5: of 760 patients, 92 have a formal care coordinator, 570 do not, 76 are
/// unsure and 22 did not answer; the follow-up (asked if Yes) has 91 answers, 646 not
/// applicable (570 + 76) and 23 missing (the 22 who skipped the filter, and 1).
#[test]
fn a_skipped_filter_makes_its_follow_ups_missing_as_table_5_counts_them() {
    let model = crate::flagship();
    let cols = quire::data::columns(&model);
    let at = cols.iter().position(|c| c.name == "cc_dedicated").unwrap();
    let codes = model.survey.missing_codes;
    let mut tally = std::collections::BTreeMap::new();
    let groups = [("yes", 92), ("no", 570), ("unsure", 76), ("", 22)];
    let mut n = 0;
    for (answer, count) in groups {
        for k in 0..count {
            let mut a = AnswerMap::new("patient");
            for q in ["consent", "adult", "uk", "eligible_group"] {
                a.set(q, Value::Text("yes".into()));
            }
            a.set("cc_has", Value::Text(answer.into()));
            if answer == "yes" && k > 0 {
                a.set("cc_dedicated", Value::Text("yes".into()));
            }
            let route = model.route("patient", &a);
            if answer.is_empty() {
                assert_eq!(route.states["cc_dedicated"], State::Unknown);
                assert_eq!(route.states["cc_role"], State::Unknown, "through cc_dedicated");
            }
            let cells = quire::data::encode(&model, &cols, &format!("P{n}"), "patient", &route, &a);
            *tally.entry(cells[at].render(codes)).or_insert(0) += 1;
            n += 1;
        }
    }
    assert_eq!(n, 760);
    assert_eq!(tally.get("1"), Some(&91));
    assert_eq!(tally.get("-88"), Some(&646), "not applicable: No and Unsure");
    assert_eq!(tally.get("-99"), Some(&23), "missing: the skipped filter and one blank");
}

/// Every conditional item of every spec carries its own condition on paper and in the script,
/// a section's condition is said once at its head, and derived variables are never named by id.
#[test]
fn every_conditional_item_carries_its_condition_on_paper() {
    use quire::backend::paper::{Edition, Paper, document};
    let specs: Vec<Questionnaire> = crate::clean_specs()
        .iter()
        .chain([&crate::root().join("tests/data/routing.quire.yaml")])
        .map(|p| compile(p))
        .collect();
    let mut seen = [0usize; 4];
    for model in &specs {
        for instrument in &model.instruments {
            let selfc = document(model, instrument, Edition::SelfCompletion, Paper::A4);
            let script = document(model, instrument, Edition::Interviewer, Paper::A4);
            let (mut sections, mut items) = (0, 0);
            for s in &instrument.sections {
                sections += usize::from(s.condition.is_some());
                for i in &s.items {
                    match i {
                        Item::Question(q) if q.ask_if.is_some() => {
                            // In the designer's words when given (`ask_if_text`), else generated.
                            let wording = match &q.ask_if_text {
                                Some(t) => format!("Answer {} only {}", q.number, t.plain().trim()),
                                None => format!("Answer {} only if you", q.number),
                            };
                            let wording = quire::backend::paper::s(&wording);
                            assert!(selfc.contains(wording.trim_end_matches('"')), "{}", q.id);
                            assert!(
                                script.contains(&format!("ASK {} ONLY IF THE RESPONDENT", q.number)),
                                "{}",
                                q.id
                            );
                            seen[0] += 1;
                        }
                        Item::Question(q) if q.condition.is_some() => {
                            // Only its section's condition: not repeated at the question.
                            assert!(!selfc.contains(&format!("Answer {} only if you", q.number)), "{}", q.id);
                        }
                        Item::Note { ask_if: Some(_), .. } | Item::Definitions { ask_if: Some(_), .. } => {
                            items += 1;
                            seen[1] += 1;
                        }
                        Item::Screen { .. } => seen[2] += 1,
                        _ => {}
                    }
                }
            }
            seen[3] += sections;
            assert_eq!(selfc.matches("Answer this section only if you").count(), sections);
            assert_eq!(
                script.matches("ASK THIS SECTION ONLY IF THE RESPONDENT").count(),
                sections
            );
            assert_eq!(selfc.matches("Read the following only if you").count(), items);
            assert_eq!(
                script.matches("READ OUT THE FOLLOWING ONLY IF THE RESPONDENT").count(),
                items
            );
            let screens = instrument
                .sections
                .iter()
                .flat_map(|s| &s.items)
                .filter(|i| matches!(i, Item::Screen { .. }))
                .count();
            assert_eq!(selfc.matches("please stop here").count(), screens);
            assert_eq!(script.matches("AND END THE INTERVIEW").count(), screens);
            for d in &model.derived {
                assert!(
                    !selfc.contains(&format!("you {}", d.id)),
                    "derived `{}` named by id",
                    d.id
                );
            }
        }
    }
    assert!(
        seen.iter().all(|n| *n > 0),
        "every kind of conditional item exercised: {seen:?}"
    );
}

/// The "Go to" search's shortcut means what it says: for every option of every single-choice
/// question and every later question's universe, `can_hold_choosing` (the universe, with the
/// option chosen) gives what the general search gives for the built condition `universe and
/// question == option`, on the flagship and on generated specs.
#[test]
fn choosing_an_option_is_the_condition_it_stands_for() {
    let mut models = vec![("flagship".to_string(), crate::flagship())];
    for seed in 1..=6u64 {
        let text = generated_spec(seed * 0x9e37_79b9, 14);
        models.push((
            format!("generated {seed}"),
            quire::compile("generated.yaml", &text).model.unwrap(),
        ));
    }
    let mut compared = 0;
    for (name, model) in &models {
        let literals = quire::reach::Compared::of(model);
        for reach in quire::reach::Reach::all(model, &literals) {
            let order = questions(model, reach.audience());
            for (i, q) in order.iter().enumerate() {
                if q.kind != QuestionType::Single {
                    continue;
                }
                for o in q.options.iter() {
                    let value = Value::Text(o.value.clone());
                    let chosen = quire::model::Condition::new(
                        quire::expr::parse(&format!("{} == '{}'", q.id, o.value)).unwrap(),
                    );
                    for later in order.iter().skip(i + 1).take(8) {
                        let universe = later.variable_names().first().and_then(|n| reach.universe(n));
                        let both = quire::model::Condition::and(universe, Some(&chosen)).unwrap();
                        assert_eq!(
                            reach.can_hold_choosing(universe, &q.id, &value),
                            reach.can_hold_given(&both, Some((q.id.as_str(), &value))),
                            "{name} {}: {} = {} then {}",
                            reach.audience(),
                            q.id,
                            o.value,
                            later.id
                        );
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared > 500, "only {compared} comparisons");
}
