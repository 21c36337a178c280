//! The model in, analysis schemas out: a Frictionless Data Package (with routing checks),
//! a JSON Schema for one response record, Stata, SPSS and R syntax, and SQL DDL. All follow
//! the data contract of [`crate::data`]; text from the spec is escaped for each language.

use serde_json::{Value as Json, json};

use super::File;
use crate::data::{self, Column, ColumnKind};
use crate::expr::{BinOp, Expr, ExprKind, format_number};
use crate::model::{QuestionType, Questionnaire};

/// Every schema file.
pub fn render(model: &Questionnaire) -> Vec<File> {
    let cols = data::columns(model);
    let pretty = |v: &Json| {
        let mut b = serde_json::to_vec_pretty(v).unwrap_or_default();
        b.push(b'\n');
        b
    };
    vec![
        ("datapackage.json".into(), pretty(&datapackage(model, &cols))),
        ("checklist.json".into(), pretty(&checklist(model, &cols))),
        ("response.schema.json".into(), pretty(&json_schema(model, &cols))),
        (format!("{}.do", model.survey.id), stata(model, &cols).into_bytes()),
        (format!("{}.sps", model.survey.id), spss(model, &cols).into_bytes()),
        (format!("{}.R", model.survey.id), r_script(model, &cols).into_bytes()),
        (format!("{}.sql", model.survey.id), sql(model, &cols).into_bytes()),
    ]
}

/// Value labels of a column: (code, label), without the missing codes.
fn value_labels(model: &Questionnaire, c: &Column) -> Vec<(i64, String)> {
    match &c.kind {
        ColumnKind::Code { list } => model
            .choice_list(list)
            .map(|l| {
                l.options
                    .iter()
                    .map(|o| (o.code, o.label.first().map(|w| w.text.plain()).unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default(),
        ColumnKind::Flag { .. } => vec![(1, "Ticked".into()), (0, "Not ticked".into())],
        ColumnKind::Boolean => vec![(1, "True".into()), (0, "False".into())],
        _ => Vec::new(),
    }
}

fn question_of<'m>(model: &'m Questionnaire, c: &Column) -> Option<&'m crate::model::Question> {
    model.question(&c.variable)
}

fn wording(model: &Questionnaire, c: &Column) -> String {
    model
        .variables
        .iter()
        .find(|v| v.name == c.variable)
        .map(|v| v.wording.iter().map(|w| w.text.plain()).collect::<Vec<_>>().join(" / "))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Frictionless.

pub fn datapackage(model: &Questionnaire, cols: &[Column]) -> Json {
    let codes = model.survey.missing_codes;
    let fields: Vec<Json> = cols
        .iter()
        .map(|c| {
            let mut f = json!({ "name": c.name, "title": c.label });
            let desc = wording(model, c);
            if !desc.is_empty() {
                f["description"] = json!(desc);
            }
            let labels = value_labels(model, c);
            match &c.kind {
                ColumnKind::RespondentId => {
                    f["type"] = json!("string");
                    f["constraints"] = json!({ "required": true, "unique": true });
                }
                ColumnKind::Audience => {
                    f["type"] = json!("string");
                    f["categories"] = json!(
                        model
                            .audiences
                            .iter()
                            .map(|a| json!({"value": a.id, "label": a.label}))
                            .collect::<Vec<_>>()
                    );
                    f["constraints"] =
                        json!({ "required": true, "enum": model.audiences.iter().map(|a| &a.id).collect::<Vec<_>>() });
                }
                ColumnKind::SpecVersion => {
                    f["type"] = json!("string");
                    f["constraints"] = json!({ "required": true });
                }
                ColumnKind::Code { .. } | ColumnKind::Flag { .. } | ColumnKind::Boolean => {
                    f["type"] = json!("integer");
                    f["categories"] = json!(
                        labels
                            .iter()
                            .map(|(v, l)| json!({"value": v, "label": l}))
                            .collect::<Vec<_>>()
                    );
                    f["constraints"] = json!({ "enum": labels.iter().map(|(v, _)| v).collect::<Vec<_>>() });
                }
                ColumnKind::Integer | ColumnKind::Number => {
                    f["type"] = json!(if c.kind == ColumnKind::Integer {
                        "integer"
                    } else {
                        "number"
                    });
                    let mut cons = serde_json::Map::new();
                    if let Some(q) = question_of(model, c) {
                        if let Some(m) = q.min {
                            cons.insert("minimum".into(), json!(m));
                        }
                        if let Some(m) = q.max {
                            cons.insert("maximum".into(), json!(m));
                        }
                    }
                    if !cons.is_empty() {
                        f["constraints"] = Json::Object(cons);
                    }
                }
                ColumnKind::Date => f["type"] = json!("date"),
                ColumnKind::Text | ColumnKind::WriteIn { .. } => {
                    f["type"] = json!("string");
                    if let Some(n) = question_of(model, c)
                        .and_then(|q| q.max_length)
                        .filter(|_| c.kind == ColumnKind::Text)
                    {
                        f["constraints"] = json!({ "maxLength": n });
                    }
                }
            }
            f
        })
        .collect();
    json!({
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": model.survey.id.replace('_', "-"),
        "title": model.survey.title.plain(),
        "version": model.survey.version,
        "description": model.survey.description.as_ref().map(|d| d.plain()).unwrap_or_default(),
        "resources": [{
            "$schema": "https://datapackage.org/profiles/2.0/dataresource.json",
            "name": "responses",
            "path": "responses.csv",
            "type": "table",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
                "fields": fields,
                "primaryKey": ["respondent_id"],
                "missingValues": [
                    { "value": codes.not_applicable.to_string(), "label": "Not applicable (routed past, or not asked of this group)" },
                    { "value": codes.missing.to_string(), "label": "Missing (asked, not answered)" }
                ]
            }
        }]
    })
}

/// Frictionless checks that hold the data to the routing: a column whose universe excludes a
/// respondent must be empty (a missing code) for them. `frictionless validate datapackage.json
/// --checklist "$(cat checklist.json)"`.
pub fn checklist(model: &Questionnaire, cols: &[Column]) -> Json {
    let mut checks = Vec::new();
    for c in cols {
        let Some(v) = model.variables.iter().find(|v| v.name == c.variable) else {
            continue;
        };
        let mut parts = Vec::new();
        for u in &v.universe {
            let aud = u
                .audiences
                .iter()
                .map(|a| format!("audience == {}", py_str(a)))
                .collect::<Vec<_>>()
                .join(" or ");
            match &u.condition {
                None => continue,
                Some(cond) => parts.push(format!("(not ({aud}) or ({}))", py_formula(model, &cond.expr))),
            }
        }
        if parts.is_empty() {
            continue;
        }
        checks.push(
            json!({ "type": "row-constraint", "formula": format!("{} == None or ({})", c.name, parts.join(" and ")) }),
        );
    }
    json!({ "checks": checks })
}

fn py_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A condition as a Python (simpleeval) formula over the record's columns, where missing
/// codes read as `None`: the same rules as the evaluator (comparisons with null are false,
/// `!=` and `not in` are their negations).
fn py_formula(model: &Questionnaire, e: &Expr) -> String {
    let f = |x: &Expr| py_formula(model, x);
    match &e.kind {
        ExprKind::Binary {
            op: BinOp::And,
            left,
            right,
        } => format!("({} and {})", f(left), f(right)),
        ExprKind::Binary {
            op: BinOp::Or,
            left,
            right,
        } => format!("({} or {})", f(left), f(right)),
        ExprKind::Not { operand } => format!("(not {})", f(operand)),
        ExprKind::Bool { value } => if *value { "True" } else { "False" }.into(),
        ExprKind::Binary { op, left, right } => match (&left.kind, &right.kind) {
            (ExprKind::Var { name }, _)
                if matches!(
                    right.kind,
                    ExprKind::String { .. } | ExprKind::Number { .. } | ExprKind::List { .. }
                ) =>
            {
                let vals = lit_codes(model, name, right);
                let is = match op {
                    BinOp::Eq | BinOp::In | BinOp::Ne | BinOp::NotIn => format!("({name} in [{}])", vals.join(", ")),
                    BinOp::Lt => format!("({name} != None and {name} < {})", vals.join("")),
                    BinOp::Le => format!("({name} != None and {name} <= {})", vals.join("")),
                    BinOp::Gt => format!("({name} != None and {name} > {})", vals.join("")),
                    _ => format!("({name} != None and {name} >= {})", vals.join("")),
                };
                if matches!(op, BinOp::Ne | BinOp::NotIn) {
                    format!("(not {is})")
                } else {
                    is
                }
            }
            _ => "True".into(),
        },
        ExprKind::Call { function, args } => match (function.as_str(), args.as_slice()) {
            ("answered", [q]) => answered_formula(model, q),
            ("selected", [q, v]) => {
                let (ExprKind::Var { name }, ExprKind::String { value }) = (&q.kind, &v.kind) else {
                    return "True".into();
                };
                match multi_code(model, name, value) {
                    Some(col) => format!("({col} == 1)"),
                    None => format!("({name} in [{}])", lit_codes(model, name, v).join(", ")),
                }
            }
            _ => "True".into(),
        },
        _ => "True".into(),
    }
}

fn answered_formula(model: &Questionnaire, q: &Expr) -> String {
    let ExprKind::Var { name } = &q.kind else {
        return "True".into();
    };
    let cols = option_columns(model, name);
    if cols.is_empty() {
        format!("({name} != None)")
    } else {
        format!(
            "({})",
            cols.iter()
                .map(|c| format!("{c} == 1"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}

/// The 0/1 columns of a multiple-choice question (empty for any other variable).
fn option_columns(model: &Questionnaire, name: &str) -> Vec<String> {
    model
        .variables
        .iter()
        .find(|v| v.name == name && v.kind == QuestionType::Multiple)
        .and_then(|v| model.choice_list(v.choice_list.as_ref()?))
        .map(|l| l.options.iter().map(|o| data::option_column(name, o.code)).collect())
        .unwrap_or_default()
}

fn multi_code(model: &Questionnaire, name: &str, value: &str) -> Option<String> {
    let v = model.variables.iter().find(|v| v.name == name)?;
    if v.kind != QuestionType::Multiple {
        return None;
    }
    let code = model.choice_list(v.choice_list.as_ref()?)?.get(value)?.code;
    Some(data::option_column(name, code))
}

/// The codes (or literal values) a literal stands for at a variable.
fn lit_codes(model: &Questionnaire, name: &str, lit: &Expr) -> Vec<String> {
    let list = model
        .variables
        .iter()
        .find(|v| v.name == name)
        .and_then(|v| v.choice_list.as_ref())
        .and_then(|l| model.choice_list(l));
    let items: Vec<&Expr> = match &lit.kind {
        ExprKind::List { items } => items.iter().collect(),
        _ => vec![lit],
    };
    items
        .iter()
        .map(|i| match (&i.kind, list) {
            (ExprKind::String { value }, Some(l)) => l
                .get(value)
                .map(|o| o.code.to_string())
                .unwrap_or_else(|| py_str(value)),
            (ExprKind::String { value }, None) => py_str(value),
            (ExprKind::Number { value }, _) => format_number(*value),
            _ => i.to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON Schema for one record.

pub fn json_schema(model: &Questionnaire, cols: &[Column]) -> Json {
    let codes = model.survey.missing_codes;
    let missing = json!([codes.not_applicable, codes.missing]);
    let missing_text = json!([codes.not_applicable.to_string(), codes.missing.to_string()]);
    let mut props = serde_json::Map::new();
    for c in cols {
        let labels = value_labels(model, c);
        let schema = match &c.kind {
            ColumnKind::RespondentId | ColumnKind::SpecVersion => json!({ "type": "string", "minLength": 1 }),
            ColumnKind::Audience => json!({ "enum": model.audiences.iter().map(|a| &a.id).collect::<Vec<_>>() }),
            ColumnKind::Code { .. } | ColumnKind::Flag { .. } | ColumnKind::Boolean => {
                let mut allowed: Vec<i64> = labels.iter().map(|(v, _)| *v).collect();
                allowed.extend([codes.not_applicable, codes.missing]);
                json!({ "enum": allowed })
            }
            ColumnKind::Integer | ColumnKind::Number => {
                let mut range = json!({ "type": if c.kind == ColumnKind::Integer { "integer" } else { "number" } });
                if let Some(q) = question_of(model, c) {
                    if let Some(m) = q.min {
                        range["minimum"] = json!(m);
                    }
                    if let Some(m) = q.max {
                        range["maximum"] = json!(m);
                    }
                }
                json!({ "anyOf": [range, { "enum": missing }] })
            }
            ColumnKind::Date => {
                json!({ "anyOf": [{ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" }, { "enum": missing_text }] })
            }
            ColumnKind::Text | ColumnKind::WriteIn { .. } => json!({ "type": "string" }),
        };
        let mut schema = schema;
        schema["title"] = json!(c.label);
        props.insert(c.name.clone(), schema);
    }
    // Routing: when a column's universe does not hold, it must be absent or not applicable.
    let mut rules = Vec::new();
    for c in cols {
        let Some(v) = model.variables.iter().find(|v| v.name == c.variable) else {
            continue;
        };
        let na = if c.kind.is_numeric() {
            json!(codes.not_applicable)
        } else {
            json!(codes.not_applicable.to_string())
        };
        for u in &v.universe {
            let holds = match &u.condition {
                None => json!(true),
                Some(cond) => js_condition(model, &cond.expr),
            };
            rules.push(json!({
                "if": { "properties": { "audience": { "enum": u.audiences } }, "required": ["audience"], "not": holds },
                "then": { "properties": { c.name.clone(): { "const": na } } }
            }));
        }
        // Audiences never asked this column.
        let asked: Vec<&String> = c.audiences.iter().collect();
        let others: Vec<&String> = model
            .audiences
            .iter()
            .map(|a| &a.id)
            .filter(|a| !asked.contains(a))
            .collect();
        if !others.is_empty() {
            rules.push(json!({
                "if": { "properties": { "audience": { "enum": others } }, "required": ["audience"] },
                "then": { "properties": { c.name.clone(): { "const": na } } }
            }));
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://quire.dev/{}/{}/response.schema.json", model.survey.id, model.survey.version),
        "title": format!("One response to {}", model.survey.title.plain()),
        "description": format!("Codes {} = not applicable (routed past, or not asked of this group) and {} = missing (asked, not answered).", codes.not_applicable, codes.missing),
        "type": "object",
        "properties": props,
        "required": ["respondent_id", "audience", "spec_version"],
        "additionalProperties": false,
        "allOf": rules
    })
}

/// A condition as a JSON Schema that a record satisfies exactly when the condition holds.
/// Parts JSON Schema cannot express (arithmetic, counts, derived variables) are left open.
fn js_condition(model: &Questionnaire, e: &Expr) -> Json {
    let codes = model.survey.missing_codes;
    let not_missing = json!({ "not": { "enum": [codes.not_applicable, codes.missing, codes.not_applicable.to_string(), codes.missing.to_string()] } });
    let prop = |name: &str, s: Json| json!({ "properties": { name: s }, "required": [name] });
    match &e.kind {
        ExprKind::Binary {
            op: BinOp::And,
            left,
            right,
        } => json!({ "allOf": [js_condition(model, left), js_condition(model, right)] }),
        ExprKind::Binary {
            op: BinOp::Or,
            left,
            right,
        } => json!({ "anyOf": [js_condition(model, left), js_condition(model, right)] }),
        ExprKind::Not { operand } => json!({ "not": js_condition(model, operand) }),
        ExprKind::Bool { value } => json!(*value),
        ExprKind::Binary { op, left, right } => match (&left.kind, &right.kind) {
            (ExprKind::Var { name }, _) if name == "audience" => {
                let vals: Vec<String> = literal_strings(right);
                let is = prop("audience", json!({ "enum": vals }));
                if matches!(op, BinOp::Ne | BinOp::NotIn) {
                    json!({ "not": is })
                } else {
                    is
                }
            }
            (ExprKind::Var { name }, _)
                if matches!(
                    right.kind,
                    ExprKind::String { .. } | ExprKind::Number { .. } | ExprKind::List { .. }
                ) =>
            {
                let vals: Vec<Json> = lit_codes(model, name, right)
                    .iter()
                    .map(|v| serde_json::from_str(v).unwrap_or(json!(v)))
                    .collect();
                let bound = vals.first().cloned().unwrap_or(json!(0));
                match op {
                    BinOp::Eq | BinOp::In => prop(name, json!({ "enum": vals })),
                    BinOp::Ne | BinOp::NotIn => json!({ "not": prop(name, json!({ "enum": vals })) }),
                    BinOp::Lt => prop(name, json!({ "allOf": [not_missing, { "exclusiveMaximum": bound }] })),
                    BinOp::Le => prop(name, json!({ "allOf": [not_missing, { "maximum": bound }] })),
                    BinOp::Gt => prop(name, json!({ "allOf": [not_missing, { "exclusiveMinimum": bound }] })),
                    _ => prop(name, json!({ "allOf": [not_missing, { "minimum": bound }] })),
                }
            }
            _ => json!(true),
        },
        ExprKind::Call { function, args } => match (function.as_str(), args.as_slice()) {
            ("answered", [q]) => {
                let ExprKind::Var { name } = &q.kind else {
                    return json!(true);
                };
                let flags = option_columns(model, name);
                if flags.is_empty() {
                    prop(name, not_missing)
                } else {
                    json!({ "anyOf": flags.iter().map(|f| prop(f, json!({ "const": 1 }))).collect::<Vec<_>>() })
                }
            }
            ("selected", [q, v]) => {
                let (ExprKind::Var { name }, ExprKind::String { value }) = (&q.kind, &v.kind) else {
                    return json!(true);
                };
                match multi_code(model, name, value) {
                    Some(col) => prop(&col, json!({ "const": 1 })),
                    None => prop(
                        name,
                        json!({ "enum": lit_codes(model, name, v).iter().map(|c| serde_json::from_str::<Json>(c).unwrap_or(json!(c))).collect::<Vec<_>>() }),
                    ),
                }
            }
            _ => json!(true),
        },
        _ => json!(true),
    }
}

fn literal_strings(e: &Expr) -> Vec<String> {
    match &e.kind {
        ExprKind::List { items } => items.iter().flat_map(literal_strings).collect(),
        ExprKind::String { value } => vec![value.clone()],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Stata, SPSS, R, SQL.

/// A Stata string in compound quotes, with macro characters and line breaks neutralised.
fn stata_str(s: &str, max: usize) -> String {
    format!("`\"{}\"'", stata_text(s, max))
}

/// Text Stata reads literally: no line breaks, no macro characters, at most `max` characters.
fn stata_text(s: &str, max: usize) -> String {
    let clean: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let clean = clean.replace('`', "\u{2018}").replace('$', "\\$");
    clean.chars().take(max).collect()
}

fn label_name(list: &str) -> String {
    let base = format!("l_{list}");
    base.chars().take(32).collect()
}

pub fn stata(model: &Questionnaire, cols: &[Column]) -> String {
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "* Stata labels for {} (version {}), generated by Quire.\n",
        model.survey.id, model.survey.version
    ));
    s.push_str(&format!(
        "* Codes {} (not applicable) and {} (missing) become .a and .b.\n",
        codes.not_applicable, codes.missing
    ));
    s.push_str("import delimited using \"responses.csv\", varnames(1) case(preserve) encoding(\"utf-8\") stringcols(_all) clear\n\n");
    let mut defined = std::collections::BTreeSet::new();
    for c in cols {
        if c.kind.is_numeric() {
            s.push_str(&format!("destring {}, replace\n", c.name));
            s.push_str(&format!(
                "replace {} = .a if {} == {}\n",
                c.name, c.name, codes.not_applicable
            ));
            s.push_str(&format!("replace {} = .b if {} == {}\n", c.name, c.name, codes.missing));
        } else if !matches!(
            c.kind,
            ColumnKind::RespondentId | ColumnKind::Audience | ColumnKind::SpecVersion
        ) {
            s.push_str(&format!(
                "replace {} = \"\" if inlist({}, \"{}\", \"{}\")\n",
                c.name, c.name, codes.not_applicable, codes.missing
            ));
        }
        s.push_str(&format!("label variable {} {}\n", c.name, stata_str(&c.label, 80)));
        let labels = value_labels(model, c);
        if !labels.is_empty() {
            let name = match &c.kind {
                ColumnKind::Code { list } => label_name(list),
                ColumnKind::Boolean => "l_true_false".into(),
                _ => "l_ticked".into(),
            };
            if defined.insert(name.clone()) {
                let mut def = format!("label define {name}");
                for (v, l) in &labels {
                    def.push_str(&format!(" {v} {}", stata_str(l, 80)));
                }
                def.push_str(" .a `\"Not applicable\"' .b `\"Missing\"', replace\n");
                s.push_str(&def);
            }
            s.push_str(&format!("label values {} {name}\n", c.name));
        }
        let w = wording(model, c);
        if !w.is_empty() {
            s.push_str(&format!(
                "notes {}: {}\n",
                c.name,
                stata_text(&w, 2000).replace('"', "'")
            ));
        }
    }
    s
}

/// An SPSS string in apostrophes (doubled inside), on one line.
fn spss_str(s: &str, max: usize) -> String {
    let clean: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut cut = String::new();
    for ch in clean.chars() {
        if cut.len() + ch.len_utf8() > max {
            break;
        }
        cut.push(ch);
    }
    format!("'{}'", cut.replace('\'', "''"))
}

pub fn spss(model: &Questionnaire, cols: &[Column]) -> String {
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "* SPSS syntax for {} (version {}), generated by Quire.\n",
        model.survey.id, model.survey.version
    ));
    s.push_str(&format!(
        "* Codes {} (not applicable) and {} (missing) are user-missing.\n",
        codes.not_applicable, codes.missing
    ));
    s.push_str("GET DATA /TYPE=TXT /FILE='responses.csv' /ENCODING='UTF8' /ARRANGEMENT=DELIMITED /DELCASE=LINE\n  /FIRSTCASE=2 /DELIMITERS=',' /QUALIFIER='\"'\n  /VARIABLES=\n");
    for c in cols {
        let format = match &c.kind {
            ColumnKind::Number => "F16.4".to_string(),
            k if k.is_numeric() => "F12.0".to_string(),
            ColumnKind::Text | ColumnKind::WriteIn { .. } => format!(
                "A{}",
                question_of(model, c)
                    .and_then(|q| q.max_length)
                    .unwrap_or(2000)
                    .clamp(8, 32767)
            ),
            _ => "A64".to_string(),
        };
        s.push_str(&format!("    {} {format}\n", c.name));
    }
    s.push_str(".\n\nVARIABLE LABELS\n");
    let lines: Vec<String> = cols
        .iter()
        .map(|c| format!("  {} {}", c.name, spss_str(&c.label, 250)))
        .collect();
    s.push_str(&lines.join("\n  /"));
    s.push_str(".\n\n");
    let labelled: Vec<&Column> = cols.iter().filter(|c| !value_labels(model, c).is_empty()).collect();
    if !labelled.is_empty() {
        s.push_str("VALUE LABELS\n");
        let parts: Vec<String> = labelled
            .iter()
            .map(|c| {
                let mut p = format!("  {}", c.name);
                for (v, l) in value_labels(model, c) {
                    p.push_str(&format!("\n    {v} {}", spss_str(&l, 120)));
                }
                p.push_str(&format!(
                    "\n    {} 'Not applicable'\n    {} 'Missing'",
                    codes.not_applicable, codes.missing
                ));
                p
            })
            .collect();
        s.push_str(&parts.join("\n  /"));
        s.push_str(".\n\n");
    }
    let numeric: Vec<&str> = cols
        .iter()
        .filter(|c| c.kind.is_numeric())
        .map(|c| c.name.as_str())
        .collect();
    for chunk in numeric.chunks(20) {
        s.push_str(&format!(
            "MISSING VALUES {} ({}, {}).\n",
            chunk.join(" "),
            codes.not_applicable,
            codes.missing
        ));
    }
    let sets: Vec<(&crate::model::Variable, Vec<&str>)> = model
        .variables
        .iter()
        .filter(|v| v.kind == QuestionType::Multiple)
        .map(|v| {
            (
                v,
                cols.iter()
                    .filter(|c| c.variable == v.name && matches!(c.kind, ColumnKind::Flag { .. }))
                    .map(|c| c.name.as_str())
                    .collect(),
            )
        })
        .collect();
    if !sets.is_empty() {
        s.push_str("\nMRSETS\n");
        for (v, names) in sets {
            s.push_str(&format!(
                "  /MDGROUP NAME=${} LABEL={} VARIABLES={} VALUE=1\n",
                v.name,
                spss_str(&v.label, 250),
                names.join(" ")
            ));
        }
        s.push_str(".\n");
    }
    s.push_str("EXECUTE.\n");
    s
}

/// An R string: double quotes, escapes, and non-ASCII as \u escapes so any locale reads it.
fn r_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c if c.is_ascii() && !c.is_control() => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

pub fn r_script(model: &Questionnaire, cols: &[Column]) -> String {
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "# R labels for {} (version {}), generated by Quire.\n",
        model.survey.id, model.survey.version
    ));
    s.push_str(&format!(
        "# Codes {} (not applicable) and {} (missing) are kept and declared as na_values (haven).\n",
        codes.not_applicable, codes.missing
    ));
    s.push_str("library(haven)\n\n");
    let classes: Vec<String> = cols
        .iter()
        .map(|c| {
            format!(
                "{} = {}",
                c.name,
                if c.kind.is_numeric() {
                    "\"numeric\""
                } else {
                    "\"character\""
                }
            )
        })
        .collect();
    s.push_str(&format!(
        "responses <- utils::read.csv(\"responses.csv\", encoding = \"UTF-8\", check.names = FALSE,\n  na.strings = character(0), colClasses = c(\n    {}\n  ))\n\n",
        classes.join(",\n    ")
    ));
    for c in cols {
        let labels = value_labels(model, c);
        if c.kind.is_numeric() {
            let mut l: Vec<String> = labels.iter().map(|(v, l)| format!("{} = {v}", r_str(l))).collect();
            l.push(format!("\"Not applicable\" = {}", codes.not_applicable));
            l.push(format!("\"Missing\" = {}", codes.missing));
            s.push_str(&format!(
                "responses${name} <- labelled_spss(responses${name}, labels = c({}), na_values = c({}, {}), label = {})\n",
                l.join(", "),
                codes.not_applicable,
                codes.missing,
                r_str(&c.label),
                name = c.name
            ));
        } else if matches!(
            c.kind,
            ColumnKind::RespondentId | ColumnKind::Audience | ColumnKind::SpecVersion
        ) {
            s.push_str(&format!(
                "attr(responses${}, \"label\") <- {}\n",
                c.name,
                r_str(&c.label)
            ));
        } else {
            s.push_str(&format!(
                "responses${name} <- labelled_spss(responses${name}, labels = c(\"Not applicable\" = \"{na}\", \"Missing\" = \"{m}\"), na_values = c(\"{na}\", \"{m}\"), label = {})\n",
                r_str(&c.label),
                name = c.name,
                na = codes.not_applicable,
                m = codes.missing
            ));
        }
    }
    s
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn sql(model: &Questionnaire, cols: &[Column]) -> String {
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "-- Response table for {} (version {}), generated by Quire.\n",
        model.survey.id, model.survey.version
    ));
    s.push_str(&format!(
        "-- Codes {} = not applicable, {} = missing. Portable to SQLite, DuckDB and PostgreSQL.\n",
        codes.not_applicable, codes.missing
    ));
    s.push_str("CREATE TABLE responses (\n");
    let lines: Vec<String> = cols
        .iter()
        .map(|c| {
            let label = c.label.replace(['\n', '\r'], " ");
            let ty = match &c.kind {
                ColumnKind::Number => "DOUBLE PRECISION NOT NULL".to_string(),
                k if k.is_numeric() => "INTEGER NOT NULL".to_string(),
                ColumnKind::RespondentId => "TEXT NOT NULL PRIMARY KEY".to_string(),
                _ => "TEXT NOT NULL".to_string(),
            };
            let labels = value_labels(model, c);
            let check = match &c.kind {
                ColumnKind::Audience => format!(
                    " CHECK ({} IN ({}))",
                    c.name,
                    model
                        .audiences
                        .iter()
                        .map(|a| sql_str(&a.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ if !labels.is_empty() => {
                    let mut vals: Vec<String> = labels.iter().map(|(v, _)| v.to_string()).collect();
                    vals.extend([codes.not_applicable.to_string(), codes.missing.to_string()]);
                    format!(" CHECK ({} IN ({}))", c.name, vals.join(", "))
                }
                ColumnKind::Integer | ColumnKind::Number => match question_of(model, c) {
                    Some(q) if q.min.is_some() || q.max.is_some() => {
                        let mut conds = Vec::new();
                        if let Some(m) = q.min {
                            conds.push(format!("{} >= {}", c.name, format_number(m)));
                        }
                        if let Some(m) = q.max {
                            conds.push(format!("{} <= {}", c.name, format_number(m)));
                        }
                        format!(
                            " CHECK (({}) OR {} IN ({}, {}))",
                            conds.join(" AND "),
                            c.name,
                            codes.not_applicable,
                            codes.missing
                        )
                    }
                    _ => String::new(),
                },
                _ => String::new(),
            };
            format!("  {} {ty}{check} -- {}", c.name, label.replace("--", "- -"))
        })
        .collect();
    // Comments end each line, so the commas go before them.
    let n = lines.len();
    for (i, l) in lines.into_iter().enumerate() {
        let (def, comment) = l.split_once(" -- ").unwrap_or((&l, ""));
        s.push_str(def);
        if i + 1 < n {
            s.push(',');
        }
        s.push_str(&format!(" -- {comment}\n"));
    }
    s.push_str(");\n");
    s
}
