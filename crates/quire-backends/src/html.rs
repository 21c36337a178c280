//! The model in, web forms out: one self-contained HTML file per audience (`<audience>/form.html`)
//! with inline CSS and JavaScript, live skip logic, validation, save & resume, and a record
//! that follows the data contract ([`quire_core::data`]).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};

use super::{Error, Output, Outputs};
use crate::conditions::Conditions;
use quire_core::data::{self, ColumnKind};
use quire_core::model::{DerivedRule, Instrument, Item, Questionnaire, Severity};

/// Which edition of the form: the production form, the pilot form with a feedback box
/// after each section (stored as `pilot_<section id>`, outside the codebook), or the
/// data-entry view for keying paper and telephone returns (codes beside every answer, the
/// mode recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// The form respondents fill in.
    Production,
    /// The pilot form: a feedback box after each section.
    Pilot,
    /// The study team's view for keying paper and telephone returns.
    Keying,
}

/// One form per audience and language: `<audience>/form.html` in the source language,
/// `<audience>/form.<language>.html` in each other.
pub fn render(model: &Questionnaire, edition: Edition) -> Result<Outputs, Error> {
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
            out.push(Output::new(
                format!("{}/{}", i.audience, form_file(model, lang)),
                form(m, i, edition)?,
            ));
        }
    }
    Ok(out.into())
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

/// A text as the form's model carries it: its string when it is one literal run, else its
/// runs, each literal a string and each piped answer `{"p": variable, "f": fallback}`.
fn packed_text(t: &quire_core::model::Text) -> Json {
    use quire_core::model::Segment;
    if let [Segment::Literal { text }] = &t.segments[..] {
        return json!(text);
    }
    Json::Array(
        t.segments
            .iter()
            .map(|s| match s {
                Segment::Literal { text } => json!(text),
                Segment::Pipe { variable, fallback } => json!({ "p": variable, "f": fallback }),
            })
            .collect(),
    )
}

/// A condition's number in the form's table: the form evaluates the lowered expression, so
/// conditions that lower alike are one. Written straight to text: a tree of JSON values for
/// every condition of a large form was half the memory of its build.
fn number(conditions: &mut Conditions, c: &quire_core::model::Condition) -> usize {
    conditions.number(serde_json::to_string(&c.expr).unwrap_or_default())
}

/// JSON text, already written, as a value to write again as it is.
fn raw(json: String) -> Box<RawValue> {
    RawValue::from_string(json).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// The form's model as the page carries it: its small fields as JSON values, and its large
/// arrays (the pages, the conditions) each element already written as JSON text, so that no
/// tree of JSON values of the whole form is ever held. Written with its keys in order, as a
/// JSON object of all of them (`serde_json`'s maps are ordered by key).
struct Packed {
    fields: serde_json::Map<String, Json>,
    written: Vec<(&'static str, Vec<Box<RawValue>>)>,
    /// How many of the conditions the first page refers to (the first ones).
    first_page_conditions: usize,
}

impl Packed {
    /// The model as one JSON value (for tests that read it as the runtime does).
    fn to_json(&self) -> Json {
        serde_json::to_string(self)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }
}

impl Serialize for Packed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        enum Entry<'a> {
            Value(&'a Json),
            Written(&'a [Box<RawValue>]),
        }
        let mut entries: Vec<(&str, Entry)> = self.fields.iter().map(|(k, v)| (k.as_str(), Entry::Value(v))).collect();
        entries.extend(self.written.iter().map(|(k, v)| (*k, Entry::Written(v))));
        entries.sort_by_key(|(k, _)| *k);
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            match v {
                Entry::Value(v) => map.serialize_entry(k, v)?,
                Entry::Written(v) => map.serialize_entry(k, v)?,
            }
        }
        map.end()
    }
}

/// What the form needs, as JSON embedded in the page, packed: each page's content (from
/// which the runtime builds the page's markup when it is first shown, `Quire.pageHtml`),
/// option lists and conditions written once, and the record's columns grouped. The
/// runtime's `Quire.unpack` gives the routing and record tables back.
pub fn form_model(model: &Questionnaire, instrument: &Instrument, edition: Edition) -> Json {
    packed_model(model, instrument, edition).to_json()
}

/// [`form_model`], as [`form`] writes it.
fn packed_model(model: &Questionnaire, instrument: &Instrument, edition: Edition) -> Packed {
    let audience = &instrument.audience;
    let mut packing = Packing {
        conditions: Conditions::default(),
        lists: Vec::new(),
        list_index: std::collections::HashMap::new(),
        shared_lists: std::collections::HashMap::new(),
        ordinal: 0,
        asked: std::collections::HashSet::new(),
    };
    let mut pages = Vec::new();
    // Conditions are numbered as met, pages in order: the first page's are the first ones.
    let mut first_page_conditions = 0;
    for s in &instrument.sections {
        let items: Vec<Json> = s.items.iter().map(|it| packing.item(it)).collect();
        let mut p = json!({ "id": s.id, "title": packed_text(&s.title), "items": items });
        if let Some(intro) = &s.intro {
            p["intro"] = packed_text(intro);
        }
        // Each page written as it is made: only one page's tree is held at a time.
        pages.push(raw(serde_json::to_string(&p).unwrap_or_default()));
        if pages.len() == 1 {
            first_page_conditions = packing.conditions.len();
        }
    }
    let derived = packed_derived(model);
    let (columns, codes, flag_lists) = packed_columns(model);
    let Packing {
        conditions,
        lists,
        asked,
        ..
    } = packing;
    let fields = json!({
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
        "packed": true,
        "mark": required_marker(instrument),
        "description": model.survey.description.as_ref().map(packed_text),
        "lists": lists,
        "derived": derived,
        // The study's variables this form does not ask (another audience's questions, say), in
        // the model's order: routing gives them "not applicable". The runtime puts the form's own
        // questions' variables before them (`Quire.unpack`).
        "unasked": model.variables.iter().map(|v| v.name.as_str()).filter(|v| !asked.contains(v)).collect::<Vec<_>>(),
        "columns": columns,
        "codes": codes,
        "flag_lists": flag_lists,
    });
    Packed {
        fields: match fields {
            Json::Object(m) => m,
            _ => serde_json::Map::new(),
        },
        written: vec![
            ("content", pages),
            ("conditions", conditions.into_list().into_iter().map(raw).collect()),
        ],
        first_page_conditions,
    }
}

/// What packing a form's pages builds up as it goes: its conditions and option lists, each
/// written once, the questions' numbers and the variables asked.
struct Packing<'m> {
    conditions: Conditions,
    lists: Vec<Json>,
    list_index: std::collections::HashMap<String, usize>,
    /// Questions asked from one choice list share its options in the model: each is looked
    /// up once.
    shared_lists: std::collections::HashMap<usize, usize>,
    ordinal: usize,
    asked: std::collections::HashSet<&'m str>,
}

impl<'m> Packing<'m> {
    /// An item of a page, as the form's runtime reads it.
    fn item(&mut self, it: &'m Item) -> Json {
        let mut j = serde_json::Map::new();
        let put = |j: &mut serde_json::Map<String, Json>, k: &str, v: Json| {
            j.insert(k.to_string(), v);
        };
        match it {
            Item::Question(q) => self.question(q, &mut j),
            // Refused before it comes here (`target::build`: this target does not carry rosters yet).
            Item::Roster(_) => {}
            Item::Screen {
                id, condition, message, ..
            } => {
                put(&mut j, "screen", json!(id));
                put(&mut j, "c", json!(number(&mut self.conditions, condition)));
                put(&mut j, "message", packed_text(message));
            }
            // Shown only when their condition holds; keyed by place, as ids are optional.
            Item::Note {
                title, text, condition, ..
            } => {
                put(&mut j, "note", json!(packed_text(text)));
                if let Some(t) = title {
                    put(&mut j, "title", packed_text(t));
                }
                if let Some(c) = condition {
                    put(&mut j, "c", json!(number(&mut self.conditions, c)));
                }
            }
            Item::Definitions {
                title,
                terms,
                condition,
                ..
            } => {
                let terms = terms
                    .iter()
                    .map(|d| json!({ "term": packed_text(&d.term), "definition": packed_text(&d.definition) }))
                    .collect::<Vec<_>>();
                put(&mut j, "definitions", json!(terms));
                if let Some(t) = title {
                    put(&mut j, "title", packed_text(t));
                }
                if let Some(c) = condition {
                    put(&mut j, "c", json!(number(&mut self.conditions, c)));
                }
            }
        }
        Json::Object(j)
    }

    /// A question: its number, texts, condition, options (a list written once), rows and
    /// validation rules.
    fn question(&mut self, q: &'m quire_core::model::Question, j: &mut serde_json::Map<String, Json>) {
        let put = |j: &mut serde_json::Map<String, Json>, k: &str, v: Json| {
            j.insert(k.to_string(), v);
        };
        self.ordinal += 1;
        self.asked.extend(q.variable_names());
        put(j, "q", json!(q.id));
        put(j, "kind", json!(q.kind.name()));
        // Numbered in order ("Q1", "Q2", …) unless the spec numbers it otherwise.
        if q.number != format!("Q{}", self.ordinal) {
            put(j, "number", json!(q.number));
        }
        put(j, "text", packed_text(&q.text));
        if q.label != q.text.plain() {
            put(j, "label", json!(q.label));
        }
        if let Some(h) = &q.hint {
            put(j, "hint", packed_text(h));
        }
        if q.required {
            put(j, "required", json!(true));
        }
        if let Some(c) = &q.condition {
            put(j, "c", json!(number(&mut self.conditions, c)));
        }
        if let Some(&n) = self.shared_lists.get(&(q.options.as_ptr() as usize)) {
            put(j, "options", json!(n));
        } else if !q.options.is_empty() {
            let options = Json::Array(
                q.options
                    .iter()
                    .map(|o| {
                        let mut j = json!({ "value": o.value, "code": o.code, "label": packed_text(&o.label) });
                        if o.exclusive {
                            j["exclusive"] = json!(true);
                        }
                        if o.other {
                            j["other"] = json!(true);
                        }
                        j
                    })
                    .collect(),
            );
            let key = options.to_string();
            let n = *self.list_index.entry(key).or_insert_with(|| {
                self.lists.push(options);
                self.lists.len() - 1
            });
            self.shared_lists.insert(q.options.as_ptr() as usize, n);
            put(j, "options", json!(n));
        }
        if !q.rows.is_empty() {
            let rows = q
                .rows
                .iter()
                .map(|r| {
                    let mut j = json!({ "variable": r.variable, "label": packed_text(&r.label) });
                    if let Some(n) = &r.number {
                        j["number"] = json!(n);
                    }
                    j
                })
                .collect::<Vec<_>>();
            put(j, "rows", json!(rows));
        }
        if let Some(u) = &q.unit {
            put(j, "unit", packed_text(u));
        }
        for (k, v) in [("min", q.min), ("max", q.max)] {
            if let Some(v) = v {
                put(j, k, json!(v));
            }
        }
        for (k, v) in [
            ("decimals", q.decimals),
            ("max_length", q.max_length),
            ("min_selected", q.min_selected),
            ("max_selected", q.max_selected),
        ] {
            if let Some(v) = v {
                put(j, k, json!(v));
            }
        }
        if !q.validations.is_empty() {
            let v = q
                .validations
                .iter()
                .map(|v| {
                    let mut j =
                        json!({ "check": number(&mut self.conditions, &v.check), "message": v.message.plain() });
                    if v.severity == Severity::Warning {
                        j["warning"] = json!(true);
                    }
                    j
                })
                .collect::<Vec<_>>();
            put(j, "validations", json!(v));
        }
    }
}

/// The derived variables as the form computes them: inputs, and the rule's expressions.
fn packed_derived(model: &Questionnaire) -> Vec<Json> {
    model
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
        .collect()
}

/// The record's columns as the form packs them (`variable` only where it is not the name,
/// codes by choice list, a multiple-choice question's flag columns as one entry), the codes
/// of each list, and the flag lists.
fn packed_columns(model: &Questionnaire) -> (Vec<Json>, serde_json::Map<String, Json>, serde_json::Map<String, Json>) {
    let mut columns: Vec<Json> = Vec::new();
    let mut codes = serde_json::Map::new();
    for c in data::columns(model) {
        let mut j = json!({ "name": c.name });
        if c.variable != c.name {
            j["variable"] = json!(c.variable);
        }
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
            // Rosters reach the form with "Rosters and loops (2 of 2)"; the target refuses
            // a model with one until then (target::Info::rosters).
            ColumnKind::RowNumber { .. } => "row_number",
            ColumnKind::RowChoice { .. } => "row_choice",
            ColumnKind::RowFlag { .. } => "row_flag",
            ColumnKind::Code { list } => {
                if !codes.contains_key(list) {
                    let table: serde_json::Map<String, Json> = model
                        .choice_list(list)
                        .map(|l| l.options.iter().map(|o| (o.value.clone(), json!(o.code))).collect())
                        .unwrap_or_default();
                    codes.insert(list.clone(), Json::Object(table));
                }
                j["list"] = json!(list);
                "code"
            }
            ColumnKind::Flag { value, .. } => {
                // Flags of one variable follow each other: one entry, `[name, value]` each.
                let same = columns.last_mut().filter(|l| {
                    l["kind"] == "flags"
                        && l["variable"] == json!(c.variable)
                        && l.get("audiences") == j.get("audiences")
                });
                if let Some(last) = same {
                    if let Some(flags) = last["flags"].as_array_mut() {
                        flags.push(json!([c.name, value]));
                    }
                    continue;
                }
                j = json!({ "variable": c.variable, "flags": [[c.name, value]] });
                if c.audiences.len() < model.audiences.len() {
                    j["audiences"] = json!(c.audiences);
                }
                "flags"
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
        columns.push(j);
    }
    // A multiple-choice question's flags, when they are one per option of its list, named as
    // the data contract names them (`data::option_column`): the list alone. Its options, in
    // order with their codes, are written once in `flag_lists`.
    let mut flag_lists = serde_json::Map::new();
    let list_of: std::collections::HashMap<&str, &str> = model
        .variables
        .iter()
        .filter_map(|v| Some((v.name.as_str(), v.choice_list.as_deref()?)))
        .collect();
    for c in &mut columns {
        if c["kind"] != "flags" {
            continue;
        }
        let variable = c["variable"].as_str().unwrap_or_default().to_string();
        let Some(list) = list_of.get(variable.as_str()).and_then(|l| model.choice_list(l)) else {
            continue;
        };
        let flags = c["flags"].as_array().cloned().unwrap_or_default();
        let derived: Vec<Json> = list
            .options
            .iter()
            .map(|o| json!([data::option_column(&variable, o.code), o.value]))
            .collect();
        if flags != derived {
            continue;
        }
        flag_lists
            .entry(list.id.clone())
            .or_insert_with(|| Json::Array(list.options.iter().map(|o| json!([o.value, o.code])).collect()));
        if let Some(m) = c.as_object_mut() {
            m.remove("flags");
            m.insert("list".into(), json!(list.id));
        }
    }
    // Most columns are a kind, a name and perhaps a choice list: written as `[kind, name]` or
    // `[kind, name, list]` (for flags, the variable in place of the name), two fifths of the
    // bytes of the object. Any other column stays an object.
    for c in &mut columns {
        let Some(o) = c.as_object() else { continue };
        let kind = o.get("kind").and_then(Json::as_str).unwrap_or_default();
        let named = if kind == "flags" { "variable" } else { "name" };
        let plain = o.len() <= 3
            && o.get(named).is_some_and(Json::is_string)
            && o.get("list").is_none_or(Json::is_string)
            && o.keys().all(|k| k == "kind" || k == named || k == "list");
        if plain {
            let mut tuple = vec![json!(kind), o[named].clone()];
            tuple.extend(o.get("list").cloned());
            *c = Json::Array(tuple);
        }
    }
    (columns, codes, flag_lists)
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

/// The parts of the form model only a record needs, which `form` writes apart (`quire-record`).
const RECORD_TABLES: [&str; 3] = ["columns", "codes", "flag_lists"];

/// From this many bytes of JSON, a form carries its pages after the first (and, apart, its
/// record's tables) deflated, in base64: the browser then reads a fifth or less of the
/// text before it runs the form's script, and the runtime inflates them when a later page
/// or a record is first needed (inflate.js, included in such a form only).
const DEFLATE_FROM: usize = 32 * 1024;

/// `json`, deflated (raw DEFLATE, RFC 1951), in base64.
fn deflated(json: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 6))
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` as \u escapes.
fn script_json(v: &impl Serialize) -> String {
    serde_json::to_string(v)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// One audience's form as a self-contained page, in the model's current language.
pub fn form(model: &Questionnaire, instrument: &Instrument, edition: Edition) -> Result<String, Error> {
    let file = format!("{}/{}", instrument.audience, form_file(model, &model.survey.language));
    let mut env = super::environment();
    env.add_template("form.html", include_str!("templates/form.html.j2"))
        .map_err(|e| Error::template("html", &file, &e))?;
    let audience = model.audiences.iter().find(|a| a.id == instrument.audience);
    // The record's tables (columns and codes) in an element of their own: the form reads them
    // when it first makes a record, not before showing the first page.
    let mut packed = packed_model(model, instrument, edition);
    let mut record = serde_json::Map::new();
    for k in RECORD_TABLES {
        if let Some(v) = packed.fields.remove(k) {
            record.insert(k.to_string(), v);
        }
    }
    // The pages after the first and the conditions only they refer to, deflated as one
    // (`rest`: `{"content": [...], "conditions": [...]}`), when they are long.
    let mut inflater = false;
    let first = packed.first_page_conditions;
    // Where the later part of each written array starts: the second page, the first
    // condition the first page does not refer to.
    let from = |key: &str| if key == "content" { 1 } else { first };
    let later: usize = packed
        .written
        .iter()
        .flat_map(|(key, list)| list.iter().skip(from(key)))
        .map(|v| v.get().len())
        .sum();
    if later >= DEFLATE_FROM {
        let mut rest: std::collections::BTreeMap<&str, Vec<Box<RawValue>>> = Default::default();
        for (key, list) in packed.written.iter_mut() {
            rest.insert(key, list.drain(from(key).min(list.len())..).collect());
        }
        let text = serde_json::to_string(&rest).map_err(|e| Error::new("html", &file, e))?;
        packed.fields.insert("rest".into(), Json::String(deflated(&text)));
        inflater = true;
    }
    let record = Json::Object(record);
    let record_json = match serde_json::to_string(&record).map_err(|e| Error::new("html", &file, e))? {
        text if text.len() >= DEFLATE_FROM => {
            inflater = true;
            script_json(&Json::String(deflated(&text)))
        }
        _ => script_json(&record),
    };
    let script = format!(
        "{}{}\n{}",
        if inflater {
            concat!(include_str!("templates/inflate.js"), "\n")
        } else {
            ""
        },
        include_str!("templates/runtime.js"),
        include_str!("templates/form.js")
    );
    let ctx = minijinja::context! {
        survey => minijinja::Value::from(minijinja::value::Serde(&model.survey)),
        audience => minijinja::Value::from(minijinja::value::Serde(audience)),
        // The page shells, one per section: their content is in the model (`model_json`),
        // from which the runtime builds each page's markup.
        sections => instrument.sections.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        pilot => edition == Edition::Pilot,
        keying => edition == Edition::Keying,
        css => minijinja::Value::from_safe_string(include_str!("templates/form.css").to_string()),
        script => minijinja::Value::from_safe_string(script),
        model_json => minijinja::Value::from_safe_string(script_json(&packed)),
        record_json => minijinja::Value::from_safe_string(record_json),
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
        .map_err(|e| Error::template("html", &file, &e))
}
