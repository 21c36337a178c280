//! Rosters in the language: a household schedule written with every roster construct
//! (counted, open, `for_each` over a question and over a list, nesting, row labels, piped
//! rows, aggregates, `row()`) is read and checked without a mistake. Until the model
//! carries rows, the one error is that rosters are not yet built; each mistake has its
//! own spec in tests/diagnostics/roster_*.yaml.

fn household() -> quire_core::Compiled {
    let path = crate::root().join("tests/rosters/household.yaml");
    let text = std::fs::read_to_string(&path).expect("household spec readable");
    crate::compile("household.yaml", &text)
}

#[test]
fn a_household_schedule_is_checked_without_a_mistake() {
    let compiled = household();
    let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["roster-not-built"],
        "{}",
        quire_backends::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
    );
    assert!(
        compiled.model.is_none(),
        "a spec with rosters is not handed on to be built"
    );
    let d = &compiled.diagnostics[0];
    assert!(d.message.contains("this spec has 4"), "{}", d.message);
}

#[test]
fn a_rows_name_is_read_in_its_roster_and_through_aggregates_only() {
    // The same names, read in the row (clean) and outside it (each an error).
    let text = std::fs::read_to_string(crate::root().join("tests/rosters/household.yaml")).unwrap();
    let outside = text.replace("ask_if: any(person, age >= 65)", "ask_if: age >= 65");
    assert_ne!(outside, text);
    let compiled = crate::compile("household.yaml", &outside);
    let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["roster-not-built", "field-outside-roster"]);
}

#[test]
fn an_item_after_a_roster_keeps_its_place_and_number() {
    // A roster's items are numbered in the order they are read, after the items before it,
    // and the items after the roster follow them: `any_elderly` reads `person` rows and
    // `conditions` is asked after it, in the next section.
    let text = std::fs::read_to_string(crate::root().join("tests/rosters/household.yaml")).unwrap();
    let early = text.replace(
        "ask_if: count(person, age >= 18) > 0",
        "ask_if: count(person, age >= 18) > 0 and answered(conditions)",
    );
    let compiled = crate::compile("household.yaml", &early);
    let forward: Vec<&str> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.code == "forward-reference")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(forward.len(), 1, "{forward:?}");
    assert!(forward[0].contains("`conditions` is asked later"), "{}", forward[0]);
}
