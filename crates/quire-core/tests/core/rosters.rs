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

    #[test]
    fn an_unknown_answer_in_some_row_leaves_only_what_it_decides_unknown() {
        // `threshold` was asked and not answered: unknown to a three-valued reading.
        let mut env = household();
        env.unknown.insert("threshold".to_string());
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

/// The household schedule's model, rosters handed on.
fn routed_model() -> quire_core::model::Questionnaire {
    routed::model()
}

mod routed {
    //! The household schedule's model (rosters handed on, as the stages that build them
    //! are tested) and respondents routed through its rows.

    use quire_core::eval::{AnswerMap, Value};
    use quire_core::model::{Item, Questionnaire, Route, RowRoute, Rows, State};

    pub(super) fn model() -> Questionnaire {
        let text = std::fs::read_to_string(crate::root().join("tests/rosters/household.yaml")).unwrap();
        let options = quire_core::Options {
            unbuilt_rosters: true,
            ..quire_backends::compile_options()
        };
        let compiled = quire_core::compile_with("household.yaml", text, &options);
        // Clean: no error, and no warning (the never-asked proof searches a row's questions
        // as one row sees them, and must not take a count of rows it cannot see for a
        // count of none).
        assert!(
            compiled.diagnostics.is_empty(),
            "{}",
            quire_backends::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
        );
        compiled.model.expect("model")
    }

    fn person(name: &str, sex: &str, age: Option<f64>) -> AnswerMap {
        let mut p = AnswerMap::new("respondent");
        p.set("name", Value::Text(name.into()));
        p.set("sex", Value::Text(sex.into()));
        if let Some(a) = age {
            p.set("age", Value::Number(a));
        }
        p
    }

    fn birth(year: f64) -> AnswerMap {
        let mut b = AnswerMap::new("respondent");
        b.set("birth_year", Value::Number(year));
        b
    }

    /// Ben (44), Anna (38, two births), Cleo (age not given).
    fn household(size: f64) -> AnswerMap {
        let mut h = AnswerMap::new("respondent");
        h.set("hh_size", Value::Number(size));
        h.set("head", Value::Number(2.0));
        h.push_row("person", person("Ben", "male", Some(44.0)));
        let mut anna = person("Anna", "female", Some(38.0));
        anna.set("births_total", Value::Number(2.0));
        anna.push_row("birth", birth(2012.0));
        anna.push_row("birth", birth(2019.0));
        h.push_row("person", anna);
        h.push_row("person", person("Cleo", "female", None));
        h.set(
            "conditions",
            Value::Selection(vec!["diabetes".into(), "hypertension".into()]),
        );
        h
    }

    fn state<'r>(row: &'r RowRoute, var: &str) -> &'r State {
        row.states
            .get(var)
            .unwrap_or_else(|| panic!("{var} has no state in {row:?}"))
    }

    #[test]
    fn the_model_holds_rosters_and_each_variable_knows_its_unit() {
        let m = model();
        let unit = |name: &str| m.variables.iter().find(|v| v.name == name).map(|v| v.unit.clone());
        assert_eq!(unit("hh_size"), Some(None));
        assert_eq!(unit("age"), Some(Some("person".into())));
        assert_eq!(unit("birth_year"), Some(Some("birth".into())));
        assert_eq!(unit("diagnosed_age"), Some(Some("condition".into())));
        let instrument = m.instrument("respondent").unwrap();
        let rosters: Vec<&str> = instrument
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .filter_map(|i| match i {
                Item::Roster(r) => Some(r.id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(rosters, ["person", "condition", "day"]);
        let Some(Item::Roster(person)) = instrument.sections[0]
            .items
            .iter()
            .find(|i| matches!(i, Item::Roster(_)))
        else {
            unreachable!()
        };
        assert!(matches!(person.rows, Rows::Count { .. }));
        assert_eq!((person.max_rows, person.row_label.as_deref()), (30, Some("name")));
        let births = person.items.iter().find_map(|i| match i {
            Item::Roster(r) => Some(r),
            _ => None,
        });
        let births = births.expect("births nested in person");
        assert!(matches!(births.rows, Rows::Open));
        // The births' condition is the roster's own, and each birth question's includes it.
        let cond = births.condition.as_ref().map(|c| c.source.clone()).unwrap_or_default();
        assert!(cond.contains("sex == 'female'"), "{cond}");
        assert_eq!(
            m.question("head").and_then(|q| q.row_choices.as_deref()),
            Some("person")
        );
        // Universes in the row's terms: a birth is asked of a woman of 15 to 49.
        let universe = |name: &str| {
            let v = m.variables.iter().find(|v| v.name == name).expect(name);
            v.universe
                .iter()
                .filter_map(|u| u.condition.as_ref())
                .map(|c| c.source.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(universe("birth_year"), ["sex == 'female' and age >= 15 and age <= 49"]);
        // `for_each: conditions` names the question (one row per option ticked), though a
        // list has the same id; `for_each: yes_no` names a list.
        let roster = |id: &str| {
            instrument.sections.iter().flat_map(|s| &s.items).find_map(|i| match i {
                Item::Roster(r) if r.id == id => Some(r),
                _ => None,
            })
        };
        assert!(matches!(&roster("condition").unwrap().rows, Rows::Question { question } if question == "conditions"));
        assert!(matches!(&roster("day").unwrap().rows, Rows::List { list } if list == "yes_no"));
        assert!(universe("age").is_empty());
        // No target but the IR carries rosters yet.
        let built = quire_backends::target::build(&m, &[quire_backends::target::Target::Html], &Default::default());
        assert!(built.is_err_and(|e| e.to_string().contains("cannot carry rosters yet")));
    }

    #[test]
    fn each_row_is_routed_with_its_own_answers_and_those_around_it() {
        let m = model();
        let route: Route = m.route("respondent", &household(3.0));
        assert_eq!(route.states["hh_size"], State::Answered(Value::Number(3.0)));
        let people = &route.rows["person"];
        assert_eq!(people.len(), 3);
        assert_eq!(*state(&people[1], "age"), State::Answered(Value::Number(38.0)));
        // Ben is not asked about births; Anna is, and has two; Cleo's age is missing, so
        // whether she would have been asked is unknown.
        assert!(people[0].rows["birth"].is_empty());
        assert_eq!(*state(&people[0], "births_total"), State::NotApplicable);
        assert_eq!(people[1].rows["birth"].len(), 2);
        assert_eq!(
            *state(&people[1].rows["birth"][1], "birth_year"),
            State::Answered(Value::Number(2019.0))
        );
        assert_eq!(*state(&people[1], "births_total"), State::Answered(Value::Number(2.0)));
        assert_eq!(*state(&people[2], "age"), State::Missing);
        assert_eq!(*state(&people[2], "births_total"), State::Unknown);
        // Row variables are the rows' own, not the respondent's.
        assert!(!route.states.contains_key("age"));
        // After the roster: aggregates over the routed rows.
        assert_eq!(route.states["head"], State::Answered(Value::Number(2.0)));
        // Nobody listed is 65, but Cleo's age is missing: she might be.
        assert_eq!(route.states["any_elderly"], State::Unknown);
        // `at(person, head, age)` is Anna's 38: not under 18.
        assert_eq!(route.states["head_age_check"], State::NotApplicable);
        // One row per option ticked; one per option of a list.
        assert_eq!(route.rows["condition"].len(), 2);
        assert_eq!(route.rows["day"].len(), 2);
    }

    #[test]
    fn the_count_decides_how_many_rows_are_asked() {
        let m = model();
        // Four counted, three entered: the fourth is asked and unanswered.
        let route = m.route("respondent", &household(4.0));
        let people = &route.rows["person"];
        assert_eq!(people.len(), 4);
        assert_eq!(*state(&people[3], "name"), State::Missing);
        // Two counted, three entered: the third is not asked.
        let route = m.route("respondent", &household(2.0));
        assert_eq!(route.rows["person"].len(), 2);
        // Not counted: no rows, and what reads them sees none.
        let mut none = household(3.0);
        none.values.remove("hh_size");
        let route = m.route("respondent", &none);
        assert!(route.rows["person"].is_empty());
        assert_eq!(route.states["helpers"], State::NotApplicable);
    }

    #[test]
    fn an_elderly_member_opens_the_question_that_reads_the_rows() {
        let m = model();
        let mut h = household(3.0);
        h.rows.get_mut("person").unwrap()[0].set("age", Value::Number(70.0));
        let route = m.route("respondent", &h);
        assert_eq!(route.states["any_elderly"], State::Missing);
    }
}

mod simulated {
    //! Simulated households, routed: each row has as many rows as its source says, and every
    //! row variable is asked exactly where its universe (the routing analysis, in the row's
    //! terms) holds in that row — the per-row universes proven by simulation.

    use quire_core::data::simulate::{self, Options};
    use quire_core::eval::{self, Answers, Truth, Value};
    use quire_core::model::{Questionnaire, RowRoute, State};

    /// Each row of `rows` against the universes of `m`'s variables, read in `env`'s rows.
    fn check_rows(
        m: &Questionnaire,
        env: &dyn Answers,
        rows: &std::collections::BTreeMap<String, Vec<RowRoute>>,
        checked: &mut usize,
    ) {
        for (roster, routed) in rows {
            let views = env.rows(roster).expect("routed rows are rows of the answers kept");
            assert_eq!(views.len(), routed.len(), "{roster}");
            for (row, view) in routed.iter().zip(&views) {
                for (name, state) in &row.states {
                    let v = m.variables.iter().find(|v| &v.name == name).expect(name);
                    assert_eq!(v.unit.as_deref(), Some(roster.as_str()), "{name} in a row of {roster}");
                    let truth = match v.universe.first().and_then(|u| u.condition.as_ref()) {
                        None => Truth::True,
                        Some(c) => eval::truth(&c.expr, view.as_ref()),
                    };
                    let fits = matches!(
                        (truth, state),
                        (Truth::True, State::Answered(_) | State::Missing)
                            | (Truth::False, State::NotApplicable)
                            | (Truth::Unknown, State::Unknown)
                    );
                    assert!(
                        fits,
                        "{name} in row {} of {roster}: {state:?} where its universe is {truth:?}",
                        view.row().unwrap_or(0)
                    );
                    *checked += 1;
                }
                check_rows(m, view.as_ref(), &row.rows, checked);
            }
        }
    }

    #[test]
    fn every_row_variable_is_asked_exactly_where_its_universe_holds() {
        let m = super::routed_model();
        let responses = simulate::simulate(
            &m,
            &Options {
                n: 300,
                seed: 29,
                ..Options::default()
            },
        );
        let (mut checked, mut people, mut births) = (0, 0, 0);
        for r in &responses {
            let route = m.route(r.audience(), r);
            // As many people as the household's size says (at most the roster's 30).
            let size = match route.states.get("hh_size") {
                Some(State::Answered(Value::Number(n))) => (*n as usize).min(30),
                _ => 0,
            };
            assert_eq!(route.rows["person"].len(), size, "{}", r.id);
            people += size;
            births += route.rows["person"]
                .iter()
                .map(|p| p.rows["birth"].len())
                .sum::<usize>();
            let ticked = match route.states.get("conditions") {
                Some(State::Answered(Value::Selection(v))) => v.len(),
                _ => 0,
            };
            assert_eq!(route.rows["condition"].len(), ticked, "{}", r.id);
            let kept = simulate::routed_env(r.audience(), &route);
            check_rows(&m, &kept, &route.rows, &mut checked);
        }
        assert!(people > 600 && births > 50, "{people} people, {births} births");
        assert!(checked > 5_000, "{checked} row states checked");
    }
}

/// The long layout: one table per unit, written, read back and checked; every planted
/// mistake found once, in its table, at its key.
mod long_layout {
    use quire_core::data::records::{Table, read_csv};
    use quire_core::data::simulate::{self, Options};
    use quire_core::data::units::units;
    use quire_core::data::verify::{self, Class};
    use quire_core::model::Questionnaire;

    /// 150 simulated households as the files `quire simulate` writes, read back.
    fn tables(m: &Questionnaire) -> Vec<Table> {
        let us = units(m);
        let opts = Options {
            n: 150,
            seed: 7,
            ..Options::default()
        };
        tables_of(m, &us, &simulate::tables(m, &us, &opts))
    }

    fn tables_of(
        m: &Questionnaire,
        us: &[quire_core::data::units::Unit],
        cells: &[Vec<Vec<quire_core::data::Cell>>],
    ) -> Vec<Table> {
        cells
            .iter()
            .zip(us)
            .map(|(lines, u)| read_csv(&quire_core::data::to_csv(m, &u.columns, lines)).unwrap())
            .collect()
    }

    fn found(m: &Questionnaire, t: &[Table]) -> Vec<(String, Class, String, String)> {
        verify::check_tables(m, t, &verify::Options::default())
            .problems
            .into_iter()
            .map(|p| (p.table, p.class, p.key, p.column))
            .collect()
    }

    fn at(t: &Table, column: &str) -> usize {
        t.header.iter().position(|h| h == column).expect(column)
    }

    /// The first line of `table` whose cells satisfy `want`.
    fn line(t: &Table, want: impl Fn(&dyn Fn(&str) -> String) -> bool) -> usize {
        (0..t.rows.len())
            .find(|&r| want(&|c: &str| t.rows[r][at(t, c)].clone()))
            .expect("a line to plant in")
    }

    fn key(t: &Table, r: usize, path: &[&str]) -> String {
        path.iter()
            .map(|p| format!("{p} {}", t.rows[r][at(t, p)]))
            .collect::<Vec<_>>()
            .join(", ")
    }

    #[test]
    fn simulated_households_make_one_table_per_unit_and_check_clean() {
        let m = super::routed_model();
        let names: Vec<String> = units(&m).into_iter().map(|u| u.name).collect();
        assert_eq!(names, ["responses", "person", "birth", "condition", "day"]);
        let t = tables(&m);
        assert_eq!(t[1].header[..3], ["respondent_id", "person", "name"]);
        assert_eq!(t[2].header[..4], ["respondent_id", "person", "birth", "birth_year"]);
        // No row variable in the respondents' table; the head is a row number.
        assert!(!t[0].header.iter().any(|h| h == "age"));
        assert!(t[0].header.iter().any(|h| h == "head") && t[0].header.iter().any(|h| h == "helpers_30"));
        assert!(
            t[1].rows.len() > 300 && t[2].rows.len() > 30,
            "{} people, {} births",
            t[1].rows.len(),
            t[2].rows.len()
        );
        assert_eq!(found(&m, &t), []);
        // A derived aggregate is the household's count of its rows: counted again here.
        let (age, adults) = (at(&t[1], "age"), at(&t[0], "adults"));
        let mut checked = 0;
        for r in &t[0].rows {
            let counted = t[1]
                .rows
                .iter()
                .filter(|p| p[0] == r[0] && p[age].parse::<i64>().is_ok_and(|a| a >= 18))
                .count();
            assert_eq!(r[adults], counted.to_string(), "{}", r[0]);
            checked += usize::from(counted > 0);
        }
        assert!(checked > 50, "{checked} households with adults");
    }

    /// Nested JSON records (the web form's and the server's) read back into the same tables.
    #[test]
    fn nested_json_records_carry_the_same_tables() {
        let m = super::routed_model();
        let us = units(&m);
        let opts = Options {
            n: 60,
            seed: 11,
            ..Options::default()
        };
        let cells = simulate::tables(&m, &us, &opts);
        let json = quire_core::data::units::to_json_nested(&m, &us, &cells);
        assert_eq!(json.lines().count(), 60);
        let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
        assert!(first["person"].is_array() && first["condition"].is_array(), "{first}");
        let objects = quire_core::data::records::json_objects(&json).unwrap();
        let t = quire_core::data::units::from_nested(&us, objects).unwrap();
        let csv = tables_of(&m, &us, &cells);
        for (a, b) in t.iter().zip(&csv) {
            assert_eq!(a.rows.len(), b.rows.len());
            // The same cells, whatever the column order.
            let pick =
                |t: &Table, r: usize| -> Vec<String> { b.header.iter().map(|h| t.rows[r][at(t, h)].clone()).collect() };
            for r in 0..a.rows.len() {
                assert_eq!(pick(a, r), pick(b, r));
            }
        }
        assert_eq!(found(&m, &t), []);
        // A roster's field that is not its rows, and a row that gives its own number.
        for (bad, why) in [
            (r#"{"respondent_id": "R1", "person": 3}"#, "an array of objects"),
            (
                r#"{"respondent_id": "R1", "person": [{"person": 2}]}"#,
                "a row's number is its place",
            ),
        ] {
            let objects = quire_core::data::records::json_objects(bad).unwrap();
            let e = quire_core::data::units::from_nested(&us, objects).unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
        }
    }

    #[test]
    fn each_planted_mistake_is_found_once_in_its_table_at_its_key() {
        let m = super::routed_model();
        let clean = tables(&m);
        let (person, birth, condition) = (1, 2, 3);
        type Plant = Box<dyn Fn(&mut Vec<Table>) -> (String, Class, String)>;
        let plants: Vec<(&str, Plant)> = vec![
            (
                "a person twice",
                Box::new(move |t| {
                    let copy = t[person].rows[0].clone();
                    t[person].rows.push(copy);
                    (key(&t[person], 0, &["person"]), Class::DuplicateKey, "person".into())
                }),
            ),
            (
                "a person of no household",
                Box::new(move |t| {
                    let mut copy = t[person].rows[0].clone();
                    copy[0] = "R9999".into();
                    t[person].rows.push(copy);
                    ("person 1".into(), Class::Orphan, "respondent_id".into())
                }),
            ),
            (
                "a birth to a person not listed",
                Box::new(move |t| {
                    let mut copy = t[birth].rows[0].clone();
                    copy[1] = "29".into();
                    t[birth].rows.push(copy);
                    ("person 29, birth 1".into(), Class::Orphan, "person".into())
                }),
            ),
            (
                "a person more than the household's size",
                Box::new(move |t| {
                    // The last person of a household with no births to them.
                    let r = (0..t[person].rows.len())
                        .rev()
                        .find(|&r| {
                            let id = &t[person].rows[r][0];
                            t[person].rows.get(r + 1).is_none_or(|n| &n[0] != id)
                        })
                        .unwrap();
                    let mut copy = t[person].rows[r].clone();
                    let n: u32 = copy[1].parse().unwrap();
                    copy[1] = (n + 1).to_string();
                    t[person].rows.push(copy);
                    (format!("person {}", n + 1), Class::ExtraRow, "person".into())
                }),
            ),
            (
                "a person left out",
                Box::new(move |t| {
                    // A person with no births, so nothing else loses its parent.
                    let r = (0..t[person].rows.len())
                        .find(|&r| {
                            let (id, n) = (&t[person].rows[r][0], &t[person].rows[r][1]);
                            !t[birth].rows.iter().any(|b| &b[0] == id && &b[1] == n)
                        })
                        .unwrap();
                    let k = key(&t[person], r, &["person"]);
                    t[person].rows.remove(r);
                    (k, Class::MissingRow, "person".into())
                }),
            ),
            (
                "a condition left out",
                Box::new(move |t| {
                    let k = key(&t[condition], 0, &["condition"]);
                    t[condition].rows.remove(0);
                    (k, Class::MissingRow, "condition".into())
                }),
            ),
            (
                "a relationship code not in the list",
                Box::new(move |t| {
                    let r = line(&t[person], |c| c("relation") != "-99" && c("relation") != "-88");
                    let col = at(&t[person], "relation");
                    t[person].rows[r][col] = "77".into();
                    (key(&t[person], r, &["person"]), Class::UnknownCode, "relation".into())
                }),
            ),
            (
                "an age that is not a number",
                Box::new(move |t| {
                    let r = line(&t[person], |c| c("age") != "-99");
                    let col = at(&t[person], "age");
                    t[person].rows[r][col] = "forty".into();
                    (key(&t[person], r, &["person"]), Class::BadValue, "age".into())
                }),
            ),
            (
                "births for a man",
                Box::new(move |t| {
                    let r = line(&t[person], |c| c("births_total") == "-88");
                    let col = at(&t[person], "births_total");
                    t[person].rows[r][col] = "2".into();
                    (
                        key(&t[person], r, &["person"]),
                        Class::AnsweredNotApplicable,
                        "births_total".into(),
                    )
                }),
            ),
            (
                "a treatment marked not applicable",
                Box::new(move |t| {
                    let r = line(&t[condition], |c| c("treated") != "-99");
                    let col = at(&t[condition], "treated");
                    t[condition].rows[r][col] = "-88".into();
                    (
                        key(&t[condition], r, &["condition"]),
                        Class::NotApplicableWhereAsked,
                        "treated".into(),
                    )
                }),
            ),
            (
                "an age at diagnosis past the range",
                Box::new(move |t| {
                    let r = line(&t[condition], |c| c("diagnosed_age") != "-99");
                    let col = at(&t[condition], "diagnosed_age");
                    t[condition].rows[r][col] = "150".into();
                    (
                        key(&t[condition], r, &["condition"]),
                        Class::OutOfRange,
                        "diagnosed_age".into(),
                    )
                }),
            ),
            (
                "a birth year past the range",
                Box::new(move |t| {
                    let r = line(&t[birth], |c| c("birth_year") != "-99");
                    let col = at(&t[birth], "birth_year");
                    t[birth].rows[r][col] = "2030".into();
                    (
                        key(&t[birth], r, &["person", "birth"]),
                        Class::OutOfRange,
                        "birth_year".into(),
                    )
                }),
            ),
            (
                "a birth year making a mother younger than 12",
                Box::new(move |t| {
                    // One year too early for the rule `birth_year - 12 >= 2026 - age`.
                    let r = line(&t[birth], |c| c("birth_year") != "-99");
                    let mother = t[person]
                        .rows
                        .iter()
                        .find(|p| p[0] == t[birth].rows[r][0] && p[1] == t[birth].rows[r][1])
                        .unwrap();
                    let age: i64 = mother[at(&t[person], "age")].parse().unwrap();
                    let col = at(&t[birth], "birth_year");
                    t[birth].rows[r][col] = (2037 - age).to_string();
                    (
                        key(&t[birth], r, &["person", "birth"]),
                        Class::FailedValidation,
                        "birth_year".into(),
                    )
                }),
            ),
            (
                "a head of household not listed",
                Box::new(move |t| {
                    let r = line(&t[0], |c| c("head") != "-99" && c("head") != "-88");
                    let col = at(&t[0], "head");
                    t[0].rows[r][col] = "31".into();
                    (String::new(), Class::OutOfRange, "head".into())
                }),
            ),
        ];
        for (what, plant) in plants {
            let mut t = clean.clone();
            let (key, class, column) = plant(&mut t);
            let table = match class {
                _ if column == "head" => "",
                _ if column == "diagnosed_age" || column == "treated" || key.starts_with("condition") => "condition",
                _ if key.contains("birth") => "birth",
                _ => "person",
            };
            assert_eq!(found(&m, &t), [(table.to_string(), class, key, column)], "{what}");
        }
    }
}

/// The never-asked proof per row: a row's question whose condition no row can meet, and a
/// roster whose condition no respondent can; nothing inside a roster never asked is said
/// again, and a condition reading the rows from outside is not searched (so not warned).
#[test]
fn a_row_question_or_roster_never_asked_is_warned_about_at_its_place() {
    let text = std::fs::read_to_string(crate::root().join("tests/rosters/never-asked.yaml")).unwrap();
    let options = quire_core::Options {
        unbuilt_rosters: true,
        ..quire_backends::compile_options()
    };
    let compiled = quire_core::compile_with("never-asked.yaml", text, &options);
    let warned: Vec<(String, String)> = compiled
        .diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    assert_eq!(
        warned,
        [
            (
                "never-asked".to_string(),
                "`pension` is never asked: its condition can never hold".to_string()
            ),
            (
                "never-asked".to_string(),
                "`kid` is never asked: its condition can never hold".to_string()
            ),
        ],
        "{}",
        quire_backends::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
    );
}

/// Hostile roster tables and nested records: reported or refused, never a panic.
#[test]
fn hostile_roster_data_is_reported_never_a_panic() {
    use quire_core::data::records::{Table, json_objects, read_csv};
    use quire_core::data::units::{from_nested, units};
    use quire_core::data::verify::{Options, check_tables};
    let m = routed_model();
    let us = units(&m);
    let header = |u: usize| {
        us[u]
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(",")
    };
    let responses = format!(
        "{}\nR1,respondent,0.1,x,web,en,-99,-99,-99,-99,3{}",
        header(0),
        ",-99".repeat(us[0].columns.len() - 11)
    );
    let hostile_person = [
        // Row numbers that are not rows, a huge one, an empty key.
        "R1,0,a,1,1,30,-88\nR1,-1,a,1,1,30,-88\nR1,99999999999,a,1,1,30,-88\n,1,a,1,1,30,-88",
        // Past the roster's most, and a gap.
        "R1,1000,a,1,1,30,-88\nR1,3,a,1,1,30,-88",
        // Cells of every wrong kind.
        "R1,1,\u{0},x,y,1e999,NaN\nR1,2,=cmd(),-0,2.5,-88.0,inf",
    ];
    for rows in hostile_person {
        let mut tables: Vec<Table> = (0..us.len()).map(|u| read_csv(&header(u)).unwrap()).collect();
        tables[0] = read_csv(&responses).unwrap();
        tables[1] = read_csv(&format!("{}\n{rows}", header(1))).unwrap();
        let report = check_tables(&m, &tables, &Options::default());
        assert!(!report.is_clean(), "{rows}");
    }
    // Tables without their key columns, or with none at all; too few tables.
    let mut tables: Vec<Table> = (0..us.len()).map(|_| read_csv("x\n1").unwrap()).collect();
    tables[0] = read_csv(&responses).unwrap();
    assert!(!check_tables(&m, &tables, &Options::default()).is_clean());
    assert!(!check_tables(&m, &tables[..2], &Options::default()).is_clean());
    assert!(!check_tables(&m, &[], &Options::default()).is_clean());
    // Nested records of the wrong shapes.
    for bad in [
        r#"{"respondent_id": "R1", "person": {"name": "a"}}"#,
        r#"{"respondent_id": "R1", "person": [1, 2]}"#,
        r#"{"respondent_id": "R1", "person": [{"birth": 3}]}"#,
        r#"{"respondent_id": "R1", "person": [{"birth": [{"respondent_id": "R2"}]}]}"#,
    ] {
        let objects = json_objects(bad).unwrap();
        assert!(from_nested(&us, objects).is_err(), "{bad}");
    }
    let deep = format!("{{\"person\": {}{}}}", "[{\"birth\": ".repeat(20), "[]}]".repeat(20));
    assert!(json_objects(&deep).is_err());
    // Records without ids or rows read, and are reported, not trusted.
    let objects = json_objects(r#"{"person": [{}, {}]}"#).unwrap();
    let tables = from_nested(&us, objects).unwrap();
    assert!(!check_tables(&m, &tables, &Options::default()).is_clean());
}

/// "Go to" inside a row: found among the row's questions; past the row's end, the next
/// row; none over a roster.
#[test]
fn a_rows_skip_leads_to_the_next_question_of_its_row() {
    use quire_core::model::Next;
    let text = std::fs::read_to_string(crate::root().join("tests/rosters/go-to.yaml")).unwrap();
    let options = quire_core::Options {
        unbuilt_rosters: true,
        ..quire_backends::compile_options()
    };
    let compiled = quire_core::compile_with("go-to.yaml", text, &options);
    let m = compiled.model.expect("the spec checks");
    let next = |q: &str, option: usize| m.any_question(q).unwrap().options[option].next.as_deref().cloned();
    // "No" at `works` skips `employer`, to `hours` in the same row; "yes" skips nothing.
    assert!(
        matches!(next("works", 1), Some(Next::Question { ref id, certain: true, .. }) if id == "hours"),
        "{:?}",
        next("works", 1)
    );
    assert_eq!(next("works", 0), None);
    // "No" at `student` skips the row's last question: on to the next row.
    assert_eq!(
        next("student", 1),
        Some(Next::NextRow {
            roster: "person".into()
        })
    );
    // "No" at `any_people` skips `size`, then meets the roster: no arrow over it.
    assert_eq!(next("any_people", 1), None);
}

/// An open roster asked holds its `min_rows`: fewer is one problem, at the respondent.
#[test]
fn an_open_roster_asked_with_fewer_than_its_fewest_rows_is_found() {
    use quire_core::data::units::units;
    use quire_core::data::verify::{Class, Options, check_tables};
    let text = r#"
survey: { id: stays, title: Hospital stays, version: "1" }
choices:
  yes_no:
    - { code: 1, value: 'yes', label: Yes }
    - { code: 2, value: 'no', label: No }
sections:
  - id: s
    title: S
    items:
      - id: any_stay
        type: single
        text: Have you stayed in hospital this year?
        choices: yes_no
        required: true
      - type: roster
        id: stay
        title: Each stay
        ask_if: any_stay == 'yes'
        rows: open
        min_rows: 1
        max_rows: 10
        items:
          - id: nights
            type: integer
            text: How many nights?
            min: 1
            max: 365
"#;
    let options = quire_core::Options {
        unbuilt_rosters: true,
        ..quire_backends::compile_options()
    };
    let m = quire_core::compile_with("stays.yaml", text, &options)
        .model
        .expect("checks");
    let us = units(&m);
    let cells = quire_core::data::simulate::tables(
        &m,
        &us,
        &quire_core::data::simulate::Options {
            n: 40,
            seed: 3,
            ..Default::default()
        },
    );
    let mut t: Vec<_> = cells
        .iter()
        .zip(&us)
        .map(|(l, u)| quire_core::data::records::read_csv(&quire_core::data::to_csv(&m, &u.columns, l)).unwrap())
        .collect();
    assert!(check_tables(&m, &t, &Options::default()).is_clean());
    // Every stay of the first respondent with one taken out.
    let id = t[1].rows[0][0].clone();
    t[1].rows.retain(|r| r[0] != id);
    let found: Vec<(String, Class, String)> = check_tables(&m, &t, &Options::default())
        .problems
        .into_iter()
        .map(|p| (p.respondent_id, p.class, p.message))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), (id.as_str(), Class::MissingRow));
    assert!(found[0].2.contains("at least 1 row"), "{found:?}");
}
