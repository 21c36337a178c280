//! The model in, ODK XForms out: one XForm 1.0 per audience (`xform/<audience>.xml`), for
//! ODK Central, KoboToolbox, SurveyCTO and Ona (Enketo web forms and ODK Collect).
//!
//! Sections are groups; a question's `relevant` is its routing (its section's and its own
//! condition) and the screening rules before it, each as `not(…)`, since an XForm cannot
//! end early: a screening rule becomes a note shown when it fires, after which nothing is
//! relevant. Choices take their codes as values. Validation rules, ranges, lengths, counts
//! of ticks and exclusive options are constraints; derived variables are calculates.
//! Languages other than the first are `itext` translations.
//!
//! Expressions keep Quire's meaning in XPath where the two agree by construction: a blank
//! answer is `''`, which equals no code and, as a number, is NaN, so comparisons with it are
//! false and `!=` true, exactly as Quire's null rules say. Calculates that would give NaN
//! give `''` instead. An expression with no faithful XPath (dates' `years_between`, `number`,
//! …) is left out, and the XForm says so in a comment at its bind.

use std::collections::HashMap;
use std::fmt::Write;

use quire_core::expr::{BinOp, Expr, ExprKind};
use quire_core::model::{DerivedRule, Instrument, Item, QuestionType, Questionnaire, Segment, Severity, Text};

use super::{Error, Output, Outputs, Warning};

/// One XForm per audience.
pub fn render(model: &Questionnaire) -> Result<Outputs, Error> {
    let mut out = Outputs::default();
    for i in &model.instruments {
        let (xml, warnings) = form_warned(model, i);
        out.files.push(Output::new(format!("{}.xml", i.audience), xml));
        out.warnings.extend(warnings);
    }
    Ok(out)
}

/// What an XForm leaves out, said once per item and audience.
fn left_out(warnings: &mut Vec<Warning>, audience: &str, item: &str, line: Option<usize>, what: &str, source: &str) {
    warnings.push(Warning {
        target: "xform",
        item: item.to_string(),
        line,
        message: format!("{what} `{source}` has no XPath equivalent: the `{audience}` form leaves it out"),
    });
}

fn esc(s: &str) -> String {
    quire_core::escape::markup(s, quire_core::escape::Quotes::Xml)
}

/// An XPath string literal (XPath 1.0 has no escapes: `concat` for both quotes).
fn lit(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

fn num(n: f64) -> String {
    quire_core::expr::format_number(n)
}

/// Where each variable is in the instance, and what a choice value's code is; as read from
/// `context`, the node an expression or label belongs to.
struct Paths<'m> {
    model: &'m Questionnaire,
    /// Every variable's absolute path, shared by the form's items.
    path: std::rc::Rc<HashMap<String, String>>,
    /// The paths that read differently at `context` (relative to its row): looked up first.
    local: HashMap<String, String>,
    /// Each roster's repeat, by its absolute path.
    repeats: std::sync::Arc<[String]>,
    /// The node the expressions are read at (empty: the form's top).
    context: String,
}

impl<'m> Paths<'m> {
    /// The form's absolute paths, read at `context`: a field of the row `context` is in (or of
    /// a row around it) as a path relative to it (`../sex`, `../../age`), as pyxform writes
    /// them, so every engine reads this row's answer rather than every row's.
    ///
    /// Only a context inside a repeat has such paths; a form's item outside every repeat
    /// shares the absolute ones (cheap: a form of thousands of items reads them per item).
    fn at(&self, context: &str) -> Paths<'m> {
        let inside =
            |outer: &str, p: &str| p.len() > outer.len() && p.starts_with(outer) && p.as_bytes()[outer.len()] == b'/';
        let around: Vec<&String> = self.repeats.iter().filter(|r| inside(r, context)).collect();
        let mut local = HashMap::new();
        if !around.is_empty() {
            for (k, v) in self.path.iter() {
                let Some(r) = around.iter().filter(|r| inside(r, v)).max_by_key(|r| r.len()) else {
                    continue;
                };
                let up = context[r.len() + 1..].split('/').count();
                local.insert(k.clone(), format!("{}{}", "../".repeat(up), &v[r.len() + 1..]));
            }
        }
        Paths {
            model: self.model,
            path: self.path.clone(),
            local,
            repeats: self.repeats.clone(),
            context: context.to_string(),
        }
    }

    /// A variable's path, as read at the context.
    fn get(&self, name: &str) -> Option<&String> {
        self.local.get(name).or_else(|| self.path.get(name))
    }
}

impl Paths<'_> {
    fn code(&self, var: &str, value: &str) -> Option<String> {
        self.model.choice_list_of(var)?.get(value).map(|o| o.code.to_string())
    }

    fn is_multi(&self, var: &str) -> bool {
        self.model
            .variables
            .iter()
            .any(|v| v.name == var && v.kind == QuestionType::Multiple)
    }

    fn is_choice(&self, var: &str) -> bool {
        self.model.choice_list_of(var).is_some()
    }

    fn is_date(&self, var: &str) -> bool {
        self.model
            .variables
            .iter()
            .any(|v| v.name == var && v.kind == QuestionType::Date)
    }

    /// The XPath of an expression with Quire's meaning, or `None` when it has none.
    fn xpath(&self, e: &Expr, audience: &str) -> Option<String> {
        Some(match &e.kind {
            ExprKind::Number { value } => num(*value),
            ExprKind::String { value } => lit(value),
            ExprKind::Bool { value: true } => "true()".into(),
            ExprKind::Bool { value: false } => "false()".into(),
            ExprKind::Var { name } if name == "audience" => lit(audience),
            // A true/false derived variable is stored as 1 or 0 (blank when null).
            ExprKind::Var { name } if self.model.derived(name).is_some_and(|d| d.value_type == "bool") => {
                format!("({} = 1)", self.get(name)?)
            }
            ExprKind::Var { name } => self.get(name)?.clone(),
            ExprKind::List { .. } => return None,
            ExprKind::Not { operand } => format!("not({})", self.xpath(operand, audience)?),
            ExprKind::Neg { operand } => format!("(0 - {})", self.xpath(operand, audience)?),
            ExprKind::Binary { op, left, right } => return self.binary(*op, left, right, audience),
            ExprKind::Call { function, args } => return self.call(function, args, audience),
        })
    }

    /// The side of a comparison as XPath: a choice literal becomes its code.
    fn compared(&self, var: Option<&str>, e: &Expr, audience: &str) -> Option<String> {
        match (var, &e.kind) {
            (Some(v), ExprKind::String { value }) if self.is_choice(v) => Some(lit(&self.code(v, value)?)),
            _ => self.xpath(e, audience),
        }
    }

    fn binary(&self, op: BinOp, l: &Expr, r: &Expr, audience: &str) -> Option<String> {
        fn var(e: &Expr) -> Option<&str> {
            match &e.kind {
                ExprKind::Var { name } if name != "audience" => Some(name.as_str()),
                _ => None,
            }
        }
        let v = var(l).or(var(r));
        if v.is_some_and(|v| self.is_multi(v)) {
            return None;
        }
        let date = v.is_some_and(|v| self.is_date(v));
        let side = |e: &Expr| -> Option<String> {
            let x = self.compared(v, e, audience)?;
            // Dates order as numbers of days; a blank one is NaN, and compares false.
            Some(
                if date && !matches!(op, BinOp::Eq | BinOp::Ne | BinOp::In | BinOp::NotIn) {
                    format!("decimal-date-time({x})")
                } else {
                    x
                },
            )
        };
        Some(match op {
            BinOp::And => format!("({} and {})", self.xpath(l, audience)?, self.xpath(r, audience)?),
            BinOp::Or => format!("({} or {})", self.xpath(l, audience)?, self.xpath(r, audience)?),
            BinOp::In | BinOp::NotIn => {
                let ExprKind::List { items } = &r.kind else { return None };
                let left = side(l)?;
                let (eq, join, empty) = if op == BinOp::In {
                    ("=", " or ", "false()")
                } else {
                    ("!=", " and ", "true()")
                };
                let parts: Option<Vec<String>> = items
                    .iter()
                    .map(|i| Some(format!("{left} {eq} {}", self.compared(var(l), i, audience)?)))
                    .collect();
                let parts = parts?;
                if parts.is_empty() {
                    empty.to_string()
                } else {
                    format!("({})", parts.join(join))
                }
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let sym = match op {
                    BinOp::Eq => "=",
                    BinOp::Ne => "!=",
                    BinOp::Lt => "<",
                    BinOp::Le => "<=",
                    BinOp::Gt => ">",
                    _ => ">=",
                };
                format!("({} {sym} {})", side(l)?, side(r)?)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let sym = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    _ => "div",
                };
                let (a, b) = (self.xpath(l, audience)?, self.xpath(r, audience)?);
                if op == BinOp::Div {
                    // Quire: division by zero is null; XPath gives Infinity.
                    format!("if({b} = 0, '', ({a} div {b}))")
                } else {
                    format!("({a} {sym} {b})")
                }
            }
        })
    }

    fn call(&self, function: &str, args: &[Expr], audience: &str) -> Option<String> {
        let x = |i: usize| self.xpath(args.get(i)?, audience);
        let var = args.first().and_then(|a| match &a.kind {
            ExprKind::Var { name } => Some(name.as_str()),
            _ => None,
        });
        if let Some(over) = self.over_rows(function, args, audience) {
            return over;
        }
        Some(match (function, args.len()) {
            ("row", 0) => "position(..)".into(),
            ("answered", 1) => format!("(string-length({}) > 0)", x(0)?),
            ("count", 1) => format!("count-selected({})", x(0)?),
            // A row chosen at another question: `selected(helpers, head)`.
            ("selected", 2) if matches!(args[1].kind, ExprKind::Var { .. }) && self.is_multi(var?) => {
                format!("selected({}, {})", x(0)?, x(1)?)
            }
            ("selected", 2) => {
                let v = var?;
                let ExprKind::String { value } = &args[1].kind else {
                    return None;
                };
                let code = lit(&self.code(v, value)?);
                if self.is_multi(v) {
                    format!("selected({}, {code})", x(0)?)
                } else {
                    format!("({} = {code})", x(0)?)
                }
            }
            ("score", 3) => {
                let v = var?;
                let (ExprKind::List { items: values }, ExprKind::List { items: scores }) =
                    (&args[1].kind, &args[2].kind)
                else {
                    return None;
                };
                let mut out = "''".to_string();
                for (value, score) in values.iter().zip(scores).rev() {
                    let (ExprKind::String { value }, ExprKind::Number { value: s }) = (&value.kind, &score.kind) else {
                        return None;
                    };
                    out = format!("if({} = {}, {}, {out})", x(0)?, lit(&self.code(v, value)?), num(*s));
                }
                out
            }
            ("sum", n) if n >= 1 => {
                let parts: Option<Vec<String>> = (0..n).map(x).collect();
                format!("({})", parts?.join(" + "))
            }
            ("min" | "max", n) if n >= 1 => {
                let parts: Option<Vec<String>> = (0..n).map(x).collect();
                format!("{function}({})", parts?.join(", "))
            }
            ("coalesce", n) if n >= 2 => {
                let parts: Option<Vec<String>> = (0..n).map(x).collect();
                parts?
                    .into_iter()
                    .rev()
                    .reduce(|acc, p| format!("coalesce({p}, {acc})"))?
            }
            ("if", 3) => format!("if({}, {}, {})", x(0)?, x(1)?, x(2)?),
            ("today", 0) => "today()".into(),
            ("days_between", 2) => format!("(decimal-date-time({}) - decimal-date-time({}))", x(1)?, x(0)?),
            ("matches", 2) => {
                let ExprKind::String { value } = &args[1].kind else {
                    return None;
                };
                // JavaRosa's regex is Java's: `\u{e9}` is written `\x{e9}` there.
                let java = value.replace("\\u{", "\\x{");
                let v = x(0)?;
                format!(
                    "(string-length({v}) > 0 and regex({v}, {}))",
                    lit(&format!("^(?:{java})$"))
                )
            }
            ("length", 1) => format!("if(string-length({0}) > 0, string-length({0}), '')", x(0)?),
            ("mod", 2) => {
                let (a, b) = (x(0)?, x(1)?);
                // Quire's remainder takes the divisor's sign; XPath's the dividend's.
                format!("if({b} = 0, '', ((({a} mod {b}) + {b}) mod {b}))")
            }
            _ => return None,
        })
    }
}

impl Paths<'_> {
    /// A roster's rows read from outside, over its repeat's nodeset: `count(person, age >= 18)`
    /// is `count(/data/g/person[age >= 18])`, its condition read in each row (a row where it
    /// is unknown does not count, as in Quire); `sum`, `min` and `max` read the rows that have
    /// an answer; `at(person, head, age)` the row whose number `head` is. `None`: the call
    /// does not read a roster; `Some(None)`: it does, without a faithful XPath.
    fn over_rows(&self, function: &str, args: &[Expr], audience: &str) -> Option<Option<String>> {
        let ExprKind::Var { name } = &args.first()?.kind else {
            return None;
        };
        if !matches!(function, "count" | "any" | "all" | "sum" | "min" | "max" | "at")
            || self.model.roster(name).is_none()
        {
            return None;
        }
        let rows = self.get(name)?.clone();
        let inside = self.within(&rows);
        // A field of the row, relative to it: `age`.
        let field = |e: &Expr| match &e.kind {
            ExprKind::Var { name } => inside.get(name).filter(|p| !p.starts_with('/')).cloned(),
            _ => None,
        };
        Some((|| {
            Some(match (function, args.len()) {
                ("count", 1) => format!("count({rows})"),
                ("count", 2) => format!("count({rows}[{}])", inside.xpath(&args[1], audience)?),
                ("any", 2) => format!("(count({rows}[{}]) > 0)", inside.xpath(&args[1], audience)?),
                ("all", 2) => format!("(count({rows}[not({})]) = 0)", inside.xpath(&args[1], audience)?),
                ("sum", 2) => format!("sum({rows}/{}[string-length(.) > 0])", field(&args[1])?),
                ("min" | "max", 2) => format!("{function}({rows}/{}[string-length(.) > 0])", field(&args[1])?),
                ("at", 3) => format!(
                    "{rows}[position() = {}]/{}",
                    self.xpath(&args[1], audience)?,
                    field(&args[2])?
                ),
                _ => return None,
            })
        })())
    }

    /// These paths as read inside each row of the repeat at `rows`: its fields relative to it.
    fn within(&self, rows: &str) -> Paths<'_> {
        let prefix = format!("{rows}/");
        let mut local = self.local.clone();
        for k in self.path.keys() {
            if let Some(rest) = self.get(k).and_then(|v| v.strip_prefix(&prefix)) {
                local.insert(k.clone(), rest.to_string());
            }
        }
        Paths {
            model: self.model,
            path: self.path.clone(),
            local,
            repeats: self.repeats.clone(),
            context: self.context.clone(),
        }
    }
}

/// The XML of a text: literal runs escaped, piped answers as `<output>`.
fn markup(segments: &[Segment], paths: &Paths) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Literal { text } => esc(text),
            Segment::Pipe { variable, fallback } => match paths.get(variable) {
                Some(p) if paths.is_choice(variable) => {
                    format!("<output value=\"jr:choice-name({p}, {})\"/>", esc(&lit(p)))
                }
                Some(p) => format!("<output value=\"{}\"/>", esc(p)),
                None => esc(fallback),
            },
        })
        .collect()
}

/// Labels, inline or (with several languages) by `itext` id.
struct Labels<'m> {
    languages: &'m [String],
    /// Each label's id, text and the node it is read at.
    entries: Vec<(String, Text, String)>,
    /// The roster whose row the texts are in: their `${row}` and `${row.label}` are its.
    row: Option<String>,
}

impl Labels<'_> {
    fn label(&mut self, tag: &str, id: &str, text: &Text, paths: &Paths) -> String {
        let renamed;
        let text = match &self.row {
            Some(roster) => {
                renamed = in_row(text, roster);
                &renamed
            }
            None => text,
        };
        if self.languages.len() > 1 {
            self.entries.push((id.to_string(), text.clone(), paths.context.clone()));
            format!("<{tag} ref=\"jr:itext('{}')\"/>", esc(id))
        } else {
            format!("<{tag}>{}</{tag}>", markup(&text.segments, paths))
        }
    }
}

/// A row's text: its `${row}` and `${row.label}` named as this roster's (`row@person`), as
/// the form's paths know them.
fn in_row(text: &Text, roster: &str) -> Text {
    let rename = |segments: &[Segment]| -> std::sync::Arc<[Segment]> {
        segments
            .iter()
            .map(|s| match s {
                Segment::Pipe { variable, fallback } if variable == "row" || variable == "row.label" => Segment::Pipe {
                    variable: format!("{variable}@{roster}"),
                    fallback: fallback.clone(),
                },
                s => s.clone(),
            })
            .collect()
    };
    Text {
        segments: rename(&text.segments),
        translations: std::sync::Arc::new(
            text.translations
                .iter()
                .map(|(lang, segments)| (lang.clone(), rename(segments)))
                .collect(),
        ),
    }
}

/// A section's group name: its id, unless a question or variable has the same name (XLSForm
/// names must be unique in a form), then `<id>_section`.
pub fn group(model: &Questionnaire, section: &str) -> String {
    let taken = model
        .variables
        .iter()
        .any(|v| v.name == section || v.question == section)
        || model.derived.iter().any(|d| d.id == section);
    if taken {
        format!("{section}_section")
    } else {
        section.to_string()
    }
}

/// Where every variable of an audience's form sits in its instance: questions at
/// `/data/<section>/<question>`, grid rows inside their grid, a roster's questions inside
/// its repeat (`/data/<section>/person/age`, nested repeats inside theirs), derived
/// variables at `/data/<derived>`, write-ins beside their question.
pub fn paths(model: &Questionnaire, instrument: &Instrument) -> HashMap<String, String> {
    fn within(items: &[Item], parent: &str, path: &mut HashMap<String, String>) {
        for item in items {
            match item {
                Item::Question(q) if q.kind == QuestionType::Grid => {
                    for r in &q.rows {
                        path.insert(r.variable.clone(), format!("{parent}/{}/{}", q.id, r.variable));
                    }
                }
                Item::Question(q) => {
                    path.insert(q.id.clone(), format!("{parent}/{}", q.id));
                    if q.options.iter().any(|o| o.other) {
                        path.insert(format!("{}_other", q.id), format!("{parent}/{}_other", q.id));
                    }
                }
                Item::Roster(r) => {
                    let here = format!("{parent}/{}", r.id);
                    path.insert(r.id.clone(), here.clone());
                    within(&r.items, &here, path);
                }
                _ => {}
            }
        }
    }
    let mut path = HashMap::new();
    for s in &instrument.sections {
        let g = group(model, &s.id);
        within(&s.items, &format!("/data/{g}"), &mut path);
    }
    for d in model
        .derived
        .iter()
        .filter(|d| d.audiences.contains(&instrument.audience))
    {
        path.insert(d.id.clone(), format!("/data/{}", d.id));
    }
    path
}

/// One audience's XForm (ODK).
pub fn form(model: &Questionnaire, instrument: &Instrument) -> String {
    form_warned(model, instrument).0
}

/// [`form`], and what it had to leave out.
pub(crate) fn form_warned(model: &Questionnaire, instrument: &Instrument) -> (String, Vec<Warning>) {
    let audience = instrument.audience.as_str();
    let path = paths(model, instrument);
    let repeats: std::sync::Arc<[String]> = model
        .rosters()
        .iter()
        .filter_map(|(r, _)| path.get(&r.id).cloned())
        .collect();
    let global = Paths {
        model,
        path: std::rc::Rc::new(path),
        local: HashMap::new(),
        repeats,
        context: String::new(),
    };
    let mut form = Form {
        model,
        audience,
        paths: global.at(""),
        global,
        labels: Labels {
            languages: &model.languages,
            entries: Vec::new(),
            row: None,
        },
        screens: instrument.screen_conditions(),
        instance: String::new(),
        binds: String::new(),
        body: String::new(),
        warnings: Vec::new(),
    };
    for s in &instrument.sections {
        form.section(s);
    }
    for d in model
        .derived
        .iter()
        .filter(|d| d.audiences.iter().any(|a| a == audience))
    {
        form.derived(d);
    }
    let Form {
        global,
        labels,
        instance,
        binds,
        body,
        warnings,
        ..
    } = form;
    // itext: one translation per language, the source language the default.
    let mut itext = String::new();
    if model.languages.len() > 1 {
        itext.push_str("      <itext>\n");
        for (n, lang) in model.languages.iter().enumerate() {
            let name = format!("{} ({lang})", super::html::language_name(lang));
            let default = if n == 0 { " default=\"true()\"" } else { "" };
            let _ = writeln!(itext, "        <translation lang=\"{}\"{default}>", esc(&name));
            for (id, t, context) in &labels.entries {
                let paths = global.at(context);
                let segs = if n == 0 {
                    t.segments.clone()
                } else {
                    t.in_language(lang).segments
                };
                let _ = writeln!(
                    itext,
                    "          <text id=\"{}\"><value>{}</value></text>",
                    esc(id),
                    markup(&segs, &paths)
                );
            }
            itext.push_str("        </translation>\n");
        }
        itext.push_str("      </itext>\n");
    }
    let form_id = format!("{}_{}", model.survey.id, audience);
    let title = if model.audiences.len() > 1 {
        let group = model
            .audiences
            .iter()
            .find(|a| a.id == audience)
            .map(|a| a.label.as_str())
            .unwrap_or(audience);
        format!("{}: {group}", model.survey.title.plain())
    } else {
        model.survey.title.plain()
    };
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by Quire from {survey} version {version} (content {hash}) for {audience}. -->
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" xmlns:odk="http://www.opendatakit.org/xforms" xmlns:orx="http://openrosa.org/xforms">
  <h:head>
    <h:title>{title}</h:title>
    <model odk:xforms-version="1.0.0">
{itext}      <instance>
      <data id="{form_id}" version="{version}">
        <start/>
        <end/>
{instance}        <meta>
          <instanceID/>
        </meta>
      </data>
      </instance>
      <bind nodeset="/data/start" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>
      <bind nodeset="/data/end" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>
{binds}      <bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>
    </model>
  </h:head>
  <h:body>
{body}  </h:body>
</h:html>
"#,
        survey = esc(&model.survey.id),
        version = esc(&model.survey.version),
        hash = esc(&model.content_hash),
        audience = esc(audience),
        title = esc(&title),
        form_id = esc(&form_id),
    );
    (xml, warnings)
}

/// An XForm being written for one audience: its instance, binds and body as they grow, its
/// labels (one per language), and what it could not express.
struct Form<'m> {
    model: &'m Questionnaire,
    audience: &'m str,
    /// The paths as read at the item being written.
    paths: Paths<'m>,
    /// The paths from the form's top, absolute.
    global: Paths<'m>,
    labels: Labels<'m>,
    /// Each screening rule's condition, by id.
    screens: HashMap<&'m str, &'m quire_core::model::Condition>,
    instance: String,
    binds: String,
    body: String,
    warnings: Vec<Warning>,
}

impl<'m> Form<'m> {
    /// `relevant`: the condition, and no screening rule before it fired (and the
    /// condition's source when it has no XPath: left out, said in a comment).
    fn relevant(
        &mut self,
        condition: Option<&quire_core::model::Condition>,
        screened: &[String],
    ) -> (String, Option<String>) {
        let audience = self.audience;
        let mut parts: Vec<String> = screened.iter().map(|s| format!("not({s})")).collect();
        let mut left = None;
        if let Some(c) = condition {
            match self.paths.xpath(&c.expr, audience) {
                Some(x) => parts.push(x),
                None => {
                    let _ = writeln!(
                        self.binds,
                        "      <!-- Quire: `{}` has no XPath equivalent; left out -->",
                        esc(&c.source).replace("--", "- -")
                    );
                    left = Some(c.source.clone());
                }
            }
        }
        let attribute = if parts.is_empty() {
            String::new()
        } else {
            format!(" relevant=\"{}\"", esc(&parts.join(" and ")))
        };
        (attribute, left)
    }

    /// A section: its group, its condition, and its items with the screening rules
    /// before each.
    fn section(&mut self, s: &'m quire_core::model::Section) {
        let (model, audience) = (self.model, self.audience);
        let g = group(model, &s.id);
        let _ = writeln!(self.instance, "        <{g}>");
        let (section_rel, left) = self.relevant(s.condition.as_ref(), &[]);
        if let Some(source) = left {
            left_out(
                &mut self.warnings,
                audience,
                &s.id,
                None,
                "the section's condition",
                &source,
            );
        }
        let _ = writeln!(self.binds, "      <bind nodeset=\"/data/{g}\"{section_rel}/>");
        let title = self
            .labels
            .label("label", &format!("/data/{g}:label"), &s.title, &self.paths);
        let _ = writeln!(self.body, "    <group ref=\"/data/{g}\">\n      {title}");
        self.items(&format!("/data/{g}"), &s.id, &s.items);
        let _ = writeln!(self.instance, "        </{g}>");
        let _ = writeln!(self.body, "    </group>");
    }

    /// A section's or a row's items, each with the screening rules before it.
    fn items(&mut self, parent: &str, owner: &str, items: &'m [Item]) {
        let audience = self.audience;
        for (n, item) in items.iter().enumerate() {
            let note = format!("{owner}_note_{}", n + 1);
            let node = match item {
                Item::Question(q) => format!("{parent}/{}", q.id),
                Item::Note { .. } => format!("{parent}/{note}"),
                Item::Screen { id, .. } => format!("{parent}/{id}"),
                Item::Roster(r) => format!("{parent}/{}", r.id),
                Item::Definitions { .. } => continue,
            };
            self.paths = self.global.at(&node);
            // The screening rules before the item (the routing analysis), as XPath; one
            // with no XPath is left out, as it never fires here (see the Screen arm).
            let screened: Vec<String> = item
                .screens()
                .iter()
                .filter_map(|id| self.screens.get(id.as_str()))
                .filter_map(|c| self.paths.xpath(&c.expr, audience))
                .collect();
            match item {
                Item::Question(q) => self.question(parent, q, &screened),
                Item::Note {
                    text, title, ask_if, ..
                } => self.note(parent, &note, text, title.as_ref(), ask_if.as_ref(), &screened),
                Item::Definitions { .. } => {}
                Item::Screen {
                    id, condition, message, ..
                } => self.screen(parent, id, condition, message, &screened),
                Item::Roster(r) => self.roster(parent, r, &screened),
            }
        }
    }

    /// A roster: a repeat, its rows counted by `jr:count` (a count capped at `max_rows`, the
    /// options ticked for `for_each`, a list's options) or added by the respondent (open),
    /// its own condition its `relevant`, and in each row its number (`_row`, what a choice
    /// among its rows stores) and its items; `${row}` and `${row.label}` in their texts.
    fn roster(&mut self, parent: &str, r: &'m quire_core::model::Roster, screened: &[String]) {
        use quire_core::model::Rows;
        let audience = self.audience;
        let p = format!("{parent}/{}", r.id);
        let (rel, left) = self.relevant(r.ask_if.as_ref(), screened);
        if let Some(source) = left {
            left_out(
                &mut self.warnings,
                audience,
                &r.id,
                None,
                "the roster's condition",
                &source,
            );
        }
        let counted_at = self.global.at(&format!("{parent}/_{}_count", r.id));
        let count = match &r.rows {
            Rows::Count { count } => match counted_at.xpath(&count.expr, audience) {
                Some(c) => Some(format!("if(({c}) > {0}, {0}, {c})", r.max_rows)),
                None => {
                    left_out(
                        &mut self.warnings,
                        audience,
                        &r.id,
                        None,
                        "the row count",
                        &count.source,
                    );
                    Some("0".to_string())
                }
            },
            Rows::Question { question } => counted_at.get(question).map(|q| format!("count-selected({q})")),
            Rows::List { list } => Some(
                self.model
                    .choice_list(list)
                    .map_or(0, |l| l.options.len().min(r.max_rows as usize))
                    .to_string(),
            ),
            Rows::Open => None,
        };
        // JavaRosa counts a repeat by a node: the count is a calculate beside it.
        let count = count.map(|c| self.calculate(parent, &format!("_{}_count", r.id), "          ", &c));
        let _ = writeln!(self.instance, "          <{} jr:template=\"\">", r.id);
        let _ = writeln!(self.binds, "      <bind nodeset=\"{p}\"{rel}/>");
        // Each row's number (what a choice among the rows stores, and `${row}`) and, for a
        // row of an option, its label: calculates in the row, named for their roster (an
        // XLSForm's names are unique in the form).
        let number = self.calculate(&p, &format!("_{}_row", r.id), "            ", "position(..)");
        let option_label = match &r.rows {
            Rows::Question { question } => self
                .global
                .get(question)
                .map(|q| format!("jr:choice-name(selected-at({q}, position(..) - 1), {})", lit(q))),
            Rows::List { list } => self.model.choice_list(list).map(|l| {
                l.options
                    .iter()
                    .enumerate()
                    .rev()
                    .fold("''".to_string(), |acc, (k, o)| {
                        format!("if(position(..) = {}, {}, {acc})", k + 1, lit(&o.neutral_label()))
                    })
            }),
            Rows::Count { .. } | Rows::Open => None,
        };
        let label = match (&r.row_label, option_label) {
            (Some(v), _) => self.global.get(v).cloned(),
            (None, Some(expression)) => {
                Some(self.calculate(&p, &format!("_{}_label", r.id), "            ", &expression))
            }
            (None, None) => None,
        };
        let global = std::rc::Rc::make_mut(&mut self.global.path);
        global.insert(format!("row@{}", r.id), number.clone());
        global.insert(format!("row.label@{}", r.id), label.unwrap_or(number));
        let title = self.labels.label("label", &format!("{p}:label"), &r.title, &self.paths);
        let count = count.map(|c| format!(" jr:count=\"{}\"", esc(&c))).unwrap_or_default();
        let _ = writeln!(
            self.body,
            "      <group ref=\"{p}\">\n        {title}\n      <repeat nodeset=\"{p}\"{count}>"
        );
        let outer = self.labels.row.replace(r.id.clone());
        self.items(&p, &r.id, &r.items);
        self.labels.row = outer;
        let _ = writeln!(self.body, "      </repeat>\n      </group>");
        let _ = writeln!(self.instance, "          </{}>", r.id);
    }

    /// A calculate of the form's own (a repeat's count, a row's number or label): its node in
    /// the instance (at `indent`) and its bind; its path.
    fn calculate(&mut self, parent: &str, name: &str, indent: &str, expression: &str) -> String {
        let node = format!("{parent}/{name}");
        let _ = writeln!(self.instance, "{indent}<{name}/>");
        let _ = writeln!(
            self.binds,
            "      <bind nodeset=\"{node}\" type=\"string\" readonly=\"true()\" calculate=\"{}\"/>",
            esc(expression)
        );
        node
    }

    /// A question's field, bind, label, hint, choices and constraints, and an "Other"
    /// write-in.
    fn question(&mut self, parent: &str, q: &'m quire_core::model::Question, screened: &[String]) {
        let audience = self.audience;
        let p = format!("{parent}/{}", q.id);
        let (rel, left) = self.relevant(q.ask_if.as_ref(), screened);
        if let Some(source) = left {
            left_out(
                &mut self.warnings,
                audience,
                &q.id,
                Some(q.line),
                "the condition",
                &source,
            );
        }
        let label = self.labels.label("label", &format!("{p}:label"), &q.text, &self.paths);
        let hint = q
            .hint
            .as_ref()
            .map(|h| self.labels.label("hint", &format!("{p}:hint"), h, &self.paths))
            .unwrap_or_default();
        if q.kind == QuestionType::Grid {
            self.grid(q, &p, &rel, &label);
            return;
        }
        let _ = writeln!(self.instance, "          <{}/>", q.id);
        let ty = match q.kind {
            QuestionType::Integer => "int",
            QuestionType::Decimal => "decimal",
            QuestionType::Date => "date",
            _ => "string",
        };
        let mut constraints: Vec<String> = Vec::new();
        let mut messages: Vec<String> = Vec::new();
        if let Some(m) = q.min {
            constraints.push(format!(". >= {}", num(m)));
        }
        if let Some(m) = q.max {
            constraints.push(format!(". <= {}", num(m)));
        }
        if let Some(m) = q.max_length {
            constraints.push(format!("string-length(.) <= {m}"));
        }
        if q.kind == QuestionType::Multiple {
            if let Some(m) = q.min_selected {
                constraints.push(format!("count-selected(.) >= {m}"));
            }
            if let Some(m) = q.max_selected {
                constraints.push(format!("count-selected(.) <= {m}"));
            }
            for o in q.options.iter().filter(|o| o.exclusive) {
                constraints.push(format!("not(selected(., '{}') and count-selected(.) > 1)", o.code));
            }
        }
        for v in q.validations.iter().filter(|v| v.severity == Severity::Error) {
            match self.paths.xpath(&v.check.expr, audience) {
                Some(x) => {
                    constraints.push(x);
                    messages.push(v.message.plain());
                }
                None => {
                    let _ = writeln!(
                        self.binds,
                        "      <!-- Quire: the rule `{}` has no XPath equivalent; left out -->",
                        esc(&v.check.source).replace("--", "- -")
                    );
                    left_out(
                        &mut self.warnings,
                        audience,
                        &q.id,
                        Some(q.line),
                        "the rule",
                        &v.check.source,
                    );
                }
            }
        }
        let constraint = if constraints.is_empty() {
            String::new()
        } else {
            let msg = if messages.is_empty() {
                String::new()
            } else {
                format!(" jr:constraintMsg=\"{}\"", esc(&messages.join(" ")))
            };
            format!(" constraint=\"{}\"{msg}", esc(&constraints.join(" and ")))
        };
        let req = if q.required { " required=\"true()\"" } else { "" };
        let _ = writeln!(
            self.binds,
            "      <bind nodeset=\"{p}\" type=\"{ty}\"{req}{rel}{constraint}/>"
        );
        let control = match (q.kind, q.row_choices.as_ref().and_then(|r| self.paths.get(r))) {
            // A choice among a roster's rows: each row, by its number, labelled by its label.
            (QuestionType::Single | QuestionType::Multiple, Some(rows)) => {
                let roster = q.row_choices.as_deref().and_then(|r| self.model.roster(r));
                let name = roster
                    .and_then(|r| r.row_label.as_ref())
                    .and_then(|v| self.paths.get(v))
                    .and_then(|v| v.strip_prefix(&format!("{rows}/")))
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("_{}_row", q.row_choices.as_deref().unwrap_or_default()));
                let tag = if q.kind == QuestionType::Single {
                    "select1"
                } else {
                    "select"
                };
                let number = format!("_{}_row", q.row_choices.as_deref().unwrap_or_default());
                format!(
                    "<{tag} ref=\"{p}\">\n        {label}{hint}\n        <itemset nodeset=\"{rows}\"><value ref=\"{number}\"/><label ref=\"{name}\"/></itemset>\n      </{tag}>"
                )
            }
            (QuestionType::Single, _) => format!(
                "<select1 ref=\"{p}\">\n        {label}{hint}{}\n      </select1>",
                self.options(q, &p)
            ),
            (QuestionType::Multiple, _) => format!(
                "<select ref=\"{p}\">\n        {label}{hint}{}\n      </select>",
                self.options(q, &p)
            ),
            (QuestionType::LongText, _) => {
                format!("<input ref=\"{p}\" appearance=\"multiline\">\n        {label}{hint}\n      </input>")
            }
            _ => format!("<input ref=\"{p}\">\n        {label}{hint}\n      </input>"),
        };
        let _ = writeln!(self.body, "      {control}");
        // "Other, please specify": its write-in, asked when the option is chosen.
        if let Some(other) = q.options.iter().find(|o| o.other) {
            let op = format!("{parent}/{}_other", q.id);
            let _ = writeln!(self.instance, "          <{}_other/>", q.id);
            let chosen = if q.kind == QuestionType::Multiple {
                format!("selected({p}, '{}')", other.code)
            } else {
                format!("{p} = '{}'", other.code)
            };
            let _ = writeln!(
                self.binds,
                "      <bind nodeset=\"{op}\" type=\"string\" relevant=\"{}\"/>",
                esc(&chosen)
            );
            let l = self
                .labels
                .label("label", &format!("{op}:label"), &other.label, &self.paths);
            let _ = writeln!(self.body, "      <input ref=\"{op}\">\n        {l}\n      </input>");
        }
    }

    /// A grid: a group of one `select1` per row, on the shared scale.
    fn grid(&mut self, q: &'m quire_core::model::Question, p: &str, rel: &str, label: &str) {
        let _ = writeln!(self.instance, "          <{}>", q.id);
        let _ = writeln!(self.binds, "      <bind nodeset=\"{p}\"{rel}/>");
        let _ = writeln!(
            self.body,
            "      <group ref=\"{p}\" appearance=\"field-list\">\n        {label}"
        );
        for r in &q.rows {
            let rp = format!("{p}/{}", r.variable);
            let _ = writeln!(self.instance, "            <{}/>", r.variable);
            let req = if q.required { " required=\"true()\"" } else { "" };
            let _ = writeln!(self.binds, "      <bind nodeset=\"{rp}\" type=\"string\"{req}/>");
            let rl = self
                .labels
                .label("label", &format!("{rp}:label"), &r.label, &self.paths);
            let opts = self.options(q, &rp);
            let _ = writeln!(
                self.body,
                "        <select1 ref=\"{rp}\">\n          {rl}{opts}\n        </select1>"
            );
        }
        let _ = writeln!(self.instance, "          </{}>", q.id);
        let _ = writeln!(self.body, "      </group>");
    }

    /// A choice question's options as `item`s, each label in every language.
    fn options(&mut self, q: &quire_core::model::Question, path: &str) -> String {
        q.options
            .iter()
            .map(|o| {
                let l = self
                    .labels
                    .label("label", &format!("{path}/{}:label", o.value), &o.label, &self.paths);
                format!("\n        <item>{l}<value>{}</value></item>", o.code)
            })
            .collect()
    }

    /// A note: a read-only field whose label is its title and text.
    fn note(
        &mut self,
        parent: &str,
        id: &str,
        text: &Text,
        title: Option<&Text>,
        ask_if: Option<&quire_core::model::Condition>,
        screened: &[String],
    ) {
        let (model, audience) = (self.model, self.audience);
        let p = format!("{parent}/{id}");
        let _ = writeln!(self.instance, "          <{id}/>");
        let (rel, left) = self.relevant(ask_if, screened);
        if let Some(source) = left {
            left_out(&mut self.warnings, audience, id, None, "the note's condition", &source);
        }
        let _ = writeln!(
            self.binds,
            "      <bind nodeset=\"{p}\" type=\"string\" readonly=\"true()\"{rel}/>"
        );
        // "Title: text", in every language.
        let join = |title: &[Segment], text: &[Segment]| -> std::sync::Arc<[Segment]> {
            title
                .iter()
                .cloned()
                .chain([Segment::Literal { text: ": ".into() }])
                .chain(text.iter().cloned())
                .collect()
        };
        let t = match title {
            None => text.clone(),
            Some(title) => Text {
                segments: join(&title.segments, &text.segments),
                translations: std::sync::Arc::new(
                    model.languages[1..]
                        .iter()
                        .map(|l| {
                            (
                                l.clone(),
                                join(&title.in_language(l).segments, &text.in_language(l).segments),
                            )
                        })
                        .collect(),
                ),
            },
        };
        let l = self.labels.label("label", &format!("{p}:label"), &t, &self.paths);
        let _ = writeln!(self.body, "      <input ref=\"{p}\">\n        {l}\n      </input>");
    }

    /// A screening rule: a read-only message shown when it fires (no rule before it did).
    fn screen(
        &mut self,
        parent: &str,
        id: &str,
        condition: &quire_core::model::Condition,
        message: &Text,
        screened: &[String],
    ) {
        let audience = self.audience;
        let p = format!("{parent}/{id}");
        let _ = writeln!(self.instance, "          <{id}/>");
        let cond = self
            .paths
            .xpath(&condition.expr, audience)
            .unwrap_or_else(|| "false()".into());
        let mut parts: Vec<String> = screened.iter().map(|x| format!("not({x})")).collect();
        parts.push(cond.clone());
        let _ = writeln!(
            self.binds,
            "      <bind nodeset=\"{p}\" type=\"string\" readonly=\"true()\" relevant=\"{}\"/>",
            esc(&parts.join(" and "))
        );
        let l = self.labels.label("label", &format!("{p}:label"), message, &self.paths);
        let _ = writeln!(self.body, "      <input ref=\"{p}\">\n        {l}\n      </input>");
    }

    /// A derived variable: a calculate, blank where Quire's value is null; one with no
    /// XPath is left blank (and computed by `quire import-data`).
    fn derived(&mut self, d: &'m quire_core::model::Derived) {
        let (model, audience) = (self.model, self.audience);
        let p = format!("/data/{}", d.id);
        let calc = match &d.rule {
            DerivedRule::Expr { expr } => self.paths.xpath(&expr.expr, audience).map(|x| match d.value_type {
                "bool" => format!("if({x}, 1, 0)"),
                "number" => format!("if(({x}) = ({x}), {x}, '')"),
                _ => x,
            }),
            DerivedRule::Cases { cases, choice_list } => {
                let list = model.choice_list(choice_list);
                let mut out = Some("''".to_string());
                for c in cases.iter().rev() {
                    let code = list.and_then(|l| l.get(&c.value)).map(|o| o.code.to_string());
                    out = match (out, self.paths.xpath(&c.when.expr, audience), code) {
                        (Some(acc), Some(w), Some(code)) => Some(format!("if({w}, '{code}', {acc})")),
                        _ => None,
                    };
                }
                out
            }
        };
        let _ = writeln!(self.instance, "        <{}/>", d.id);
        match calc {
            Some(c) => {
                let _ = writeln!(
                    self.binds,
                    "      <bind nodeset=\"{p}\" type=\"string\" readonly=\"true()\" calculate=\"{}\"/>",
                    esc(&c)
                );
            }
            None => {
                let _ = writeln!(
                    self.binds,
                    "      <!-- Quire: derived variable `{}` has no XPath equivalent; computed by `quire import-data` -->",
                    esc(&d.id)
                );
                self.warnings.push(Warning {
                target: "xform",
                item: d.id.clone(),
                line: Some(d.line),
                message: format!(
                    "derived variable `{}` has no XPath equivalent: the `{audience}` form leaves it blank, and `quire import-data` computes it",
                    d.id
                ),
            });
                let _ = writeln!(
                    self.binds,
                    "      <bind nodeset=\"{p}\" type=\"string\" readonly=\"true()\"/>"
                );
            }
        }
    }
}
