//! One semantics for expressions: the form's JavaScript runtime and the Rust evaluator give
//! the same value for thousands of generated (expression, answers) pairs, run in Node.

use quire::eval::{self, AnswerMap, Value};
use quire::expr::{BinOp, Expr, ExprKind};
use serde_json::{Value as Json, json};

use crate::Rng;

const NAMES: [&str; 7] = ["n", "s", "c", "m", "d", "z", "audience"];
const TEXTS: [&str; 9] = ["yes", "no", "unsure", "", "a", "é", "𝔘x", "2019-08-01", "2020-01-31"];

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
    match r.below(9) {
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
        3 => {
            let f = ["answered", "count", "selected", "unknown"][r.below(4)];
            let args = (0..1 + r.below(2)).map(|_| gen_expr(r, depth - 1)).collect();
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
        let d = ["2019-08-01", "2019-12-31", "2020-01-31"][r.below(3)];
        put("d", json!(d), Value::Text(d.to_string()));
    }
    (a, json!({ "audience": audience, "values": j }))
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
  const env = { audience: c.answers.audience, value: (n) => (n in c.answers.values ? c.answers.values[n] : null) };
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
    let cases = 6000;
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
const forms = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const cases = require("fs").readFileSync(process.argv[3], "utf8").trim().split("\n").map(JSON.parse);
let bad = 0;
for (const c of cases) {
  const form = forms[c.audience];
  const got = Q.encode(form, Q.route(form, c.raw), c.raw, c.id);
  for (const k of Object.keys(c.record)) {
    if (JSON.stringify(got[k]) !== JSON.stringify(c.record[k])) {
      if (bad++ < 10) console.log("MISMATCH", c.id, c.audience, k, "rust", JSON.stringify(c.record[k]), "js", JSON.stringify(got[k]));
    }
  }
  if (Object.keys(got).length !== Object.keys(c.record).length) { bad++; console.log("COLUMNS", c.id, Object.keys(got).length, Object.keys(c.record).length); }
}
console.log(`checked ${cases.length}, mismatches ${bad}`);
process.exit(bad ? 1 : 0);
"#;

/// The web form routes and encodes a respondent exactly as the compiler does: for synthetic
/// flagship answers (every audience, stale answers to routed-past questions included), the
/// record from the form's runtime equals `data::encode` on `Questionnaire::route`.
#[test]
fn form_records_agree_with_the_data_contract() {
    let model = crate::flagship();
    let cols = quire::data::columns(&model);
    let forms: serde_json::Map<String, Json> = model
        .instruments
        .iter()
        .map(|i| {
            (
                i.audience.clone(),
                quire::backend::html::form_model(&model, i, quire::backend::html::Edition::Production),
            )
        })
        .collect();
    let mut lines = String::new();
    let answers = quire::data::synthetic_answers(&model, 300, 11);
    for (id, raw) in &answers {
        let route = model.route(&raw.audience, raw);
        let cells = quire::data::encode(&model, &cols, id, &raw.audience, &route, raw);
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
    assert!(ok && text.contains("checked 300, mismatches 0"), "{text}");
}
