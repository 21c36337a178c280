//! The model in, XLSForm workbooks out (`xlsform/<audience>.xlsx`: `survey`, `choices` and
//! `settings` sheets), for teams that keep their forms as spreadsheets (KoboToolbox, ODK
//! Central's form upload, SurveyCTO).
//!
//! The workbook is the XForm of [`crate::xform`] written as rows: one source, so pyxform turns
//! it back into an XForm with the same fields, relevants, constraints and calculates (the
//! test suite checks that, and runs ODK Validate on the result). Absolute paths become
//! `${name}` references.

use std::collections::HashMap;

use quire_core::model::{Instrument, Questionnaire};
use rust_xlsxwriter::{Format, Workbook};

use super::{Error, Output, Outputs, Warning};

const JR: &str = "http://openrosa.org/javarosa";

/// One workbook per audience.
/// What the XForm leaves out, the workbook leaves out too: its warnings are the XForm's.
pub fn render(model: &Questionnaire) -> Result<Outputs, Error> {
    let mut out = Outputs::default();
    for i in &model.instruments {
        let name = format!("{}.xlsx", i.audience);
        let (xml, warnings) = super::xform::form_warned(model, i);
        out.warnings
            .extend(warnings.into_iter().map(|w| Warning { target: "xlsform", ..w }));
        let book = workbook_of(model, i, &xml, &mut out.warnings).map_err(|e| Error::new("xlsform", &name, e))?;
        out.files.push(Output::new(name, book));
    }
    Ok(out)
}

const SURVEY_COLUMNS: [&str; 12] = [
    "type",
    "name",
    "hint",
    "relevant",
    "constraint",
    "constraint_message",
    "required",
    "calculation",
    "appearance",
    "read_only",
    "repeat_count",
    "choice_filter",
];

/// A question's options, each as its sorted (column, text) pairs: equal sets share a list.
type OptionSet = Vec<Vec<(String, String)>>;

/// The XForm as XLSForm rows: (survey rows, choices rows, settings).
struct Rows {
    survey: Vec<HashMap<String, String>>,
    choices: Vec<HashMap<String, String>>,
    label_columns: Vec<String>,
    /// Each distinct set of options written so far, and its list's name.
    lists: Vec<(OptionSet, String)>,
}

/// `${name}` for every path of the form: absolute ones longest first, whole names only, and
/// those relative to a row (`../sex`, `../../age`, `../birth`), which pyxform writes back
/// relative when the reference is in the same repeat.
fn references(expr: &str, names: &[(String, String)]) -> String {
    let mut out = relative_references(expr, names);
    for (path, name) in names {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(path.as_str()) {
            let after = &rest[i + path.len()..];
            let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '/');
            result.push_str(&rest[..i]);
            if whole {
                result.push_str(&format!("${{{name}}}"));
            } else {
                result.push_str(path);
            }
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// `../sex` → `${sex}`: a path up from a row's field and down to a named node.
fn relative_references(expr: &str, names: &[(String, String)]) -> String {
    let named = |n: &str| names.iter().any(|(_, name)| name == n);
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(i) = rest.find("../") {
        let before = rest[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '/') {
            out.push_str(&rest[..i + 3]);
            rest = &rest[i + 3..];
            continue;
        }
        out.push_str(&rest[..i]);
        let mut path = &rest[i..];
        while let Some(p) = path.strip_prefix("../") {
            path = p;
        }
        let end = path
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '/'))
            .unwrap_or(path.len());
        let last = path[..end].rsplit('/').next().unwrap_or("");
        let after = &path[end..];
        if named(last) {
            out.push_str(&format!("${{{last}}}"));
        } else {
            out.push_str(&rest[i..rest.len() - after.len()]);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn rows(model: &Questionnaire, xml: &str) -> Result<Rows, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    let ordered: Vec<(&str, roxmltree::Node)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("bind"))
        .filter_map(|b| Some((b.attribute("nodeset")?, b)))
        .collect();
    let binds: HashMap<&str, roxmltree::Node> = ordered.iter().copied().collect();
    let mut names: Vec<(String, String)> = binds
        .keys()
        .map(|p| (p.to_string(), p.rsplit('/').next().unwrap_or(p).to_string()))
        .collect();
    names.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    // itext: language → id → value.
    let mut itext: Vec<(String, HashMap<String, String>)> = Vec::new();
    for t in doc.descendants().filter(|n| n.has_tag_name("translation")) {
        let lang = t.attribute("lang").unwrap_or("").to_string();
        let texts = t
            .children()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| {
                let value = n.children().find(|v| v.has_tag_name("value"))?;
                Some((n.attribute("id")?.to_string(), mixed(value, &names)))
            })
            .collect();
        itext.push((lang, texts));
    }
    let label_columns: Vec<String> = if itext.is_empty() {
        vec!["label".to_string()]
    } else {
        itext.iter().map(|(l, _)| format!("label::{l}")).collect()
    };
    let hint_columns: Vec<String> = if itext.is_empty() {
        vec!["hint".to_string()]
    } else {
        itext.iter().map(|(l, _)| format!("hint::{l}")).collect()
    };
    // A label or hint: inline, or one per language by itext id.
    let text_of = |node: roxmltree::Node, tag: &str, columns: &[String], row: &mut HashMap<String, String>| {
        let Some(l) = node.children().find(|c| c.has_tag_name(tag)) else {
            return;
        };
        match l
            .attribute("ref")
            .and_then(|r| r.strip_prefix("jr:itext('"))
            .and_then(|r| r.strip_suffix("')"))
        {
            Some(id) => {
                for ((_, texts), col) in itext.iter().zip(columns) {
                    row.insert(col.clone(), texts.get(id).cloned().unwrap_or_default());
                }
            }
            None => {
                row.insert(columns[0].clone(), mixed(l, &names));
            }
        }
    };
    let mut out = Rows {
        survey: Vec::new(),
        choices: Vec::new(),
        label_columns: label_columns.iter().chain(&hint_columns).cloned().collect(),
        lists: Vec::new(),
    };
    for meta in ["start", "end"] {
        out.survey.push(HashMap::from([
            ("type".to_string(), meta.to_string()),
            ("name".to_string(), meta.to_string()),
        ]));
    }
    let bind_columns = |path: &str, row: &mut HashMap<String, String>| {
        let Some(b) = binds.get(path) else { return };
        for (attr, col) in [
            ("relevant", "relevant"),
            ("constraint", "constraint"),
            ("calculate", "calculation"),
        ] {
            if let Some(v) = b.attribute(attr) {
                row.insert(col.to_string(), references(v, &names));
            }
        }
        if let Some(m) = b.attribute((JR, "constraintMsg")) {
            row.insert("constraint_message".into(), m.to_string());
        }
        if b.attribute("required") == Some("true()") {
            row.insert("required".into(), "yes".into());
        }
    };
    let walker = Walk {
        label_columns: &label_columns,
        hint_columns: &hint_columns,
        text_of: &text_of,
        bind_columns: &bind_columns,
        binds: &binds,
        ordered: &ordered,
        names: &names,
        model,
    };
    if let Some(body) = doc.descendants().find(|n| n.tag_name().name() == "body") {
        walker.walk(body, &mut out);
    }
    // Derived variables: calculates, which have no control in the body (those of a group
    // or a row are written inside it, by the walk).
    for (path, b) in &ordered {
        if b.attribute("calculate").is_some() && parent_of(path) == "/data" {
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            let mut row = HashMap::from([
                ("type".to_string(), "calculate".to_string()),
                ("name".to_string(), name),
            ]);
            bind_columns(path, &mut row);
            out.survey.push(row);
        }
    }
    Ok(out)
}

type Row = HashMap<String, String>;
/// Writes a control's label or hint into a row's label columns.
type TextOf<'a> = &'a dyn Fn(roxmltree::Node, &str, &[String], &mut Row);

/// The body's controls, walked into survey and choices rows.
struct Walk<'a, 'x, 'i> {
    label_columns: &'a [String],
    hint_columns: &'a [String],
    text_of: TextOf<'a>,
    bind_columns: &'a dyn Fn(&str, &mut Row),
    binds: &'a HashMap<&'x str, roxmltree::Node<'x, 'i>>,
    /// The binds in the form's order.
    ordered: &'a [(&'x str, roxmltree::Node<'x, 'i>)],
    /// Each node's path and name, longest path first.
    names: &'a [(String, String)],
    model: &'a Questionnaire,
}

/// The path of the node a path is in: `/data/s` for `/data/s/q`.
fn parent_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

impl Walk<'_, '_, '_> {
    fn walk(&self, node: roxmltree::Node, out: &mut Rows) {
        let (label_columns, hint_columns, binds) = (self.label_columns, self.hint_columns, self.binds);
        let (text_of, bind_columns) = (self.text_of, self.bind_columns);
        let controls = ["group", "select1", "select", "input"];
        for c in node.children().filter(|c| controls.contains(&c.tag_name().name())) {
            let Some(path) = c.attribute("ref") else { continue };
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            let mut row = HashMap::from([("name".to_string(), name.clone())]);
            text_of(c, "label", label_columns, &mut row);
            text_of(c, "hint", hint_columns, &mut row);
            bind_columns(path, &mut row);
            if let Some(a) = c.attribute("appearance") {
                row.insert("appearance".into(), a.to_string());
            }
            let bind_type = binds.get(path).and_then(|b| b.attribute("type")).unwrap_or("string");
            let readonly = binds.get(path).and_then(|b| b.attribute("readonly")) == Some("true()");
            match c.tag_name().name() {
                "group" => {
                    // A roster: its group holds its repeat.
                    let repeat = c.children().find(|r| r.has_tag_name("repeat"));
                    let (begin, end) = if repeat.is_some() {
                        ("begin_repeat", "end_repeat")
                    } else {
                        ("begin_group", "end_group")
                    };
                    row.insert("type".into(), begin.into());
                    if let Some(count) = repeat.and_then(|r| r.attribute((JR, "count"))) {
                        row.insert("repeat_count".into(), references(count, self.names));
                    }
                    out.survey.push(row);
                    self.walk(repeat.unwrap_or(c), out);
                    self.calculates(path, out);
                    out.survey.push(HashMap::from([("type".to_string(), end.to_string())]));
                }
                tag @ ("select1" | "select") => {
                    let kind = if tag == "select1" {
                        "select_one"
                    } else {
                        "select_multiple"
                    };
                    // The options, as choices rows; questions with the same options share
                    // one list (named after the first), as a designer would write it.
                    // A choice among a roster's rows: `select_one ${_person_row}`, pyxform's
                    // choice from a repeat (labelled by the row's number).
                    if let Some(itemset) = c.children().find(|i| i.has_tag_name("itemset")) {
                        let value = itemset
                            .children()
                            .find(|v| v.has_tag_name("value"))
                            .and_then(|v| v.attribute("ref"))
                            .unwrap_or("");
                        if kind == "select_one" {
                            row.insert("type".into(), format!("{kind} ${{{value}}}"));
                        } else {
                            // pyxform cannot yet choose several from a repeat: a list of the
                            // rows' numbers, filtered to the rows there are.
                            let roster = value.trim_start_matches('_').trim_end_matches("_row");
                            let most = self.model.roster(roster).map_or(0, |r| r.max_rows);
                            let list = format!("rows_{roster}");
                            if !out.choices.iter().any(|c| c.get("list_name") == Some(&list)) {
                                for k in 1..=most {
                                    let mut choice = HashMap::from([
                                        ("list_name".to_string(), list.clone()),
                                        ("name".to_string(), k.to_string()),
                                    ]);
                                    for l in label_columns {
                                        choice.insert(l.clone(), k.to_string());
                                    }
                                    out.choices.push(choice);
                                }
                            }
                            let rows = itemset.attribute("nodeset").unwrap_or("");
                            row.insert("type".into(), format!("{kind} {list}"));
                            row.insert(
                                "choice_filter".into(),
                                format!("name <= count({})", references(rows, self.names)),
                            );
                        }
                        out.survey.push(row);
                        continue;
                    }
                    let mut options: Vec<Row> = Vec::new();
                    for item in c.children().filter(|i| i.has_tag_name("item")) {
                        let value = item
                            .children()
                            .find(|v| v.has_tag_name("value"))
                            .and_then(|v| v.text())
                            .unwrap_or("")
                            .to_string();
                        let mut choice = HashMap::from([("name".to_string(), value)]);
                        text_of(item, "label", label_columns, &mut choice);
                        options.push(choice);
                    }
                    let key: OptionSet = options
                        .iter()
                        .map(|o| {
                            let mut v: Vec<(String, String)> = o.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                            v.sort();
                            v
                        })
                        .collect();
                    let list = match out.lists.iter().find(|(k, _)| *k == key) {
                        Some((_, list)) => list.clone(),
                        None => {
                            out.lists.push((key, name.clone()));
                            for mut o in options {
                                o.insert("list_name".into(), name.clone());
                                out.choices.push(o);
                            }
                            name.clone()
                        }
                    };
                    row.insert("type".into(), format!("{kind} {list}"));
                    out.survey.push(row);
                }
                _ => {
                    let kind = match (bind_type, readonly) {
                        (_, true) => "note",
                        ("int", _) => "integer",
                        ("decimal", _) => "decimal",
                        ("date", _) => "date",
                        _ => "text",
                    };
                    row.insert("type".into(), kind.into());
                    out.survey.push(row);
                }
            }
        }
    }
}

impl Walk<'_, '_, '_> {
    /// The calculates of a group or a row (a repeat's count, a row's number), at its end.
    fn calculates(&self, container: &str, out: &mut Rows) {
        for (path, b) in self.ordered {
            if b.attribute("calculate").is_some() && parent_of(path) == container {
                let name = path.rsplit('/').next().unwrap_or(path).to_string();
                let mut row = HashMap::from([
                    ("type".to_string(), "calculate".to_string()),
                    ("name".to_string(), name),
                ]);
                (self.bind_columns)(path, &mut row);
                out.survey.push(row);
            }
        }
    }
}

/// A label's mixed content: its text, with each `<output value="…"/>` as `${name}`.
fn mixed(node: roxmltree::Node, names: &[(String, String)]) -> String {
    node.children()
        .map(|c| {
            if c.is_text() {
                c.text().unwrap_or("").to_string()
            } else if c.has_tag_name("output") {
                let v = c.attribute("value").unwrap_or("");
                // `jr:choice-name(path, 'path')`: the choice's label, as pyxform writes it.
                match v.strip_prefix("jr:choice-name(").and_then(|r| r.split(',').next()) {
                    Some(p) => references(p.trim(), names),
                    None => references(v, names),
                }
            } else {
                String::new()
            }
        })
        .collect()
}

/// One audience's workbook (its warnings dropped: [`render`] returns them).
pub fn workbook(model: &Questionnaire, instrument: &Instrument) -> Result<Vec<u8>, Error> {
    let xml = super::xform::form(model, instrument);
    workbook_of(model, instrument, &xml, &mut Vec::new())
        .map_err(|e| Error::new("xlsform", format!("{}.xlsx", instrument.audience), e))
}

/// What a spreadsheet cell holds at most, in UTF-16 units.
const CELL: usize = 32_767;

/// A text as a cell holds it: whole, or its first [`CELL`] units and a warning.
fn fitted<'a>(
    text: &'a str,
    column: &str,
    name: Option<&String>,
    warnings: &mut Vec<Warning>,
) -> std::borrow::Cow<'a, str> {
    if text.encode_utf16().count() <= CELL {
        return text.into();
    }
    let mut units = 0;
    let kept: String = text
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= CELL
        })
        .collect();
    warnings.push(Warning {
        target: "xlsform",
        item: name.cloned().unwrap_or_default(),
        line: None,
        message: format!(
            "its `{column}` text is longer than a spreadsheet cell holds (32,767 characters): the workbook keeps the beginning, the XForm has it whole"
        ),
    });
    kept.into()
}

/// The workbook of an instrument's XForm, already written; a text too long for a cell is
/// cut, with a warning.
fn workbook_of(
    model: &Questionnaire,
    instrument: &Instrument,
    xml: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<u8>, String> {
    let rows = rows(model, xml)?;
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let survey_columns: Vec<String> = ["type", "name"]
        .iter()
        .map(|s| s.to_string())
        .chain(rows.label_columns.iter().cloned())
        .chain(SURVEY_COLUMNS.iter().skip(2).map(|s| s.to_string()))
        .filter(|c| c != "hint" || !rows.label_columns.iter().any(|l| l.starts_with("hint")))
        .filter(|c| {
            !matches!(c.as_str(), "repeat_count" | "choice_filter")
                || rows.survey.iter().any(|r| r.contains_key(c.as_str()))
        })
        .collect();
    let sheet = wb.add_worksheet().set_name("survey").map_err(err)?;
    for (c, name) in survey_columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, name, &bold).map_err(err)?;
    }
    for (r, row) in rows.survey.iter().enumerate() {
        for (c, name) in survey_columns.iter().enumerate() {
            if let Some(v) = row.get(name) {
                let v = fitted(v, name, row.get("name"), warnings);
                sheet.write_string(r as u32 + 1, c as u16, v).map_err(err)?;
            }
        }
    }
    let choice_columns: Vec<String> = ["list_name", "name"]
        .iter()
        .map(|s| s.to_string())
        .chain(rows.label_columns.iter().filter(|l| l.starts_with("label")).cloned())
        .collect();
    let sheet = wb.add_worksheet().set_name("choices").map_err(err)?;
    for (c, name) in choice_columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, name, &bold).map_err(err)?;
    }
    for (r, row) in rows.choices.iter().enumerate() {
        for (c, name) in choice_columns.iter().enumerate() {
            if let Some(v) = row.get(name) {
                let v = fitted(v, name, row.get("name"), warnings);
                sheet.write_string(r as u32 + 1, c as u16, v).map_err(err)?;
            }
        }
    }
    let sheet = wb.add_worksheet().set_name("settings").map_err(err)?;
    let title = if model.audiences.len() > 1 {
        let group = model
            .audiences
            .iter()
            .find(|a| a.id == instrument.audience)
            .map(|a| a.label.as_str())
            .unwrap_or(&instrument.audience);
        format!("{}: {group}", model.survey.title.plain())
    } else {
        model.survey.title.plain()
    };
    let mut settings = vec![
        ("form_title", title),
        ("form_id", format!("{}_{}", model.survey.id, instrument.audience)),
        ("version", model.survey.version.clone()),
    ];
    if let Some(first) = rows.label_columns.first().and_then(|l| l.strip_prefix("label::")) {
        settings.push(("default_language", first.to_string()));
    }
    for (c, (k, v)) in settings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *k, &bold).map_err(err)?;
        sheet.write_string(1, c as u16, v).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}
