//! The model in, analysis schemas out: a Frictionless Data Package (with routing checks),
//! a JSON Schema for one response record, Stata, SPSS and R syntax, and SQL DDL. All follow
//! the data contract of [`quire_core::data`]; text from the spec is escaped for each language.

use serde_json::{Value as Json, json};

use super::{Error, Output, Outputs};
use quire_core::data::rules::{Lit, Must, Pred};
use quire_core::data::{self, Column, ColumnKind};
use quire_core::expr::{BinOp, format_number};
use quire_core::model::{QuestionType, Questionnaire};

/// Every schema file. A questionnaire with rosters has one table per unit (the long
/// layout, docs/data.md "Rosters"): the package has a resource per table with its key and
/// foreign key, the JSON Schema nests each roster's rows under it, the SQL has a child
/// table per roster, and Stata, SPSS and R have a script per table.
pub fn render(model: &Questionnaire) -> Result<Outputs, Error> {
    let units = data::units::units(model);
    let cols = &units[0].columns;
    let pretty = |name: &str, v: &Json| -> Result<Output, Error> {
        let mut b = serde_json::to_vec_pretty(v).map_err(|e| Error::new("schema", name, e))?;
        b.push(b'\n');
        Ok(Output::new(name, b))
    };
    let mut files = vec![
        pretty("datapackage.json", &datapackage_of(model, &units))?,
        pretty("checklist.json", &checklist(model, cols))?,
        pretty("response.schema.json", &json_schema_of(model, &units))?,
    ];
    for u in &units {
        let stem = match u.parent {
            None => model.survey.id.clone(),
            Some(_) => format!("{}_{}", model.survey.id, u.name),
        };
        files.push(Output::new(format!("{stem}.do"), stata_for(model, &u.columns, &u.name)));
        files.push(Output::new(format!("{stem}.sps"), spss_for(model, &u.columns, &u.name)));
        files.push(Output::new(format!("{stem}.R"), r_for(model, &u.columns, &u.name)));
    }
    files.push(Output::new(format!("{}.sql", model.survey.id), sql_of(model, &units)));
    Ok(files.into())
}

/// A roster table's primary key and the foreign key to the table its rows belong to.
fn keys(units: &[data::units::Unit], u: &data::units::Unit) -> (Vec<String>, Option<(String, Vec<String>)>) {
    let key: Vec<String> = u.columns[..u.key_len()].iter().map(|c| c.name.clone()).collect();
    let parent = u.parent.map(|p| {
        let up = &units[p];
        (
            up.name.clone(),
            up.columns[..up.key_len()].iter().map(|c| c.name.clone()).collect(),
        )
    });
    (key, parent)
}

/// Value labels of a column: (code, label), without the missing codes.
fn value_labels(model: &Questionnaire, c: &Column) -> Vec<(i64, String)> {
    match &c.kind {
        ColumnKind::Code { list } => model
            .choice_list(list)
            .map(|l| {
                l.options
                    .iter()
                    .filter(|o| o.audiences.iter().any(|a| c.audiences.contains(a)))
                    .map(|o| (o.code, o.neutral_label()))
                    .collect()
            })
            .unwrap_or_default(),
        ColumnKind::Flag { .. } => vec![(1, "Ticked".into()), (0, "Not ticked".into())],
        ColumnKind::Boolean => vec![(1, "True".into()), (0, "False".into())],
        _ => Vec::new(),
    }
}

/// Where audiences word a choice differently: per code (for a 0/1 column, its option's), each
/// audience's own label. Formats with one label per code carry the neutral label
/// ([`quire_core::model::Choice::neutral_label`]) and these in their documentation fields.
fn audience_labels(model: &Questionnaire, c: &Column) -> Vec<(i64, Vec<(String, String)>)> {
    let per_audience = |o: &quire_core::model::Choice| -> Vec<(String, String)> {
        o.label
            .iter()
            .flat_map(|w| w.audiences.iter().map(|a| (a.clone(), w.text.plain())))
            .filter(|(a, _)| c.audiences.contains(a))
            .collect()
    };
    match &c.kind {
        ColumnKind::Code { list } => model
            .choice_list(list)
            .map(|l| {
                l.options
                    .iter()
                    .filter(|o| o.has_audience_labels())
                    .map(|o| (o.code, per_audience(o)))
                    .collect()
            })
            .unwrap_or_default(),
        ColumnKind::Flag { list, value, .. } => model
            .choice_list(list)
            .and_then(|l| l.get(value))
            .filter(|o| o.has_audience_labels())
            .map(|o| vec![(o.code, per_audience(o))])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The per-audience labels in words: "code 2: Me (patient); The patient or their carer (hcp)".
fn audience_labels_text(model: &Questionnaire, c: &Column) -> String {
    audience_labels(model, c)
        .iter()
        .map(|(code, labels)| {
            format!(
                "code {code} is worded per group: {}",
                labels
                    .iter()
                    .map(|(a, l)| format!("{l} ({a})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
        .collect::<Vec<_>>()
        .join(". ")
}

/// The questions and variables the schemas look up for every column, indexed once per file
/// (a lookup each through the model would make a file of 20,000 questions quadratic).
struct Index<'m> {
    questions: std::collections::HashMap<&'m str, &'m quire_core::model::Question>,
    variables: std::collections::HashMap<&'m str, &'m quire_core::model::Variable>,
}

impl<'m> Index<'m> {
    fn new(model: &'m Questionnaire) -> Self {
        let mut variables = std::collections::HashMap::new();
        for v in &model.variables {
            variables.entry(v.name.as_str()).or_insert(v);
        }
        Index {
            questions: model.questions_by_variable(),
            variables,
        }
    }
}

fn question_of<'m>(index: &Index<'m>, c: &Column) -> Option<&'m quire_core::model::Question> {
    index.questions.get(c.variable.as_str()).copied()
}

fn wording(index: &Index, c: &Column) -> String {
    index
        .variables
        .get(c.variable.as_str())
        .map(|v| v.wording.iter().map(|w| w.text.plain()).collect::<Vec<_>>().join(" / "))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Frictionless.

/// The Frictionless data package (`datapackage.json`): the record's columns, their types,
/// codes and missing values, and the routing rules as constraints.
pub fn datapackage(model: &Questionnaire, cols: &[Column]) -> Json {
    let units = vec![data::units::responses(cols.to_vec())];
    datapackage_of(model, &units)
}

/// The data package of the long layout: one resource per table, each keyed, each roster's
/// with a foreign key to the table its rows belong to.
fn datapackage_of(model: &Questionnaire, units: &[data::units::Unit]) -> Json {
    let index = Index::new(model);
    let codes = model.survey.missing_codes;
    let resources: Vec<Json> = units
        .iter()
        .map(|u| {
            let (key, parent) = keys(units, u);
            let mut schema = json!({
                "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
                "fields": fields(model, &index, &u.columns, u.parent.is_some()),
                "primaryKey": key,
                "missingValues": [
                    { "value": codes.not_applicable.to_string(), "label": "Not applicable (routed past, or not asked of this group)" },
                    { "value": codes.missing.to_string(), "label": "Missing (asked, not answered)" }
                ]
            });
            if let Some((table, fields)) = parent {
                schema["foreignKeys"] = json!([{
                    "fields": fields,
                    "reference": { "resource": table, "fields": fields }
                }]);
            }
            let mut r = json!({
                "$schema": "https://datapackage.org/profiles/2.0/dataresource.json",
                "name": u.name,
                "path": format!("{}.csv", u.name),
                "type": "table",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema
            });
            if let Some(roster) = u.roster() {
                r["description"] = json!(format!(
                    "One row per row of the roster `{roster}`, keyed by {} (docs/data.md, \"Rosters\").",
                    u.columns[..u.key_len()].iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": model.survey.id.replace('_', "-"),
        "title": model.survey.title.plain(),
        "version": model.survey.version,
        "description": model.survey.description.as_ref().map(|d| d.plain()).unwrap_or_default(),
        "resources": resources
    })
}

/// A table's fields as Frictionless describes them (a roster's table: its `respondent_id`
/// is one part of its key, not unique).
fn fields(model: &Questionnaire, index: &Index<'_>, cols: &[Column], child: bool) -> Vec<Json> {
    cols.iter()
        .map(|c| {
            let mut f = json!({ "name": c.name, "title": c.label });
            let desc = [wording(index, c), audience_labels_text(model, c)]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(". ");
            if !desc.is_empty() {
                f["description"] = json!(desc);
            }
            let labels = value_labels(model, c);
            match &c.kind {
                ColumnKind::RespondentId if child => {
                    f["type"] = json!("string");
                    f["constraints"] = json!({ "required": true });
                }
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
                ColumnKind::SpecVersion | ColumnKind::SpecHash | ColumnKind::Language => {
                    f["type"] = json!("string");
                    f["constraints"] = json!({ "required": true });
                }
                ColumnKind::Mode => {
                    f["type"] = json!("string");
                    f["categories"] = json!(data::MODES);
                    f["constraints"] = json!({ "required": true, "enum": data::MODES });
                }
                // UTC, `YYYY-MM-DDThh:mm:ssZ`: Frictionless's default datetime format.
                ColumnKind::Timestamp => f["type"] = json!("datetime"),
                ColumnKind::Duration => {
                    f["type"] = json!("integer");
                    f["constraints"] = json!({ "minimum": 0 });
                }
                ColumnKind::Completion => {
                    f["type"] = json!("number");
                    f["constraints"] = json!({ "minimum": 0, "maximum": 1 });
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
                    if let Some(q) = question_of(index, c) {
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
                ColumnKind::RowNumber { .. } => {
                    f["type"] = json!("integer");
                    f["constraints"] = json!({ "required": true, "minimum": 1 });
                }
                ColumnKind::RowChoice { .. } => {
                    f["type"] = json!("integer");
                    f["constraints"] = json!({ "minimum": 1 });
                }
                ColumnKind::RowFlag { .. } => {
                    f["type"] = json!("integer");
                    f["constraints"] = json!({ "enum": [0, 1] });
                }
                ColumnKind::Text | ColumnKind::WriteIn { .. } => {
                    f["type"] = json!("string");
                    if let Some(n) = question_of(index, c)
                        .and_then(|q| q.max_length)
                        .filter(|_| c.kind == ColumnKind::Text)
                    {
                        f["constraints"] = json!({ "maxLength": n });
                    }
                }
            }
            f
        })
        .collect()
}

/// Frictionless checks that hold the data to the routing: `frictionless validate
/// datapackage.json --checklist "$(cat checklist.json)"`. Frictionless reads both missing codes
/// as null, so only the rules that say a column must be empty are written here (docs/data.md).
pub fn checklist(model: &Questionnaire, cols: &[Column]) -> Json {
    let rules = data::rules::rules(model, cols);
    let mut by_column: std::collections::HashMap<&str, Vec<&data::rules::Rule>> = std::collections::HashMap::new();
    for r in &rules.rules {
        by_column.entry(r.column.as_str()).or_default().push(r);
    }
    let mut checks = Vec::new();
    for c in cols {
        let clauses: Vec<String> = by_column
            .get(c.name.as_str())
            .into_iter()
            .flatten()
            .filter(|r| r.must != Must::NotNotApplicable)
            .filter_map(|r| Some(format!("(not {} or {} == None)", py_pred(&r.when)?, c.name)))
            .collect();
        if clauses.is_empty() {
            continue;
        }
        checks.push(json!({ "type": "row-constraint", "formula": clauses.join(" and ") }));
    }
    json!({ "checks": checks })
}

fn py_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn py_lit(l: &Lit) -> String {
    match l {
        Lit::Number(n) => format_number(*n),
        Lit::Text(t) => py_str(t),
    }
}

/// A rule's condition as a Python (simpleeval) formula over a row, where both missing codes
/// read as `None`; `None` when it must tell them apart, which Frictionless cannot.
fn py_pred(p: &Pred) -> Option<String> {
    let all = |ps: &[Pred], op: &str| -> Option<String> {
        let parts = ps.iter().map(py_pred).collect::<Option<Vec<_>>>()?;
        Some(format!("({})", parts.join(op)))
    };
    Some(match p {
        Pred::True => "True".into(),
        Pred::False => "False".into(),
        Pred::And(ps) => all(ps, " and ")?,
        Pred::Or(ps) => all(ps, " or ")?,
        Pred::Not(p) => format!("(not {})", py_pred(p)?),
        Pred::In { column, values } => format!(
            "({column} in [{}])",
            values.iter().map(py_lit).collect::<Vec<_>>().join(", ")
        ),
        Pred::Compare { column, op, value } => {
            format!(
                "({column} != None and {column} {} {})",
                op.symbol(),
                format_number(*value)
            )
        }
        Pred::Blank { column } => format!("({column} == None)"),
        Pred::NotApplicable { .. } | Pred::Missing { .. } => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// JSON Schema for one record.

/// The JSON Schema of a record, with the routing rules as conditional schemas.
pub fn json_schema(model: &Questionnaire, cols: &[Column]) -> Json {
    let units = vec![data::units::responses(cols.to_vec())];
    json_schema_of(model, &units)
}

/// One row of a roster in the nested record: its answers (its number is its place), and
/// the rows of the rosters inside it, as arrays.
fn row_schema(model: &Questionnaire, units: &[data::units::Unit], u: usize) -> Json {
    let unit = &units[u];
    let mut props = cell_schemas(model, &unit.columns[unit.key_len()..]);
    nest(model, units, u, &mut props);
    let mut row = json!({
        "type": "object",
        "title": format!("One row of `{}`", unit.name),
        "properties": props,
        "additionalProperties": false
    });
    // The row's own routing: the rules that read only its answers (docs/data.md, "Rosters").
    let rules = if_then(model, &unit.columns, &data::rules::row_rules(model, unit).rules);
    if !rules.is_empty() {
        row["allOf"] = json!(rules);
    }
    row
}

/// The rosters whose rows belong to table `u`, each an array of rows under its id.
fn nest(model: &Questionnaire, units: &[data::units::Unit], u: usize, props: &mut serde_json::Map<String, Json>) {
    for (child, c) in data::units::children(units, u) {
        props.insert(
            c.name.clone(),
            json!({ "type": "array", "maxItems": c.max_rows, "items": row_schema(model, units, child) }),
        );
    }
}

/// The JSON Schema of one response record, its rosters' rows nested under their ids.
fn json_schema_of(model: &Questionnaire, units: &[data::units::Unit]) -> Json {
    let cols = &units[0].columns;
    let codes = model.survey.missing_codes;
    let mut props = cell_schemas(model, cols);
    nest(model, units, 0, &mut props);
    // Routing: the record's rules (docs/data.md, "Eligibility"), each an if/then.
    let rules = if_then(model, cols, &data::rules::rules(model, cols).rules);
    let (rules, defs) = share_repeats(rules);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://quire.dev/{}/{}/response.schema.json", model.survey.id, model.survey.version),
        "title": format!("One response to {}", model.survey.title.plain()),
        "description": format!("Codes {} = not applicable (routed past, or not asked of this group) and {} = missing (asked, not answered).", codes.not_applicable, codes.missing),
        "type": "object",
        "properties": props,
        "required": cols.iter().filter(|c| c.kind.is_meta()).map(|c| &c.name).collect::<Vec<_>>(),
        "additionalProperties": false,
        "allOf": rules,
        "$defs": defs
    })
}

/// Routing rules as JSON Schema `if`/`then` over one object's properties.
fn if_then(model: &Questionnaire, cols: &[Column], rules: &[data::rules::Rule]) -> Vec<Json> {
    let codes = model.survey.missing_codes;
    let by_name: std::collections::HashMap<&str, &Column> = cols.iter().rev().map(|c| (c.name.as_str(), c)).collect();
    let numeric = |name: &str| by_name.get(name).is_some_and(|c| c.kind.is_numeric());
    let code = |name: &str, code: i64| {
        if numeric(name) {
            json!(code)
        } else {
            json!(code.to_string())
        }
    };
    rules
        .iter()
        .map(|r| {
            let na = code(&r.column, codes.not_applicable);
            let m = code(&r.column, codes.missing);
            let must = match r.must {
                Must::NotApplicable => json!({ "const": na }),
                Must::Missing => json!({ "const": m }),
                Must::Blank => json!({ "enum": [na, m] }),
                Must::NotNotApplicable => json!({ "not": { "const": na } }),
            };
            json!({
                "if": js_pred(&r.when, &numeric, codes),
                "then": { "properties": { r.column.clone(): must } }
            })
        })
        .collect()
}

/// Each column's JSON Schema, by name.
fn cell_schemas(model: &Questionnaire, cols: &[Column]) -> serde_json::Map<String, Json> {
    let index = Index::new(model);
    let codes = model.survey.missing_codes;

    let missing = json!([codes.not_applicable, codes.missing]);
    let missing_text = json!([codes.not_applicable.to_string(), codes.missing.to_string()]);
    let mut props = serde_json::Map::new();
    for c in cols {
        let labels = value_labels(model, c);
        let schema = match &c.kind {
            ColumnKind::RespondentId | ColumnKind::SpecVersion | ColumnKind::SpecHash | ColumnKind::Language => {
                json!({ "type": "string", "minLength": 1 })
            }
            ColumnKind::Mode => json!({ "enum": data::MODES }),
            ColumnKind::Timestamp => json!({ "anyOf": [
                { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$" },
                { "const": codes.missing.to_string() }
            ] }),
            ColumnKind::Duration => {
                json!({ "anyOf": [{ "type": "integer", "minimum": 0 }, { "const": codes.missing }] })
            }
            ColumnKind::Completion => {
                json!({ "anyOf": [{ "type": "number", "minimum": 0, "maximum": 1 }, { "const": codes.missing }] })
            }
            ColumnKind::Audience => json!({ "enum": model.audiences.iter().map(|a| &a.id).collect::<Vec<_>>() }),
            ColumnKind::Code { .. } | ColumnKind::Flag { .. } | ColumnKind::Boolean => {
                let mut allowed: Vec<i64> = labels.iter().map(|(v, _)| *v).collect();
                allowed.extend([codes.not_applicable, codes.missing]);
                json!({ "enum": allowed })
            }
            ColumnKind::Integer | ColumnKind::Number => {
                let mut range = json!({ "type": if c.kind == ColumnKind::Integer { "integer" } else { "number" } });
                if let Some(q) = question_of(&index, c) {
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
            ColumnKind::RowNumber { .. } => json!({ "type": "integer", "minimum": 1 }),
            ColumnKind::RowChoice { .. } => {
                json!({ "anyOf": [{ "type": "integer", "minimum": 1 }, { "enum": missing }] })
            }
            ColumnKind::RowFlag { .. } => json!({ "enum": [0, 1, codes.not_applicable, codes.missing] }),
        };
        let mut schema = schema;
        schema["title"] = json!(c.label);
        props.insert(c.name.clone(), schema);
    }
    props
}

/// Replaces every subschema that the rules repeat (an audience's screening, a shared
/// condition) with a `$ref` to one copy in `$defs`, which keeps the schema a fraction of its
/// size for instruments with screening rules.
fn share_repeats(rules: Vec<Json>) -> (Vec<Json>, serde_json::Map<String, Json>) {
    fn count(v: &Json, seen: &mut std::collections::HashMap<String, usize>) -> String {
        let text = v.to_string();
        if let Json::Object(m) = v {
            m.values().for_each(|x| {
                count(x, seen);
            });
        } else if let Json::Array(a) = v {
            a.iter().for_each(|x| {
                count(x, seen);
            });
        }
        if matches!(v, Json::Object(_)) {
            *seen.entry(text.clone()).or_default() += 1;
        }
        text
    }
    fn share(
        v: Json,
        seen: &std::collections::HashMap<String, usize>,
        names: &mut std::collections::HashMap<String, String>,
        defs: &mut serde_json::Map<String, Json>,
    ) -> Json {
        if let Json::Object(_) = &v {
            let text = v.to_string();
            if text.len() >= 120 && seen.get(&text).copied().unwrap_or(0) >= 2 {
                let name = match names.get(&text) {
                    Some(n) => n.clone(),
                    None => {
                        let n = format!("r{}", names.len() + 1);
                        names.insert(text, n.clone());
                        let inner = match v {
                            Json::Object(m) => {
                                Json::Object(m.into_iter().map(|(k, x)| (k, share(x, seen, names, defs))).collect())
                            }
                            other => other,
                        };
                        defs.insert(n.clone(), inner);
                        n
                    }
                };
                return json!({ "$ref": format!("#/$defs/{name}") });
            }
        }
        match v {
            Json::Object(m) => Json::Object(m.into_iter().map(|(k, x)| (k, share(x, seen, names, defs))).collect()),
            Json::Array(a) => Json::Array(a.into_iter().map(|x| share(x, seen, names, defs)).collect()),
            other => other,
        }
    }
    let mut seen = std::collections::HashMap::new();
    for r in &rules {
        if let Some(when) = r.get("if") {
            count(when, &mut seen);
        }
    }
    let mut names = std::collections::HashMap::new();
    let mut defs = serde_json::Map::new();
    let rules = rules
        .into_iter()
        .map(|mut r| {
            if let Some(when) = r.get_mut("if") {
                *when = share(when.take(), &seen, &mut names, &mut defs);
            }
            r
        })
        .collect();
    (rules, defs)
}

/// A rule's condition as a JSON Schema that a record satisfies exactly when it holds.
fn js_pred(p: &Pred, numeric: &dyn Fn(&str) -> bool, codes: quire_core::model::MissingCodes) -> Json {
    let prop = |name: &str, s: Json| json!({ "properties": { name: s }, "required": [name] });
    let code = |name: &str, code: i64| {
        if numeric(name) {
            json!(code)
        } else {
            json!(code.to_string())
        }
    };
    let all = |ps: &[Pred]| ps.iter().map(|p| js_pred(p, numeric, codes)).collect::<Vec<_>>();
    match p {
        Pred::True => json!(true),
        Pred::False => json!(false),
        Pred::And(ps) => json!({ "allOf": all(ps) }),
        Pred::Or(ps) => json!({ "anyOf": all(ps) }),
        Pred::Not(p) => json!({ "not": js_pred(p, numeric, codes) }),
        Pred::In { column, values } => {
            let vals: Vec<Json> = values
                .iter()
                .map(|l| match l {
                    Lit::Number(n) if numeric(column) => json!(n),
                    Lit::Number(n) => json!(format_number(*n)),
                    Lit::Text(t) => json!(t),
                })
                .collect();
            prop(column, json!({ "enum": vals }))
        }
        Pred::Compare { column, op, value } => {
            let bound = match op {
                BinOp::Lt => "exclusiveMaximum",
                BinOp::Le => "maximum",
                BinOp::Gt => "exclusiveMinimum",
                _ => "minimum",
            };
            prop(
                column,
                json!({ "type": "number", "not": { "enum": [codes.not_applicable, codes.missing] }, bound: value }),
            )
        }
        Pred::NotApplicable { column } => prop(column, json!({ "const": code(column, codes.not_applicable) })),
        Pred::Missing { column } => prop(column, json!({ "const": code(column, codes.missing) })),
        Pred::Blank { column } => prop(
            column,
            json!({ "enum": [code(column, codes.not_applicable), code(column, codes.missing)] }),
        ),
    }
}

/// A rule's condition in SQL over the table's columns (which hold the missing codes).
fn sql_pred(p: &Pred, numeric: &dyn Fn(&str) -> bool, codes: quire_core::model::MissingCodes) -> String {
    let code = |name: &str, code: i64| {
        if numeric(name) {
            code.to_string()
        } else {
            sql_str(&code.to_string())
        }
    };
    let all = |ps: &[Pred], op: &str| {
        format!(
            "({})",
            ps.iter()
                .map(|p| sql_pred(p, numeric, codes))
                .collect::<Vec<_>>()
                .join(op)
        )
    };
    match p {
        Pred::True => "(1 = 1)".into(),
        Pred::False => "(1 = 0)".into(),
        Pred::And(ps) => all(ps, " AND "),
        Pred::Or(ps) => all(ps, " OR "),
        Pred::Not(p) => format!("(NOT {})", sql_pred(p, numeric, codes)),
        Pred::In { column, values } => format!(
            "({column} IN ({}))",
            values
                .iter()
                .map(|l| match l {
                    Lit::Number(n) if numeric(column) => format_number(*n),
                    Lit::Number(n) => sql_str(&format_number(*n)),
                    Lit::Text(t) => sql_str(t),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Pred::Compare { column, op, value } => format!(
            "({column} NOT IN ({}, {}) AND {column} {} {})",
            codes.not_applicable,
            codes.missing,
            op.symbol(),
            format_number(*value)
        ),
        Pred::NotApplicable { column } => format!("({column} = {})", code(column, codes.not_applicable)),
        Pred::Missing { column } => format!("({column} = {})", code(column, codes.missing)),
        Pred::Blank { column } => format!(
            "({column} IN ({}, {}))",
            code(column, codes.not_applicable),
            code(column, codes.missing)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Stata, SPSS, R, SQL.

/// A Stata string in compound quotes, with macro characters and line breaks neutralised.
fn stata_str(s: &str, max: usize) -> String {
    format!("`\"{}\"'", stata_text(s, max))
}

/// Text Stata reads literally: no line breaks, no macro characters, at most `max` characters.
/// Compound quotes end at `"'` and have no escape for it, so its quote becomes ’.
fn stata_text(s: &str, max: usize) -> String {
    let clean: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let clean = clean
        .replace('`', "\u{2018}")
        .replace('$', "\\$")
        .replace("\"'", "\"\u{2019}");
    clean.chars().take(max).collect()
}

fn label_name(list: &str) -> String {
    let base = format!("l_{list}");
    base.chars().take(32).collect()
}

/// A Stata do-file: value labels, variable labels and missing values.
pub fn stata(model: &Questionnaire, cols: &[Column]) -> String {
    stata_for(model, cols, data::units::RESPONSES)
}

/// [`stata`] for one table of the long layout (`table.csv`).
fn stata_for(model: &Questionnaire, cols: &[Column], table: &str) -> String {
    let index = Index::new(model);
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "* Stata labels for {} (version {}, content hash {}), generated by Quire.\n",
        model.survey.id, model.survey.version, model.content_hash
    ));
    s.push_str(&format!(
        "* Codes {} (not applicable) and {} (missing) become .a and .b.\n",
        codes.not_applicable, codes.missing
    ));
    s.push_str(&format!("import delimited using \"{table}.csv\", varnames(1) case(preserve) encoding(\"utf-8\") stringcols(_all) clear\n\n"));
    let mut defined = std::collections::BTreeSet::new();
    for c in cols {
        if c.kind.is_numeric() {
            s.push_str(&format!("destring {}, replace\n", c.name));
            s.push_str(&format!(
                "replace {} = .a if {} == {}\n",
                c.name, c.name, codes.not_applicable
            ));
            s.push_str(&format!("replace {} = .b if {} == {}\n", c.name, c.name, codes.missing));
        } else if !c.kind.is_identity() {
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
        for note in [wording(&index, c), audience_labels_text(model, c)] {
            if !note.is_empty() {
                s.push_str(&format!(
                    "notes {}: {}\n",
                    c.name,
                    stata_text(&note, 2000).replace('"', "'")
                ));
            }
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

/// An SPSS syntax file: variable and value labels, missing values, multiple-response sets.
pub fn spss(model: &Questionnaire, cols: &[Column]) -> String {
    spss_for(model, cols, data::units::RESPONSES)
}

/// [`spss`] for one table of the long layout (`table.csv`).
fn spss_for(model: &Questionnaire, cols: &[Column], table: &str) -> String {
    let index = Index::new(model);
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "* SPSS syntax for {} (version {}, content hash {}), generated by Quire.\n",
        model.survey.id, model.survey.version, model.content_hash
    ));
    s.push_str(&format!(
        "* Codes {} (not applicable) and {} (missing) are user-missing.\n",
        codes.not_applicable, codes.missing
    ));
    s.push_str(&format!("GET DATA /TYPE=TXT /FILE='{table}.csv' /ENCODING='UTF8' /ARRANGEMENT=DELIMITED /DELCASE=LINE\n  /FIRSTCASE=2 /DELIMITERS=',' /QUALIFIER='\"'\n  /VARIABLES=\n"));
    for c in cols {
        let format = match &c.kind {
            ColumnKind::Number => "F16.4".to_string(),
            k if k.is_numeric() => "F12.0".to_string(),
            ColumnKind::Text | ColumnKind::WriteIn { .. } => format!(
                "A{}",
                question_of(&index, c)
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
    // Each audience's own wording of a code, where they differ, as variable attributes
    // (`DISPLAY ATTRIBUTES.` lists them): audience_label_<code>[<n>] = '<audience>: <label>'.
    for c in cols {
        let labels = audience_labels(model, c);
        if labels.is_empty() {
            continue;
        }
        let attrs: Vec<String> = labels
            .iter()
            .map(|(code, per)| {
                let name = if *code < 0 {
                    format!("audience_label_n{}", code.unsigned_abs())
                } else {
                    format!("audience_label_{code}")
                };
                per.iter()
                    .enumerate()
                    .map(|(i, (a, l))| format!("{name}[{}]({})", i + 1, spss_str(&format!("{a}: {l}"), 250)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        s.push_str(&format!(
            "VARIABLE ATTRIBUTE VARIABLES={} ATTRIBUTE={}.\n",
            c.name,
            attrs.join(" ")
        ));
    }
    let mut flags: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for c in cols
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Flag { .. } | ColumnKind::RowFlag { .. }))
    {
        flags.entry(c.variable.as_str()).or_default().push(c.name.as_str());
    }
    // The multiple choices of this table (a roster's are in its own).
    let sets: Vec<(&quire_core::model::Variable, Vec<&str>)> = model
        .variables
        .iter()
        .filter(|v| v.kind == QuestionType::Multiple)
        .filter_map(|v| Some((v, flags.get(v.name.as_str()).cloned()?)))
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
/// R refuses an escaped string literal of 10,000 bytes or more, so a long text becomes
/// `paste0()` of shorter literals (which is why labels are named with `setNames()`).
fn r_str(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() > 1_000 {
        let parts: Vec<String> = chars
            .chunks(1_000)
            .map(|c| r_literal(&c.iter().collect::<String>()))
            .collect();
        return format!("paste0({})", parts.join(", "));
    }
    r_literal(s)
}

fn r_literal(s: &str) -> String {
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

/// An R script that reads the data with labels and the missing codes as `NA`.
pub fn r_script(model: &Questionnaire, cols: &[Column]) -> String {
    r_for(model, cols, data::units::RESPONSES)
}

/// [`r_script`] for one table of the long layout (`table.csv`, read into `table`).
fn r_for(model: &Questionnaire, cols: &[Column], table: &str) -> String {
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "# R labels for {} (version {}, content hash {}), generated by Quire.\n",
        model.survey.id, model.survey.version, model.content_hash
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
        "{table} <- utils::read.csv(\"{table}.csv\", encoding = \"UTF-8\", check.names = FALSE,\n  na.strings = character(0), colClasses = c(\n    {}\n  ))\n\n",
        classes.join(",\n    ")
    ));
    for c in cols {
        let labels = value_labels(model, c);
        if c.kind.is_numeric() {
            let mut values: Vec<String> = labels.iter().map(|(v, _)| v.to_string()).collect();
            let mut names: Vec<String> = labels.iter().map(|(_, l)| r_str(l)).collect();
            values.extend([codes.not_applicable.to_string(), codes.missing.to_string()]);
            names.extend(["\"Not applicable\"".to_string(), "\"Missing\"".to_string()]);
            s.push_str(&format!(
                "{table}${name} <- labelled_spss({table}${name}, labels = stats::setNames(c({}), c({})), na_values = c({}, {}), label = {})\n",
                values.join(", "),
                names.join(", "),
                codes.not_applicable,
                codes.missing,
                r_str(&c.label),
                name = c.name
            ));
            // Each audience's own wording of a code, where they differ: a named list per code.
            let per = audience_labels(model, c);
            if !per.is_empty() {
                let items: Vec<String> = per
                    .iter()
                    .map(|(code, labels)| {
                        format!(
                            "`{code}` = stats::setNames(c({}), c({}))",
                            labels.iter().map(|(_, l)| r_str(l)).collect::<Vec<_>>().join(", "),
                            labels.iter().map(|(a, _)| r_str(a)).collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect();
                s.push_str(&format!(
                    "attr({table}${}, \"audience_labels\") <- list({})\n",
                    c.name,
                    items.join(", ")
                ));
            }
        } else if c.kind.is_identity() {
            s.push_str(&format!("attr({table}${}, \"label\") <- {}\n", c.name, r_str(&c.label)));
        } else {
            s.push_str(&format!(
                "{table}${name} <- labelled_spss({table}${name}, labels = c(\"Not applicable\" = \"{na}\", \"Missing\" = \"{m}\"), na_values = c(\"{na}\", \"{m}\"), label = {})\n",
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

/// SQL DDL: a table whose CHECK constraints hold the routing rules.
pub fn sql(model: &Questionnaire, cols: &[Column]) -> String {
    let units = vec![data::units::responses(cols.to_vec())];
    sql_of(model, &units)
}

/// The SQL of the long layout: the responses table, then a table per roster keyed by
/// `respondent_id` and its row numbers, with a foreign key to the table its rows belong to.
fn sql_of(model: &Questionnaire, units: &[data::units::Unit]) -> String {
    let codes = model.survey.missing_codes;
    let mut s = String::new();
    s.push_str(&format!(
        "-- Response table{} for {} (version {}, content hash {}), generated by Quire.\n",
        if units.len() > 1 { "s" } else { "" },
        model.survey.id,
        model.survey.version,
        model.content_hash
    ));
    s.push_str(&format!(
        "-- Codes {} = not applicable, {} = missing. Portable to SQLite, DuckDB and PostgreSQL.\n",
        codes.not_applicable, codes.missing
    ));
    for u in units {
        if u.parent.is_some() {
            s.push_str(&format!(
                "\n-- One row per row of the roster `{}`; the routing rules that read only its own answers are\n-- constraints here, the rest is checked by `quire check-data` (each row with its respondent).\n",
                u.name
            ));
        }
        s.push_str(&sql_table(model, units, u));
    }
    s
}

/// One table's `CREATE TABLE`.
fn sql_table(model: &Questionnaire, units: &[data::units::Unit], u: &data::units::Unit) -> String {
    let index = Index::new(model);
    let codes = model.survey.missing_codes;
    let cols = &u.columns;
    let child = u.parent.is_some();
    let mut s = String::new();
    s.push_str(&format!("CREATE TABLE {} (\n", u.name));
    let lines: Vec<String> = cols
        .iter()
        .map(|c| {
            let label = c.label.replace(['\n', '\r'], " ");
            let ty = match &c.kind {
                ColumnKind::Number | ColumnKind::Completion => "DOUBLE PRECISION NOT NULL".to_string(),
                k if k.is_numeric() => "INTEGER NOT NULL".to_string(),
                ColumnKind::RespondentId if !child => "TEXT NOT NULL PRIMARY KEY".to_string(),
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
                ColumnKind::Mode => format!(
                    " CHECK ({} IN ({}))",
                    c.name,
                    data::MODES.iter().map(|m| sql_str(m)).collect::<Vec<_>>().join(", ")
                ),
                ColumnKind::Duration => format!(" CHECK ({} >= 0 OR {} = {})", c.name, c.name, codes.missing),
                ColumnKind::RowNumber { .. } => format!(" CHECK ({} >= 1)", c.name),
                ColumnKind::RowChoice { .. } => format!(
                    " CHECK ({n} >= 1 OR {n} IN ({}, {}))",
                    codes.not_applicable,
                    codes.missing,
                    n = c.name
                ),
                ColumnKind::RowFlag { .. } => format!(
                    " CHECK ({} IN (0, 1, {}, {}))",
                    c.name, codes.not_applicable, codes.missing
                ),
                ColumnKind::Completion => format!(
                    " CHECK (({n} >= 0 AND {n} <= 1) OR {n} = {})",
                    codes.missing,
                    n = c.name
                ),
                ColumnKind::Integer | ColumnKind::Number => match question_of(&index, c) {
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
    // The routing, as table constraints (docs/data.md, "Eligibility"): one per rule, named
    // after its column, with the reason as a comment.
    let by_name: std::collections::HashMap<&str, &Column> = cols.iter().rev().map(|c| (c.name.as_str(), c)).collect();
    let numeric = |name: &str| by_name.get(name).is_some_and(|c| c.kind.is_numeric());
    let mut lines = lines;
    let (key, parent) = keys(units, u);
    if child {
        lines.push(format!("  PRIMARY KEY ({}) -- the row's key", key.join(", ")));
    }
    if let Some((table, fields)) = parent {
        lines.push(format!(
            "  FOREIGN KEY ({f}) REFERENCES {table} ({f}) -- the row it belongs to",
            f = fields.join(", ")
        ));
    }
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    // A roster's table: the rules that read only its own columns (docs/data.md, "Rosters").
    let rules = if child {
        data::rules::row_rules(model, u).rules
    } else {
        data::rules::rules(model, cols).rules
    };
    for r in &rules {
        let n = count.entry(r.column.as_str()).or_default();
        *n += 1;
        let code = |code: i64| {
            if numeric(&r.column) {
                code.to_string()
            } else {
                sql_str(&code.to_string())
            }
        };
        let must = match r.must {
            Must::NotApplicable => format!("{} = {}", r.column, code(codes.not_applicable)),
            Must::Missing => format!("{} = {}", r.column, code(codes.missing)),
            Must::Blank => format!(
                "{} IN ({}, {})",
                r.column,
                code(codes.not_applicable),
                code(codes.missing)
            ),
            Must::NotNotApplicable => format!("{} <> {}", r.column, code(codes.not_applicable)),
        };
        lines.push(format!(
            "  CONSTRAINT route_{}_{n} CHECK (NOT {} OR {must}) -- {}",
            r.column,
            sql_pred(&r.when, &numeric, codes),
            r.why.replace("--", "- -")
        ));
    }
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
