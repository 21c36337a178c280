//! The model's routing analysis and the record's columns in, the rules a response record must
//! keep out: for each column, when it must hold the not-applicable code, when the missing code,
//! and when it must not be not applicable. Worked out once here; the schema backends write the
//! same rules in their languages (JSON Schema, SQL, Frictionless) and [`Rules::violations`]
//! applies them directly, as the reference the translations are tested against.
//!
//! A record is read as route() reads answers: a cell holding either missing code has no value
//! (null). The three outcomes of eligibility (docs/data.md) need two more readings of a
//! condition: *certainly true* and *certainly false* when the missing code (-99) stands for an
//! answer that could have been anything, and the not-applicable code (-88) for null.

use crate::data::{Column, ColumnKind};
use crate::expr::{BinOp, Expr, ExprKind};
use crate::model::{QuestionType, Questionnaire};

/// A literal a cell is compared with: a code or number, or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// A number (a code, for a choice).
    Number(f64),
    /// Text.
    Text(String),
}

/// A test of one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Every record.
    True,
    /// No record.
    False,
    /// All of them.
    And(Vec<Pred>),
    /// Any of them.
    Or(Vec<Pred>),
    /// The opposite.
    Not(Box<Pred>),
    /// The cell holds one of the values (never a missing code).
    In {
        /// The column.
        column: String,
        /// The values.
        values: Vec<Lit>,
    },
    /// The cell holds a number other than a missing code, and compares so with `value`.
    Compare {
        /// The column.
        column: String,
        /// The comparison.
        op: BinOp,
        /// What it is compared with.
        value: f64,
    },
    /// The cell holds the not-applicable code.
    NotApplicable {
        /// The column.
        column: String,
    },
    /// The cell holds the missing code.
    Missing {
        /// The column.
        column: String,
    },
    /// The cell holds either code: there is no answer.
    Blank {
        /// The column.
        column: String,
    },
}

/// What a rule requires of its column when its condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Must {
    /// The not-applicable code.
    NotApplicable,
    /// The missing code (eligibility unknown: an earlier answer is missing).
    Missing,
    /// Either code: no answer.
    Blank,
    /// Not the not-applicable code: an answer, or missing.
    NotNotApplicable,
}

/// A rule of the routing: when `when` holds of a record, its `column` must be as `must` says.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The column it concerns.
    pub column: String,
    /// When it applies.
    pub when: Pred,
    /// What it requires then.
    pub must: Must,
    /// Why, for people: "not asked of healthcare professionals", "after a screening rule", …
    pub why: String,
}

/// Every rule for a record, and the variables whose routing no rule can express.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The rules, column by column.
    pub rules: Vec<Rule>,
    /// (variable, reason): routing these rules leave unchecked (docs/data.md).
    pub unchecked: Vec<(String, String)>,
}

/// One broken rule in one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The column.
    pub column: String,
    /// What it required.
    pub must: Must,
    /// Why, for people.
    pub why: String,
}

/// The rules of the routing for every column of the record.
pub fn rules(model: &Questionnaire, columns: &[Column]) -> Rules {
    let mut out = Rules::default();
    // Indexed once: a lookup through the columns for each would make 20,000 questions quadratic.
    let index: std::collections::HashMap<&str, &Column> = columns.iter().rev().map(|c| (c.name.as_str(), c)).collect();
    let variables: std::collections::HashMap<&str, &crate::model::Variable> =
        model.variables.iter().rev().map(|v| (v.name.as_str(), v)).collect();
    let by_name = |n: &str| index.get(n).copied();
    let mut flags: std::collections::HashMap<&str, Vec<&Column>> = std::collections::HashMap::new();
    for c in columns.iter().filter(|c| matches!(c.kind, ColumnKind::Flag { .. })) {
        flags.entry(c.variable.as_str()).or_default().push(c);
    }
    let enc = Encoder {
        model,
        flags,
        columns: &index,
    };
    for c in columns {
        if c.kind.is_meta() {
            continue;
        }
        let Some(v) = variables.get(c.variable.as_str()).copied() else {
            // Derived variables: their rules are their definitions, not routing.
            continue;
        };
        for a in &model.audiences {
            let aud = Pred::In {
                column: "audience".into(),
                values: vec![Lit::Text(a.id.clone())],
            };
            let group = a.label.to_lowercase();
            if !c.audiences.contains(&a.id) {
                out.rules.push(Rule {
                    column: c.name.clone(),
                    when: aud,
                    must: Must::NotApplicable,
                    why: format!("not asked of {group}"),
                });
                continue;
            }
            let Some(u) = v.universe.iter().find(|u| u.audiences.contains(&a.id)) else {
                continue;
            };
            let screens: Option<Vec<Pred>> = u
                .screens
                .iter()
                .map(|id| model.screen(&a.id, id).and_then(|s| enc.actual(&s.expr)))
                .collect();
            let condition = match &u.condition {
                None => Some(None),
                Some(cond) => enc.three(&cond.expr).map(Some),
            };
            let Some(screens) = screens else {
                out.unchecked.push((
                    v.name.clone(),
                    format!("for {group}, a screening rule before it cannot be expressed"),
                ));
                continue;
            };
            let screened_out = or(screens);
            if screened_out != Pred::False {
                out.rules.push(Rule {
                    column: c.name.clone(),
                    when: and(vec![aud.clone(), screened_out.clone()]),
                    must: Must::NotApplicable,
                    why: "the survey had ended at a screening rule".into(),
                });
            }
            let reached = and(vec![aud, not(screened_out)]);
            let Some(condition) = condition else {
                out.unchecked.push((
                    v.name.clone(),
                    format!(
                        "for {group}, its condition uses arithmetic, count(), a date comparison or a derived variable, which the record's rules do not express"
                    ),
                ));
                continue;
            };
            if matches!(c.kind, ColumnKind::WriteIn { .. }) {
                out.rules.extend(write_in_rules(model, c, v, reached, by_name));
                continue;
            }
            match condition {
                None => out.rules.push(Rule {
                    column: c.name.clone(),
                    when: reached,
                    must: Must::NotNotApplicable,
                    why: format!("asked of every respondent among {group} who reached it"),
                }),
                Some(t) => {
                    out.rules.push(Rule {
                        column: c.name.clone(),
                        when: and(vec![reached.clone(), t.actual.clone()]),
                        must: Must::NotNotApplicable,
                        why: "its condition holds: it was asked".into(),
                    });
                    out.rules.push(Rule {
                        column: c.name.clone(),
                        when: and(vec![reached.clone(), not(t.actual.clone())]),
                        must: Must::Blank,
                        why: "its condition does not hold: it was not asked".into(),
                    });
                    out.rules.push(Rule {
                        column: c.name.clone(),
                        when: and(vec![reached.clone(), t.certainly_false.clone()]),
                        must: Must::NotApplicable,
                        why: "its condition is false whatever the missing answers would have been".into(),
                    });
                    out.rules.push(Rule {
                        column: c.name.clone(),
                        when: and(vec![reached, not(t.actual), not(t.certainly_false)]),
                        must: Must::Missing,
                        why: "its eligibility is unknown: an answer it depends on is missing".into(),
                    });
                }
            }
        }
    }
    out.unchecked.sort();
    out.unchecked.dedup();
    out
}

/// The write-in of an "Other, please specify": asked exactly when "other" was chosen.
fn write_in_rules<'c>(
    model: &Questionnaire,
    c: &Column,
    v: &crate::model::Variable,
    reached: Pred,
    by_name: impl Fn(&str) -> Option<&'c Column>,
) -> Vec<Rule> {
    let others: Vec<i64> = v
        .choice_list
        .as_ref()
        .and_then(|l| model.choice_list(l))
        .map(|l| l.options.iter().filter(|o| o.other).map(|o| o.code).collect())
        .unwrap_or_default();
    // The question's own state: its code column, or (multiple choice) its first option's flag.
    let (state_column, chose_other) = if v.kind == QuestionType::Multiple {
        let flags: Vec<String> = others
            .iter()
            .map(|code| crate::data::option_column(&v.name, *code))
            .filter(|n| by_name(n).is_some())
            .collect();
        let first = v
            .choice_list
            .as_ref()
            .and_then(|l| model.choice_list(l))
            .and_then(|l| l.options.first())
            .map(|o| crate::data::option_column(&v.name, o.code))
            .unwrap_or_default();
        (
            first,
            or(flags
                .into_iter()
                .map(|f| Pred::In {
                    column: f,
                    values: vec![Lit::Number(1.0)],
                })
                .collect()),
        )
    } else {
        (
            v.name.clone(),
            Pred::In {
                column: v.name.clone(),
                values: others.iter().map(|c| Lit::Number(*c as f64)).collect(),
            },
        )
    };
    let rule = |when: Pred, must: Must, why: &str| Rule {
        column: c.name.clone(),
        when: and(vec![reached.clone(), when]),
        must,
        why: why.to_string(),
    };
    vec![
        rule(
            Pred::NotApplicable {
                column: state_column.clone(),
            },
            Must::NotApplicable,
            "its question was not asked",
        ),
        rule(
            Pred::Missing {
                column: state_column.clone(),
            },
            Must::Missing,
            "its question has no answer, so whether “other” applies is unknown",
        ),
        rule(chose_other.clone(), Must::NotNotApplicable, "“other” was chosen"),
        rule(
            and(vec![not(Pred::Blank { column: state_column }), not(chose_other)]),
            Must::NotApplicable,
            "“other” was not chosen",
        ),
    ]
}

/// A condition read three ways over a record.
struct Three {
    /// As route() reads it: both missing codes are null.
    actual: Pred,
    /// Certainly false: false whatever the missing answers (-99) would have been.
    certainly_false: Pred,
}

struct Encoder<'m> {
    model: &'m Questionnaire,
    /// Each multiple-choice variable's flag columns, in the record's order.
    flags: std::collections::HashMap<&'m str, Vec<&'m Column>>,
    /// The record's columns by name.
    columns: &'m std::collections::HashMap<&'m str, &'m Column>,
}

impl Encoder<'_> {
    fn three(&self, e: &Expr) -> Option<Three> {
        Some(Three {
            actual: self.actual(e)?,
            certainly_false: self.certain(e, false)?,
        })
    }

    /// The condition as route() evaluates it on the record (missing codes as null).
    fn actual(&self, e: &Expr) -> Option<Pred> {
        Some(match &e.kind {
            ExprKind::Bool { value } => bool_pred(*value),
            ExprKind::Binary {
                op: BinOp::And,
                left,
                right,
            } => and(vec![self.actual(left)?, self.actual(right)?]),
            ExprKind::Binary {
                op: BinOp::Or,
                left,
                right,
            } => or(vec![self.actual(left)?, self.actual(right)?]),
            ExprKind::Not { operand } => not(self.actual(operand)?),
            _ => {
                let atom = self.atom(e)?;
                atom.is_true
            }
        })
    }

    /// `certainly true` (`want` true) or `certainly false` (`want` false), when a missing
    /// answer could have been anything: Kleene's logic, as [`crate::eval::truth`].
    fn certain(&self, e: &Expr, want: bool) -> Option<Pred> {
        Some(match &e.kind {
            ExprKind::Bool { value } => bool_pred(*value == want),
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                left,
                right,
            } => {
                let parts = vec![self.certain(left, want)?, self.certain(right, want)?];
                // Certainly true `and` needs both; certainly false `and` needs either.
                if (*op == BinOp::And) == want {
                    and(parts)
                } else {
                    or(parts)
                }
            }
            ExprKind::Not { operand } => self.certain(operand, !want)?,
            _ => {
                let atom = self.atom(e)?;
                // A missing answer leaves the atom undecided; otherwise it is as it reads.
                let known = and(atom
                    .reads
                    .iter()
                    .map(|c| not(Pred::Missing { column: c.clone() }))
                    .collect());
                and(vec![known, if want { atom.is_true } else { not(atom.is_true) }])
            }
        })
    }

    fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(name).copied()
    }

    /// A comparison or function call: what it reads, and when it is true on the record.
    fn atom(&self, e: &Expr) -> Option<Atom> {
        match &e.kind {
            ExprKind::Binary { op, left, right } => {
                let (var, lit, op) = match (&left.kind, &right.kind) {
                    (ExprKind::Var { .. }, _) => (left, right, *op),
                    (_, ExprKind::Var { .. }) => (right, left, op.flipped()),
                    _ => return None,
                };
                let ExprKind::Var { name } = &var.kind else { return None };
                let is_audience = name == "audience";
                let column = if is_audience {
                    "audience"
                } else {
                    let c = self.column(name)?;
                    if !matches!(
                        c.kind,
                        ColumnKind::Code { .. }
                            | ColumnKind::Integer
                            | ColumnKind::Number
                            | ColumnKind::Text
                            | ColumnKind::Date
                    ) || self.model.derived(name).is_some()
                    {
                        return None;
                    }
                    name.as_str()
                };
                let values = self.literals(name, lit)?;
                let reads = if is_audience {
                    Vec::new()
                } else {
                    vec![column.to_string()]
                };
                let is_in = Pred::In {
                    column: column.to_string(),
                    values: values.clone(),
                };
                let is_true = match op {
                    BinOp::Eq | BinOp::In => is_in,
                    BinOp::Ne | BinOp::NotIn => not(is_in),
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match values.as_slice() {
                        [Lit::Number(n)] if !is_audience => Pred::Compare {
                            column: column.to_string(),
                            op,
                            value: *n,
                        },
                        _ => return None,
                    },
                    _ => return None,
                };
                Some(Atom { reads, is_true })
            }
            ExprKind::Call { function, args } => {
                let (ExprKind::Var { name }, rest) = (&args.first()?.kind, &args[1..]) else {
                    return None;
                };
                let v = self.model.variables.iter().find(|v| &v.name == name)?;
                let flags: Vec<&Column> = self.flags.get(name.as_str()).cloned().unwrap_or_default();
                let state = match flags.first() {
                    Some(f) => f.name.clone(),
                    None => self.column(name)?.name.clone(),
                };
                match (function.as_str(), rest) {
                    ("answered", []) => Some(Atom {
                        reads: vec![state.clone()],
                        is_true: not(Pred::Blank { column: state }),
                    }),
                    ("selected", [value]) => {
                        let ExprKind::String { value } = &value.kind else {
                            return None;
                        };
                        let list = self.model.choice_list(v.choice_list.as_ref()?)?;
                        let code = list.get(value)?.code;
                        if v.kind == QuestionType::Multiple {
                            let col = crate::data::option_column(name, code);
                            self.column(&col)?;
                            Some(Atom {
                                reads: vec![col.clone()],
                                is_true: Pred::In {
                                    column: col,
                                    values: vec![Lit::Number(1.0)],
                                },
                            })
                        } else {
                            Some(Atom {
                                reads: vec![state.clone()],
                                is_true: Pred::In {
                                    column: state,
                                    values: vec![Lit::Number(code as f64)],
                                },
                            })
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The values a literal stands for at a variable: codes for choices, else as written.
    fn literals(&self, name: &str, lit: &Expr) -> Option<Vec<Lit>> {
        let list = self
            .model
            .variables
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| v.choice_list.as_ref())
            .and_then(|l| self.model.choice_list(l));
        let items: Vec<&Expr> = match &lit.kind {
            ExprKind::List { items } => items.iter().collect(),
            _ => vec![lit],
        };
        items
            .into_iter()
            .map(|i| match (&i.kind, list) {
                (ExprKind::String { value }, Some(l)) => l.get(value).map(|o| Lit::Number(o.code as f64)),
                (ExprKind::String { value }, None) => Some(Lit::Text(value.clone())),
                (ExprKind::Number { value }, None) => Some(Lit::Number(*value)),
                _ => None,
            })
            .collect()
    }
}

struct Atom {
    /// The columns whose missing code leaves the atom undecided.
    reads: Vec<String>,
    /// When it is true (false for either missing code, as route() reads null).
    is_true: Pred,
}

fn bool_pred(b: bool) -> Pred {
    if b { Pred::True } else { Pred::False }
}

/// The routing rules of a roster's table (the long layout, [`crate::data::units`]): the
/// rules of its columns that read only its own columns and hold alike for every audience
/// the roster is asked of, as a roster's table has no `audience` column. The rest (a rule
/// that reads the respondent's answers, or differs by audience) is checked by `quire
/// check-data`, which routes each row with its respondent.
pub fn row_rules(model: &Questionnaire, unit: &crate::data::units::Unit) -> Rules {
    let all = rules(model, &unit.columns);
    let own: std::collections::HashSet<&str> = unit.columns.iter().map(|c| c.name.as_str()).collect();
    let mut out = Rules::default();
    // Each rule with the audience taken out, and the audiences it was made for.
    let mut found: Vec<(Rule, Vec<String>)> = Vec::new();
    for r in all.rules {
        let (audiences, when) = split_audience(r.when);
        let Some(audiences) = audiences else { continue };
        if !columns_of(&when).iter().all(|c| own.contains(c.as_str())) {
            continue;
        }
        let rule = Rule { when, ..r };
        match found.iter_mut().find(|(f, _)| *f == rule) {
            Some((_, auds)) => auds.extend(audiences),
            None => found.push((rule, audiences)),
        }
    }
    for (rule, audiences) in found {
        let column = unit.columns.iter().find(|c| c.name == rule.column);
        if column.is_some_and(|c| c.audiences.iter().all(|a| audiences.contains(a))) {
            out.rules.push(rule);
        }
    }
    out
}

/// A rule's condition as `audience in (…) and rest`: the audiences (none when it is not of
/// that form) and the rest.
fn split_audience(p: Pred) -> (Option<Vec<String>>, Pred) {
    let audiences = |p: &Pred| match p {
        Pred::In { column, values } if column == "audience" => Some(
            values
                .iter()
                .filter_map(|v| match v {
                    Lit::Text(t) => Some(t.clone()),
                    Lit::Number(_) => None,
                })
                .collect::<Vec<_>>(),
        ),
        _ => None,
    };
    if let Some(a) = audiences(&p) {
        return (Some(a), Pred::True);
    }
    match p {
        Pred::And(parts) => {
            let mut auds = None;
            let mut rest = Vec::new();
            for part in parts {
                match audiences(&part) {
                    Some(a) if auds.is_none() => auds = Some(a),
                    _ => rest.push(part),
                }
            }
            (auds, and(rest))
        }
        p => (None, p),
    }
}

/// The columns a test reads.
fn columns_of(p: &Pred) -> Vec<String> {
    match p {
        Pred::True | Pred::False => Vec::new(),
        Pred::And(ps) | Pred::Or(ps) => ps.iter().flat_map(columns_of).collect(),
        Pred::Not(p) => columns_of(p),
        Pred::In { column, .. }
        | Pred::Compare { column, .. }
        | Pred::NotApplicable { column }
        | Pred::Missing { column }
        | Pred::Blank { column } => vec![column.clone()],
    }
}

/// `and`, simplified: `True` parts dropped, any `False` decides.
pub fn and(parts: Vec<Pred>) -> Pred {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Pred::True => {}
            Pred::False => return Pred::False,
            Pred::And(inner) => out.extend(inner),
            p => out.push(p),
        }
    }
    match out.len() {
        0 => Pred::True,
        1 => out.pop().unwrap_or(Pred::True),
        _ => Pred::And(out),
    }
}

/// `or`, simplified: `False` parts dropped, any `True` decides.
pub fn or(parts: Vec<Pred>) -> Pred {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Pred::False => {}
            Pred::True => return Pred::True,
            Pred::Or(inner) => out.extend(inner),
            p => out.push(p),
        }
    }
    match out.len() {
        0 => Pred::False,
        1 => out.pop().unwrap_or(Pred::False),
        _ => Pred::Or(out),
    }
}

/// The opposite of a test, simplified: `not true` is `false`, `not not p` is `p`.
pub fn not(p: Pred) -> Pred {
    match p {
        Pred::True => Pred::False,
        Pred::False => Pred::True,
        Pred::Not(inner) => *inner,
        p => Pred::Not(Box::new(p)),
    }
}

/// One record's cells by column name, as written in the data (CSV text or JSON values).
pub trait Record {
    /// The cell as text (`"-88"`, `"2"`, `"Nurse; then GP"`); `None` when the column is absent.
    fn cell(&self, column: &str) -> Option<String>;
}

impl Record for std::collections::HashMap<String, String> {
    fn cell(&self, column: &str) -> Option<String> {
        self.get(column).cloned()
    }
}

impl Rules {
    /// The rules a record breaks, the first per column.
    pub fn violations(&self, model: &Questionnaire, record: &dyn Record) -> Vec<Violation> {
        let codes = model.survey.missing_codes;
        let mut out: Vec<Violation> = Vec::new();
        for r in &self.rules {
            if out.iter().any(|v| v.column == r.column) || !eval(&r.when, record, codes) {
                continue;
            }
            let cell = record.cell(&r.column).unwrap_or_default();
            let na = is_code(&cell, codes.not_applicable);
            let missing = is_code(&cell, codes.missing);
            let ok = match r.must {
                Must::NotApplicable => na,
                Must::Missing => missing,
                Must::Blank => na || missing,
                Must::NotNotApplicable => !na,
            };
            if !ok {
                out.push(Violation {
                    column: r.column.clone(),
                    must: r.must,
                    why: r.why.clone(),
                });
            }
        }
        out
    }
}

fn is_code(cell: &str, code: i64) -> bool {
    cell.trim().parse::<f64>().is_ok_and(|n| n == code as f64)
}

fn eval(p: &Pred, record: &dyn Record, codes: crate::model::MissingCodes) -> bool {
    let cell = |c: &str| record.cell(c).unwrap_or_default();
    let blank = |c: &str| {
        let v = cell(c);
        is_code(&v, codes.not_applicable) || is_code(&v, codes.missing)
    };
    match p {
        Pred::True => true,
        Pred::False => false,
        Pred::And(ps) => ps.iter().all(|p| eval(p, record, codes)),
        Pred::Or(ps) => ps.iter().any(|p| eval(p, record, codes)),
        Pred::Not(p) => !eval(p, record, codes),
        Pred::In { column, values } => {
            let v = cell(column);
            !blank(column)
                && values.iter().any(|l| match l {
                    Lit::Number(n) => v.trim().parse::<f64>().is_ok_and(|x| x == *n),
                    Lit::Text(t) => &v == t,
                })
        }
        Pred::Compare { column, op, value } => {
            let Ok(x) = cell(column).trim().parse::<f64>() else {
                return false;
            };
            !blank(column)
                && match op {
                    BinOp::Lt => x < *value,
                    BinOp::Le => x <= *value,
                    BinOp::Gt => x > *value,
                    _ => x >= *value,
                }
        }
        Pred::NotApplicable { column } => is_code(&cell(column), codes.not_applicable),
        Pred::Missing { column } => is_code(&cell(column), codes.missing),
        Pred::Blank { column } => blank(column),
    }
}
