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

mod evaluated {
    //! The expressions over rows, evaluated: a household of three (two adults, a child), the
    //! second adult a woman with two births.

    use quire_core::eval::{self, AnswerMap, Answers, Truth, Value};

    fn row(values: &[(&str, Value)]) -> AnswerMap {
        let mut m = AnswerMap::new("respondent");
        for (k, v) in values {
            m.set(k, v.clone());
        }
        m
    }

    fn household() -> AnswerMap {
        let mut h = row(&[("hh_size", Value::Number(3.0)), ("head", Value::Number(2.0))]);
        h.set("helpers", Value::Selection(vec!["1".to_string(), "3".to_string()]));
        h.push_row(
            "person",
            row(&[
                ("name", Value::Text("Ben".into())),
                ("age", Value::Number(44.0)),
                ("sex", Value::Text("male".into())),
            ]),
        );
        let mut anna = row(&[
            ("name", Value::Text("Anna".into())),
            ("age", Value::Number(38.0)),
            ("sex", Value::Text("female".into())),
        ]);
        anna.push_row("birth", row(&[("birth_year", Value::Number(2012.0))]));
        anna.push_row("birth", row(&[("birth_year", Value::Number(2019.0))]));
        h.push_row("person", anna);
        h.push_row(
            "person",
            row(&[
                ("name", Value::Text("Cleo".into())),
                ("sex", Value::Text("female".into())),
            ]),
        );
        h
    }

    fn value(text: &str, env: &dyn Answers) -> Value {
        eval::eval(&quire_core::expr::parse(text).expect(text), env)
    }

    #[test]
    fn aggregates_read_every_row() {
        let h = household();
        let n = |v: f64| Value::Number(v);
        for (text, want) in [
            ("count(person)", n(3.0)),
            ("count(person, age >= 15)", n(2.0)),
            ("count(person, sex == 'female')", n(2.0)),
            ("any(person, age >= 65)", Value::Bool(false)),
            ("any(person, age < 40)", Value::Bool(true)),
            // Cleo's age is not given: `all` needs every row.
            ("all(person, answered(age))", Value::Bool(false)),
            ("all(person, answered(name))", Value::Bool(true)),
            // Rows without a value do not count; `sum` of none is 0, `min`/`max` of none null.
            ("sum(person, age)", n(82.0)),
            ("min(person, age)", n(38.0)),
            ("max(person, age)", n(44.0)),
            ("sum(person, if(sex == 'male', 0, age))", n(38.0)),
            ("max(person, birth_year)", Value::Null),
            // A nested roster read through its parent's rows.
            ("count(person, count(birth) > 0)", n(1.0)),
            ("sum(person, count(birth))", n(2.0)),
            (
                "any(person, any(birth, birth_year >= 2019 and age < 40))",
                Value::Bool(true),
            ),
            // The chosen row.
            ("at(person, head, name)", Value::Text("Anna".into())),
            ("at(person, head, count(birth))", n(2.0)),
            ("at(person, 7, name)", Value::Null),
            ("selected(helpers, 3)", Value::Bool(true)),
            ("selected(helpers, head)", Value::Bool(false)),
            ("count(helpers)", n(2.0)),
            // Outside any row, `row()` is null.
            ("row()", Value::Null),
        ] {
            assert_eq!(value(text, &h), want, "{text}");
        }
    }

    #[test]
    fn in_a_row_names_read_the_row_then_around_it() {
        let h = household();
        let people = h.rows("person").expect("the household has rows");
        let anna = &people[1];
        assert_eq!(value("row()", anna.as_ref()), Value::Number(2.0));
        assert_eq!(value("name", anna.as_ref()), Value::Text("Anna".into()));
        // The respondent's answers, read from the row.
        assert_eq!(value("hh_size", anna.as_ref()), Value::Number(3.0));
        assert_eq!(value("head == row()", anna.as_ref()), Value::Bool(true));
        assert_eq!(value("selected(helpers, row())", people[2].as_ref()), Value::Bool(true));
        // Her births, and her own answers read from a birth.
        let births = anna.rows("birth").expect("births");
        assert_eq!(value("row()", births[1].as_ref()), Value::Number(2.0));
        assert_eq!(
            value("birth_year - 2000 + age", births[1].as_ref()),
            Value::Number(57.0)
        );
        assert_eq!(value("count(birth)", anna.as_ref()), Value::Number(2.0));
        assert_eq!(value("count(birth)", people[0].as_ref()), Value::Number(0.0));
    }

    /// The household with some answers unknown (eligibility: a question not asked only
    /// because an earlier answer is missing).
    struct Unknowing(AnswerMap, &'static [&'static str]);

    impl Answers for Unknowing {
        fn value(&self, name: &str) -> Value {
            self.0.value(name)
        }
        fn audience(&self) -> &str {
            self.0.audience()
        }
        fn partial(&self, name: &str) -> Option<Value> {
            (!self.1.contains(&name)).then(|| self.0.value(name))
        }
        fn rows(&self, roster: &str) -> Option<Vec<Box<dyn Answers + '_>>> {
            self.0.rows_within(roster, self)
        }
    }

    #[test]
    fn an_unknown_answer_in_some_row_leaves_only_what_it_decides_unknown() {
        let mut h = household();
        h.set("threshold", Value::Number(40.0));
        let env = Unknowing(h, &["threshold"]);
        let truth = |text: &str| eval::truth(&quire_core::expr::parse(text).unwrap(), &env);
        // Some row decides it whatever the threshold is.
        assert_eq!(
            truth("any(person, age >= 30 and age >= threshold or age > 40)"),
            Truth::True
        );
        assert_eq!(truth("all(person, age >= threshold)"), Truth::Unknown);
        assert_eq!(truth("count(person, age >= threshold) > 0"), Truth::Unknown);
        assert_eq!(truth("count(person) == 3"), Truth::True);
        assert_eq!(truth("sum(person, age) > 80"), Truth::True);
        assert_eq!(truth("sum(person, age + threshold) > 80"), Truth::Unknown);
    }
}
