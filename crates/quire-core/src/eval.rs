//! An expression and a respondent's answers in, a value out: the reference semantics.
//!
//! Every other place an expression is given meaning (the form's JavaScript, paper routing,
//! codebook universes, data checks) must agree with this file; differential tests hold them to it.
//!
//! The rules, in short (docs/spec.md, "How conditions treat unanswered questions"):
//! - A question that was routed past, not asked of this audience, or asked and left blank has
//!   no value: it reads as *null*. A declared non-substantive answer ("Unsure") is a value.
//! - Comparisons are always true or false, never null: any comparison with null is false,
//!   except `!=` and `not in`, which are the negations of `==` and `in` and so are true.
//! - `and`, `or` and `not` treat null as false. A condition that is null is false.
//! - Arithmetic with null, or division by zero, gives null.
//! - `answered(q)` is true when q has a value; `count(q)` is 0 for an unanswered question;
//!   `selected(q, v)` and `matches(q, p)` are false for an unanswered question.
//! - `sum`, `min`, `max` and every other function of values give null when an argument they
//!   need is null; `coalesce` gives its first argument that is not null; `if(c, a, b)` gives b
//!   when c is not true.
//!
//! [`truth`] reads a condition when some answers are *unknown* (asked and left blank, so they
//! could have been anything, null included): Kleene's three-valued logic, so `Unknown` means
//! some answers to the unknown questions would make the condition hold and others would not.
//! It decides whether a question that was not asked is "not applicable" or of unknown
//! eligibility (docs/data.md).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::expr::{BinOp, Expr, ExprKind};

/// The value of a variable or an expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// No answer (not asked, not answered, or an expression that cannot be worked out).
    Null,
    /// True or false.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A single-choice value, text, or ISO date (`YYYY-MM-DD`).
    Text(String),
    /// The values ticked at a multiple-choice question, in choice-list order.
    Selection(Vec<String>),
    /// A list literal's items.
    List(Vec<Value>),
}

impl Value {
    /// Empty text and an empty selection are "no answer".
    pub fn normalised(self) -> Value {
        match self {
            Value::Text(s) if s.is_empty() => Value::Null,
            Value::Selection(v) if v.is_empty() => Value::Null,
            Value::Number(n) if !n.is_finite() => Value::Null,
            v => v,
        }
    }

    /// Whether it is no answer.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    fn truth(&self) -> bool {
        matches!(self, Value::Bool(true))
    }
}

/// Where an evaluation reads answers from.
pub trait Answers {
    /// The value of a question, grid row or derived variable; `Value::Null` when it has none.
    fn value(&self, name: &str) -> Value;
    /// The respondent group being asked.
    fn audience(&self) -> &str;
    /// The value of a variable when some answers are unknown: `None` when it depends on one.
    fn partial(&self, name: &str) -> Option<Value> {
        Some(self.value(name))
    }
    /// The response's date (`YYYY-MM-DD`, the day it was started) for `today()`.
    fn today(&self) -> Option<String> {
        None
    }
    /// The rows of roster `roster` as read from here (at the respondent's level, or in a
    /// row of the roster's parent), in order: what `count(person, …)`, `any`, `all`, `sum`,
    /// `min`, `max` and `at` read. Each row reads its own answers and, through them, the
    /// answers around it. `None` when `roster` names no roster here.
    fn rows(&self, roster: &str) -> Option<Vec<Box<dyn Answers + '_>>> {
        let _ = roster;
        None
    }
    /// In a roster's row: the row's number, from 1 (`row()`).
    fn row(&self) -> Option<usize> {
        None
    }
}

/// Answers borrowed read as the answers.
impl<T: Answers + ?Sized> Answers for &T {
    fn value(&self, name: &str) -> Value {
        (**self).value(name)
    }
    fn audience(&self) -> &str {
        (**self).audience()
    }
    fn partial(&self, name: &str) -> Option<Value> {
        (**self).partial(name)
    }
    fn today(&self) -> Option<String> {
        (**self).today()
    }
    fn rows(&self, roster: &str) -> Option<Vec<Box<dyn Answers + '_>>> {
        (**self).rows(roster)
    }
    fn row(&self) -> Option<usize> {
        (**self).row()
    }
}

/// A condition's truth when some answers are unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    /// Holds whatever the unknown answers are.
    True,
    /// Fails whatever the unknown answers are.
    False,
    /// Holds for some answers to the unknown questions and not for others.
    Unknown,
}

impl Truth {
    fn of(v: &Option<Value>) -> Truth {
        match v {
            None => Truth::Unknown,
            Some(v) if v.truth() => Truth::True,
            Some(_) => Truth::False,
        }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn value(self) -> Option<Value> {
        match self {
            Truth::True => Some(Value::Bool(true)),
            Truth::False => Some(Value::Bool(false)),
            Truth::Unknown => None,
        }
    }
}

/// Whether a condition holds when the answers [`Answers::partial`] calls unknown could be
/// anything: Kleene's logic over [`eval`]'s rules. `True` and `False` are certain.
pub fn truth(expr: &Expr, env: &dyn Answers) -> Truth {
    Truth::of(&partial(expr, env))
}

/// [`eval`] when some answers are unknown: `None` when the value depends on them.
pub fn partial(expr: &Expr, env: &dyn Answers) -> Option<Value> {
    match &expr.kind {
        ExprKind::Number { .. } | ExprKind::String { .. } | ExprKind::Bool { .. } => Some(eval(expr, env)),
        ExprKind::List { items } => items
            .iter()
            .map(|e| partial(e, env))
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        ExprKind::Var { name } if name == "audience" => Some(Value::Text(env.audience().to_string())),
        ExprKind::Var { name } => env.partial(name).map(Value::normalised),
        ExprKind::Not { operand } => truth(operand, env).not().value(),
        ExprKind::Neg { operand } => partial(operand, env).map(|v| match v {
            Value::Number(n) => Value::Number(-n),
            _ => Value::Null,
        }),
        ExprKind::Binary {
            op: op @ (BinOp::And | BinOp::Or),
            left,
            right,
        } => {
            let (l, r) = (truth(left, env), truth(right, env));
            let (decisive, other) = if *op == BinOp::And {
                (Truth::False, Truth::True)
            } else {
                (Truth::True, Truth::False)
            };
            if l == decisive || r == decisive {
                decisive.value()
            } else if l == other && r == other {
                other.value()
            } else {
                None
            }
        }
        ExprKind::Binary { op, left, right } => Some(binary(*op, partial(left, env)?, partial(right, env)?)),
        ExprKind::Call { function, args } if function == "if" && args.len() == 3 => match truth(&args[0], env) {
            Truth::True => partial(&args[1], env),
            Truth::False => partial(&args[2], env),
            Truth::Unknown => {
                let (a, b) = (partial(&args[1], env)?, partial(&args[2], env)?);
                (a == b).then_some(a)
            }
        },
        ExprKind::Call { function, args } if function == "coalesce" => {
            for a in args {
                match partial(a, env)? {
                    Value::Null => continue,
                    v => return Some(v),
                }
            }
            Some(Value::Null)
        }
        ExprKind::Call { function, args } => {
            if let Some(v) = partial_over_rows(function, args, env) {
                return v;
            }
            let args = args.iter().map(|e| partial(e, env)).collect::<Option<Vec<_>>>()?;
            Some(call(function, args, env))
        }
    }
}

/// A plain map of answers, for tests and tools.
#[derive(Debug, Clone, Default)]
pub struct AnswerMap {
    /// The respondent's audience.
    pub audience: String,
    /// Answers by variable name.
    pub values: HashMap<String, Value>,
    /// The response's date, for `today()`.
    pub today: Option<String>,
    /// The rows of each roster, in order, each with its own answers (and its rows).
    pub rows: HashMap<String, Vec<AnswerMap>>,
    /// Variables whose answers are unknown ([`Answers::partial`] gives `None`): asked and
    /// not answered, or of unknown eligibility.
    pub unknown: std::collections::HashSet<String>,
}

impl AnswerMap {
    /// No answers yet, for a respondent of `audience`.
    pub fn new(audience: &str) -> Self {
        AnswerMap {
            audience: audience.to_string(),
            values: HashMap::new(),
            today: None,
            rows: HashMap::new(),
            unknown: Default::default(),
        }
    }

    /// Adds a row to roster `roster`, with its answers.
    pub fn push_row(&mut self, roster: &str, row: AnswerMap) -> &mut Self {
        self.rows.entry(roster.to_string()).or_default().push(row);
        self
    }

    /// These answers as row `number` of a roster: read first, then `around` (the answers
    /// holding the row).
    pub fn as_row<'a>(&'a self, around: &'a dyn Answers, number: usize) -> impl Answers + 'a {
        RowView {
            own: self,
            around,
            number,
        }
    }

    /// The rows of `roster` held here, each read through `around` (this map, or the row
    /// holding it).
    pub fn rows_within<'a>(&'a self, roster: &str, around: &'a dyn Answers) -> Option<Vec<Box<dyn Answers + 'a>>> {
        let rows = self.rows.get(roster)?;
        Some(
            rows.iter()
                .enumerate()
                .map(|(i, own)| {
                    Box::new(RowView {
                        own,
                        around,
                        number: i + 1,
                    }) as Box<dyn Answers + 'a>
                })
                .collect(),
        )
    }
}

/// A row of a roster in an [`AnswerMap`]: its own answers first, then those around it (the
/// row holding it, up to the respondent's).
struct RowView<'a> {
    own: &'a AnswerMap,
    around: &'a dyn Answers,
    number: usize,
}

impl Answers for RowView<'_> {
    fn value(&self, name: &str) -> Value {
        match self.own.values.get(name) {
            Some(v) => v.clone(),
            None => self.around.value(name),
        }
    }
    fn audience(&self) -> &str {
        self.around.audience()
    }
    fn partial(&self, name: &str) -> Option<Value> {
        match self.own.values.get(name) {
            Some(v) => Some(v.clone()),
            None if self.own.unknown.contains(name) => None,
            None => self.around.partial(name),
        }
    }
    fn today(&self) -> Option<String> {
        self.around.today()
    }
    fn rows(&self, roster: &str) -> Option<Vec<Box<dyn Answers + '_>>> {
        match self.own.rows_within(roster, self) {
            Some(rows) => Some(rows),
            None => self.around.rows(roster),
        }
    }
    fn row(&self) -> Option<usize> {
        Some(self.number)
    }
}

impl AnswerMap {
    /// Sets an answer (normalised: empty text is no answer).
    pub fn set(&mut self, name: &str, value: Value) -> &mut Self {
        self.values.insert(name.to_string(), value.normalised());
        self
    }
}

impl Answers for AnswerMap {
    fn value(&self, name: &str) -> Value {
        self.values.get(name).cloned().unwrap_or(Value::Null)
    }
    fn audience(&self) -> &str {
        &self.audience
    }
    fn today(&self) -> Option<String> {
        self.today.clone()
    }
    fn rows(&self, roster: &str) -> Option<Vec<Box<dyn Answers + '_>>> {
        self.rows_within(roster, self)
    }
    fn partial(&self, name: &str) -> Option<Value> {
        match self.values.get(name) {
            Some(v) => Some(v.clone()),
            None if self.unknown.contains(name) => None,
            None => Some(Value::Null),
        }
    }
}

/// Whether a condition holds: its value is `true` (null and anything else are false).
pub fn holds(expr: &Expr, env: &dyn Answers) -> bool {
    eval(expr, env).truth()
}

/// Evaluates an expression. Total: never panics, and ill-typed input gives null.
pub fn eval(expr: &Expr, env: &dyn Answers) -> Value {
    match &expr.kind {
        ExprKind::Number { value } => Value::Number(*value),
        ExprKind::String { value } => Value::Text(value.clone()),
        ExprKind::Bool { value } => Value::Bool(*value),
        ExprKind::List { items } => Value::List(items.iter().map(|e| eval(e, env)).collect()),
        ExprKind::Var { name } if name == "audience" => Value::Text(env.audience().to_string()),
        ExprKind::Var { name } => env.value(name).normalised(),
        ExprKind::Not { operand } => Value::Bool(!eval(operand, env).truth()),
        ExprKind::Neg { operand } => match eval(operand, env) {
            Value::Number(n) => Value::Number(-n),
            _ => Value::Null,
        },
        ExprKind::Binary {
            op: BinOp::And,
            left,
            right,
        } => Value::Bool(holds(left, env) && holds(right, env)),
        ExprKind::Binary {
            op: BinOp::Or,
            left,
            right,
        } => Value::Bool(holds(left, env) || holds(right, env)),
        ExprKind::Binary { op, left, right } => binary(*op, eval(left, env), eval(right, env)),
        ExprKind::Call { function, args } => {
            if let Some(v) = over_rows(function, args, env) {
                return v;
            }
            call(function, args.iter().map(|e| eval(e, env)).collect(), env)
        }
    }
}

/// The functions over a roster's rows, when `args[0]` names a roster of `env`:
/// `count(r)`, `count(r, c)`, `any(r, c)`, `all(r, c)`, `sum(r, x)`, `min(r, x)`,
/// `max(r, x)`, `at(r, chooser, x)`; and `row()`. `None`: not one of them.
fn over_rows(function: &str, args: &[Expr], env: &dyn Answers) -> Option<Value> {
    let rows = match row_call(function, args, env)? {
        RowCall::Number(v) => return Some(v),
        RowCall::Rows(rows) => rows,
    };
    let each = args.get(1);
    Some(match (function, each) {
        ("count", None) => Value::Number(rows.len() as f64),
        ("count", Some(c)) => Value::Number(rows.iter().filter(|r| holds(c, r.as_ref())).count() as f64),
        ("any", Some(c)) => Value::Bool(rows.iter().any(|r| holds(c, r.as_ref()))),
        ("all", Some(c)) => Value::Bool(rows.iter().all(|r| holds(c, r.as_ref()))),
        ("sum" | "min" | "max", Some(x)) => {
            let values: Vec<f64> = rows
                .iter()
                .filter_map(|r| match eval(x, r.as_ref()) {
                    Value::Number(n) => Some(n),
                    _ => None,
                })
                .collect();
            fold_rows(function, &values)
        }
        ("at", Some(chooser)) => match (eval(chooser, env), args.get(2)) {
            (Value::Number(n), Some(x)) if n >= 1.0 && n.fract() == 0.0 => {
                rows.get(n as usize - 1).map_or(Value::Null, |r| eval(x, r.as_ref()))
            }
            _ => Value::Null,
        },
        _ => Value::Null,
    })
}

/// What a call over rows reads: `row()`'s number, or the rows of the roster it names.
enum RowCall<'e> {
    Number(Value),
    Rows(Vec<Box<dyn Answers + 'e>>),
}

/// `None` when the call is not over rows: not one of the functions, or its first argument
/// names no roster of `env`.
fn row_call<'e>(function: &str, args: &[Expr], env: &'e dyn Answers) -> Option<RowCall<'e>> {
    if function == "row" {
        return Some(RowCall::Number(
            env.row().map_or(Value::Null, |n| Value::Number(n as f64)),
        ));
    }
    let Some(ExprKind::Var { name }) = args.first().map(|a| &a.kind) else {
        return None;
    };
    if !matches!(function, "count" | "any" | "all" | "sum" | "min" | "max" | "at") {
        return None;
    }
    env.rows(name).map(RowCall::Rows)
}

/// `sum` (0 over no rows), `min`, `max` (null over no rows) of the rows' values.
fn fold_rows(function: &str, values: &[f64]) -> Value {
    match function {
        "sum" => Value::Number(values.iter().sum()).normalised(),
        _ if values.is_empty() => Value::Null,
        "min" => Value::Number(values.iter().copied().fold(f64::INFINITY, f64::min)),
        _ => Value::Number(values.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
    }
}

/// [`over_rows`] when some answers are unknown: `None` (the outer option) when the function
/// is not over rows; `Some(None)` when its value depends on an unknown answer.
fn partial_over_rows(function: &str, args: &[Expr], env: &dyn Answers) -> Option<Option<Value>> {
    let rows = match row_call(function, args, env)? {
        RowCall::Number(v) => return Some(Some(v)),
        RowCall::Rows(rows) => rows,
    };
    let each = args.get(1);
    Some(match (function, each) {
        ("count", None) => Some(Value::Number(rows.len() as f64)),
        ("count", Some(c)) => {
            let mut n = 0;
            for r in &rows {
                match truth(c, r.as_ref()) {
                    Truth::True => n += 1,
                    Truth::False => {}
                    Truth::Unknown => return Some(None),
                }
            }
            Some(Value::Number(n as f64))
        }
        ("any" | "all", Some(c)) => {
            let (decisive, other) = if function == "any" {
                (Truth::True, Truth::False)
            } else {
                (Truth::False, Truth::True)
            };
            let truths: Vec<Truth> = rows.iter().map(|r| truth(c, r.as_ref())).collect();
            if truths.contains(&decisive) {
                decisive.value()
            } else if truths.iter().all(|t| *t == other) {
                other.value()
            } else {
                None
            }
        }
        ("sum" | "min" | "max", Some(x)) => {
            let mut values = Vec::with_capacity(rows.len());
            for r in &rows {
                match partial(x, r.as_ref()) {
                    Some(Value::Number(n)) => values.push(n),
                    Some(_) => {}
                    None => return Some(None),
                }
            }
            Some(fold_rows(function, &values))
        }
        ("at", Some(chooser)) => match (partial(chooser, env), args.get(2)) {
            (None, _) => None,
            (Some(Value::Number(n)), Some(x)) if n >= 1.0 && n.fract() == 0.0 => match rows.get(n as usize - 1) {
                Some(r) => partial(x, r.as_ref()),
                None => Some(Value::Null),
            },
            _ => Some(Value::Null),
        },
        _ => Some(Value::Null),
    })
}

fn binary(op: BinOp, l: Value, r: Value) -> Value {
    match op {
        BinOp::Eq => Value::Bool(equal(&l, &r)),
        BinOp::Ne => Value::Bool(!equal(&l, &r)),
        BinOp::In => Value::Bool(member(&l, &r)),
        BinOp::NotIn => Value::Bool(!member(&l, &r)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = match (&l, &r) {
                (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
                (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
                _ => None,
            };
            Value::Bool(match ord {
                None => false,
                Some(o) => match op {
                    BinOp::Lt => o.is_lt(),
                    BinOp::Le => o.is_le(),
                    BinOp::Gt => o.is_gt(),
                    _ => o.is_ge(),
                },
            })
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => match (l, r) {
            (Value::Number(a), Value::Number(b)) => {
                let v = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    _ if b == 0.0 => return Value::Null,
                    _ => a / b,
                };
                Value::Number(v).normalised()
            }
            _ => Value::Null,
        },
        BinOp::And => Value::Bool(l.truth() && r.truth()),
        BinOp::Or => Value::Bool(l.truth() || r.truth()),
    }
}

fn equal(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::Text(a), Value::Text(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        _ => false,
    }
}

fn member(l: &Value, r: &Value) -> bool {
    match r {
        Value::List(items) => items.iter().any(|i| equal(l, i)),
        _ => false,
    }
}

fn call(function: &str, args: Vec<Value>, env: &dyn Answers) -> Value {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let numbers = || -> Option<Vec<f64>> {
        args.iter()
            .map(|a| match a {
                Value::Number(n) => Some(*n),
                _ => None,
            })
            .collect::<Option<Vec<f64>>>()
            .filter(|v| !v.is_empty())
    };
    let number = |v: Option<f64>| v.map(Value::Number).unwrap_or(Value::Null).normalised();
    match function {
        "answered" => Value::Bool(!arg(0).is_null()),
        "count" => match arg(0) {
            Value::Selection(v) => Value::Number(v.len() as f64),
            Value::Null => Value::Number(0.0),
            _ => Value::Null,
        },
        "selected" => {
            let wanted = arg(1);
            Value::Bool(match (arg(0), &wanted) {
                (Value::Selection(v), Value::Text(w)) => v.contains(w),
                // A choice among a roster's rows: the rows' numbers.
                (Value::Selection(v), Value::Number(n)) => v.iter().any(|x| x.parse::<f64>().ok() == Some(*n)),
                (Value::Number(v), Value::Number(n)) => v == *n,
                (Value::Text(v), Value::Text(w)) => &v == w,
                _ => false,
            })
        }
        // As the checker lowers it: score(q, [values…], [scores…]).
        "score" => match (arg(0), arg(1), arg(2)) {
            (Value::Text(v), Value::List(values), Value::List(scores)) => values
                .iter()
                .position(|x| matches!(x, Value::Text(t) if *t == v))
                .and_then(|i| scores.get(i).cloned())
                .filter(|s| matches!(s, Value::Number(_)))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "sum" => number(numbers().map(|v| v.iter().fold(0.0, |a, b| a + b))),
        "min" => number(numbers().map(|v| v.iter().copied().fold(f64::INFINITY, f64::min))),
        "max" => number(numbers().map(|v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max))),
        "coalesce" => args.into_iter().find(|a| !a.is_null()).unwrap_or(Value::Null),
        "if" => {
            if arg(0).truth() {
                arg(1)
            } else {
                arg(2)
            }
        }
        "today" => env.today().map(Value::Text).unwrap_or(Value::Null),
        "years_between" => match (date(&arg(0)), date(&arg(1))) {
            (Some(a), Some(b)) => {
                let mut years = b.0 - a.0;
                if (b.1, b.2) < (a.1, a.2) {
                    years -= 1;
                }
                Value::Number(years as f64)
            }
            _ => Value::Null,
        },
        "days_between" => match (date(&arg(0)), date(&arg(1))) {
            (Some(a), Some(b)) => Value::Number((days(b) - days(a)) as f64),
            _ => Value::Null,
        },
        "matches" => Value::Bool(match (arg(0), arg(1)) {
            (Value::Text(t), Value::Text(p)) => crate::pattern::is_match(&p, &t),
            _ => false,
        }),
        "length" => match arg(0) {
            Value::Text(t) => Value::Number(t.chars().count() as f64),
            _ => Value::Null,
        },
        "substr" => match (arg(0), arg(1), arg(2)) {
            (Value::Text(t), Value::Number(start), Value::Number(len))
                if start >= 1.0 && len >= 0.0 && start.fract() == 0.0 && len.fract() == 0.0 =>
            {
                let s: String = t
                    .chars()
                    .skip((start - 1.0).min(1e9) as usize)
                    .take(len.min(1e9) as usize)
                    .collect();
                Value::Text(s).normalised()
            }
            _ => Value::Null,
        },
        "number" => match arg(0) {
            Value::Text(t) => parse_decimal(&t).map(Value::Number).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "mod" => match (arg(0), arg(1)) {
            (Value::Number(a), Value::Number(b)) if b != 0.0 => Value::Number(a - b * (a / b).floor()).normalised(),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `-?digits(.digits)?`, the only way `number()` reads text (as the form's runtime does).
fn parse_decimal(t: &str) -> Option<f64> {
    let body = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 30 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    t.parse().ok().filter(|n: &f64| n.is_finite())
}

/// A real calendar date `YYYY-MM-DD` (years 1000–9999): (year, month, day).
pub fn date(v: &Value) -> Option<(i64, i64, i64)> {
    let Value::Text(s) = v else { return None };
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (y >= 1000 && (1..=12).contains(&m) && d >= 1 && d <= month_days[(m - 1) as usize]).then_some((y, m, d))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days((y, m, d): (i64, i64, i64)) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    fn run(text: &str, env: &AnswerMap) -> Value {
        eval(&parse(text).unwrap(), env)
    }

    #[test]
    fn unanswered_questions_compare_false_except_negations() {
        let env = AnswerMap::new("patient");
        assert_eq!(run("sc_attend == 'yes'", &env), Value::Bool(false));
        assert_eq!(run("sc_attend != 'yes'", &env), Value::Bool(true));
        assert_eq!(run("not (sc_attend == 'yes')", &env), Value::Bool(true));
        assert_eq!(run("age < 18", &env), Value::Bool(false));
        assert_eq!(run("age >= 18", &env), Value::Bool(false));
        assert_eq!(run("age in [1, 2]", &env), Value::Bool(false));
        assert_eq!(run("age not in [1, 2]", &env), Value::Bool(true));
        assert_eq!(run("age + 1", &env), Value::Null);
        assert_eq!(run("answered(age)", &env), Value::Bool(false));
        assert_eq!(run("count(staff)", &env), Value::Number(0.0));
        assert_eq!(run("selected(staff, 'nurse')", &env), Value::Bool(false));
    }

    #[test]
    fn answered_values() {
        let mut env = AnswerMap::new("carer");
        env.set("sc", Value::Text("unsure".into()))
            .set("age", Value::Number(40.0))
            .set("staff", Value::Selection(vec!["nurse".into(), "gp".into()]))
            .set("blank", Value::Text(String::new()));
        assert_eq!(run("sc == 'unsure'", &env), Value::Bool(true));
        assert_eq!(run("answered(sc)", &env), Value::Bool(true));
        assert_eq!(run("age / 0", &env), Value::Null);
        assert_eq!(run("age * 2 - 1 == 79", &env), Value::Bool(true));
        assert_eq!(
            run("count(staff) == 2 and selected(staff, 'gp')", &env),
            Value::Bool(true)
        );
        assert_eq!(run("audience == 'carer'", &env), Value::Bool(true));
        assert_eq!(run("answered(blank)", &env), Value::Bool(false));
        assert_eq!(run("sc in ['yes', 'unsure']", &env), Value::Bool(true));
    }

    /// Answers where some questions are unknown (asked, left blank).
    struct Partly(AnswerMap, Vec<&'static str>);
    impl Answers for Partly {
        fn value(&self, name: &str) -> Value {
            self.0.value(name)
        }
        fn audience(&self) -> &str {
            self.0.audience()
        }
        fn partial(&self, name: &str) -> Option<Value> {
            (!self.1.contains(&name)).then(|| self.0.value(name))
        }
    }

    #[test]
    fn unknown_answers_leave_a_condition_unknown_only_when_they_could_decide_it() {
        let mut known = AnswerMap::new("patient");
        known.set("a", Value::Text("no".into()));
        let env = Partly(known, vec!["u"]);
        let t = |text: &str| truth(&parse(text).unwrap(), &env);
        assert_eq!(t("u == 'yes'"), Truth::Unknown);
        assert_eq!(t("u != 'yes'"), Truth::Unknown);
        assert_eq!(t("a == 'yes' and u == 'yes'"), Truth::False);
        assert_eq!(t("a == 'no' or u == 'yes'"), Truth::True);
        assert_eq!(t("a == 'no' and u == 'yes'"), Truth::Unknown);
        assert_eq!(t("not (u == 'yes')"), Truth::Unknown);
        assert_eq!(t("answered(u)"), Truth::Unknown);
        assert_eq!(t("count(u) > 2"), Truth::Unknown);
        assert_eq!(t("answered(a)"), Truth::True);
        assert_eq!(t("u in ['x'] or true"), Truth::True);
    }

    #[test]
    fn ill_typed_input_is_null_not_a_panic() {
        let env = AnswerMap::new("p");
        assert_eq!(run("-'x'", &env), Value::Null);
        assert_eq!(run("'a' + 1", &env), Value::Null);
        assert_eq!(run("nosuch(1, 2)", &env), Value::Null);
        assert_eq!(run("1 in 2", &env), Value::Bool(false));
    }
}
