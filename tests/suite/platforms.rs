//! Exports to the platforms teams already run: ODK XForms, checked by ODK Validate (the
//! JavaRosa-based validator shipped in pyxform), and read back for what they must hold.

use std::path::PathBuf;

use quire::model::{Item, QuestionType};

/// ODK Validate's jar, from the pyxform that scripts/install-test-tools installs.
fn odk_validate() -> PathBuf {
    let (ok, out) = crate::run(
        &crate::root(),
        "python3",
        &["-c", "import pyxform, os; print(os.path.dirname(pyxform.__file__))"],
    );
    assert!(ok, "pyxform must be installed (scripts/test installs it): {out}");
    PathBuf::from(out.trim()).join("validators/odk_validate/bin/ODK_Validate.jar")
}

/// The specs with rosters the platform targets are proven on.
const ROSTER_SPECS: [&str; 2] = ["tests/rosters/household.yaml", "tests/rosters/go-to.yaml"];

use crate::roster_model;

#[test]
fn every_xform_passes_odk_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for path in crate::clean_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let model = quire::compile(&path.display().to_string(), &text).model.unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().replace('.', "_");
        for quire::backend::Output { path: name, bytes: xml } in quire::backend::xform::render(&model).unwrap() {
            let file = tmp.path().join(format!("{stem}-{name}"));
            std::fs::write(&file, xml).unwrap();
            files.push(file);
        }
    }
    // The bilingual flagship: Welsh as an itext translation.
    let (_dir, spec) = crate::translations::welsh_flagship();
    let welsh = crate::translations::welsh_model(&spec).model.unwrap();
    for quire::backend::Output { path: name, bytes: xml } in quire::backend::xform::render(&welsh).unwrap() {
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("<translation lang=\"Cymraeg (cy)\">") && xml.contains("Am yr arolwg hwn"));
        let file = tmp.path().join(format!("welsh-{name}"));
        std::fs::write(&file, xml).unwrap();
        files.push(file);
    }
    // Rosters: repeats counted, open, for each option ticked, nested; a choice among rows.
    for spec in ROSTER_SPECS {
        let model = roster_model(spec);
        for quire::backend::Output { path: name, bytes: xml } in quire::backend::xform::render(&model).unwrap() {
            let file = tmp.path().join(format!("{}-{name}", model.survey.id));
            std::fs::write(&file, xml).unwrap();
            files.push(file);
        }
    }
    assert!(files.len() >= 16, "{files:?}");
    let jar = odk_validate();
    for f in &files {
        let (ok, out) = crate::run(
            tmp.path(),
            "java",
            &["-jar", jar.to_str().unwrap(), f.to_str().unwrap()],
        );
        assert!(ok && out.contains("Xform is valid"), "{}: {out}", f.display());
    }
}

#[test]
fn the_flagship_xform_holds_its_routing_codes_and_checks() {
    let model = crate::flagship();
    let patient = model.instrument("patient").unwrap();
    let xml = quire::backend::xform::form(&model, patient);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let binds: Vec<roxmltree::Node> = doc.descendants().filter(|n| n.has_tag_name("bind")).collect();
    let bind = |path: &str| binds.iter().find(|b| b.attribute("nodeset") == Some(path)).copied();
    for s in &patient.sections {
        for item in &s.items {
            let Item::Question(q) = item else { continue };
            let path = format!("/data/{}/{}", quire::backend::xform::group(&model, &s.id), q.id);
            let b = bind(&path).unwrap_or_else(|| panic!("no bind for {path}"));
            // Routing: every routed question is relevant only when its condition holds,
            // and every question after a screening rule only when the rule did not fire.
            if q.ask_if.is_some() || !q.screens.is_empty() {
                assert!(
                    b.attribute("relevant").is_some(),
                    "{path} is routed but always relevant"
                );
            }
            if q.required && q.kind != QuestionType::Grid {
                assert_eq!(b.attribute("required"), Some("true()"), "{path}");
            }
            // Choices: the codes are the values.
            if matches!(q.kind, QuestionType::Single | QuestionType::Multiple) {
                let control = doc
                    .descendants()
                    .find(|n| n.attribute("ref") == Some(path.as_str()))
                    .unwrap();
                let values: Vec<String> = control
                    .descendants()
                    .filter(|n| n.has_tag_name("value"))
                    .filter_map(|n| n.text().map(str::to_string))
                    .collect();
                let codes: Vec<String> = q.options.iter().map(|o| o.code.to_string()).collect();
                assert_eq!(values, codes, "{path}");
            }
        }
    }
    // The study's routing, in XPath: specialist-centre staff only when one is attended.
    let sc = bind("/data/centres/sc_staff").expect("sc_staff is in the patients' form");
    assert!(
        sc.attribute("relevant")
            .unwrap_or("")
            .contains("(/data/centres/sc_attend = '1')"),
        "{:?}",
        sc.attribute("relevant")
    );
    // After a screening rule, nothing is relevant once it fired (a blank consent ends it too).
    assert!(
        sc.attribute("relevant")
            .unwrap_or("")
            .contains("not((/data/consent_section/consent != '1'))")
    );
    // Metadata ODK Central needs, and the screening notes.
    assert!(xml.contains(r#"jr:preload="uid""#) && xml.contains(r#"jr:preloadParams="start""#));
    assert!(xml.contains("no_consent"));
}

/// The XForm of an audience, with the answers a respondent gives it (codes for choices).
fn odk_value(model: &quire::model::Questionnaire, var: &str, v: &quire::eval::Value) -> Option<serde_json::Value> {
    use quire::eval::Value;
    let code = |value: &str| -> Option<String> {
        let q = model.variables.iter().find(|x| x.name == var)?;
        model
            .choice_list(q.choice_list.as_ref()?)?
            .get(value)
            .map(|o| o.code.to_string())
    };
    Some(match v {
        Value::Text(t) if model.variables.iter().any(|x| x.name == var && x.choice_list.is_some()) => {
            serde_json::json!(code(t)?)
        }
        Value::Text(t) => serde_json::json!(t),
        Value::Number(n) => serde_json::json!(quire::expr::format_number(*n)),
        Value::Selection(s) => serde_json::json!(s.iter().filter_map(|x| code(x)).collect::<Vec<_>>()),
        Value::Bool(b) => serde_json::json!(if *b { "1" } else { "0" }),
        _ => return None,
    })
}

/// The specs the platform exports are proven on: the flagship, eight examples, and routing's
/// edge cases (chains of skipped filters, screening in conditional sections, three-valued
/// eligibility).
fn routed_specs() -> Vec<(String, quire::model::Questionnaire)> {
    let mut specs = vec![("concord".to_string(), crate::flagship())];
    for name in [
        "k10",
        "epds",
        "phq9",
        "skip_logic",
        "screening",
        "grid",
        "piping",
        "minimal",
    ] {
        let text = std::fs::read_to_string(crate::root().join(format!("examples/{name}.quire.yaml"))).unwrap();
        specs.push((name.to_string(), quire::compile(name, &text).model.unwrap()));
    }
    let routing = std::fs::read_to_string(crate::root().join("tests/data/routing.quire.yaml")).unwrap();
    specs.push((
        "routing".to_string(),
        quire::compile("routing", &routing).model.unwrap(),
    ));
    specs
}

/// Random questionnaires: every question type Quire exports, random conditions over earlier
/// questions (choices, numbers, multiple choice, ordered scales and scores, answered(),
/// and/or/not), screening rules, a routed section and derived variables. Those that check
/// clean are kept.
pub(crate) fn generated_specs(n: usize, seed: u64) -> Vec<(String, quire::model::Questionnaire)> {
    let mut r = crate::Rng(seed);
    let mut out = Vec::new();
    let kinds = ["yn", "int", "multi", "freq", "text", "yn", "int", "freq"];
    for g in 0..n {
        let atom = |r: &mut crate::Rng, upto: usize| -> String {
            let k = r.below(upto) + 1;
            let q = format!("q{k}");
            match kinds[k - 1] {
                "yn" => [
                    format!("{q} == 'yes'"),
                    format!("{q} != 'no'"),
                    format!("{q} in ['yes', 'unsure']"),
                    format!("{q} not in ['yes']"),
                ][r.below(4)]
                .clone(),
                "int" => {
                    let v = [0, 18, 50, 99][r.below(4)];
                    [
                        format!("{q} >= {v}"),
                        format!("{q} < {v}"),
                        format!("{q} != {v}"),
                        format!("{q} == {v}"),
                    ][r.below(4)]
                    .clone()
                }
                "multi" => [
                    format!("selected({q}, 'apple')"),
                    format!("count({q}) >= 2"),
                    format!("not selected({q}, 'pear')"),
                ][r.below(3)]
                .clone(),
                "freq" => [
                    format!("{q} > 'never'"),
                    format!("score({q}) >= 1"),
                    format!("{q} <= 'sometimes'"),
                ][r.below(3)]
                .clone(),
                _ => format!("answered({q})"),
            }
        };
        let cond = |r: &mut crate::Rng, upto: usize| -> String {
            let mut c = atom(r, upto);
            for _ in 0..r.below(3) {
                let join = if r.below(2) == 0 { "and" } else { "or" };
                c = format!("({c}) {join} ({})", atom(r, upto));
            }
            if r.below(5) == 0 { format!("not ({c})") } else { c }
        };
        let mut yaml = String::from(
            "survey: { id: gen, title: Generated, version: '1' }\nchoices:\n  yn:\n    - { code: 1, value: 'yes', label: 'Yes' }\n    - { code: 2, value: 'no', label: 'No' }\n    - { code: 3, value: unsure, label: Unsure, nonsubstantive: unsure }\n  fruit:\n    - { code: 1, value: apple, label: Apple }\n    - { code: 2, value: pear, label: Pear }\n    - { code: 3, value: plum, label: Plum }\n    - { code: 9, value: none, label: None of these, exclusive: true }\n  freq:\n    ordered: true\n    options:\n      - { code: 0, value: never, label: Never, score: 0 }\n      - { code: 1, value: sometimes, label: Sometimes, score: 1 }\n      - { code: 2, value: often, label: Often, score: 2 }\nsections:\n  - id: first\n    title: First\n    items:\n",
        );
        for (i, kind) in kinds.iter().enumerate() {
            let k = i + 1;
            if k == 5 {
                let section_if = if r.below(2) == 0 {
                    format!("\n    ask_if: \"{}\"", cond(&mut r, 4))
                } else {
                    String::new()
                };
                yaml.push_str(&format!("  - id: second\n    title: Second{section_if}\n    items:\n"));
            }
            let ty = match *kind {
                "yn" => "type: single, choices: yn",
                "int" => "type: integer, min: 0, max: 120",
                "multi" => "type: multiple, choices: fruit",
                "freq" => "type: single, choices: freq",
                _ => "type: text",
            };
            let ask_if = if k > 1 && r.below(10) < 6 {
                format!(", ask_if: \"{}\"", cond(&mut r, k - 1))
            } else {
                String::new()
            };
            yaml.push_str(&format!("      - {{ id: q{k}, {ty}, text: Question {k}{ask_if} }}\n"));
            if k == 3 && r.below(2) == 0 {
                yaml.push_str(&format!(
                    "      - {{ type: screen, id: stop{g}, end_if: \"{}\", message: Thank you }}\n",
                    atom(&mut r, 3)
                ));
            }
        }
        yaml.push_str(&format!(
            "derived:\n  - {{ id: total, label: Total, expr: \"sum(score(q4), score(q8), if({}, 1, 0))\" }}\n  - {{ id: flag, label: Flag, expr: \"{}\" }}\n",
            cond(&mut r, 8),
            cond(&mut r, 8)
        ));
        let compiled = quire::compile("generated.yaml", &yaml);
        if let Some(m) = compiled.model {
            out.push((format!("generated{g}"), m));
        }
    }
    assert!(
        out.len() * 2 > n,
        "only {} of {n} generated specs check clean",
        out.len()
    );
    out
}

/// A watched node: its path, whether Quire asks it, and (for a derived variable) its value.
type Watched = (String, bool, Option<String>);

/// What ODK's engine said of each respondent's watched nodes, against Quire's: relevance
/// (`None` value) or value; counts of what was compared.
struct OdkComparison {
    checked: usize,
    /// Questions Quire does not ask (relevances compared false).
    routed_past: usize,
    /// Of those, questions (not derived values): the flat test's count.
    skipped: usize,
    /// Derived values that are not blank.
    totals: usize,
    mismatches: Vec<String>,
}

/// Quire's expectation for one respondent: who, and (path, asked, value) per watched node.
type Expected = (String, Vec<(String, bool, Option<String>)>);

/// Runs the cases in ODK's own engine (`tests/browser/odk.mjs`) and compares every watched
/// node with Quire's expectation, case by case.
fn in_odk(forms: &serde_json::Value, cases: Vec<serde_json::Value>, expected: &[Expected]) -> OdkComparison {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("cases.json");
    std::fs::write(
        &input,
        serde_json::json!({ "forms": forms, "cases": cases }).to_string(),
    )
    .unwrap();
    let out = tmp.path().join("out.json");
    let (ok, log) = crate::run(
        &crate::root().join("tests/browser"),
        "node",
        &[
            crate::root().join("tests/browser/odk.mjs").to_str().unwrap(),
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{log}");
    let got: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(got["errors"].as_array().unwrap().is_empty(), "{}", got["errors"]);
    let results = got["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    let mut c = OdkComparison {
        checked: 0,
        routed_past: 0,
        skipped: 0,
        totals: 0,
        mismatches: Vec::new(),
    };
    for ((who, want), seen) in expected.iter().zip(results) {
        for (path, relevant, value) in want {
            c.checked += 1;
            let s = &seen[path.as_str()];
            c.routed_past += usize::from(!relevant);
            c.skipped += usize::from(value.is_none() && !relevant);
            c.totals += usize::from(value.as_ref().is_some_and(|v| !v.is_empty()));
            match value {
                None if s["relevant"].as_bool() != Some(*relevant) => c.mismatches.push(format!(
                    "{who}: {path} relevant in ODK {}, asked by Quire {relevant}",
                    s["relevant"]
                )),
                Some(v) if s["value"].as_str() != Some(v.as_str()) => c
                    .mismatches
                    .push(format!("{who}: {path} is {} in ODK, {v:?} in Quire", s["value"])),
                _ => {}
            }
        }
    }
    c
}

/// The differential routing test: the same random answer sets (blanks, stale answers to
/// routed-past questions and screen-outs included) given to Quire and to ODK's own form
/// engine (@getodk/xforms-engine, the engine of ODK Web Forms, in Chromium): every question
/// is relevant exactly when Quire asks it, and every derived variable has Quire's value.
#[test]
fn odk_routes_and_derives_as_quire_does() {
    use quire::model::State;
    let specs: Vec<(String, quire::model::Questionnaire, usize)> = routed_specs()
        .into_iter()
        .map(|(name, model)| {
            let n = match name.as_str() {
                "concord" => 150,
                "routing" => 200,
                _ => 100,
            };
            (name, model, n)
        })
        .chain(generated_specs(40, 0x0dd5_eed5).into_iter().map(|(n, m)| (n, m, 25)))
        .collect();
    let mut forms = serde_json::Map::new();
    let mut cases = Vec::new();
    let mut expected: Vec<(String, Vec<Watched>)> = Vec::new();
    for (name, model, n) in &specs {
        for i in &model.instruments {
            forms.insert(
                format!("{name}/{}", i.audience),
                serde_json::json!(quire::backend::xform::form(model, i)),
            );
        }
        for (id, raw) in quire::data::testing::synthetic_answers(model, *n, 21) {
            let instrument = model.instrument(&raw.audience).unwrap();
            let paths = quire::backend::xform::paths(model, instrument);
            let route = model.route(&raw.audience, &raw);
            let mut answers = Vec::new();
            let mut watch = Vec::new();
            let mut want = Vec::new();
            for q in crate::questions(model, &raw.audience) {
                for var in q.variable_names() {
                    let path = paths[var].clone();
                    if let Some(v) = raw.values.get(var).and_then(|v| odk_value(model, var, v)) {
                        answers.push(serde_json::json!([path, v]));
                    }
                    let asked = matches!(route.states.get(var), Some(State::Answered(_) | State::Missing));
                    watch.push(path.clone());
                    want.push((path, asked, None));
                }
            }
            for d in model.derived.iter().filter(|d| d.audiences.contains(&raw.audience)) {
                let value = match route.states.get(&d.id) {
                    Some(State::Answered(v)) => match v {
                        quire::eval::Value::Number(n) => Some(quire::expr::format_number(*n)),
                        quire::eval::Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
                        quire::eval::Value::Text(t) => match &d.rule {
                            quire::model::DerivedRule::Cases { choice_list, .. } => model
                                .choice_list(choice_list)
                                .and_then(|l| l.get(t))
                                .map(|o| o.code.to_string()),
                            _ => Some(t.clone()),
                        },
                        _ => None,
                    },
                    Some(State::Missing) => Some(String::new()),
                    _ => None,
                };
                if let Some(v) = value {
                    watch.push(paths[&d.id].clone());
                    want.push((paths[&d.id].clone(), true, Some(v)));
                }
            }
            cases.push(
                serde_json::json!({ "form": format!("{name}/{}", raw.audience), "answers": answers, "watch": watch }),
            );
            expected.push((format!("{name} {id} ({})", raw.audience), want));
        }
    }
    let seen = in_odk(&serde_json::Value::Object(forms), cases, &expected);
    let (checked, skipped, totals, mismatches) = (seen.checked, seen.skipped, seen.totals, seen.mismatches);
    eprintln!(
        "odk: {} respondents, {checked} relevances and values compared ({skipped} questions routed past or screened out, {totals} derived values)",
        expected.len()
    );
    // Not vacuous: routing skipped questions and derived variables had values.
    assert!(
        skipped > 1000 && totals > 300,
        "skipped {skipped}, derived values {totals}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {checked} differ:\n{}",
        mismatches.len(),
        mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The XLSForm export converts with pyxform (xls2xform) without errors into an XForm that
/// ODK Validate accepts and that has Quire's fields, with the same types, relevants,
/// constraints, requirements and calculates.
#[test]
fn xlsforms_convert_with_pyxform_into_quires_xforms() {
    let tmp = tempfile::tempdir().unwrap();
    let mut models: Vec<(String, quire::model::Questionnaire)> = crate::clean_specs()
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let stem = p.file_stem().unwrap().to_string_lossy().replace('.', "_");
            (stem, quire::compile(&p.display().to_string(), &text).model.unwrap())
        })
        .collect();
    let (_dir, spec) = crate::translations::welsh_flagship();
    models.push(("welsh".into(), crate::translations::welsh_model(&spec).model.unwrap()));
    // Rosters: begin_repeat with repeat_count, nested repeats, choices from a repeat.
    for spec in ROSTER_SPECS {
        let model = roster_model(spec);
        models.push((model.survey.id.clone(), model));
    }
    let jar = odk_validate();
    let normal = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut compared = 0;
    for (stem, model) in &models {
        for i in &model.instruments {
            let book = tmp.path().join(format!("{stem}-{}.xlsx", i.audience));
            std::fs::write(&book, quire::backend::xlsform::workbook(model, i).unwrap()).unwrap();
            let converted = book.with_extension("xml");
            let (ok, log) = crate::run(
                tmp.path(),
                "xls2xform",
                &[book.to_str().unwrap(), converted.to_str().unwrap()],
            );
            assert!(ok && log.contains("Conversion complete"), "{}: {log}", book.display());
            let (ok, log) = crate::run(
                tmp.path(),
                "java",
                &["-jar", jar.to_str().unwrap(), converted.to_str().unwrap()],
            );
            assert!(ok && log.contains("Xform is valid"), "{}: {log}", converted.display());
            let ours = quire::backend::xform::form(model, i);
            let theirs = std::fs::read_to_string(&converted).unwrap();
            let (ours, theirs) = (
                roxmltree::Document::parse(&ours).unwrap(),
                roxmltree::Document::parse(&theirs).unwrap(),
            );
            let binds = |d: &roxmltree::Document| -> std::collections::HashMap<String, Vec<(String, String)>> {
                d.descendants()
                    .filter(|n| n.has_tag_name("bind"))
                    .filter_map(|b| {
                        let path = b.attribute("nodeset")?.to_string();
                        let attrs = ["type", "relevant", "constraint", "required", "calculate"]
                            .iter()
                            .map(|a| (a.to_string(), normal(b.attribute(*a).unwrap_or(""))))
                            .collect();
                        Some((path, attrs))
                    })
                    .collect()
            };
            let (ours, theirs) = (binds(&ours), binds(&theirs));
            for (path, attrs) in &ours {
                if path == "/data/meta/instanceID" {
                    continue;
                }
                let Some(t) = theirs.get(path) else {
                    // A group with nothing to bind (no condition) needs no bind.
                    assert!(
                        attrs.iter().all(|(_, v)| v.is_empty()),
                        "{stem} {}: pyxform's XForm has no {path}",
                        i.audience
                    );
                    continue;
                };
                assert_eq!(attrs, t, "{stem} {}: {path} differs after pyxform", i.audience);
                compared += 1;
            }
        }
    }
    eprintln!("xlsform: {compared} fields the same after pyxform");
    assert!(compared > 300, "{compared}");
}

/// A value in REDCap's logic: text (a blank is `''`) or a number.
#[derive(Debug, Clone, PartialEq)]
enum Rv {
    Text(String),
    Num(f64),
    Bool(bool),
}

impl Rv {
    fn number(&self) -> Option<f64> {
        match self {
            Rv::Num(n) => Some(*n),
            Rv::Text(t) => t.trim().parse().ok(),
            Rv::Bool(_) => None,
        }
    }
    fn blank(&self) -> bool {
        matches!(self, Rv::Text(t) if t.is_empty())
    }
    fn truth(&self) -> bool {
        matches!(self, Rv::Bool(true))
    }
}

/// REDCap's branching logic and calculations, as its documentation gives their meaning, for
/// the constructs Quire writes: `[field]`, `[checkbox(code)]`, quoted text, numbers,
/// `= <> < <= > >=`, `and`, `or`, brackets, `+ - * /` (blank in, blank out), `if()`.
struct RedcapLogic<'a> {
    tokens: Vec<String>,
    at: usize,
    fields: &'a std::collections::HashMap<String, String>,
}

impl RedcapLogic<'_> {
    fn tokenize(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let cs: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            if c.is_whitespace() {
                i += 1;
            } else if c == '[' {
                let j = cs[i..].iter().position(|&x| x == ']').unwrap() + i;
                out.push(cs[i..=j].iter().collect());
                i = j + 1;
            } else if c == '\'' {
                let j = cs[i + 1..].iter().position(|&x| x == '\'').unwrap() + i + 1;
                out.push(cs[i..=j].iter().collect());
                i = j + 1;
            } else if "<>=".contains(c) {
                let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
                if ["<>", "<=", ">="].contains(&two.as_str()) {
                    out.push(two);
                    i += 2;
                } else {
                    out.push(c.to_string());
                    i += 1;
                }
            } else if "()+-*/,".contains(c) {
                out.push(c.to_string());
                i += 1;
            } else {
                let j = cs[i..]
                    .iter()
                    .position(|x| !(x.is_alphanumeric() || *x == '.' || *x == '_'))
                    .map(|p| p + i)
                    .unwrap_or(cs.len());
                out.push(cs[i..j].iter().collect());
                i = j;
            }
        }
        out
    }
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }
    fn next(&mut self) -> String {
        self.at += 1;
        self.tokens[self.at - 1].clone()
    }
    fn or(&mut self) -> Rv {
        let mut v = self.and();
        while self.peek() == Some("or") {
            self.next();
            let r = self.and();
            v = Rv::Bool(v.truth() || r.truth());
        }
        v
    }
    fn and(&mut self) -> Rv {
        let mut v = self.cmp();
        while self.peek() == Some("and") {
            self.next();
            let r = self.cmp();
            v = Rv::Bool(v.truth() && r.truth());
        }
        v
    }
    fn cmp(&mut self) -> Rv {
        let l = self.sum();
        let Some(op) = self
            .peek()
            .filter(|o| ["=", "<>", "<", "<=", ">", ">="].contains(o))
            .map(str::to_string)
        else {
            return l;
        };
        self.next();
        let r = self.sum();
        let equal = match (l.number(), r.number()) {
            (Some(a), Some(b)) => a == b,
            _ => match (&l, &r) {
                (Rv::Text(a), Rv::Text(b)) => a == b,
                _ => false,
            },
        };
        Rv::Bool(match op.as_str() {
            "=" => equal,
            "<>" => !equal,
            _ => match (l.number(), r.number()) {
                (Some(a), Some(b)) => match op.as_str() {
                    "<" => a < b,
                    "<=" => a <= b,
                    ">" => a > b,
                    _ => a >= b,
                },
                _ => false,
            },
        })
    }
    fn sum(&mut self) -> Rv {
        let mut v = self.product();
        while let Some(op) = self.peek().filter(|o| *o == "+" || *o == "-").map(str::to_string) {
            self.next();
            let r = self.product();
            v = match (v.number(), r.number()) {
                (Some(a), Some(b)) if !v.blank() && !r.blank() => Rv::Num(if op == "+" { a + b } else { a - b }),
                _ => Rv::Text(String::new()),
            };
        }
        v
    }
    fn product(&mut self) -> Rv {
        let mut v = self.atom();
        while let Some(op) = self.peek().filter(|o| *o == "*" || *o == "/").map(str::to_string) {
            self.next();
            let r = self.atom();
            v = match (v.number(), r.number()) {
                (Some(a), Some(b)) if !(v.blank() || r.blank() || (op == "/" && b == 0.0)) => {
                    Rv::Num(if op == "*" { a * b } else { a / b })
                }
                _ => Rv::Text(String::new()),
            };
        }
        v
    }
    fn atom(&mut self) -> Rv {
        let t = self.next();
        if t == "(" {
            let v = self.or();
            assert_eq!(self.next(), ")");
            return v;
        }
        if t == "if" {
            assert_eq!(self.next(), "(");
            let c = self.or();
            assert_eq!(self.next(), ",");
            let a = self.or();
            assert_eq!(self.next(), ",");
            let b = self.or();
            assert_eq!(self.next(), ")");
            return if c.truth() { a } else { b };
        }
        if let Some(name) = t.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            let value = match name.split_once('(') {
                Some((f, code)) => {
                    let code = code.trim_end_matches(')');
                    let ticked = self.fields.get(f).is_some_and(|v| v.split(' ').any(|c| c == code));
                    if ticked { "1" } else { "0" }.to_string()
                }
                None => self.fields.get(name).cloned().unwrap_or_default(),
            };
            return Rv::Text(value);
        }
        if let Some(s) = t.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
            return Rv::Text(s.to_string());
        }
        Rv::Num(t.parse().unwrap_or_else(|_| panic!("unexpected token {t:?}")))
    }
}

fn redcap_eval(logic: &str, fields: &std::collections::HashMap<String, String>) -> Rv {
    let mut p = RedcapLogic {
        tokens: RedcapLogic::tokenize(logic),
        at: 0,
        fields,
    };
    let v = p.or();
    assert_eq!(p.at, p.tokens.len(), "{logic}: trailing tokens");
    v
}

/// The REDCap data dictionaries have the 18 documented columns, the documented field types,
/// choice syntax and validation types; read back and evaluated as REDCap documents its logic,
/// their branching shows exactly the questions Quire asks, and their calc fields compute
/// Quire's derived values, for random respondents of the flagship and the examples.
#[test]
fn redcap_dictionaries_parse_back_and_route_as_quire_does() {
    use quire::model::State;
    let specs: Vec<quire::model::Questionnaire> = routed_specs()
        .into_iter()
        .chain(generated_specs(40, 0x0dd5_eed5))
        .map(|(_, m)| m)
        .collect();
    let types = [
        "text",
        "notes",
        "radio",
        "checkbox",
        "calc",
        "descriptive",
        "dropdown",
        "yesno",
        "truefalse",
        "file",
        "slider",
        "sql",
    ];
    let (mut checked, mut hidden, mut calcs) = (0, 0, 0);
    for model in &specs {
        for i in &model.instruments {
            let csv_text = quire::backend::redcap::dictionary(model, i);
            let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
            let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
            assert_eq!(
                headers,
                quire::backend::redcap::COLUMNS,
                "the documented 18 columns, in order"
            );
            let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
            assert_eq!(&rows[0][0], "record_id", "the first field is the record id");
            let mut fields: std::collections::HashMap<String, csv::StringRecord> = std::collections::HashMap::new();
            for r in &rows {
                assert!(types.contains(&&r[3]), "{}: field type {}", &r[0], &r[3]);
                assert!(
                    r[0].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && r[0].len() <= 100,
                    "{}",
                    &r[0]
                );
                if matches!(&r[3], "radio" | "checkbox") {
                    for choice in r[5].split(" | ") {
                        let (code, label) = choice
                            .split_once(", ")
                            .unwrap_or_else(|| panic!("{}: choice {choice:?}", &r[0]));
                        assert!(
                            code.parse::<i64>().is_ok() && !label.is_empty(),
                            "{}: {choice:?}",
                            &r[0]
                        );
                    }
                }
                assert!(["", "integer", "number", "date_ymd"].contains(&&r[7]), "{}", &r[7]);
                fields.insert(r[0].to_string(), r.clone());
            }
            // Routing and calc fields, for random respondents.
            for (_, raw) in quire::data::testing::synthetic_answers(model, 60, 33)
                .into_iter()
                .filter(|(_, r)| r.audience == i.audience)
            {
                let route = model.route(&raw.audience, &raw);
                // What REDCap holds: the answers the respondent could give (shown fields only),
                // in order; checkboxes as their ticked codes.
                let mut values: std::collections::HashMap<String, String> = std::collections::HashMap::new();
                // REDCap computes calc fields as answers change, wherever they are listed.
                let calc_rows: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[3] == "calc").collect();
                let refresh = |values: &mut std::collections::HashMap<String, String>| {
                    for c in &calc_rows {
                        let v = match redcap_eval(&c[5], values) {
                            Rv::Num(n) => quire::expr::format_number(n),
                            Rv::Text(t) => t,
                            Rv::Bool(b) => b.to_string(),
                        };
                        values.insert(c[0].to_string(), v);
                    }
                };
                for r in &rows {
                    let name = &r[0];
                    refresh(&mut values);
                    let shown = r[11].is_empty() || redcap_eval(&r[11], &values).truth();
                    let Some(q) = model.variables.iter().find(|v| v.name == name) else {
                        // A calc field: compare with Quire's derived value.
                        if &r[3] == "calc" {
                            let got = redcap_eval(&r[5], &values);
                            let want = match route.states.get(name) {
                                Some(State::Answered(quire::eval::Value::Number(n))) => {
                                    Some(quire::expr::format_number(*n))
                                }
                                Some(State::Answered(quire::eval::Value::Bool(b))) => {
                                    Some(if *b { "1" } else { "0" }.to_string())
                                }
                                Some(State::Answered(quire::eval::Value::Text(t))) => model
                                    .derived(name)
                                    .and_then(|d| match &d.rule {
                                        quire::model::DerivedRule::Cases { choice_list, .. } => {
                                            model.choice_list(choice_list)
                                        }
                                        _ => None,
                                    })
                                    .and_then(|l| l.get(t))
                                    .map(|o| o.code.to_string()),
                                Some(State::Missing) => Some(String::new()),
                                _ => None,
                            };
                            let got = match got {
                                Rv::Num(n) => quire::expr::format_number(n),
                                Rv::Text(t) => t,
                                Rv::Bool(b) => b.to_string(),
                            };
                            // Later calc fields read this one's stored value.
                            values.insert(name.to_string(), got.clone());
                            if let Some(want) = want {
                                assert_eq!(got, want, "{name}: REDCap calc `{}`", &r[5]);
                                calcs += 1;
                            }
                        }
                        continue;
                    };
                    let asked = matches!(route.states.get(name), Some(State::Answered(_) | State::Missing));
                    assert_eq!(shown, asked, "{} {name}: branching `{}`", i.audience, &r[11]);
                    checked += 1;
                    hidden += usize::from(!shown);
                    if shown && let Some(v) = raw.values.get(name) {
                        let code = |value: &str| {
                            model
                                .choice_list(q.choice_list.as_deref().unwrap_or(""))
                                .and_then(|l| l.get(value))
                                .map(|o| o.code.to_string())
                                .unwrap_or_default()
                        };
                        let text = match v {
                            quire::eval::Value::Text(t) if q.choice_list.is_some() => code(t),
                            quire::eval::Value::Text(t) => t.clone(),
                            quire::eval::Value::Number(n) => quire::expr::format_number(*n),
                            quire::eval::Value::Selection(s) => s.iter().map(|x| code(x)).collect::<Vec<_>>().join(" "),
                            _ => String::new(),
                        };
                        values.insert(name.to_string(), text);
                    }
                }
            }
        }
    }
    eprintln!("redcap: {checked} fields' branching and {calcs} calc values agree ({hidden} hidden)");
    assert!(
        checked > 3000 && hidden > 500 && calcs > 100,
        "{checked} {hidden} {calcs}"
    );
}

/// A simulated platform export of Quire's answers: what ODK Central or REDCap would hand
/// back for these respondents (only the questions they were shown answered).
fn platform_export(
    model: &quire::model::Questionnaire,
    audience: &str,
    respondents: &[(String, quire::eval::AnswerMap)],
    redcap: bool,
) -> String {
    use quire::model::State;
    let instrument = model.instrument(audience).unwrap();
    let paths = quire::backend::xform::paths(model, instrument);
    let questions = crate::questions(model, audience);
    let mut header: Vec<String> = if redcap {
        vec!["record_id".into()]
    } else {
        vec!["SubmissionDate".into(), "start".into(), "end".into()]
    };
    let mut columns: Vec<(String, String, Option<i64>)> = Vec::new(); // (header, variable, checkbox code)
    for q in &questions {
        for var in q.variable_names() {
            if redcap && q.kind == quire::model::QuestionType::Multiple {
                for o in q.options.iter() {
                    columns.push((format!("{var}___{}", o.code), var.to_string(), Some(o.code)));
                }
            } else {
                let h = if redcap {
                    var.to_string()
                } else {
                    paths[var].trim_start_matches("/data/").replace('/', "-")
                };
                columns.push((h, var.to_string(), None));
            }
            // "Other, please specify": its write-in column.
            let other = quire::data::other_column(var);
            if let Some(p) = paths.get(&other) {
                let h = if redcap {
                    other.clone()
                } else {
                    p.trim_start_matches("/data/").replace('/', "-")
                };
                columns.push((h, other, None));
            }
        }
    }
    header.extend(columns.iter().map(|(h, _, _)| h.clone()));
    if !redcap {
        header.push("meta-instanceID".into());
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).unwrap();
    for (id, raw) in respondents {
        let route = model.route(audience, raw);
        let code = |var: &str, value: &str| -> String {
            let q = model.variables.iter().find(|v| v.name == var).unwrap();
            model
                .choice_list(q.choice_list.as_ref().unwrap())
                .unwrap()
                .get(value)
                .unwrap()
                .code
                .to_string()
        };
        let mut row: Vec<String> = if redcap {
            vec![id.clone()]
        } else {
            vec![
                "2026-12-01T10:05:00.000Z".into(),
                "2026-12-01T10:00:00.000+01:00".into(),
                "2026-12-01T10:04:30.000+01:00".into(),
            ]
        };
        for (_, var, checkbox) in &columns {
            let v = match route.states.get(var) {
                Some(State::Answered(v)) => Some(v),
                // A write-in is kept when its question was asked.
                None => var
                    .strip_suffix("_other")
                    .filter(|q| matches!(route.states.get(*q), Some(State::Answered(_))))
                    .and_then(|_| raw.values.get(var)),
                _ => None,
            };
            let is_choice = model
                .variables
                .iter()
                .any(|x| x.name == *var && x.choice_list.is_some());
            row.push(match (v, checkbox) {
                (Some(quire::eval::Value::Selection(s)), Some(c)) => if s.iter().any(|x| code(var, x) == c.to_string())
                {
                    "1"
                } else {
                    "0"
                }
                .into(),
                (None, Some(_)) => "0".into(),
                (Some(quire::eval::Value::Selection(s)), None) => {
                    s.iter().map(|x| code(var, x)).collect::<Vec<_>>().join(" ")
                }
                (Some(quire::eval::Value::Text(t)), _) if is_choice => code(var, t),
                (Some(quire::eval::Value::Text(t)), _) => t.clone(),
                (Some(quire::eval::Value::Number(n)), _) => quire::expr::format_number(*n),
                _ => String::new(),
            });
        }
        if !redcap {
            row.push(format!("uuid:{id}"));
        }
        out.write_record(&row).unwrap();
    }
    String::from_utf8(out.into_inner().unwrap()).unwrap()
}

/// Exports from ODK Central and REDCap come back as data-contract records that check-data
/// finds clean and that equal Quire's own encoding of the same responses: -88 and -99 by the
/// routing analysis, not by what the platform left blank.
#[test]
fn platform_exports_import_as_the_data_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = crate::root().join("questionnaires/concord/concord.yaml");
    let model = crate::flagship();
    let cols = quire::data::columns(&model);
    let mut imported_rows = 0;
    for (platform, redcap) in [("odk", false), ("redcap", true)] {
        for audience in ["patient", "carer", "hcp"] {
            let respondents: Vec<(String, quire::eval::AnswerMap)> =
                quire::data::testing::synthetic_answers(&model, 240, 8)
                    .into_iter()
                    .filter(|(_, r)| r.audience == audience)
                    .collect();
            let export = tmp.path().join(format!("{platform}-{audience}.csv"));
            std::fs::write(&export, platform_export(&model, audience, &respondents, redcap)).unwrap();
            let out = tmp.path().join(format!("{platform}-{audience}-records.csv"));
            let run = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
                .args([
                    "import-data",
                    spec.to_str().unwrap(),
                    "--from",
                    platform,
                    export.to_str().unwrap(),
                    "--audience",
                    audience,
                    "-o",
                    out.to_str().unwrap(),
                ])
                .output()
                .unwrap();
            assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
            let check = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
                .args(["check-data", spec.to_str().unwrap(), out.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "{platform} {audience}: {}",
                String::from_utf8_lossy(&check.stdout)
            );
            // Every answer cell equals Quire's encoding of the same respondent.
            let table = quire::data::records::read_csv(&std::fs::read_to_string(&out).unwrap()).unwrap();
            assert_eq!(table.rows.len(), respondents.len());
            for ((id, raw), row) in respondents.iter().zip(&table.rows) {
                let route = model.route(audience, raw);
                let want = quire::data::encode(&model, &cols, id, audience, &route, raw);
                for ((c, cell), got) in cols.iter().zip(&want).zip(row) {
                    if c.kind.is_meta() || c.kind.is_identity() {
                        continue;
                    }
                    assert_eq!(
                        &cell.render(model.survey.missing_codes),
                        got,
                        "{platform} {audience} {id}: {}",
                        c.name
                    );
                }
            }
            imported_rows += table.rows.len();
        }
    }
    eprintln!("import-data: {imported_rows} records from ODK and REDCap exports equal Quire's");
    assert!(imported_rows >= 480);
}

/// `quire import xlsform` brings XLSForms back as specs that check clean, with the same
/// questions and the same routing: for random respondents, the imported spec asks exactly
/// the questions the original asks (the forms are Quire's own XLSForm exports of the
/// flagship and every example, written by rust_xlsxwriter, which pyxform reads above).
#[test]
fn xlsforms_import_as_specs_that_route_alike() {
    use quire::model::State;
    let (mut specs, mut compared, mut notes) = (0, 0, 0);
    for path in crate::clean_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let model = quire::compile(&path.display().to_string(), &text).model.unwrap();
        for i in &model.instruments {
            let book = quire::backend::xlsform::workbook(&model, i).unwrap();
            let (yaml, report) = quire::backend::read::xlsform::import(&book, "form.xlsx")
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            notes += report.len();
            let imported = quire::compile("imported.yaml", &yaml);
            assert!(!imported.has_errors(), "{}:\n{yaml}", path.display());
            let imported = imported.model.unwrap();
            specs += 1;
            // The same questions, in order (grid rows as questions of their own).
            let original: Vec<String> = crate::questions(&model, &i.audience)
                .iter()
                .flat_map(|q| q.variable_names().into_iter().map(str::to_string).collect::<Vec<_>>())
                .collect();
            let back: Vec<String> = imported.variables.iter().map(|v| v.name.clone()).collect();
            assert_eq!(back, original, "{} {}", path.display(), i.audience);
            // The same routing, answer by answer (choices matched by their codes).
            for (_, raw) in quire::data::testing::synthetic_answers(&model, 80, 4)
                .into_iter()
                .filter(|(_, r)| r.audience == i.audience)
            {
                let mut mapped = quire::eval::AnswerMap::new(&imported.instruments[0].audience);
                for (var, v) in &raw.values {
                    let (Some(from), Some(to)) = (
                        model.variables.iter().find(|x| &x.name == var),
                        imported.variables.iter().find(|x| &x.name == var),
                    ) else {
                        continue;
                    };
                    let recode = |value: &str| -> Option<String> {
                        let code = model.choice_list(from.choice_list.as_ref()?)?.get(value)?.code;
                        imported
                            .choice_list(to.choice_list.as_ref()?)?
                            .options
                            .iter()
                            .find(|o| o.code == code)
                            .map(|o| o.value.clone())
                    };
                    let v = match v {
                        quire::eval::Value::Text(t) if from.choice_list.is_some() => {
                            quire::eval::Value::Text(recode(t).unwrap())
                        }
                        quire::eval::Value::Selection(s) => {
                            quire::eval::Value::Selection(s.iter().filter_map(|x| recode(x)).collect())
                        }
                        other => other.clone(),
                    };
                    mapped.set(var, v);
                }
                let (a, b) = (
                    model.route(&i.audience, &raw),
                    imported.route(&mapped.audience, &mapped),
                );
                for var in &original {
                    let asked = |s: Option<&State>| matches!(s, Some(State::Answered(_) | State::Missing));
                    assert_eq!(
                        asked(a.states.get(var)),
                        asked(b.states.get(var)),
                        "{} {}: {var}",
                        path.display(),
                        i.audience
                    );
                    compared += 1;
                }
            }
        }
    }
    eprintln!(
        "import xlsform: {specs} forms back as specs, {compared} routing decisions alike, {notes} things reported"
    );
    assert!(specs >= 11 && compared > 3000, "{specs} {compared}");
}

/// A hand-made XLSForm in the idioms teams write (choice names as words, `begin group` with
/// a space, `${}` references, `selected()`, `.` in constraints, a calculate, a note, a type
/// Quire has no equivalent for) imports to a spec that checks clean and says what it left.
#[test]
fn a_hand_made_xlsform_imports_with_its_gaps_reported() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let survey = [
        vec![
            "type",
            "name",
            "label",
            "hint",
            "relevant",
            "constraint",
            "constraint_message",
            "required",
            "calculation",
        ],
        vec!["start", "start", "", "", "", "", "", "", ""],
        vec!["begin group", "about", "About you", "", "", "", "", "", ""],
        vec![
            "integer",
            "age",
            "How old are you?",
            "In years",
            "",
            ". >= 0 and . <= 120",
            "An age from 0 to 120",
            "yes",
            "",
        ],
        vec![
            "select_one yes_no",
            "smoker",
            "Do you smoke?",
            "",
            "${age} >= 16",
            "",
            "",
            "yes",
            "",
        ],
        vec![
            "integer",
            "per_day",
            "How many a day?",
            "",
            "${smoker} = 'yes'",
            ". > 0",
            "More than none",
            "",
            "",
        ],
        vec![
            "select_multiple fruit",
            "fruits",
            "Which fruit do you eat?",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "note",
            "apples_note",
            "Apples keep the doctor away.",
            "",
            "selected(${fruits}, 'apple') and not(${smoker} = 'yes')",
            "",
            "",
            "",
            "",
        ],
        vec!["geopoint", "where", "Where are you?", "", "", "", "", "", ""],
        vec!["end group", "", "", "", "", "", "", "", ""],
        vec!["calculate", "per_week", "", "", "", "", "", "", "${per_day} * 7"],
    ];
    let sheet = wb.add_worksheet().set_name("survey").unwrap();
    for (r, row) in survey.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    let choices = [
        ["list_name", "name", "label"],
        ["yes_no", "yes", "Yes"],
        ["yes_no", "no", "No"],
        ["fruit", "apple", "Apple"],
        ["fruit", "pear", "Pear"],
    ];
    let sheet = wb.add_worksheet().set_name("choices").unwrap();
    for (r, row) in choices.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let sheet = wb.add_worksheet().set_name("settings").unwrap();
    for (c, (k, v)) in [
        ("form_title", "Lifestyle"),
        ("form_id", "lifestyle"),
        ("version", "2024-1"),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *k).unwrap();
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let book = wb.save_to_buffer().unwrap();
    let (yaml, report) = quire::backend::read::xlsform::import(&book, "lifestyle.xlsx").unwrap();
    let compiled = quire::compile("lifestyle.yaml", &yaml);
    assert!(!compiled.has_errors(), "{yaml}");
    let m = compiled.model.unwrap();
    assert_eq!(m.survey.id, "lifestyle");
    let qs = crate::questions(&m, "respondent");
    let find = |id: &str| {
        qs.iter()
            .find(|q| q.id == id)
            .copied()
            .unwrap_or_else(|| panic!("{id} missing:\n{yaml}"))
    };
    assert_eq!(find("smoker").ask_if.as_ref().unwrap().source, "age >= 16");
    assert_eq!(find("per_day").ask_if.as_ref().unwrap().source, "smoker == 'yes'");
    assert_eq!(find("per_day").validations[0].check.source, "per_day > 0");
    assert!(find("age").required && find("age").hint.is_some());
    assert_eq!(m.derived("per_week").unwrap().value_type, "number");
    // The note's condition, in Quire's words.
    assert!(
        yaml.contains("selected(fruits, 'apple') and not (smoker == 'yes')")
            || yaml.contains("(selected(fruits, 'apple') and not (smoker == 'yes'))"),
        "{yaml}"
    );
    // What did not carry over is reported with its row, and left as a comment.
    assert!(
        report
            .iter()
            .any(|(row, what, _)| *row == 9 && what.contains("geopoint")),
        "{report:?}"
    );
    assert!(yaml.contains("# IMPORT: row 9: `where` of type `geopoint` left out"));
}

/// Rosters in ODK's own engine: the household schedule's XForm (repeats counted by the
/// household's size and by the conditions ticked, births added as the respondent adds them,
/// a choice among the people listed) given 300 simulated households row by row; every
/// question of every row is relevant exactly when `route()` asks it of that row, and the
/// household's aggregates (`count(person, age >= 18)`, `any(person, age < 5)`) are Quire's.
#[test]
fn odk_routes_households_row_by_row_as_quire_does() {
    use quire::eval::AnswerMap;
    use quire::model::{RowRoute, State};
    use std::collections::BTreeMap;
    let model = roster_model(ROSTER_SPECS[0]);
    let instrument = &model.instruments[0];
    let paths = quire::backend::xform::paths(&model, instrument);
    // `/data/h/person/birth/birth_year` in person 2's birth 1: `/data/h/person[2]/birth[1]/birth_year`.
    fn indexed(path: &str, rows: &[(String, usize)]) -> String {
        let mut p = path.to_string();
        for (roster, k) in rows.iter().rev() {
            if let Some(rest) = p.strip_prefix(&format!("{roster}/")) {
                p = format!("{roster}[{k}]/{rest}");
            } else if p == *roster {
                p = format!("{roster}[{k}]");
            }
        }
        p
    }
    struct Case<'a> {
        answers: Vec<serde_json::Value>,
        watch: Vec<String>,
        want: Vec<(String, bool, Option<String>)>,
        paths: &'a std::collections::HashMap<String, String>,
    }
    fn walk(
        model: &quire::model::Questionnaire,
        items: &[Item],
        env: &AnswerMap,
        states: &BTreeMap<String, State>,
        rows: &BTreeMap<String, Vec<RowRoute>>,
        stack: &mut Vec<(String, usize)>,
        case: &mut Case,
    ) {
        for item in items {
            match item {
                Item::Question(q) => {
                    for var in q.variable_names() {
                        let path = indexed(&case.paths[var], stack);
                        let value = env.values.get(var).and_then(|v| match v {
                            // A choice among rows: the rows' numbers.
                            quire::eval::Value::Selection(s) if q.row_choices.is_some() => Some(serde_json::json!(s)),
                            v => odk_value(model, var, v),
                        });
                        if let Some(v) = value {
                            case.answers.push(serde_json::json!([path, v]));
                        }
                        let asked = matches!(states.get(var), Some(State::Answered(_) | State::Missing));
                        case.watch.push(path.clone());
                        case.want.push((path, asked, None));
                    }
                }
                Item::Roster(r) => {
                    let routed = rows.get(&r.id).map(Vec::as_slice).unwrap_or_default();
                    let given = env.rows.get(&r.id).map(Vec::as_slice).unwrap_or_default();
                    let range = &case.paths[&r.id].clone();
                    if matches!(r.rows, quire::model::Rows::Open) && !routed.is_empty() {
                        case.answers
                            .push(serde_json::json!(["+", indexed(range, stack), routed.len()]));
                    }
                    for (k, row) in routed.iter().enumerate() {
                        let empty = AnswerMap::new(&env.audience);
                        stack.push((range.clone(), k + 1));
                        walk(
                            model,
                            &r.items,
                            given.get(k).unwrap_or(&empty),
                            &row.states,
                            &row.rows,
                            stack,
                            case,
                        );
                        stack.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    let (mut rows_seen, mut births) = (0, 0);
    for (id, raw) in quire::data::testing::synthetic_answers(&model, 300, 30) {
        let route = model.route(&raw.audience, &raw);
        let mut case = Case {
            answers: Vec::new(),
            watch: Vec::new(),
            want: Vec::new(),
            paths: &paths,
        };
        rows_seen += route.rows.get("person").map_or(0, Vec::len);
        births += route
            .rows
            .get("person")
            .into_iter()
            .flatten()
            .map(|p| p.rows.get("birth").map_or(0, Vec::len))
            .sum::<usize>();
        for s in &instrument.sections {
            walk(
                &model,
                &s.items,
                &raw,
                &route.states,
                &route.rows,
                &mut Vec::new(),
                &mut case,
            );
        }
        for d in &model.derived {
            let value = match route.states.get(&d.id) {
                Some(State::Answered(quire::eval::Value::Number(n))) => quire::expr::format_number(*n),
                Some(State::Answered(quire::eval::Value::Bool(b))) => if *b { "1" } else { "0" }.to_string(),
                _ => String::new(),
            };
            case.watch.push(paths[&d.id].clone());
            case.want.push((paths[&d.id].clone(), true, Some(value)));
        }
        cases.push(serde_json::json!({ "form": "household", "answers": case.answers, "watch": case.watch }));
        expected.push((id, case.want));
    }
    assert!(
        rows_seen > 600 && births > 50,
        "{rows_seen} people, {births} births: too few to prove"
    );
    let forms = serde_json::json!({ "household": quire::backend::xform::form(&model, instrument) });
    let seen = in_odk(&forms, cases, &expected);
    let (checked, skipped, mismatches) = (seen.checked, seen.routed_past, seen.mismatches);
    eprintln!(
        "odk households: {} households, {rows_seen} people, {births} births, {checked} relevances and values compared ({skipped} routed past)",
        expected.len()
    );
    assert!(skipped > 300, "routing inside rows was exercised: {skipped}");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} differ:\n{}",
        mismatches.len(),
        mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// A household XLSForm with nested repeats, written for this test after the structure of the
/// DHS Program's Model Household Questionnaire (DHS-8: the household schedule, then each
/// woman's births) as ODK and KoboToolbox teams write it (a `repeat_count` from the
/// household's size, an open repeat of births inside each member, `position(..)`,
/// `count()`, `sum()` and `indexed-repeat()` over the members). `quire import xlsform`
/// carries the repeats over as rosters, nested, with their counts and conditions, and the
/// spec checks clean.
#[test]
fn a_household_xlsform_with_nested_repeats_imports_as_rosters() {
    let survey: &[&[&str]] = &[
        &[
            "type",
            "name",
            "label",
            "relevant",
            "constraint",
            "repeat_count",
            "calculation",
        ],
        &["start", "start", "", "", "", "", ""],
        &["begin_group", "hh", "Household schedule", "", "", "", ""],
        &[
            "integer",
            "hh_size",
            "How many people usually live in this household?",
            "",
            ". >= 1 and . <= 20",
            "",
            "",
        ],
        &[
            "begin_repeat",
            "hh_member",
            "Household member",
            "",
            "",
            "${hh_size}",
            "",
        ],
        &["calculate", "member_pos", "", "", "", "", "position(..)"],
        &[
            "text",
            "member_name",
            "What is the name of person ${member_pos}?",
            "",
            "",
            "",
            "",
        ],
        &[
            "select_one sex",
            "member_sex",
            "Is ${member_name} male or female?",
            "",
            "",
            "",
            "",
        ],
        &[
            "integer",
            "member_age",
            "How old is ${member_name}?",
            "",
            ". >= 0 and . <= 110",
            "",
            "",
        ],
        &[
            "select_one yes_no",
            "member_school",
            "Does ${member_name} attend school?",
            "${member_age} >= 5 and ${member_age} <= 24",
            "",
            "",
            "",
        ],
        &[
            "begin_repeat",
            "birth",
            "Births to ${member_name}",
            "${member_sex} = 'female' and ${member_age} >= 15 and ${member_age} <= 49",
            "",
            "",
            "",
        ],
        &[
            "integer",
            "birth_year",
            "In what year was this child born?",
            "",
            ". >= 1970 and . <= 2026",
            "",
            "",
        ],
        &[
            "select_one yes_no",
            "birth_alive",
            "Is this child still alive?",
            "",
            "",
            "",
            "",
        ],
        &["end_repeat", "", "", "", "", "", ""],
        &["end_repeat", "", "", "", "", "", ""],
        &[
            "select_one yes_no",
            "hh_elderly",
            "Does anyone need help with daily activities?",
            "count(${hh_member}) > 1",
            "",
            "",
            "",
        ],
        &["end_group", "", "", "", "", "", ""],
        &["calculate", "total_age", "", "", "", "", "sum(${member_age})"],
        &[
            "calculate",
            "first_name",
            "",
            "",
            "",
            "",
            "indexed-repeat(${member_name}, ${hh_member}, 1)",
        ],
    ];
    let choices: &[&[&str]] = &[
        &["list_name", "name", "label"],
        &["sex", "male", "Male"],
        &["sex", "female", "Female"],
        &["yes_no", "yes", "Yes"],
        &["yes_no", "no", "No"],
    ];
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in [("survey", survey), ("choices", choices)] {
        let sheet = wb.add_worksheet().set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    sheet.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
    }
    let sheet = wb.add_worksheet().set_name("settings").unwrap();
    for (c, (k, v)) in [
        ("form_title", "Household schedule"),
        ("form_id", "dhs_household"),
        ("version", "8"),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *k).unwrap();
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let book = wb.save_to_buffer().unwrap();
    // pyxform accepts the workbook as written (it is a real XLSForm).
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("household.xlsx"), &book).unwrap();
    let (ok, log) = crate::run(tmp.path(), "xls2xform", &["household.xlsx", "household.xml"]);
    assert!(ok && log.contains("Conversion complete"), "{log}");
    let (yaml, report) = quire::backend::read::xlsform::import(&book, "household.xlsx").unwrap();
    let options = quire::Options {
        unbuilt_rosters: true,
        ..quire::backend::compile_options()
    };
    let compiled = quire::compile_with("household.yaml", &yaml, &options);
    assert!(!compiled.has_errors(), "{yaml}");
    let m = compiled.model.unwrap();
    let member = m
        .roster("hh_member")
        .unwrap_or_else(|| panic!("no member roster:\n{yaml}"));
    assert!(
        matches!(&member.rows, quire::model::Rows::Count { count } if count.source == "hh_size"),
        "{yaml}"
    );
    let birth = m.roster("birth").unwrap_or_else(|| panic!("no births roster:\n{yaml}"));
    assert!(matches!(birth.rows, quire::model::Rows::Open));
    assert!(
        member
            .items
            .iter()
            .any(|i| matches!(i, quire::model::Item::Roster(r) if r.id == "birth")),
        "births nest in the member's row:\n{yaml}"
    );
    assert_eq!(
        birth.ask_if.as_ref().unwrap().source,
        "member_sex == 'female' and member_age >= 15 and member_age <= 49",
        "{yaml}"
    );
    let school = m.any_question("member_school").unwrap();
    assert_eq!(
        school.ask_if.as_ref().unwrap().source,
        "member_age >= 5 and member_age <= 24"
    );
    // The row's number piped: `${member_pos}` (position(..)) is `${row}`.
    let name = m.any_question("member_name").unwrap();
    assert_eq!(
        name.text.plain(),
        "What is the name of person this row's number?",
        "{yaml}"
    );
    assert_eq!(
        m.any_question("hh_elderly").unwrap().ask_if.as_ref().unwrap().source,
        "count(hh_member) > 1"
    );
    let derived = |id: &str| match &m.derived(id).unwrap_or_else(|| panic!("{id}:\n{yaml}")).rule {
        quire::model::DerivedRule::Expr { expr } => expr.source.clone(),
        _ => String::new(),
    };
    assert_eq!(derived("total_age"), "sum(hh_member, member_age)");
    // `indexed-repeat(…, 1)` reads the first row, which Quire reads only through a question
    // that chooses a row: reported, and left out; nothing else is.
    assert!(m.derived("first_name").is_none());
    assert!(
        report.len() == 1 && report[0].1.contains("at(hh_member, 1, member_name)"),
        "{report:?}"
    );
}

/// Rosters in REDCap: each roster a repeating instrument (listed for REDCap's repeating
/// setup), each instrument's fields together as REDCap requires, a nested roster flattened
/// to its own instrument tied to its outer row; and for 200 simulated households every
/// field of every instance is shown by its branching logic exactly where `route()` asks it
/// of that row, but where the dictionary says REDCap cannot express the routing.
#[test]
fn redcap_repeating_instruments_route_each_row_as_quire_does() {
    use quire::model::State;
    use std::collections::HashMap;
    let model = roster_model(ROSTER_SPECS[0]);
    let outputs = quire::backend::redcap::render(&model).unwrap();
    let file = |name: &str| {
        outputs
            .files
            .iter()
            .find(|o| o.path == name)
            .map(|o| String::from_utf8(o.bytes.clone()).unwrap())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        file("respondent.repeating.csv"),
        "form_name,custom_form_label\nperson,[name]\nbirth,\ncondition,\nday,\n"
    );
    let csv_text = file("respondent.csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    // Each instrument's fields in one run.
    let mut runs: Vec<&str> = Vec::new();
    for r in &rows {
        if runs.last() != Some(&&r[1]) {
            assert!(!runs.contains(&&r[1]), "instrument {} split in the dictionary", &r[1]);
            runs.push(&r[1]);
        }
    }
    assert!(
        rows.iter()
            .any(|r| &r[0] == "birth_of" && &r[1] == "birth" && &r[12] == "y")
    );
    let lost = |r: &csv::StringRecord| r[17].contains("not expressible");
    // What REDCap holds for a record (or an instance), as the field's value.
    let text_of = |var: &str, v: &quire::eval::Value| -> String {
        let code = |value: &str| {
            model
                .choice_list_of(var)
                .and_then(|l| l.get(value))
                .map(|o| o.code.to_string())
                .unwrap_or_default()
        };
        match v {
            quire::eval::Value::Text(t) if model.choice_list_of(var).is_some() => code(t),
            quire::eval::Value::Text(t) => t.clone(),
            quire::eval::Value::Number(n) => quire::expr::format_number(*n),
            quire::eval::Value::Selection(s) => s.iter().map(|x| code(x)).collect::<Vec<_>>().join(" "),
            _ => String::new(),
        }
    };
    let (mut checked, mut hidden, mut instances) = (0, 0, 0);
    for (_, raw) in quire::data::testing::synthetic_answers(&model, 200, 35) {
        let route = model.route(&raw.audience, &raw);
        let mut values: HashMap<String, String> = HashMap::new();
        for (var, v) in &raw.values {
            values.insert(var.clone(), text_of(var, v));
        }
        for r in rows.iter().filter(|r| !lost(r)) {
            let form = &r[1];
            let Some(roster) = model.roster(form) else {
                // A field of the record.
                let Some(asked) = route.states.get(&r[0]) else { continue };
                let shown = r[11].is_empty() || redcap_eval(&r[11], &values).truth();
                assert_eq!(
                    shown,
                    matches!(asked, State::Answered(_) | State::Missing),
                    "{}: `{}`",
                    &r[0],
                    &r[11]
                );
                checked += 1;
                hidden += usize::from(!shown);
                continue;
            };
            // A field of a top-level roster, in each instance, with that row's answers.
            let (Some(routed), Some(given)) = (route.rows.get(&roster.id), raw.rows.get(&roster.id)) else {
                continue;
            };
            for (k, (row, answers)) in routed.iter().zip(given).enumerate() {
                let Some(asked) = row.states.get(&r[0]) else { continue };
                let mut here = values.clone();
                for (var, v) in &answers.values {
                    here.insert(var.clone(), text_of(var, v));
                }
                let shown = r[11].is_empty() || redcap_eval(&r[11], &here).truth();
                assert_eq!(
                    shown,
                    matches!(asked, State::Answered(_) | State::Missing),
                    "{} in row {} of {}: `{}`",
                    &r[0],
                    k + 1,
                    roster.id,
                    &r[11]
                );
                checked += 1;
                instances += 1;
                hidden += usize::from(!shown);
            }
        }
    }
    eprintln!("redcap rosters: {checked} fields' branching agree ({instances} in instances, {hidden} hidden)");
    assert!(instances > 2000 && hidden > 100, "{instances} {hidden}");
}

/// A REDCap records export of the household schedule, as REDCap writes one: each record's
/// line, then a line per instance of each repeating instrument (`redcap_repeat_instrument`,
/// `redcap_repeat_instance`), births on their own instrument naming their person
/// (`birth_of`). `quire import-data --from redcap` joins them back into the long layout:
/// `check-data` finds the 150 households clean, and each roster's table is the one Quire
/// encodes from the same answers.
#[test]
fn a_redcap_export_with_repeating_instruments_imports_as_the_long_layout() {
    use quire::eval::{AnswerMap, Value};
    let model = roster_model(ROSTER_SPECS[0]);
    let dictionary = quire::backend::redcap::dictionary(&model, &model.instruments[0]);
    let mut reader = csv::Reader::from_reader(dictionary.as_bytes());
    let fields: Vec<(String, String, String)> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[3] != "descriptive")
        .map(|r| (r[0].to_string(), r[1].to_string(), r[3].to_string()))
        .collect();
    let mut header = vec![
        "record_id".to_string(),
        "redcap_repeat_instrument".into(),
        "redcap_repeat_instance".into(),
    ];
    for (name, _, kind) in fields.iter().skip(1) {
        match model.any_question(name).filter(|_| kind == "checkbox") {
            Some(q) => header.extend(q.options.iter().map(|o| format!("{name}___{}", o.code))),
            None => header.push(name.clone()),
        }
    }
    let respondents = quire::data::testing::synthetic_answers(&model, 150, 36);
    let value_of = |var: &str, v: &Value| -> Vec<(String, String)> {
        let code = |value: &str| {
            model
                .choice_list_of(var)
                .and_then(|l| l.get(value))
                .map(|o| o.code.to_string())
                .unwrap_or_default()
        };
        let q = model.any_question(var);
        match v {
            Value::Selection(s) if q.is_some_and(|q| q.row_choices.is_some()) => vec![(var.to_string(), s.join(" "))],
            Value::Selection(s) => q
                .map(|q| {
                    q.options
                        .iter()
                        .map(|o| {
                            (
                                format!("{var}___{}", o.code),
                                if s.contains(&o.value) { "1" } else { "0" }.to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Value::Text(t) if model.choice_list_of(var).is_some() => vec![(var.to_string(), code(t))],
            Value::Text(t) => vec![(var.to_string(), t.clone())],
            Value::Number(n) => vec![(var.to_string(), quire::expr::format_number(*n))],
            _ => Vec::new(),
        }
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).unwrap();
    let line = |cells: Vec<(String, String)>| -> Vec<String> {
        header
            .iter()
            .map(|h| {
                cells
                    .iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let (mut people, mut births) = (0, 0);
    for (id, raw) in &respondents {
        let route = model.route(&raw.audience, raw);
        let answered = |states: &std::collections::BTreeMap<String, quire::model::State>, answers: &AnswerMap| {
            answers
                .values
                .iter()
                .filter(|(k, _)| matches!(states.get(*k), Some(quire::model::State::Answered(_))))
                .flat_map(|(k, v)| value_of(k, v))
                .collect::<Vec<_>>()
        };
        let mut cells = vec![("record_id".to_string(), id.clone())];
        cells.extend(answered(&route.states, raw));
        out.write_record(line(cells)).unwrap();
        let mut birth_instance = 0;
        for roster in ["person", "condition", "day"] {
            let (Some(routed), Some(given)) = (route.rows.get(roster), raw.rows.get(roster)) else {
                continue;
            };
            for (k, (row, answers)) in routed.iter().zip(given).enumerate() {
                let mut cells = vec![
                    ("record_id".to_string(), id.clone()),
                    ("redcap_repeat_instrument".to_string(), roster.to_string()),
                    ("redcap_repeat_instance".to_string(), (k + 1).to_string()),
                ];
                cells.extend(answered(&row.states, answers));
                out.write_record(line(cells)).unwrap();
                people += usize::from(roster == "person");
                let (Some(routed_births), Some(given_births)) = (row.rows.get("birth"), answers.rows.get("birth"))
                else {
                    continue;
                };
                for (b, a) in routed_births.iter().zip(given_births) {
                    birth_instance += 1;
                    births += 1;
                    let mut cells = vec![
                        ("record_id".to_string(), id.clone()),
                        ("redcap_repeat_instrument".to_string(), "birth".to_string()),
                        ("redcap_repeat_instance".to_string(), birth_instance.to_string()),
                        ("birth_of".to_string(), (k + 1).to_string()),
                    ];
                    cells.extend(answered(&b.states, a));
                    out.write_record(line(cells)).unwrap();
                }
            }
        }
    }
    assert!(people > 300 && births > 50, "{people} people, {births} births");
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("household.yaml");
    std::fs::copy(crate::root().join(ROSTER_SPECS[0]), &spec).unwrap();
    let export = tmp.path().join("redcap.csv");
    std::fs::write(&export, out.into_inner().unwrap()).unwrap();
    let args = ["--from", "redcap", export.to_str().unwrap()].map(String::from);
    imports_as_encoded(&model, &respondents, &spec, &args, |id| id.to_string());
}

/// `quire import-data SPEC ARGS… -o DIR` of an export of `respondents`, then `check-data`:
/// clean, and each roster's table Quire's own encoding of the same answers (each respondent
/// under the id the platform gives it, `key`). The folder of tables.
fn imports_as_encoded(
    model: &quire::model::Questionnaire,
    respondents: &[(String, quire::eval::AnswerMap)],
    spec: &std::path::Path,
    args: &[String],
    key: impl Fn(&str) -> String,
) {
    let tmp = spec.parent().unwrap();
    let dir = tmp.join("tables");
    let quire = env!("CARGO_BIN_EXE_quire");
    let mut command = vec!["import-data".to_string(), spec.display().to_string()];
    command.extend(args.iter().cloned());
    command.extend(["-o".to_string(), dir.display().to_string()]);
    let (ok, log) = crate::run(tmp, quire, &command);
    assert!(ok, "{log}");
    let (ok, log) = crate::run(
        tmp,
        quire,
        &["check-data", spec.to_str().unwrap(), dir.to_str().unwrap()],
    );
    assert!(
        ok && log.contains(&format!("{} rows, no problems", respondents.len())),
        "{log}"
    );
    let units = quire::data::units::units(model);
    let tables = quire::data::units::collect(
        respondents.iter().map(|(id, raw)| {
            let route = model.route(&raw.audience, raw);
            quire::data::units::encode(model, &units, &key(id), &raw.audience, &route, raw, &Default::default())
        }),
        &units,
    );
    for (u, lines) in units.iter().zip(&tables).skip(1) {
        let want = quire::data::to_csv(model, &u.columns, lines);
        let got = std::fs::read_to_string(dir.join(format!("{}.csv", u.name))).unwrap();
        assert_eq!(got, want, "{} differs", u.name);
    }
}

/// An ODK Central export of the household schedule, as Central writes one: the submissions'
/// file and a file per repeat, each line's `KEY` ending in its repeat and number
/// (`uuid:…/household/person[2]`), its `PARENT_KEY` the submission's (or, for a birth, its
/// person's). `quire import-data --from odk MAIN REPEATS…` joins them back into the long
/// layout: clean by `check-data`, each roster's table Quire's own encoding.
#[test]
fn an_odk_export_with_repeat_files_imports_as_the_long_layout() {
    use quire::eval::{AnswerMap, Value};
    use quire::model::{Item, State};
    let model = roster_model(ROSTER_SPECS[0]);
    let instrument = &model.instruments[0];
    let paths = quire::backend::xform::paths(&model, instrument);
    // A field's column as Central names it: its group path, joined by `-`.
    let column = |var: &str| paths[var].trim_start_matches("/data/").replace('/', "-");
    let value_of = |var: &str, v: &Value| -> Option<String> {
        let code = |value: &str| {
            model
                .choice_list_of(var)
                .and_then(|l| l.get(value))
                .map(|o| o.code.to_string())
        };
        Some(match v {
            Value::Selection(s) if model.any_question(var).is_some_and(|q| q.row_choices.is_some()) => s.join(" "),
            Value::Selection(s) => s.iter().filter_map(|x| code(x)).collect::<Vec<_>>().join(" "),
            Value::Text(t) if model.choice_list_of(var).is_some() => code(t)?,
            Value::Text(t) => t.clone(),
            Value::Number(n) => quire::expr::format_number(*n),
            _ => return None,
        })
    };
    // The questions of a list of items (a roster's own, not its inner rosters').
    fn own(items: &[Item]) -> Vec<&quire::model::Question> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Question(q) => Some(q),
                _ => None,
            })
            .collect()
    }
    let top: Vec<&quire::model::Question> = instrument.sections.iter().flat_map(|s| own(&s.items)).collect();
    let rosters = ["person", "condition", "day", "birth"];
    let mut files: std::collections::BTreeMap<&str, csv::Writer<Vec<u8>>> = std::collections::BTreeMap::new();
    let header = |qs: &[&quire::model::Question], main: bool| -> Vec<String> {
        let mut h: Vec<String> = qs.iter().map(|q| column(&q.id)).collect();
        h.extend(if main {
            vec!["KEY".to_string()]
        } else {
            vec!["PARENT_KEY".to_string(), "KEY".to_string()]
        });
        h
    };
    let mut main = csv::Writer::from_writer(Vec::new());
    main.write_record(header(&top, true)).unwrap();
    for r in rosters {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header(&own(&model.roster(r).unwrap().items), false))
            .unwrap();
        files.insert(r, w);
    }
    let line = |qs: &[&quire::model::Question],
                states: &std::collections::BTreeMap<String, State>,
                answers: &AnswerMap,
                keys: Vec<String>|
     -> Vec<String> {
        qs.iter()
            .map(|q| {
                answers
                    .values
                    .get(&q.id)
                    .filter(|_| matches!(states.get(&q.id), Some(State::Answered(_))))
                    .and_then(|v| value_of(&q.id, v))
                    .unwrap_or_default()
            })
            .chain(keys)
            .collect()
    };
    let respondents = quire::data::testing::synthetic_answers(&model, 150, 37);
    for (id, raw) in &respondents {
        let route = model.route(&raw.audience, raw);
        let key = format!("uuid:{id}");
        main.write_record(line(&top, &route.states, raw, vec![key.clone()]))
            .unwrap();
        for r in ["person", "condition", "day"] {
            let (Some(routed), Some(given)) = (route.rows.get(r), raw.rows.get(r)) else {
                continue;
            };
            let roster = model.roster(r).unwrap();
            let group = paths[r].trim_start_matches("/data/").to_string();
            for (k, (row, answers)) in routed.iter().zip(given).enumerate() {
                let own_key = format!("{key}/{group}[{}]", k + 1);
                let record = line(
                    &own(&roster.items),
                    &row.states,
                    answers,
                    vec![key.clone(), own_key.clone()],
                );
                files.get_mut(r).unwrap().write_record(record).unwrap();
                let (Some(b_routed), Some(b_given)) = (row.rows.get("birth"), answers.rows.get("birth")) else {
                    continue;
                };
                let births = model.roster("birth").unwrap();
                for (j, (b, a)) in b_routed.iter().zip(b_given).enumerate() {
                    let record = line(
                        &own(&births.items),
                        &b.states,
                        a,
                        vec![own_key.clone(), format!("{own_key}/birth[{}]", j + 1)],
                    );
                    files.get_mut("birth").unwrap().write_record(record).unwrap();
                }
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("household.yaml");
    std::fs::copy(crate::root().join(ROSTER_SPECS[0]), &spec).unwrap();
    let main_file = tmp.path().join("household.csv");
    std::fs::write(&main_file, main.into_inner().unwrap()).unwrap();
    let mut args = vec!["--from".to_string(), "odk".into(), main_file.display().to_string()];
    for (r, w) in files {
        let f = tmp.path().join(format!("household-{r}.csv"));
        std::fs::write(&f, w.into_inner().unwrap()).unwrap();
        args.push(f.display().to_string());
    }
    // The respondent's id is the submission's `KEY`.
    imports_as_encoded(&model, &respondents, &spec, &args, |id| format!("uuid:{id}"));
    let quire = env!("CARGO_BIN_EXE_quire");
    // A repeat line whose submission is not in the export is reported, never dropped.
    let stray = tmp.path().join("stray-person.csv");
    let person = std::fs::read_to_string(tmp.path().join("household-person.csv")).unwrap();
    let columns = person.lines().next().unwrap().split(',').count();
    std::fs::write(
        &stray,
        format!(
            "{person}{}uuid:nobody,uuid:nobody/household/person[1]\n",
            ",".repeat(columns - 2)
        ),
    )
    .unwrap();
    let (ok, log) = crate::run(
        tmp.path(),
        quire,
        &[
            "import-data",
            spec.to_str().unwrap(),
            "--from",
            "odk",
            main_file.to_str().unwrap(),
            stray.to_str().unwrap(),
            "-o",
            tmp.path().join("stray").to_str().unwrap(),
        ],
    );
    assert!(!ok && log.contains("not read") && log.contains("uuid:nobody"), "{log}");
    // Without the repeat files, the import says what it needs.
    let (ok, log) = crate::run(
        tmp.path(),
        quire,
        &[
            "import-data",
            spec.to_str().unwrap(),
            "--from",
            "odk",
            main_file.to_str().unwrap(),
            "-o",
            tmp.path().join("none").to_str().unwrap(),
        ],
    );
    assert!(!ok && log.contains("PARENT_KEY"), "{log}");
}

/// An XLSForm's repeats written wrong import without a panic, each mistake reported: a
/// `begin_repeat` never closed (closed at the form's end), an `end_repeat` with none open,
/// and repeats nested deeper than a spec may (the checker's `roster-too-deep`, commented).
#[test]
fn badly_formed_repeats_import_with_their_mistakes_reported() {
    let mut rows: Vec<Vec<String>> = vec![vec!["type".into(), "name".into(), "label".into()]];
    let row = |t: &str, n: &str, l: &str| vec![t.to_string(), n.to_string(), l.to_string()];
    rows.push(row("end_repeat", "", ""));
    rows.push(row("integer", "size", "How many?"));
    for depth in 0..8 {
        rows.push(row("begin_repeat", &format!("r{depth}"), &format!("Level {depth}")));
        rows.push(row("text", &format!("t{depth}"), "Name?"));
    }
    for _ in 0..3 {
        rows.push(row("end_repeat", "", ""));
    }
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet().set_name("survey").unwrap();
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    let book = wb.save_to_buffer().unwrap();
    let (yaml, report) = quire::backend::read::xlsform::import(&book, "bad.xlsx").unwrap();
    let said = |what: &str| report.iter().any(|(_, w, why)| w.contains(what) || why.contains(what));
    assert!(said("no repeat is open"), "{report:?}");
    assert!(said("no end_repeat"), "{report:?}");
    assert!(said("nested"), "{report:?}\n{yaml}");
    let options = quire::Options {
        unbuilt_rosters: true,
        ..quire::backend::compile_options()
    };
    assert!(!quire::compile_with("bad.yaml", &yaml, &options).has_errors(), "{yaml}");
}
