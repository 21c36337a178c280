//! One semantics for expressions: the form's JavaScript runtime and the Rust evaluator give
//! the same value for thousands of generated (expression, answers) pairs, run in Node.

use quire::eval::{self, AnswerMap, Value};
use quire::expr::{BinOp, Expr, ExprKind};
use serde_json::{Value as Json, json};

use crate::Rng;

const NAMES: [&str; 8] = ["n", "s", "c", "m", "d", "z", "t", "audience"];
const TEXTS: [&str; 16] = [
    "yes",
    "no",
    "unsure",
    "",
    "a",
    "é",
    "𝔘x",
    "2019-08-01",
    "2020-01-31",
    "2020-02-29",
    "2019-02-29",
    "SW1A 1AA",
    "12",
    "-3.5",
    "a\nb",
    "\u{a0}1",
];
/// Patterns as the checker leaves them (canonical), from designers' patterns that differ
/// between engines when not rewritten: `\d`, `\w`, `\s`, `.`, classes, non-ASCII literals.
const PATTERNS: [&str; 8] = [
    r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}",
    r"\d+",
    r"-?\d+(\.\d+)?",
    r"\w*",
    r"a.b|.*",
    r"[^\s]+",
    r"[é𝔘]x?",
    r"(ye|n)[so]?",
];

/// Functions generated, with the argument counts tried (ill-typed ones included: both
/// evaluators are total and must agree on them too).
const CALLS: [(&str, usize, usize); 19] = [
    ("answered", 1, 1),
    ("count", 1, 1),
    ("selected", 1, 2),
    ("sum", 1, 4),
    ("min", 1, 3),
    ("max", 1, 3),
    ("coalesce", 2, 3),
    ("if", 3, 3),
    ("today", 0, 0),
    ("years_between", 2, 2),
    ("days_between", 2, 2),
    ("length", 1, 1),
    ("substr", 3, 3),
    ("number", 1, 1),
    ("mod", 2, 2),
    ("unknown", 1, 2),
    ("score", 3, 3),
    ("matches", 2, 2),
    ("sum", 2, 2),
];

fn node(kind: ExprKind) -> Expr {
    Expr { kind, span: (0, 0) }
}

fn gen_expr(r: &mut Rng, depth: usize) -> Expr {
    let leaf = depth == 0 || r.below(3) == 0;
    if leaf {
        return match r.below(5) {
            0 => node(ExprKind::Number {
                value: [0.0, 1.0, 2.5, 18.0, -3.0, 0.1][r.below(6)],
            }),
            1 => node(ExprKind::String {
                value: TEXTS[r.below(TEXTS.len())].to_string(),
            }),
            2 => node(ExprKind::Bool { value: r.below(2) == 0 }),
            _ => node(ExprKind::Var {
                name: NAMES[r.below(NAMES.len())].to_string(),
            }),
        };
    }
    match r.below(10) {
        0 => node(ExprKind::Not {
            operand: Box::new(gen_expr(r, depth - 1)),
        }),
        1 => node(ExprKind::Neg {
            operand: Box::new(gen_expr(r, depth - 1)),
        }),
        2 => {
            let items = (0..r.below(3)).map(|_| gen_expr(r, 0)).collect();
            node(ExprKind::Binary {
                op: if r.below(2) == 0 { BinOp::In } else { BinOp::NotIn },
                left: Box::new(gen_expr(r, depth - 1)),
                right: Box::new(node(ExprKind::List { items })),
            })
        }
        3 | 4 => {
            let (f, lo, hi) = CALLS[r.below(CALLS.len())];
            let n = lo + r.below(hi - lo + 1);
            let mut args: Vec<Expr> = (0..n).map(|_| gen_expr(r, depth - 1)).collect();
            match f {
                // As lowered: score(q, [values…], [scores…]).
                "score" => {
                    let values = ["yes", "no", "unsure", "a"][..1 + r.below(4)]
                        .iter()
                        .map(|v| node(ExprKind::String { value: v.to_string() }))
                        .collect();
                    let scores = [0.0, 1.0, 2.5, -1.0][..1 + r.below(4)]
                        .iter()
                        .map(|v| node(ExprKind::Number { value: *v }))
                        .collect();
                    args[1] = node(ExprKind::List { items: values });
                    args[2] = node(ExprKind::List { items: scores });
                }
                "matches" => {
                    let p = PATTERNS[r.below(PATTERNS.len())];
                    args[1] = node(ExprKind::String {
                        value: quire::pattern::canonical(p).unwrap(),
                    });
                }
                _ => {}
            }
            node(ExprKind::Call {
                function: f.to_string(),
                args,
            })
        }
        _ => node(ExprKind::Binary {
            op: BinOp::ALL[r.below(BinOp::ALL.len())],
            left: Box::new(gen_expr(r, depth - 1)),
            right: Box::new(gen_expr(r, depth - 1)),
        }),
    }
}

fn gen_answers(r: &mut Rng) -> (AnswerMap, Json) {
    let audience = ["patient", "carer", "hcp"][r.below(3)];
    let mut a = AnswerMap::new(audience);
    let mut j = serde_json::Map::new();
    let mut put = |name: &str, v: Json, val: Value| {
        j.insert(name.to_string(), v);
        a.set(name, val);
    };
    if r.below(4) != 0 {
        let n = [0.0, 1.0, 18.0, 42.5, -3.0, 1e300][r.below(6)];
        put("n", json!(n), Value::Number(n));
    }
    if r.below(4) != 0 {
        let s = TEXTS[r.below(TEXTS.len())];
        put("s", json!(s), Value::Text(s.to_string()));
    }
    if r.below(4) != 0 {
        let c = ["yes", "no", "unsure"][r.below(3)];
        put("c", json!(c), Value::Text(c.to_string()));
    }
    if r.below(4) != 0 {
        let all = ["nurse", "gp", "yes"];
        let picked: Vec<String> = all.iter().filter(|_| r.below(2) == 0).map(|s| s.to_string()).collect();
        put("m", json!(picked), Value::Selection(picked.clone()));
    }
    if r.below(4) != 0 {
        let d = ["2019-08-01", "2019-12-31", "2020-01-31", "2020-02-29", "1960-03-01"][r.below(5)];
        put("d", json!(d), Value::Text(d.to_string()));
    }
    if r.below(4) != 0 {
        let t = TEXTS[r.below(TEXTS.len())];
        put("t", json!(t), Value::Text(t.to_string()));
    }
    let today = ["2021-02-28", "2020-02-29", "2019-08-01"][r.below(3)];
    let today = (r.below(5) != 0).then_some(today);
    a.today = today.map(str::to_string);
    (a, json!({ "audience": audience, "values": j, "today": today }))
}

/// Values tagged by kind, so a selection and a list literal stay apart in JSON.
fn tagged(v: &Value) -> Json {
    match v {
        Value::Null => json!({ "t": "null" }),
        Value::Bool(b) => json!({ "t": "bool", "v": b }),
        Value::Number(n) => json!({ "t": "number", "v": n }),
        Value::Text(s) => json!({ "t": "text", "v": s }),
        Value::Selection(s) => json!({ "t": "selection", "v": s }),
        Value::List(items) => json!({ "t": "list", "v": items.iter().map(tagged).collect::<Vec<_>>() }),
    }
}

const NODE_CHECK: &str = r#"
const Q = require(process.argv[1]);
const cases = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n").map(JSON.parse);
function tag(v) {
  if (v === null) return { t: "null" };
  if (typeof v === "boolean") return { t: "bool", v };
  if (typeof v === "number") return { t: "number", v };
  if (typeof v === "string") return { t: "text", v };
  if (Array.isArray(v)) return { t: "selection", v };
  return { t: "list", v: v.items.map(tag) };
}
let bad = 0;
for (const c of cases) {
  const env = {
    audience: c.answers.audience,
    value: (n) => (n in c.answers.values ? c.answers.values[n] : null),
    today: () => c.answers.today,
  };
  const got = JSON.stringify(tag(Q.evaluate(c.expr, env)));
  const want = JSON.stringify(c.expect);
  if (got !== want) { if (bad++ < 10) console.log("MISMATCH", c.text, JSON.stringify(c.answers), "rust", want, "js", got); }
}
console.log(`checked ${cases.length}, mismatches ${bad}`);
process.exit(bad ? 1 : 0);
"#;

#[test]
fn javascript_runtime_agrees_with_the_rust_evaluator() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    let cases = 12000;
    for _ in 0..cases {
        let e = gen_expr(&mut r, 4);
        let (answers, answers_json) = gen_answers(&mut r);
        let expect = tagged(&eval::eval(&e, &answers));
        lines.push_str(
            &json!({ "text": e.to_string(), "expr": e, "answers": answers_json, "expect": expect }).to_string(),
        );
        lines.push('\n');
    }
    let cases_path = tmp.path().join("cases.jsonl");
    std::fs::write(&cases_path, lines).unwrap();
    let runtime = crate::root().join("crates/quire-backends/src/templates/runtime.js");
    let (ok, text) = crate::run(
        tmp.path(),
        "node",
        &[
            "-e",
            NODE_CHECK,
            runtime.to_str().unwrap(),
            cases_path.to_str().unwrap(),
        ],
    );
    assert!(ok, "{text}");
    assert!(text.contains(&format!("checked {cases}, mismatches 0")), "{text}");
}

const NODE_RECORDS: &str = r#"
const Q = require(process.argv[1]);
const text = require("fs").readFileSync(process.argv[2], "utf8");
const forms = JSON.parse(text);
const cases = require("fs").readFileSync(process.argv[3], "utf8").trim().split("\n").map(JSON.parse);
let bad = 0, prefixes = 0;
for (const c of cases) {
  const form = forms[c.audience];
  const whole = Q.route(form, c.raw);
  const got = Q.encode(form, whole, c.raw, c.id);
  // A form shows its first pages routed alone (`unpack(form, k)`, `prefix`): each question
  // on them has the state the whole pass gives it, and nothing else has one.
  if (prefixes < 2000) {
    for (let k = 0; k < form.content.length; k++) {
      const part = Q.unpack(JSON.parse(text)[c.audience], k);
      const r = Q.route(part, c.raw, { prefix: true });
      const shown = part.items.filter((i) => i.item === "question").flatMap((i) => i.variables);
      const same = shown.every((v) => JSON.stringify(r.states[v]) === JSON.stringify(whole.states[v]));
      if (!same || Object.keys(r.states).length !== shown.length) { if (bad++ < 10) console.log("PREFIX", c.id, c.audience, k); }
      prefixes++;
    }
  }
  for (const k of Object.keys(c.record)) {
    if (JSON.stringify(got[k]) !== JSON.stringify(c.record[k])) {
      if (bad++ < 10) console.log("MISMATCH", c.id, c.audience, k, "rust", JSON.stringify(c.record[k]), "js", JSON.stringify(got[k]));
    }
  }
  if (Object.keys(got).length !== Object.keys(c.record).length) { bad++; console.log("COLUMNS", c.id, Object.keys(got).length, Object.keys(c.record).length); }
}
console.log(`checked ${cases.length}, first pages ${prefixes}, mismatches ${bad}`);
process.exit(bad ? 1 : 0);
"#;

/// The web form routes and encodes a respondent exactly as the compiler does: for synthetic
/// flagship answers (every audience, stale answers to routed-past questions included), the
/// record from the form's runtime equals `data::encode` on `Questionnaire::route`.
#[test]
fn form_records_agree_with_the_data_contract() {
    records_agree(&crate::flagship(), 300, 11, &[]);
}

/// Scores, totals and bands: for thousands of random answer sets (blanks and routed-past
/// items included) the form's record holds the totals and bands the compiler computes.
#[test]
fn form_scores_and_bands_agree_with_the_evaluator() {
    for (spec, totals) in [
        ("examples/k10.quire.yaml", &["k10_total", "k10_level"][..]),
        (
            "examples/epds.quire.yaml",
            &["epds_total", "epds_anxiety", "epds_result", "epds_self_harm"][..],
        ),
        (
            "examples/phq9.quire.yaml",
            &["phq9_total", "phq9_severity", "any_problem"][..],
        ),
    ] {
        let text = std::fs::read_to_string(crate::root().join(spec)).unwrap();
        let model = quire::compile(spec, &text).model.unwrap();
        records_agree(&model, 2000, 5, totals);
    }
}

/// Runs the form's runtime on `n` synthetic respondents and compares every cell of the record
/// with `data::encode`; each column of `known` must hold a real value for at least a tenth.
fn records_agree(model: &quire::model::Questionnaire, n: usize, seed: u64, known: &[&str]) {
    let cols = quire::data::columns(model);
    let forms: serde_json::Map<String, Json> = model
        .instruments
        .iter()
        .map(|i| {
            (
                i.audience.clone(),
                quire::backend::html::form_model(model, i, quire::backend::html::Edition::Production),
            )
        })
        .collect();
    let mut lines = String::new();
    let mut real: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let answers = quire::data::testing::synthetic_answers(model, n, seed);
    for (id, raw) in &answers {
        let route = model.route(&raw.audience, raw);
        for k in known {
            if matches!(route.states.get(*k), Some(quire::model::State::Answered(_))) {
                *real.entry(k).or_default() += 1;
            }
        }
        let cells = quire::data::encode(model, &cols, id, &raw.audience, &route, raw);
        let record: serde_json::Map<String, Json> = cols
            .iter()
            .zip(&cells)
            .map(|(c, cell)| {
                let text = cell.render(model.survey.missing_codes);
                let v = if c.kind.is_numeric() {
                    serde_json::from_str(&text).unwrap()
                } else {
                    Json::String(text)
                };
                (c.name.clone(), v)
            })
            .collect();
        let raw_json: serde_json::Map<String, Json> = raw
            .values
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap()))
            .collect();
        lines.push_str(&json!({ "id": id, "audience": raw.audience, "raw": raw_json, "record": record }).to_string());
        lines.push('\n');
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("forms.json"), serde_json::to_string(&forms).unwrap()).unwrap();
    std::fs::write(tmp.path().join("cases.jsonl"), lines).unwrap();
    let runtime = crate::root().join("crates/quire-backends/src/templates/runtime.js");
    let (ok, text) = crate::run(
        tmp.path(),
        "node",
        &[
            "-e",
            NODE_RECORDS,
            runtime.to_str().unwrap(),
            "forms.json",
            "cases.jsonl",
        ],
    );
    assert!(
        ok && text.contains(&format!("checked {n}, first pages "))
            && text.contains(", mismatches 0")
            && !text.contains("first pages 0,"),
        "{text}"
    );
    for k in known {
        let got = real.get(k).copied().unwrap_or(0);
        assert!(
            got * 10 >= n,
            "{}: `{k}` has a value for only {got} of {n}",
            model.survey.id
        );
    }
}

const NODE_PATTERNS: &str = r#"
const cases = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
let bad = 0;
for (const c of cases) {
  let re;
  try { re = new RegExp("^(?:" + c.pattern + ")$", "u"); } catch (e) { bad++; console.log("REFUSED", c.pattern, e.message); continue; }
  c.texts.forEach((t, i) => {
    if (re.test(t) !== c.rust[i]) { if (bad++ < 10) console.log("MISMATCH", c.pattern, JSON.stringify(t), "rust", c.rust[i]); }
  });
}
console.log(`checked ${cases.length}, mismatches ${bad}`);
process.exit(bad ? 1 : 0);
"#;

/// Patterns mean the same in Rust's regex and the browser's RegExp: thousands of random
/// patterns from the subset's pieces (and outside it), canonicalised by the checker, compile
/// in JavaScript and match exactly the texts Rust matches, Unicode and line breaks included.
#[test]
fn patterns_match_alike_in_rust_and_javascript() {
    const PIECES: [&str; 40] = [
        "a", "b", "Z", "0", "9", "é", "𝔘", " ", "-", ".", "\\d", "\\w", "\\s", "\\D", "\\W", "\\S", "[a-c]", "[^0-9]",
        "[\\w-]", "[A-Z0-9]", "(", ")", "(?:", "|", "*", "+", "?", "{2}", "{1,3}", "{2,}", "\\.", "\\-", "\\n",
        "[é-ü]", "\\u{e9}", "^", "$", "(?i)", "\\b", "[&&]",
    ];
    const TEXTS: [&str; 16] = [
        "", "a", "ab", "abc", "aaa", "Z9", "0", "123", "é", "𝔘", " ", "a b", "a\nb", "\u{a0}", "-", "a.b",
    ];
    let mut r = Rng(0x1234_5678_9abc_def1);
    let (mut lines, mut accepted, mut refused) = (String::new(), 0, 0);
    for _ in 0..4000 {
        let p: String = (0..1 + r.below(6)).map(|_| PIECES[r.below(PIECES.len())]).collect();
        let Ok(c) = quire::pattern::canonical(&p) else {
            refused += 1;
            continue;
        };
        assert_eq!(
            quire::pattern::canonical(&c).as_deref(),
            Ok(c.as_str()),
            "{p:?} is not idempotent"
        );
        accepted += 1;
        let rust: Vec<bool> = TEXTS.iter().map(|t| quire::pattern::is_match(&c, t)).collect();
        lines.push_str(&json!({ "pattern": c, "texts": TEXTS, "rust": rust }).to_string());
        lines.push('\n');
    }
    eprintln!(
        "patterns: {accepted} accepted and compared on {} texts, {refused} refused",
        TEXTS.len()
    );
    assert!(
        accepted > 1000 && refused > 500,
        "accepted {accepted}, refused {refused}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("patterns.jsonl");
    std::fs::write(&path, lines).unwrap();
    let (ok, text) = crate::run(tmp.path(), "node", &["-e", NODE_PATTERNS, path.to_str().unwrap()]);
    assert!(
        ok && text.contains(&format!("checked {accepted}, mismatches 0")),
        "{text}"
    );
}

/// Random answers with a roster's rows for the differential test over rows: `n`, `c` for the
/// respondent; rows of `p` (`pa` a number, `ps` a choice), each with rows of `b` (`ba`); some
/// answers unknown (asked and not answered), as routing marks them.
fn gen_household(r: &mut Rng) -> (AnswerMap, Json) {
    fn row(r: &mut Rng, depth: usize) -> (AnswerMap, Json) {
        let mut a = AnswerMap::new("patient");
        let (mut values, mut unknown) = (serde_json::Map::new(), Vec::new());
        let (num, text) = if depth == 0 { ("pa", "ps") } else { ("ba", "bs") };
        match r.below(5) {
            0 => unknown.push(num),
            1 => {}
            _ => {
                let n = [0.0, 3.0, 17.0, 18.0, 40.5, 90.0][r.below(6)];
                a.set(num, Value::Number(n));
                values.insert(num.into(), json!(n));
            }
        }
        match r.below(4) {
            0 => unknown.push(text),
            1 => {}
            _ => {
                let s = ["yes", "no"][r.below(2)];
                a.set(text, Value::Text(s.into()));
                values.insert(text.into(), json!(s));
            }
        }
        for u in &unknown {
            a.unknown.insert(u.to_string());
        }
        let mut j = json!({ "values": values, "unknown": unknown });
        if depth == 0 {
            let births: Vec<(AnswerMap, Json)> = (0..r.below(3)).map(|_| row(r, 1)).collect();
            j["rows"] = json!({ "b": births.iter().map(|(_, j)| j.clone()).collect::<Vec<_>>() });
            // A row with no births still has the roster (its rows: none), as routing gives it.
            a.rows.entry("b".into()).or_default();
            for (b, _) in births {
                a.push_row("b", b);
            }
        }
        (a, j)
    }
    let mut a = AnswerMap::new("patient");
    let mut values = serde_json::Map::new();
    let mut unknown = Vec::new();
    match r.below(4) {
        0 => unknown.push("n"),
        1 => {}
        _ => {
            let n = [1.0, 2.0, 3.0, 18.0, 2.5, 9.0][r.below(6)];
            a.set("n", Value::Number(n));
            values.insert("n".into(), json!(n));
        }
    }
    if r.below(3) != 0 {
        let c = ["yes", "no"][r.below(2)];
        a.set("c", Value::Text(c.into()));
        values.insert("c".into(), json!(c));
    }
    for u in &unknown {
        a.unknown.insert(u.to_string());
    }
    let people: Vec<(AnswerMap, Json)> = (0..r.below(5)).map(|_| row(r, 0)).collect();
    let j = json!({
        "audience": "patient",
        "values": values,
        "unknown": unknown,
        "rows": { "p": people.iter().map(|(_, j)| j.clone()).collect::<Vec<_>>() },
    });
    a.rows.entry("p".into()).or_default();
    for (p, _) in people {
        a.push_row("p", p);
    }
    (a, j)
}

const NODE_ROWS: &str = r#"
const Q = require(process.argv[1]);
const cases = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n").map(JSON.parse);
function tag(v) {
  if (v === null || v === undefined) return { t: "null" };
  if (v && v.unknown === true) return { t: "unknown" };
  if (typeof v === "boolean") return { t: "bool", v };
  if (typeof v === "number") return { t: "number", v };
  if (typeof v === "string") return { t: "text", v };
  if (Array.isArray(v)) return { t: "selection", v };
  return { t: "list", v: v.items.map(tag) };
}
// Answers as eval.rs's AnswerMap holds them, as an env; in a row, its own answers first,
// then those around it (eval.rs, RowView).
function answersEnv(a, around, number) {
  const values = a.values || {};
  const env = {
    audience: around ? around.audience : a.audience,
    today: () => (around ? around.today() : a.today || null),
    value: (n) => (n in values ? values[n] : around ? around.value(n) : null),
    partial: (n) => (n in values ? values[n] : (a.unknown || []).includes(n) ? Q.UNKNOWN : around ? around.partial(n) : null),
    rows: (r) => (a.rows && r in a.rows ? a.rows[r].map((x, i) => answersEnv(x, env, i + 1)) : around ? around.rows(r) : null),
    row: () => number || null,
  };
  return env;
}
let bad = 0;
for (const c of cases) {
  const env = answersEnv(c.answers);
  for (const [kind, got, want] of [
    ["value", tag(Q.evaluate(c.expr, env)), c.value],
    ["partial", tag(Q.partial(c.expr, env)), c.partial],
  ]) {
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      if (bad++ < 10) console.log("MISMATCH", kind, c.text, JSON.stringify(c.answers), "rust", JSON.stringify(want), "js", JSON.stringify(got));
    }
  }
}
console.log(`checked ${cases.length}, mismatches ${bad}`);
process.exit(bad ? 1 : 0);
"#;

/// One semantics over rows: the form's runtime gives every function over a roster's rows
/// (`count`, `any`, `all`, `sum`, `min`, `max`, `at`, `row()`, nested rosters, conditions
/// reading the row and the respondent) the Rust evaluator's value, and its three-valued
/// value when answers are unknown, for 4,000 generated households.
#[test]
fn javascript_runtime_reads_rows_as_the_rust_evaluator() {
    const EXPRESSIONS: [&str; 24] = [
        "count(p)",
        "count(p, ps == 'yes')",
        "any(p, pa > 18)",
        "all(p, answered(pa))",
        "sum(p, pa)",
        "min(p, pa)",
        "max(p, pa) >= n",
        "at(p, n, pa)",
        "at(p, n, ps) == 'no'",
        "count(p, count(b) > 1)",
        "any(p, any(b, ba > pa))",
        "sum(p, sum(b, ba))",
        "any(p, row() > 1 and ps == 'yes')",
        "all(p, pa >= n or not answered(ps))",
        "count(p) > 2 or c == 'yes'",
        "row()",
        "count(p, at(b, 1, ba) > 3)",
        "max(p, count(b))",
        "sum(p, pa) + count(p) * 2",
        "not any(p, ps == 'no')",
        "if(count(p) > 1, sum(p, pa), min(p, pa))",
        "min(p, pa + n) < 20",
        "all(p, all(b, bs == ps))",
        "count(p, row() == n)",
    ];
    let parsed: Vec<Expr> = EXPRESSIONS
        .iter()
        .map(|t| quire::expr::parse(t).unwrap_or_else(|e| panic!("{t}: {e:?}")))
        .collect();
    let mut r = Rng(0x0000_ddb1_a5e5);
    let mut lines = String::new();
    let cases = 4000;
    let (mut unknowns, mut values) = (0, 0);
    for k in 0..cases {
        let e = &parsed[k % parsed.len()];
        let (answers, answers_json) = gen_household(&mut r);
        let value = tagged(&eval::eval(e, &answers));
        let partial = match eval::partial(e, &answers) {
            Some(v) => tagged(&v),
            None => json!({ "t": "unknown" }),
        };
        unknowns += usize::from(partial["t"] == "unknown");
        values += usize::from(value["t"] != "null");
        lines.push_str(
            &json!({ "text": e.to_string(), "expr": e, "answers": answers_json, "value": value, "partial": partial })
                .to_string(),
        );
        lines.push('\n');
    }
    // Not vacuous: values and unknowns both common.
    assert!(
        unknowns > 400 && values > 2000,
        "{unknowns} unknown, {values} with a value"
    );
    let tmp = tempfile::tempdir().unwrap();
    let cases_path = tmp.path().join("rows.jsonl");
    std::fs::write(&cases_path, lines).unwrap();
    let runtime = crate::root().join("crates/quire-backends/src/templates/runtime.js");
    let (ok, text) = crate::run(
        tmp.path(),
        "node",
        &["-e", NODE_ROWS, runtime.to_str().unwrap(), cases_path.to_str().unwrap()],
    );
    assert!(ok, "{text}");
    assert!(text.contains(&format!("checked {cases}, mismatches 0")), "{text}");
}
