//! Expression text in, syntax tree out (pest grammar + Pratt parser); and the tree printed back.
//! Most expressions are parsed by a one-pass parser of the same grammar (`expr/fast.rs`); pest
//! parses the rest and words every syntax error.
//!
//! The grammar is `crates/quire-core/grammar/expr.pest` (linked from `grammar/` at the top). Precedence, loosest first:
//! `or`; `and`; `not`; comparisons (`== != < <= > >= in`, `not in`); `+ -`; `* /`; unary `-`.

mod fast;

use std::fmt;
use std::sync::OnceLock;

use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use serde::Serialize;

/// The grammar (`grammar/expr.pest`) and its rules, kept inside this module.
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/expr.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// A parsed expression. `span` is a byte range within the expression's own text.
#[derive(Debug, Clone, Serialize)]
pub struct Expr {
    /// What the node is.
    #[serde(flatten)]
    pub kind: ExprKind,
    /// Its byte range in the expression's text.
    #[serde(skip)]
    pub span: (usize, usize),
}

impl PartialEq for Expr {
    /// Trees are equal when they have the same shape and values; positions do not count.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// A node of an expression's syntax tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum ExprKind {
    /// A number literal.
    Number {
        /// Its value.
        value: f64,
    },
    /// A string literal (a choice value, a text).
    String {
        /// Its value.
        value: String,
    },
    /// `true` or `false`.
    Bool {
        /// Its value.
        value: bool,
    },
    /// A list literal, the right side of `in`.
    List {
        /// Its items.
        items: Vec<Expr>,
    },
    /// A question, grid row, derived variable, or `audience`.
    Var {
        /// Its name.
        name: String,
    },
    /// `not operand`.
    Not {
        /// What it negates.
        operand: Box<Expr>,
    },
    /// `-operand`.
    Neg {
        /// What it negates.
        operand: Box<Expr>,
    },
    /// Two operands and an operator.
    Binary {
        /// The operator.
        op: BinOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// A function call ([`FUNCTIONS`]).
    Call {
        /// The function's name.
        function: String,
        /// Its arguments, in order.
        args: Vec<Expr>,
    },
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`: the left side is one of the list's items.
    In,
    /// `not in`.
    NotIn,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

impl BinOp {
    /// Every operator, in the order of the variants.
    pub const ALL: [BinOp; 14] = [
        BinOp::Or,
        BinOp::And,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::In,
        BinOp::NotIn,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
    ];

    /// The operator as written in an expression.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    /// The same comparison with its sides swapped: `a < b` is `b > a`.
    pub fn flipped(self) -> BinOp {
        match self {
            BinOp::Lt => BinOp::Gt,
            BinOp::Le => BinOp::Ge,
            BinOp::Gt => BinOp::Lt,
            BinOp::Ge => BinOp::Le,
            other => other,
        }
    }

    /// Whether it compares its operands (and gives true or false).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In | BinOp::NotIn
        )
    }

    fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
            _ => 4,
        }
    }
}

const PREC_NOT: u8 = 3;
const PREC_NEG: u8 = 7;
const PREC_ATOM: u8 = 8;

/// A function of the expression language.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    /// Its name, as called.
    pub name: &'static str,
    /// Fewest and most arguments.
    pub min: usize,
    /// Most arguments.
    pub max: usize,
    /// How it is called, e.g. `count(q)`.
    pub usage: &'static str,
    /// What it gives, in a sentence.
    pub doc: &'static str,
}

const fn f(name: &'static str, min: usize, max: usize, usage: &'static str, doc: &'static str) -> Function {
    Function {
        name,
        min,
        max,
        usage,
        doc,
    }
}

/// Most arguments a function of many takes (`sum`, `min`, `max`, `coalesce`).
pub const MAX_ARGS: usize = 64;

/// The functions the language knows (docs/spec.md, "Functions").
pub const FUNCTIONS: [Function; 23] = [
    f("answered", 1, 1, "answered(q)", "true when the question has an answer"),
    f(
        "selected",
        2,
        2,
        "selected(q, 'value')",
        "true when that choice is ticked (or chosen)",
    ),
    f(
        "count",
        1,
        2,
        "count(q)",
        "how many choices are ticked at a multiple-choice question; 0 when none. Over a roster: `count(person)` rows, `count(person, age >= 15)` rows where the condition holds",
    ),
    f(
        "score",
        1,
        1,
        "score(q)",
        "the `score` of the chosen option; null when unanswered or unscored",
    ),
    f(
        "sum_score",
        1,
        1,
        "sum_score(grid)",
        "the sum of the scores of a grid's rows; null when any row has no score",
    ),
    f(
        "sum",
        1,
        MAX_ARGS,
        "sum(a, b, …)",
        "the sum of numbers; null when any is null. Over a roster, `sum(person, income)` adds the rows' values (rows without one do not count)",
    ),
    f(
        "min",
        1,
        MAX_ARGS,
        "min(a, b, …)",
        "the smallest number; null when any is null. Over a roster: `min(person, age)`",
    ),
    f(
        "max",
        1,
        MAX_ARGS,
        "max(a, b, …)",
        "the largest number; null when any is null. Over a roster: `max(person, age)`",
    ),
    f(
        "coalesce",
        2,
        MAX_ARGS,
        "coalesce(x, y, …)",
        "the first value that is not null (`coalesce(score(q), 0)` counts no answer as 0)",
    ),
    f("if", 3, 3, "if(condition, a, b)", "a when the condition holds, else b"),
    f(
        "any",
        1,
        2,
        "any(grid == 'value')",
        "true when the condition holds for at least one row of the grid, or of a roster: `any(person, age >= 65)`",
    ),
    f(
        "all",
        1,
        2,
        "all(grid != 'value')",
        "true when the condition holds for every row of the grid, or of a roster: `all(person, answered(age))`",
    ),
    f(
        "row",
        0,
        0,
        "row()",
        "in a roster's items: the number of the row, from 1",
    ),
    f(
        "at",
        3,
        3,
        "at(person, head, age)",
        "an expression read in the row of a roster that a row chooser names: the head's age",
    ),
    f(
        "count_where",
        1,
        1,
        "count_where(grid >= 'value')",
        "how many rows of the grid meet the condition",
    ),
    f("today", 0, 0, "today()", "the date the response was started"),
    f(
        "years_between",
        2,
        2,
        "years_between(from, to)",
        "whole years from one date to another (an age: `years_between(dob, today())`)",
    ),
    f(
        "days_between",
        2,
        2,
        "days_between(from, to)",
        "days from one date to another",
    ),
    f(
        "matches",
        2,
        2,
        "matches(q, 'pattern')",
        "true when the whole text matches the pattern (docs/spec.md, \"Patterns\")",
    ),
    f("length", 1, 1, "length(text)", "the number of characters"),
    f(
        "substr",
        3,
        3,
        "substr(text, start, length)",
        "characters from `start` (the first is 1)",
    ),
    f(
        "number",
        1,
        1,
        "number(text)",
        "the number written as digits (`-12.5`); null otherwise",
    ),
    f(
        "mod",
        2,
        2,
        "mod(a, b)",
        "the remainder of a divided by b, with b's sign; null when b is 0",
    ),
];

/// A function by name.
pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// A syntax error, with the byte range of the expression text it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// What is wrong, in the designer's terms.
    pub message: String,
    /// The byte range of the expression text it concerns.
    pub span: (usize, usize),
    /// How to put it right, when there is an obvious way.
    pub help: Option<String>,
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::prefix(Rule::not))
            .op(Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left)
                | Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left)
                | Op::infix(Rule::in_op, Assoc::Left)
                | Op::infix(Rule::not_in, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::prefix(Rule::neg))
    })
}

/// Longest expression accepted, in bytes; deeper nesting than this is never a real condition.
const MAX_EXPR_BYTES: usize = 8 * 1024;
const MAX_NESTING: usize = 64;

/// Parses one expression.
pub fn parse(text: &str) -> Result<Expr, SyntaxError> {
    if text.trim().is_empty() {
        return Err(SyntaxError {
            message: "the expression is empty".into(),
            span: (0, text.len()),
            help: Some("write a condition such as `consent == 'yes'`, or remove the key".into()),
        });
    }
    if text.len() > MAX_EXPR_BYTES {
        let mut at = MAX_EXPR_BYTES;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        return Err(SyntaxError {
            message: format!(
                "the expression is {} bytes long; the limit is {MAX_EXPR_BYTES}",
                text.len()
            ),
            span: (at, text.len().min(at + 1)),
            help: Some("split it into derived variables, each a part of the condition".into()),
        });
    }
    if let Some(at) = too_deep(text) {
        return Err(SyntaxError {
            message: format!("the expression nests more than {MAX_NESTING} levels of brackets"),
            span: (at, at + 1),
            help: Some(
                "split it into derived variables, or drop brackets that `and`/`or` precedence makes unneeded".into(),
            ),
        });
    }
    if let Some(expr) = fast::parse(text) {
        #[cfg(debug_assertions)]
        {
            let full = parse_with_pest(text);
            assert!(
                full.as_ref().is_ok_and(|f| format!("{f:?}") == format!("{expr:?}")),
                "the fast parser and pest disagree on {text:?}: {expr:?} against {full:?}"
            );
        }
        return Ok(expr);
    }
    parse_with_pest(text)
}

/// [`parse`] by the grammar itself, for what the fast parser leaves (and every error).
fn parse_with_pest(text: &str) -> Result<Expr, SyntaxError> {
    let mut pairs = Grammar::parse(Rule::main, text).map_err(|e| syntax_error(e, text))?;
    let main = pairs.next().ok_or_else(|| SyntaxError {
        message: "the expression is empty".into(),
        span: (0, text.len()),
        help: None,
    })?;
    let expr = main.into_inner().next().ok_or_else(|| SyntaxError {
        message: "the expression is empty".into(),
        span: (0, text.len()),
        help: None,
    })?;
    build(expr.into_inner())
}

/// Where nesting first passes [`MAX_NESTING`], if it does: brackets, and every four `not`s
/// (each a level of the parser's recursion, like a bracket).
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut nots) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            'n' if text[i..].starts_with("not") => nots += 1,
            _ => continue,
        }
        if depth + nots / 4 > MAX_NESTING {
            return Some(i);
        }
    }
    None
}

fn build(pairs: Pairs<Rule>) -> Result<Expr, SyntaxError> {
    pratt()
        .map_primary(primary)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let span = (op.as_span().start(), rhs.span.1);
            let operand = Box::new(rhs);
            let kind = match op.as_rule() {
                Rule::not => ExprKind::Not { operand },
                _ => ExprKind::Neg { operand },
            };
            Ok(Expr { kind, span })
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let op = match op.as_rule() {
                Rule::or => BinOp::Or,
                Rule::and => BinOp::And,
                Rule::eq => BinOp::Eq,
                Rule::ne => BinOp::Ne,
                Rule::lt => BinOp::Lt,
                Rule::le => BinOp::Le,
                Rule::gt => BinOp::Gt,
                Rule::ge => BinOp::Ge,
                Rule::in_op => BinOp::In,
                Rule::not_in => BinOp::NotIn,
                Rule::add => BinOp::Add,
                Rule::sub => BinOp::Sub,
                Rule::mul => BinOp::Mul,
                _ => BinOp::Div,
            };
            let span = (lhs.span.0, rhs.span.1);
            Ok(Expr {
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(lhs),
                    right: Box::new(rhs),
                },
                span,
            })
        })
        .parse(pairs)
}

fn primary(pair: Pair<Rule>) -> Result<Expr, SyntaxError> {
    let span = (pair.as_span().start(), pair.as_span().end());
    let kind = match pair.as_rule() {
        Rule::number => {
            let value: f64 = pair.as_str().parse().map_err(|_| SyntaxError {
                message: format!("`{}` is not a number", pair.as_str()),
                span,
                help: None,
            })?;
            ExprKind::Number { value }
        }
        Rule::string => {
            let inner = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
            ExprKind::String { value: unescape(inner) }
        }
        Rule::boolean => ExprKind::Bool {
            value: pair.as_str() == "true",
        },
        Rule::ident => ExprKind::Var {
            name: pair.as_str().to_string(),
        },
        Rule::list => ExprKind::List {
            items: pair
                .into_inner()
                .map(|p| build(p.into_inner()))
                .collect::<Result<_, _>>()?,
        },
        Rule::call => {
            let mut inner = pair.into_inner();
            let function = inner.next().map(|p| p.as_str().to_string()).unwrap_or_default();
            let args = inner.map(|p| build(p.into_inner())).collect::<Result<_, _>>()?;
            ExprKind::Call { function, args }
        }
        _ => return build(pair.into_inner()),
    };
    Ok(Expr { kind, span })
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn syntax_error(e: pest::error::Error<Rule>, text: &str) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let end = text[pos..].chars().next().map(|c| pos + c.len_utf8()).unwrap_or(pos);
    let found = match text[pos..].chars().next() {
        None => "the end of the expression".to_string(),
        Some(_) => {
            let word: String = text[pos..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(12)
                .collect();
            format!("`{word}`")
        }
    };
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let operand = positives.iter().any(|r| {
                matches!(
                    r,
                    Rule::number
                        | Rule::string
                        | Rule::ident
                        | Rule::list
                        | Rule::boolean
                        | Rule::call
                        | Rule::expr
                        | Rule::not
                        | Rule::neg
                )
            });
            let operator = positives.iter().any(|r| {
                matches!(
                    r,
                    Rule::or
                        | Rule::and
                        | Rule::eq
                        | Rule::ne
                        | Rule::lt
                        | Rule::gt
                        | Rule::le
                        | Rule::ge
                        | Rule::add
                        | Rule::EOI
                )
            });
            match (operand, operator) {
                (true, _) => "a value (a number, a 'quoted' value, a question id, a list or a function call)",
                (false, true) => "an operator (`==`, `!=`, `<`, `and`, `or`, `in`, …) or the end",
                _ => "something else",
            }
        }
        ErrorVariant::CustomError { .. } => "something else",
    };
    let mut help = None;
    let rest = &text[pos..];
    if rest.starts_with('=') && !rest.starts_with("==") {
        help = Some("to compare, write `==` (two equals signs)".to_string());
    } else if rest.starts_with("&&") || rest.starts_with("||") {
        help = Some("write `and` / `or` instead of `&&` / `||`".to_string());
    } else if rest.starts_with('!') && !rest.starts_with("!=") {
        help = Some("write `not` instead of `!`".to_string());
    } else if rest.starts_with("<>") {
        help = Some("write `!=` for 'not equal'".to_string());
    } else if text.matches('(').count() != text.matches(')').count() {
        help = Some("check that every `(` has a matching `)`".to_string());
    } else if text.matches('\'').count() % 2 == 1 {
        help = Some("a quoted value is not closed: add the closing `'`".to_string());
    }
    SyntaxError {
        message: format!("expected {expected}, found {found}"),
        span: (pos, end),
        help,
    }
}

impl Expr {
    fn precedence(&self) -> u8 {
        match &self.kind {
            ExprKind::Binary { op, .. } => op.precedence(),
            ExprKind::Not { .. } => PREC_NOT,
            ExprKind::Neg { .. } => PREC_NEG,
            ExprKind::Number { value } if *value < 0.0 => PREC_NEG,
            _ => PREC_ATOM,
        }
    }

    /// Every variable name the expression reads, in order of appearance, without `audience`.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Var { name } = &e.kind
                && name != "audience"
                && !out.contains(&name.as_str())
            {
                out.push(name.as_str());
            }
        });
        out
    }

    /// Visits every node, parents before children.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::List { items } | ExprKind::Call { args: items, .. } => items.iter().for_each(|e| e.walk(f)),
            ExprKind::Not { operand } | ExprKind::Neg { operand } => operand.walk(f),
            ExprKind::Binary { left, right, .. } => {
                left.walk(f);
                right.walk(f);
            }
            _ => {}
        }
    }

    /// The tree as an S-expression, `(and (>= age 18) consent)`, for tests.
    pub fn sexp(&self) -> String {
        match &self.kind {
            ExprKind::Number { value } => format_number(*value),
            ExprKind::String { value } => quote(value),
            ExprKind::Bool { value } => value.to_string(),
            ExprKind::Var { name } => name.clone(),
            ExprKind::List { items } => format!("[{}]", items.iter().map(Expr::sexp).collect::<Vec<_>>().join(" ")),
            ExprKind::Not { operand } => format!("(not {})", operand.sexp()),
            ExprKind::Neg { operand } => format!("(- {})", operand.sexp()),
            ExprKind::Binary { op, left, right } => {
                format!("({} {} {})", op.symbol(), left.sexp(), right.sexp())
            }
            ExprKind::Call { function, args } => {
                let mut s = format!("({function}");
                for a in args {
                    s.push(' ');
                    s.push_str(&a.sexp());
                }
                s.push(')');
                s
            }
        }
    }
}

/// Prints a number the way the grammar reads it back: integers without a decimal point.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A string literal in the expression language's own quoting.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

impl fmt::Display for Expr {
    /// Canonical source text, with only the parentheses precedence needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wrap = |f: &mut fmt::Formatter<'_>, e: &Expr, parens: bool| {
            if parens { write!(f, "({e})") } else { write!(f, "{e}") }
        };
        match &self.kind {
            ExprKind::Number { value } => f.write_str(&format_number(*value)),
            ExprKind::String { value } => f.write_str(&quote(value)),
            ExprKind::Bool { value } => write!(f, "{value}"),
            ExprKind::Var { name } => f.write_str(name),
            ExprKind::List { items } => {
                f.write_str("[")?;
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("]")
            }
            ExprKind::Not { operand } => {
                f.write_str("not ")?;
                wrap(f, operand, operand.precedence() < PREC_NOT)
            }
            ExprKind::Neg { operand } => {
                f.write_str("-")?;
                wrap(f, operand, operand.precedence() < PREC_ATOM)
            }
            ExprKind::Binary { op, left, right } => {
                let p = op.precedence();
                wrap(f, left, left.precedence() < p)?;
                write!(f, " {} ", op.symbol())?;
                wrap(f, right, right.precedence() <= p)
            }
            ExprKind::Call { function, args } => {
                write!(f, "{function}(")?;
                for (i, e) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        parse(text)
            .map(|e| e.sexp())
            .unwrap_or_else(|e| format!("error: {}", e.message))
    }

    #[test]
    fn precedence_and_associativity() {
        let cases = [
            ("age >= 18 and consent == 'yes'", "(and (>= age 18) (== consent 'yes'))"),
            ("a or b and c", "(or a (and b c))"),
            ("not a == 'x'", "(not (== a 'x'))"),
            ("not a and b", "(and (not a) b)"),
            ("1 + 2 * 3 - 4", "(- (+ 1 (* 2 3)) 4)"),
            ("-x * 2", "(* (- x) 2)"),
            ("1 - -2", "(- 1 (- 2))"),
            ("x in ['a', 'b']", "(in x ['a' 'b'])"),
            ("x not in [1, 2,]", "(not in x [1 2])"),
            (
                "selected(q, 'v') or count(q) > 2",
                "(or (selected q 'v') (> (count q) 2))",
            ),
            ("(a or b) and c", "(and (or a b) c)"),
            ("answered(q)", "(answered q)"),
            ("audience == 'hcp'", "(== audience 'hcp')"),
            ("x == 'it\\'s'", "(== x 'it\\'s')"),
            ("x == \"d\"", "(== x 'd')"),
            ("notes == 1", "(== notes 1)"),
            ("order > 1 and inner", "(and (> order 1) inner)"),
            ("true or false", "(or true false)"),
            ("1.5 / 3", "(/ 1.5 3)"),
        ];
        for (text, want) in cases {
            assert_eq!(s(text), want, "{text}");
        }
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let e = parse("age >= ").unwrap_err();
        assert!(e.message.starts_with("expected a value"), "{}", e.message);
        assert_eq!(e.span.0, 7);
        let e = parse("a = 'yes'").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("to compare, write `==` (two equals signs)"));
        let e = parse("a == 'yes' && b").unwrap_err();
        assert!(e.help.unwrap().contains("`and`"));
        assert!(parse("(a == 1").is_err());
        assert!(parse("").is_err());
        assert!(parse("a == 'x").unwrap_err().help.unwrap().contains("closing"));
    }

    #[test]
    fn printing_adds_only_needed_parentheses() {
        for text in [
            "(a or b) and not (c == 1)",
            "a - (b - c)",
            "(a - b) - c",
            "-(a + 1)",
            "not not a",
            "(not a) == b",
        ] {
            let e = parse(text).unwrap();
            let printed = e.to_string();
            assert_eq!(parse(&printed).unwrap(), e, "{text} -> {printed}");
        }
        assert_eq!(parse("(a - b) - c").unwrap().to_string(), "a - b - c");
        assert_eq!(parse("a and (b and c)").unwrap().to_string(), "a and (b and c)");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
        assert!(parse(&deep).is_err());
        let nots = "not ".repeat(3000) + "a";
        assert!(parse(&nots).is_err());
    }

    #[test]
    fn references_are_listed_once() {
        let e = parse("a == 1 and (b > a or audience == 'x') and selected(c, 'y')").unwrap();
        assert_eq!(e.references(), ["a", "b", "c"]);
    }
}
