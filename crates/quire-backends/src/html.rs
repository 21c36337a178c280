//! The model in, web forms out: one self-contained HTML file per audience (`<audience>/form.html`)
//! with inline CSS and JavaScript, live skip logic, validation, save & resume, and a record
//! that follows the data contract ([`quire_core::data`]).

use serde_json::{Value as Json, json};

use super::File;
use quire_core::data::{self, ColumnKind};
use quire_core::model::{DerivedRule, Instrument, Item, Questionnaire, Severity};

/// Which edition of the form: the production form, the pilot form with a feedback box
/// after each section (stored as `pilot_<section id>`, outside the codebook), or the
/// data-entry view for keying paper and telephone returns (codes beside every answer, the
/// mode recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Production,
    Pilot,
    Keying,
}

/// One form per audience and language: `<audience>/form.html` in the source language,
/// `<audience>/form.<language>.html` in each other.
pub fn render(model: &Questionnaire, edition: Edition) -> Vec<File> {
    let mut out = Vec::new();
    for (n, lang) in model.languages.iter().enumerate() {
        let translated;
        let m = if n == 0 {
            model
        } else {
            translated = model.in_language(lang);
            &translated
        };
        for i in &m.instruments {
            out.push((
                format!("{}/{}", i.audience, form_file(model, lang)),
                form(m, i, edition).into_bytes(),
            ));
        }
    }
    out
}

/// The file name of a language's form, beside the others of its audience.
pub fn form_file(model: &Questionnaire, lang: &str) -> String {
    if model.languages.first().is_none_or(|l| l == lang) {
        "form.html".to_string()
    } else {
        format!("form.{lang}.html")
    }
}

/// Quire's own words for the form ([`quire_core::ui`]) in the model's language.
fn ui_table(model: &Questionnaire) -> Json {
    quire_core::ui::STRINGS
        .iter()
        .map(|(k, _)| (k.to_string(), Json::String(model.ui_text(k))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// A language's name in that language, for the switcher (the tag itself when not known).
pub fn language_name(tag: &str) -> String {
    let base = tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let name = match base.as_str() {
        "en" => "English",
        "cy" => "Cymraeg",
        "ga" => "Gaeilge",
        "gd" => "Gàidhlig",
        "kw" => "Kernewek",
        "fr" => "Français",
        "de" => "Deutsch",
        "es" => "Español",
        "it" => "Italiano",
        "pt" => "Português",
        "nl" => "Nederlands",
        "pl" => "Polski",
        "ro" => "Română",
        "lt" => "Lietuvių",
        "tr" => "Türkçe",
        "ar" => "العربية",
        "ur" => "اردو",
        "bn" => "বাংলা",
        "pa" => "ਪੰਜਾਬੀ",
        "gu" => "ગુજરાતી",
        "hi" => "हिन्दी",
        "zh" => "中文",
        "so" => "Soomaali",
        _ => return tag.to_string(),
    };
    name.to_string()
}

/// What the runtime needs to route, validate and encode, as JSON embedded in the page.
pub fn form_model(model: &Questionnaire, instrument: &Instrument, edition: Edition) -> Json {
    let audience = &instrument.audience;
    let mut items = Vec::new();
    let mut questions = serde_json::Map::new();
    let mut labels = serde_json::Map::new();
    for (page, s) in instrument.sections.iter().enumerate() {
        for (position, it) in s.items.iter().enumerate() {
            match it {
                Item::Question(q) => {
                    items.push(json!({ "item": "question", "id": q.id, "condition": q.condition.as_ref().map(|c| &c.expr), "variables": q.variable_names() }));
                    let options: Vec<Json> = q
                        .options
                        .iter()
                                                .map(|o| {
                            let mut j = json!({ "value": o.value });
                            if o.exclusive {
                                j["exclusive"] = json!(true);
                            }
                            if o.other {
                                j["other"] = json!(true);
                            }
                            j
                        })
                        .collect();
                    for o in &q.options {
                        labels.insert(format!("{}={}", q.id, o.value), json!(o.label.plain()));
                    }
                    let mut j = json!({
                        "kind": q.kind.name(), "page": page, "number": q.number, "label": q.label,
                        "options": options, "variables": q.variable_names(),
                        "rows": q.rows.iter().map(|r| json!({ "variable": r.variable, "label": r.label.plain() })).collect::<Vec<_>>(),
                        "validations": q.validations.iter().map(|v| {
                            let mut j = json!({ "check": v.check.expr, "message": v.message.plain() });
                            if v.severity == Severity::Warning {
                                j["warning"] = json!(true);
                            }
                            j
                        }).collect::<Vec<_>>(),
                    });
                    // Only what is set: a form of 5,000 questions must stay quick to load.
                    if q.required {
                        j["required"] = json!(true);
                    }
                    for (k, v) in [("min", q.min), ("max", q.max)] {
                        if let Some(v) = v {
                            j[k] = json!(v);
                        }
                    }
                    for (k, v) in [("decimals", q.decimals), ("max_length", q.max_length), ("min_selected", q.min_selected), ("max_selected", q.max_selected)] {
                        if let Some(v) = v {
                            j[k] = json!(v);
                        }
                    }
                    questions.insert(q.id.clone(), j);
                }
                Item::Screen {
                    id, condition, message, ..
                } => {
                    items.push(json!({ "item": "screen", "id": id, "condition": condition.expr, "page": page, "message": message.plain() }))
                }
                // Shown only when their condition holds; keyed by place, as ids are optional.
                Item::Note { condition: Some(c), .. } | Item::Definitions { condition: Some(c), .. } => {
                    items.push(json!({ "item": "note", "id": format!("{}-{position}", s.id), "condition": c.expr }))
                }
                _ => {}
            }
        }
    }
    let derived: Vec<Json> = model
        .derived
        .iter()
        .map(|d| {
            let mut j = json!({ "id": d.id, "audiences": d.audiences, "inputs": model.derived_inputs(d) });
            match &d.rule {
                DerivedRule::Expr { expr } => {
                    j["rule"] = json!("expr");
                    j["expr"] = json!(expr.expr);
                }
                DerivedRule::Cases { cases, .. } => {
                    j["rule"] = json!("cases");
                    j["cases"] = json!(
                        cases
                            .iter()
                            .map(|c| json!({ "when": c.when.expr, "value": c.value }))
                            .collect::<Vec<_>>()
                    );
                }
            }
            j
        })
        .collect();
    let columns: Vec<Json> = data::columns(model)
        .into_iter()
        .map(|c| {
            let mut j = json!({ "name": c.name, "variable": c.variable });
            if c.audiences.len() < model.audiences.len() {
                j["audiences"] = json!(c.audiences);
            }
            let kind = match &c.kind {
                ColumnKind::RespondentId => "respondent_id",
                ColumnKind::Audience => "audience",
                ColumnKind::SpecVersion => "spec_version",
                ColumnKind::SpecHash => "spec_hash",
                ColumnKind::Mode => "mode",
                ColumnKind::Language => "language",
                ColumnKind::Timestamp => "timestamp",
                ColumnKind::Duration => "duration",
                ColumnKind::Completion => "completion",
                ColumnKind::Code { list } => {
                    let codes: serde_json::Map<String, Json> = model
                        .choice_list(list)
                        .map(|l| l.options.iter().map(|o| (o.value.clone(), json!(o.code))).collect())
                        .unwrap_or_default();
                    j["codes"] = Json::Object(codes);
                    "code"
                }
                ColumnKind::Flag { value, .. } => {
                    j["value"] = json!(value);
                    "flag"
                }
                ColumnKind::WriteIn { list } => {
                    let others: Vec<&str> = model
                        .choice_list(list)
                        .map(|l| l.options.iter().filter(|o| o.other).map(|o| o.value.as_str()).collect())
                        .unwrap_or_default();
                    j["others"] = json!(others);
                    "write_in"
                }
                ColumnKind::Text => "text",
                ColumnKind::Integer => "integer",
                ColumnKind::Number => "number",
                ColumnKind::Date => "date",
                ColumnKind::Boolean => "boolean",
            };
            j["kind"] = json!(kind);
            j
        })
        .collect();
    json!({
        "survey": model.survey.id,
        "version": model.survey.version,
        "content_hash": model.content_hash,
        "language": model.survey.language,
        // Quire's own words, in the form's language (English, or the model's translation).
        "ui": ui_table(model),
        "audience": audience,
        // By survey, version and audience: a redeploy of the same version keeps answers in
        // progress (the form keeps those that still fit it).
        "storage_key": format!(
            "quire:{}:{}:{}{}",
            model.survey.id,
            model.survey.version,
            audience,
            if edition == Edition::Keying { ":keying" } else { "" }
        ),
        "resume_hours": model.survey.resume_hours,
        "submit_url": model.survey.submit_url,
        "submit_timeout_s": 30,
        "missing_codes": model.survey.missing_codes,
        "pilot": edition == Edition::Pilot,
        "keying": edition == Edition::Keying,
        "server": model.survey.server,
        "pages": instrument.sections.iter().map(|s| json!({ "id": s.id, "title": s.title.plain() })).collect::<Vec<_>>(),
        "items": items,
        "questions": questions,
        "labels": labels,
        "derived": derived,
        "variables": model.variables.iter().map(|v| &v.name).collect::<Vec<_>>(),
        "columns": columns,
    })
}

/// Which questions a form marks: the fewer of the required and the optional ones, so a
/// respondent is told the exception (GOV.UK marks optional questions where most are required).
fn required_marker(instrument: &Instrument) -> &'static str {
    let (mut required, mut optional) = (0usize, 0usize);
    for it in instrument.sections.iter().flat_map(|s| &s.items) {
        if let Item::Question(q) = it {
            if q.required {
                required += 1;
            } else {
                optional += 1;
            }
        }
    }
    if optional < required { "optional" } else { "required" }
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` as \u escapes.
fn script_json(v: &Json) -> String {
    serde_json::to_string(v)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub fn form(model: &Questionnaire, instrument: &Instrument, edition: Edition) -> String {
    let mut env = super::environment();
    let _ = env.add_template("form.html", include_str!("templates/form.html.j2"));
    let audience = model.audiences.iter().find(|a| a.id == instrument.audience);
    let ctx = minijinja::context! {
        survey => minijinja::Value::from(minijinja::value::Serde(&model.survey)),
        audience => minijinja::Value::from(minijinja::value::Serde(audience)),
        sections => minijinja::Value::from(minijinja::value::Serde(&instrument.sections)),
        pilot => edition == Edition::Pilot,
        keying => edition == Edition::Keying,
        mark => required_marker(instrument),
        css => minijinja::Value::from_safe_string(include_str!("templates/form.css").to_string()),
        script => minijinja::Value::from_safe_string(format!("{}\n{}", include_str!("templates/runtime.js"), include_str!("templates/form.js"))),
        model_json => minijinja::Value::from_safe_string(script_json(&form_model(model, instrument, edition))),
        ui => minijinja::Value::from(minijinja::value::Serde(ui_table(model))),
        languages => minijinja::Value::from(minijinja::value::Serde(if model.languages.len() > 1 {
            model.languages.iter().map(|l| json!({
                "tag": l,
                "name": language_name(l),
                "href": form_file(model, l),
                "current": *l == model.survey.language,
            })).collect::<Vec<_>>()
        } else {
            Vec::new()
        })),
    };
    env.get_template("form.html")
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| format!("<!-- template error: {e} -->"))
}
