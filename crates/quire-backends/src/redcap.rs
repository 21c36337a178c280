//! The model in, REDCap data dictionaries out: `redcap/<audience>.csv`, the 18 documented
//! columns, one instrument per section, ready for *Project Setup → Data Dictionary → Upload*.
//!
//! Single choice is `radio`, multiple choice `checkbox` (REDCap then stores one 0/1 column
//! per option, `q___1`, as Quire's data contract does), numbers and dates are `text` with
//! validation, notes and screening messages `descriptive`, a grid a matrix group of `radio`
//! rows. Routing is branching logic in REDCap's syntax: the question's conditions, and no
//! screening rule before it fired (REDCap has no `not`, so negations are pushed into the
//! comparisons). Derived variables are `calc` fields where REDCap's calculations can say
//! them; the rest are listed in the field's annotation and computed by Quire.

use quire_core::expr::{BinOp, Expr, ExprKind};
use quire_core::model::{Condition, DerivedRule, Instrument, Item, QuestionType, Questionnaire, Severity};

use super::{Error, Output, Outputs, Warning};

/// The data dictionary's columns, as REDCap documents them.
pub const COLUMNS: [&str; 18] = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
];

/// One dictionary per audience.
pub fn render(model: &Questionnaire) -> Result<Outputs, Error> {
    let mut out = Outputs::default();
    for i in &model.instruments {
        let (csv, warnings, repeating) = dictionary_warned(model, i);
        out.files.push(Output::new(format!("{}.csv", i.audience), csv));
        // Rosters: which instruments repeat, for *Project Setup → Repeating instruments* (or
        // the API's `repeatingFormsEvents` import).
        if !repeating.is_empty() {
            out.files.push(Output::new(
                format!("{}.repeating.csv", i.audience),
                repeating_instruments(&repeating),
            ));
        }
        out.warnings.extend(warnings);
    }
    Ok(out)
}

/// Routing REDCap's logic cannot hold, said once per item and audience.
fn lost_routing(
    warnings: &mut Vec<Warning>,
    audience: &str,
    item: &str,
    line: Option<usize>,
    lost: &[String],
    instead: &str,
) {
    if lost.is_empty() {
        return;
    }
    warnings.push(Warning {
        target: "redcap",
        item: item.to_string(),
        line,
        message: format!(
            "the routing `{}` is not expressible in REDCap: the `{audience}` dictionary {instead}",
            lost.join("`, `")
        ),
    });
}

fn num(n: f64) -> String {
    quire_core::expr::format_number(n)
}

fn quote(s: &str) -> Option<String> {
    // REDCap's logic has no escapes inside quotes.
    (!s.contains('\'')).then(|| format!("'{s}'"))
}

struct Logic<'m> {
    model: &'m Questionnaire,
    audience: &'m str,
    /// The roster whose instrument the fields are on (none: the record's own). A field of
    /// another roster's row cannot be read there: REDCap would read some other instance.
    unit: Option<&'m str>,
}

impl Logic<'_> {
    /// An item's branching logic: the screening rules before it (none holds), then the
    /// section's and its own conditions; and the sources of those REDCap cannot express,
    /// left out.
    fn branching(
        &self,
        own: Option<&Condition>,
        section: Option<&Condition>,
        screens: &[&Condition],
    ) -> (String, Vec<String>) {
        let mut parts = Vec::new();
        let mut lost = Vec::new();
        for s in screens {
            match self.logic(&s.expr, true) {
                Some(x) => parts.push(x),
                None => lost.push(s.source.clone()),
            }
        }
        for c in [section, own].into_iter().flatten() {
            let elsewhere = c.references.iter().any(|r| {
                self.model
                    .variables
                    .iter()
                    .any(|v| &v.name == r && v.unit.is_some() && v.unit.as_deref() != self.unit)
            });
            if elsewhere {
                lost.push(c.source.clone());
                continue;
            }
            match self.logic(&c.expr, false) {
                Some(x) => parts.push(x),
                None => lost.push(c.source.clone()),
            }
        }
        (parts.join(" and "), lost)
    }

    fn kind(&self, var: &str) -> Option<QuestionType> {
        self.model.variables.iter().find(|v| v.name == var).map(|v| v.kind)
    }

    fn code(&self, var: &str, value: &str) -> Option<i64> {
        self.model.choice_list_of(var)?.get(value).map(|o| o.code)
    }

    fn is_choice(&self, var: &str) -> bool {
        self.model.choice_list_of(var).is_some()
    }

    fn code_list(&self, var: &str) -> Option<Vec<i64>> {
        Some(self.model.choice_list_of(var)?.options.iter().map(|o| o.code).collect())
    }

    /// REDCap logic with Quire's meaning, or `None` when REDCap cannot say it.
    fn logic(&self, e: &Expr, negated: bool) -> Option<String> {
        match &e.kind {
            ExprKind::Bool { value } => Some(if *value != negated { "1 = 1" } else { "1 = 0" }.into()),
            ExprKind::Not { operand } => self.logic(operand, !negated),
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                left,
                right,
            } => {
                // De Morgan: REDCap has no `not`.
                let joiner = match (op, negated) {
                    (BinOp::And, false) | (BinOp::Or, true) => "and",
                    _ => "or",
                };
                Some(format!(
                    "({} {joiner} {})",
                    self.logic(left, negated)?,
                    self.logic(right, negated)?
                ))
            }
            ExprKind::Binary { op, left, right } if op.is_comparison() => self.compare(*op, left, right, negated),
            ExprKind::Call { function, args } if function == "answered" => {
                let ExprKind::Var { name } = &args.first()?.kind else {
                    return None;
                };
                let filled = if self.kind(name) == Some(QuestionType::Multiple) {
                    let codes = self.code_list(name)?;
                    let checked: Vec<String> = codes.iter().map(|c| format!("[{name}({c})] = '1'")).collect();
                    format!("({})", checked.join(" or "))
                } else {
                    format!("[{name}] <> ''")
                };
                Some(if negated {
                    if self.kind(name) == Some(QuestionType::Multiple) {
                        let codes = self.code_list(name)?;
                        let unchecked: Vec<String> = codes.iter().map(|c| format!("[{name}({c})] <> '1'")).collect();
                        format!("({})", unchecked.join(" and "))
                    } else {
                        format!("[{name}] = ''")
                    }
                } else {
                    filled
                })
            }
            ExprKind::Call { function, args } if function == "selected" => {
                let (ExprKind::Var { name }, ExprKind::String { value }) = (&args.first()?.kind, &args.get(1)?.kind)
                else {
                    return None;
                };
                let code = self.code(name, value)?;
                let eq = if negated { "<>" } else { "=" };
                Some(if self.kind(name) == Some(QuestionType::Multiple) {
                    format!("[{name}({code})] {eq} '1'")
                } else {
                    format!("[{name}] {eq} '{code}'")
                })
            }
            // A true/false derived variable is a calc field of 1 or 0.
            ExprKind::Var { name } if self.model.derived(name).is_some_and(|d| d.value_type == "bool") => {
                Some(format!("[{name}] {} '1'", if negated { "<>" } else { "=" }))
            }
            _ => None,
        }
    }

    fn compare(&self, op: BinOp, l: &Expr, r: &Expr, negated: bool) -> Option<String> {
        let var = |e: &Expr| match &e.kind {
            ExprKind::Var { name } if name != "audience" => Some(name.clone()),
            _ => None,
        };
        let v = var(l).or_else(|| var(r));
        if v.as_deref()
            .is_some_and(|v| self.kind(v) == Some(QuestionType::Multiple))
        {
            return None;
        }
        // `a != b` is `not (a == b)`: Quire's negations are exact complements.
        let (op, negated) = match op {
            BinOp::Ne => (BinOp::Eq, !negated),
            BinOp::NotIn => (BinOp::In, !negated),
            o => (o, negated),
        };
        let side = |e: &Expr| -> Option<String> {
            match (&e.kind, v.as_deref()) {
                (ExprKind::String { value }, Some(v)) if self.is_choice(v) => {
                    Some(format!("'{}'", self.code(v, value)?))
                }
                _ => self.value(e),
            }
        };
        match op {
            BinOp::Eq => {
                let (a, b) = (side(l)?, side(r)?);
                Some(format!("{a} {} {b}", if negated { "<>" } else { "=" }))
            }
            BinOp::In => {
                let ExprKind::List { items } = &r.kind else { return None };
                let a = side(l)?;
                let parts: Option<Vec<String>> = items
                    .iter()
                    .map(|i| Some(format!("{a} {} {}", if negated { "<>" } else { "=" }, side(i)?)))
                    .collect();
                let parts = parts?;
                Some(match (parts.is_empty(), negated) {
                    (true, false) => "1 = 0".into(),
                    (true, true) => "1 = 1".into(),
                    (false, false) => format!("({})", parts.join(" or ")),
                    (false, true) => format!("({})", parts.join(" and ")),
                })
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if v.as_deref().is_some_and(|v| self.kind(v) == Some(QuestionType::Date)) {
                    return None;
                }
                let (a, b) = (side(l)?, side(r)?);
                let sym = match op {
                    BinOp::Lt => "<",
                    BinOp::Le => "<=",
                    BinOp::Gt => ">",
                    _ => ">=",
                };
                // Not (a < b) is "a is blank, or a >= b": a blank compares false either way.
                Some(if negated {
                    let flipped = match op {
                        BinOp::Lt => ">=",
                        BinOp::Le => ">",
                        BinOp::Gt => "<=",
                        _ => "<",
                    };
                    format!("({a} = '' or {b} = '' or {a} {flipped} {b})")
                } else {
                    format!("({a} <> '' and {b} <> '' and {a} {sym} {b})")
                })
            }
            _ => None,
        }
    }

    /// A value (a variable, literal or number expression) in REDCap's calculation syntax.
    fn value(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Number { value } => Some(num(*value)),
            ExprKind::String { value } => quote(value),
            ExprKind::Var { name } if name == "audience" => quote(self.audience),
            ExprKind::Var { name } => Some(format!("[{name}]")),
            ExprKind::Neg { operand } => Some(format!("(0 - {})", self.value(operand)?)),
            ExprKind::Binary { op, left, right } if matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div) => {
                let sym = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    _ => "/",
                };
                Some(format!("({} {sym} {})", self.value(left)?, self.value(right)?))
            }
            ExprKind::Call { function, args } => match (function.as_str(), args.as_slice()) {
                ("score", [q, values, scores]) => {
                    let (ExprKind::Var { name }, ExprKind::List { items: vs }, ExprKind::List { items: ss }) =
                        (&q.kind, &values.kind, &scores.kind)
                    else {
                        return None;
                    };
                    let mut out = "''".to_string();
                    for (v, s) in vs.iter().zip(ss).rev() {
                        let (ExprKind::String { value }, ExprKind::Number { value: s }) = (&v.kind, &s.kind) else {
                            return None;
                        };
                        out = format!("if([{name}] = '{}', {}, {out})", self.code(name, value)?, num(*s));
                    }
                    Some(out)
                }
                // A checkbox's options are 1 or 0 each, never blank: their sum is the count.
                ("count", [q]) => {
                    let ExprKind::Var { name } = &q.kind else { return None };
                    let codes = self.code_list(name)?;
                    let ticks: Vec<String> = codes.iter().map(|c| format!("[{name}({c})]")).collect();
                    Some(format!("({})", ticks.join(" + ")))
                }
                ("sum", parts) if !parts.is_empty() => {
                    let parts: Option<Vec<String>> = parts.iter().map(|p| self.value(p)).collect();
                    Some(format!("({})", parts?.join(" + ")))
                }
                ("if", [c, a, b]) => Some(format!(
                    "if({}, {}, {})",
                    self.logic(c, false)?,
                    self.value(a)?,
                    self.value(b)?
                )),
                ("coalesce", parts) if parts.len() >= 2 => {
                    let parts: Option<Vec<String>> = parts.iter().map(|p| self.value(p)).collect();
                    let parts = parts?;
                    let mut out = parts.last()?.clone();
                    for p in parts.iter().rev().skip(1) {
                        out = format!("if({p} <> '', {p}, {out})");
                    }
                    Some(out)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn calc(&self, d: &quire_core::model::Derived) -> Option<String> {
        match &d.rule {
            DerivedRule::Expr { expr } if d.value_type == "bool" => {
                Some(format!("if({}, 1, 0)", self.logic(&expr.expr, false)?))
            }
            DerivedRule::Expr { expr } if d.value_type == "number" => self.value(&expr.expr),
            DerivedRule::Expr { .. } => None,
            DerivedRule::Cases { cases, choice_list } => {
                let list = self.model.choice_list(choice_list)?;
                let mut out = "''".to_string();
                for c in cases.iter().rev() {
                    let code = list.get(&c.value)?.code;
                    out = format!("if({}, {code}, {out})", self.logic(&c.when.expr, false)?);
                }
                Some(out)
            }
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A label or note: REDCap shows its HTML, so `<` and `&` are written as entities; piped
/// answers become `[variable]`, REDCap's piping.
fn label(t: &quire_core::model::Text) -> String {
    t.segments
        .iter()
        .map(|s| match s {
            quire_core::model::Segment::Literal { text } => {
                quire_core::escape::markup(text, quire_core::escape::Quotes::None)
            }
            quire_core::model::Segment::Pipe { variable, .. } => format!("[{variable}]"),
        })
        .collect()
}

/// One audience's REDCap data dictionary (CSV).
pub fn dictionary(model: &Questionnaire, instrument: &Instrument) -> String {
    dictionary_warned(model, instrument).0
}

/// [`dictionary`], and the routing it could not express.
/// A question's rows: its field (or a grid's one per row), its branching logic and what
/// REDCap cannot express of it in the field annotation, and an "Other" write-in.
fn question_rows(
    logic: &Logic,
    place: &Place,
    q: &quire_core::model::Question,
    mut row: [String; 18],
    screens: &[&Condition],
    rows: &mut Vec<[String; 18]>,
    warnings: &mut Vec<Warning>,
) {
    let audience = logic.audience;
    let (logic_text, lost) = logic.branching(q.ask_if.as_ref(), place.condition, screens);
    row[11] = logic_text;
    if !lost.is_empty() {
        row[17] = format!("Quire routing not expressible in REDCap: {}", lost.join("; "));
    }
    lost_routing(
        warnings,
        audience,
        &q.id,
        Some(q.line),
        &lost,
        "leaves it out of the branching logic and says so in the field annotation",
    );
    row[4] = label(&q.text);
    row[6] = q.hint.as_ref().map(label).unwrap_or_default();
    row[12] = if q.required { "y".into() } else { String::new() };
    row[14] = q.number.clone();
    let choices = q
        .options
        .iter()
        .map(|o| format!("{}, {}", o.code, label(&o.label).replace('|', "/")))
        .collect::<Vec<_>>()
        .join(" | ");
    match q.kind {
        QuestionType::Grid => {
            let (base_header, base_logic, base_note) = (row[2].clone(), row[11].clone(), row[17].clone());
            for (k, r) in q.rows.iter().enumerate() {
                let mut rr: [String; 18] = Default::default();
                rr[0] = r.variable.clone();
                rr[1] = place.form.to_string();
                if k == 0 {
                    rr[2] = if base_header.is_empty() {
                        label(&q.text)
                    } else {
                        format!("{base_header}<br>{}", label(&q.text))
                    };
                }
                rr[3] = "radio".into();
                rr[4] = label(&r.label);
                rr[5] = choices.clone();
                rr[11] = base_logic.clone();
                rr[12] = row[12].clone();
                rr[14] = r.number.clone().unwrap_or_else(|| q.number.clone());
                rr[15] = q.id.clone();
                rr[17] = base_note.clone();
                rows.push(rr);
            }
            return;
        }
        // A choice among a roster's rows: the row's number (REDCap cannot list the
        // instances of a repeating instrument as options).
        QuestionType::Single | QuestionType::Multiple if q.row_choices.is_some() => {
            let roster = q.row_choices.as_deref().and_then(|r| logic.model.roster(r));
            row[3] = "text".into();
            row[7] = "integer".into();
            row[8] = "1".into();
            row[9] = roster.map(|r| r.max_rows.to_string()).unwrap_or_default();
            let title = roster.map(|r| label(&r.title)).unwrap_or_default();
            row[6] = if q.kind == QuestionType::Multiple {
                format!("The line number in “{title}” (one; Quire's data holds several)")
            } else {
                format!("The line number in “{title}”")
            };
            if q.kind == QuestionType::Multiple {
                warnings.push(Warning {
                    target: "redcap",
                    item: q.id.clone(),
                    line: Some(q.line),
                    message: format!(
                        "a choice of several rows of `{}` cannot be a REDCap field: the `{audience}` dictionary records one line number",
                        q.row_choices.as_deref().unwrap_or_default()
                    ),
                });
            }
        }
        QuestionType::Single => {
            row[3] = "radio".into();
            row[5] = choices;
        }
        QuestionType::Multiple => {
            row[3] = "checkbox".into();
            row[5] = choices;
        }
        QuestionType::Integer | QuestionType::Decimal => {
            row[3] = "text".into();
            row[7] = if q.kind == QuestionType::Integer {
                "integer"
            } else {
                "number"
            }
            .into();
            row[8] = q.min.map(num).unwrap_or_default();
            row[9] = q.max.map(num).unwrap_or_default();
        }
        QuestionType::Date => {
            row[3] = "text".into();
            row[7] = "date_ymd".into();
        }
        QuestionType::LongText => row[3] = "notes".into(),
        QuestionType::Text => row[3] = "text".into(),
    }
    row[0] = q.id.clone();
    let rules: Vec<String> = q
        .validations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .map(|v| format!("`{}`", v.check.source))
        .collect();
    if !rules.is_empty() {
        let note = format!("Quire checks {} (not in REDCap's own validation)", rules.join(", "));
        row[17] = if row[17].is_empty() {
            note
        } else {
            format!("{}; {note}", row[17])
        };
    }
    rows.push(row);
    // "Other, please specify": its write-in, shown when the option is chosen.
    if let Some(other) = q.options.iter().find(|o| o.other) {
        let mut w: [String; 18] = Default::default();
        w[0] = format!("{}_other", q.id);
        w[1] = place.form.to_string();
        w[3] = "text".into();
        w[4] = label(&other.label);
        w[11] = if q.kind == QuestionType::Multiple {
            format!("[{}({})] = '1'", q.id, other.code)
        } else {
            format!("[{}] = '{}'", q.id, other.code)
        };
        rows.push(w);
    }
}

/// A dictionary, what it could not express, and its repeating instruments.
type Dictionary = (String, Vec<Warning>, Vec<(String, Option<String>)>);

fn dictionary_warned(model: &Questionnaire, instrument: &Instrument) -> Dictionary {
    let mut warnings = Vec::new();
    let logic = Logic {
        model,
        audience: &instrument.audience,
        unit: None,
    };
    let mut rows: Vec<[String; 18]> = Vec::new();
    let blank = || -> [String; 18] { Default::default() };
    let first_form = instrument
        .sections
        .first()
        .map(|s| s.id.clone())
        .unwrap_or_else(|| "form".into());
    let mut id = blank();
    id[0] = "record_id".into();
    id[1] = first_form.clone();
    id[3] = "text".into();
    id[4] = "Record ID".into();
    rows.push(id);
    let screen_conditions = instrument.screen_conditions();
    let mut repeating = Vec::new();
    for s in &instrument.sections {
        let place = Place {
            form: &s.id,
            condition: s.condition.as_ref(),
            header: label(&s.title),
        };
        items(
            &logic,
            &place,
            &s.items,
            &screen_conditions,
            &mut rows,
            &mut repeating,
            &mut warnings,
        );
    }
    // Derived variables: calc fields on the last instrument, where REDCap can compute them.
    let last_form = instrument.sections.last().map(|s| s.id.clone()).unwrap_or(first_form);
    for d in model
        .derived
        .iter()
        .filter(|d| d.audiences.contains(&instrument.audience))
    {
        let mut row = blank();
        row[0] = d.id.clone();
        row[1] = last_form.clone();
        row[4] = d.label.clone();
        match logic.calc(d) {
            // REDCap calc fields are numbers: a band is its code, true/false 1 or 0.
            Some(c) if d.value_type != "text" => {
                row[3] = "calc".into();
                row[5] = c;
            }
            _ => {
                row[3] = "text".into();
                row[17] = format!(
                    "@READONLY Quire computes this derived variable (`quire import-data`): {}",
                    match &d.rule {
                        DerivedRule::Expr { expr } => expr.source.clone(),
                        DerivedRule::Cases { .. } => "cases".into(),
                    }
                );
            }
        }
        rows.push(row);
    }
    // REDCap wants each instrument's fields together: a roster's instrument interrupts its
    // section's, so the fields are grouped by instrument, in the order each first appears.
    let mut forms: Vec<String> = Vec::new();
    for r in &rows {
        if !forms.contains(&r[1]) {
            forms.push(r[1].clone());
        }
    }
    rows.sort_by_key(|r| forms.iter().position(|f| *f == r[1]));
    let mut out = COLUMNS.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for r in rows {
        // Texts from the spec that a spreadsheet would run as a formula (the header, label and
        // note); the other columns are REDCap's own syntax (logic, action tags) or numbers.
        out.push_str(
            &r.iter()
                .enumerate()
                .map(|(i, c)| match i {
                    2 | 4 | 6 => csv_field(&quire_core::escape::csv_safe(c)),
                    _ => csv_field(c),
                })
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    (out, warnings, repeating)
}

/// The repeating instruments of a dictionary, as REDCap's API imports them
/// (`repeatingFormsEvents`, classic projects: `form_name,custom_form_label`), each labelled
/// by its row's label field where it has one.
pub fn repeating_instruments(repeating: &[(String, Option<String>)]) -> String {
    let mut out = String::from("form_name,custom_form_label\n");
    for (form, label) in repeating {
        let custom = label.as_ref().map(|l| format!("[{l}]")).unwrap_or_default();
        out.push_str(&format!("{},{}\n", csv_field(form), csv_field(&custom)));
    }
    out
}

/// Where fields go: their instrument (whose id its notes are numbered after), the condition
/// over them all (a section's, or a roster's with those around it), and the section header
/// for the first.
struct Place<'p> {
    form: &'p str,
    condition: Option<&'p Condition>,
    header: String,
}

/// A section's or a row's items as fields; a roster's on its own repeating instrument
/// (`repeating`: each roster, with the field that labels its instances).
fn items<'m>(
    logic: &Logic<'m>,
    place: &Place,
    items_: &'m [Item],
    screen_conditions: &std::collections::HashMap<&str, &Condition>,
    rows: &mut Vec<[String; 18]>,
    repeating: &mut Vec<(String, Option<String>)>,
    warnings: &mut Vec<Warning>,
) {
    let audience = logic.audience;
    let mut header = place.header.clone();
    for (n, item) in items_.iter().enumerate() {
        // The screening rules before the item, from the routing analysis.
        let screens: Vec<&Condition> = item
            .screens()
            .iter()
            .filter_map(|id| screen_conditions.get(id.as_str()).copied())
            .collect();
        let mut row: [String; 18] = Default::default();
        row[1] = place.form.to_string();
        if !matches!(item, Item::Roster(_)) {
            row[2] = std::mem::take(&mut header);
        }
        match item {
            Item::Question(q) => question_rows(logic, place, q, row, &screens, rows, warnings),
            Item::Note {
                text, title, ask_if, ..
            } => {
                let (logic_text, lost) = logic.branching(ask_if.as_ref(), place.condition, &screens);
                row[0] = format!("{}_note_{}", place.form, n + 1);
                lost_routing(
                    warnings,
                    audience,
                    &row[0],
                    None,
                    &lost,
                    "leaves it out of the note's branching logic",
                );
                row[3] = "descriptive".into();
                row[4] = match title {
                    Some(t) => format!("<b>{}</b><br>{}", label(t), label(text)),
                    None => label(text),
                };
                row[11] = logic_text;
                rows.push(row);
            }
            Item::Definitions { .. } => {}
            Item::Roster(r) => roster(logic, r, screen_conditions, rows, repeating, warnings),
            Item::Screen {
                id, condition, message, ..
            } => {
                let (earlier, _) = logic.branching(None, None, &screens);
                let own = logic.logic(&condition.expr, false).unwrap_or_else(|| {
                    lost_routing(
                        warnings,
                        audience,
                        id,
                        None,
                        std::slice::from_ref(&condition.source),
                        "never shows the screening message (`1 = 0`)",
                    );
                    "1 = 0".into()
                });
                row[0] = id.clone();
                row[3] = "descriptive".into();
                row[4] = label(message);
                row[11] = if earlier.is_empty() {
                    own
                } else {
                    format!("{earlier} and {own}")
                };
                rows.push(row);
            }
        }
    }
}

/// A roster: its own repeating instrument, named by its id, headed by its title (REDCap has
/// no nested repeats: a roster in a roster is an instrument of its own too, its instances
/// tied to their row of the outer one by a field, `<roster>_of`, the outer row's number).
fn roster<'m>(
    logic: &Logic<'m>,
    r: &'m quire_core::model::Roster,
    screen_conditions: &std::collections::HashMap<&str, &Condition>,
    rows: &mut Vec<[String; 18]>,
    repeating: &mut Vec<(String, Option<String>)>,
    warnings: &mut Vec<Warning>,
) {
    let inner = Logic {
        unit: Some(&r.id),
        ..*logic
    };
    let header = match &r.intro {
        Some(i) => format!("{}<br>{}", label(&r.title), label(i)),
        None => label(&r.title),
    };
    if let Some(outer) = logic.unit.and_then(|u| logic.model.roster(u)) {
        let mut of: [String; 18] = Default::default();
        of[0] = format!("{}_of", r.id);
        of[1] = r.id.clone();
        of[2] = header.clone();
        of[3] = "text".into();
        of[4] = format!("The line number in “{}” this belongs to", label(&outer.title));
        of[7] = "integer".into();
        of[8] = "1".into();
        of[9] = outer.max_rows.to_string();
        of[12] = "y".into();
        of[17] = format!(
            "Quire: `{}` is inside `{}`; REDCap has no repeat inside a repeat",
            r.id, outer.id
        );
        rows.push(of);
    }
    repeating.push((r.id.clone(), r.row_label.clone()));
    let here = Place {
        form: &r.id,
        condition: r.condition.as_ref(),
        header: if logic.unit.is_some() { String::new() } else { header },
    };
    items(&inner, &here, &r.items, screen_conditions, rows, repeating, warnings);
}
