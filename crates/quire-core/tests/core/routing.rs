//! The flagship's skip logic, followed by `Questionnaire::route`, as the paper's tables say.

use quire_core::eval::{AnswerMap, Value};
use quire_core::model::State;

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn base(audience: &str) -> AnswerMap {
    let mut a = AnswerMap::new(audience);
    a.set("consent", text("yes"))
        .set("adult", text("yes"))
        .set("uk", text("yes"))
        .set("eligible_group", text("yes"));
    a
}

#[test]
fn coordinator_questions_follow_table_5() {
    let m = crate::flagship();
    let mut a = base("patient");
    a.set("cc_has", text("yes"))
        .set("cc_dedicated", text("no"))
        .set("cc_role", text("gp"));
    let r = m.route("patient", &a);
    assert_eq!(r.states["cc_role"], State::Answered(text("gp")));
    assert_eq!(
        r.states["cc_items"],
        State::Missing,
        "asked of those with a coordinator, left blank"
    );

    // Without a coordinator, the follow-ups are not applicable, even with stale answers.
    a.set("cc_has", text("no"));
    let r = m.route("patient", &a);
    assert_eq!(r.states["cc_dedicated"], State::NotApplicable);
    assert_eq!(
        r.states["cc_role"],
        State::NotApplicable,
        "routed past through cc_dedicated"
    );

    // "Unsure" is an answer, not missing, and does not open the follow-ups.
    a.set("cc_has", text("unsure"));
    let r = m.route("patient", &a);
    assert_eq!(r.states["cc_has"], State::Answered(text("unsure")));
    assert_eq!(r.states["cc_dedicated"], State::NotApplicable);
}

#[test]
fn centre_staff_is_routed_per_audience() {
    let m = crate::flagship();
    let mut p = base("patient");
    p.set("sc_available", text("yes"))
        .set("sc_attend", text("no"))
        .set("sc_staff", Value::Selection(vec!["physiotherapist".into()]));
    assert_eq!(
        m.route("patient", &p).states["sc_staff"],
        State::NotApplicable,
        "patients: only if they attend"
    );
    p.set("sc_attend", text("yes"));
    assert!(matches!(m.route("patient", &p).states["sc_staff"], State::Answered(_)));

    let mut h = base("hcp");
    h.set("sc_available", text("yes"))
        .set("sc_staff", Value::Selection(vec!["psychologist".into()]));
    let r = m.route("hcp", &h);
    assert!(
        matches!(r.states["sc_staff"], State::Answered(_)),
        "professionals: if a centre is available"
    );
    assert_eq!(
        r.states["sc_attend"],
        State::NotApplicable,
        "not asked of professionals"
    );
}

#[test]
fn screening_ends_the_survey() {
    let m = crate::flagship();
    let mut a = AnswerMap::new("carer");
    a.set("consent", text("no")).set("cc_has", text("yes"));
    let r = m.route("carer", &a);
    assert_eq!(r.ended_by.as_deref(), Some("no_consent"));
    assert_eq!(r.states["adult"], State::NotApplicable);
    assert_eq!(r.states["cc_has"], State::NotApplicable);
    assert!(
        r.states
            .values()
            .all(|s| *s == State::NotApplicable || *s == State::Answered(text("no")))
    );
}

#[test]
fn table_4_combination_counts_unsure_as_not_having_and_excludes_non_responders() {
    let m = crate::flagship();
    let mut a = base("carer");
    a.set("cc_has", text("no"))
        .set("sc_available", text("yes"))
        .set("cp_has", text("yes"));
    assert_eq!(
        m.route("carer", &a).states["coord_combo"],
        State::Answered(text("cp_sc"))
    );
    // As the published numbers show (the flagship's provenance): "Unsure" is not having it.
    a.set("sc_available", text("unsure"));
    assert_eq!(
        m.route("carer", &a).states["coord_combo"],
        State::Answered(text("cp_only")),
        "Table 4's totals count Unsure as not having the element"
    );
    a.set("sc_available", Value::Null);
    assert_eq!(
        m.route("carer", &a).states["coord_combo"],
        State::Missing,
        "who did not answer all three is excluded"
    );
    assert_eq!(
        m.route("hcp", &base("hcp")).states["coord_combo"],
        State::NotApplicable,
        "not derived for professionals"
    );
}

#[test]
fn derived_count_reads_routed_answers() {
    let m = crate::flagship();
    let mut a = base("patient");
    a.set("cc_has", text("yes")).set(
        "cc_items",
        Value::Selection(vec!["scheduling".into(), "respite".into()]),
    );
    assert_eq!(
        m.route("patient", &a).states["cc_n_items"],
        State::Answered(Value::Number(2.0))
    );
    a.set("cc_has", text("no"));
    assert_eq!(
        m.route("patient", &a).states["cc_n_items"],
        State::NotApplicable,
        "nothing it reads was asked"
    );
}

#[test]
fn children_age_bands_are_offered_to_carers_only() {
    let m = crate::flagship();
    let options = |aud: &str| {
        m.instrument(aud)
            .unwrap()
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .find_map(|i| match i {
                quire_core::model::Item::Question(q) if q.id == "patient_age" => Some(q.options.len()),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(options("carer"), 11);
    assert_eq!(options("patient"), 8);
}

#[test]
fn questions_from_one_list_share_its_options_and_skips_stay_their_own() {
    use quire_core::model::Item;
    use std::sync::Arc;
    let m = crate::flagship();
    let (mut shared, mut skipping_beside_plain) = (0, 0);
    for instrument in &m.instruments {
        let questions: Vec<_> = instrument
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .filter_map(|it| match it {
                Item::Question(q) if q.choice_list.is_some() && !q.options.is_empty() => Some(q),
                _ => None,
            })
            .collect();
        for q in &questions {
            let skips = q.options.iter().any(|o| o.next.is_some());
            for other in questions
                .iter()
                .filter(|o| o.id != q.id && o.choice_list == q.choice_list)
            {
                let other_skips = other.options.iter().any(|o| o.next.is_some());
                let same = Arc::ptr_eq(&q.options, &other.options);
                if !skips && !other_skips {
                    assert!(
                        same,
                        "{} and {} ({:?}) should share their options",
                        q.id, other.id, q.choice_list
                    );
                    shared += 1;
                } else {
                    // A question whose answers skip has options of its own: its targets are
                    // nobody else's.
                    assert!(!same, "{} and {} share options, but one of them skips", q.id, other.id);
                    if skips && !other_skips {
                        skipping_beside_plain += 1;
                        assert!(other.options.iter().all(|o| o.next.is_none()));
                    }
                }
                let labels = |q: &quire_core::model::Question| {
                    q.options
                        .iter()
                        .map(|o| (o.code, o.value.clone(), o.label.plain()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    labels(q),
                    labels(other),
                    "{} and {}: one list, one set of options",
                    q.id,
                    other.id
                );
            }
        }
    }
    assert!(shared > 0, "the flagship has questions asked from one list");
    assert!(
        skipping_beside_plain > 0,
        "the flagship has a skipping question beside plain ones of its list"
    );
}
