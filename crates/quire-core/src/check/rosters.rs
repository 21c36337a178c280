//! Rosters in expressions, part of the second pass: where a roster's rows come from
//! (`count`, `for_each`), the aggregates that read its rows from outside (`count(person, …)`,
//! `any`, `all`, `sum`, `min`, `max`), `row()`, and a row's names read where no row is
//! (docs/spec.md, "Rosters").

use std::sync::Arc;

use super::typeck::TypeCheck;
use super::{Site, Symbol, SymbolKind, Ty};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::{BinOp, Expr, ExprKind};
use crate::model::Condition;
use crate::source::Span;
use crate::spec::{self, Sp};

/// The aggregates over a roster's rows, with what their second argument is.
pub(super) const AGGREGATES: [&str; 6] = ["count", "any", "all", "sum", "min", "max"];

/// Deepest chain of derived variables followed to learn whether a count is whole.
const WHOLE_DEPTH: usize = 16;

impl<'a> TypeCheck<'_, 'a> {
    /// A roster's source of rows: a count that is a whole number known before the roster,
    /// or a multiple-choice question (or a choice list) whose options make the rows.
    pub(super) fn rows(&mut self, r: &'a spec::Roster, at: (usize, usize), position: usize, audiences: &[String]) {
        match &r.rows.value {
            spec::Rows::Count { count } => {
                if let Some(c) = self.row_count(count, position, audiences) {
                    self.typed.row_counts.insert(at, c);
                }
            }
            spec::Rows::ForEach { for_each } => self.for_each(r, for_each, position, audiences),
            spec::Rows::Open(_) => {}
        }
    }

    /// A `count` checked and lowered; `None` after reporting.
    fn row_count(&mut self, count: &Sp<String>, position: usize, audiences: &[String]) -> Option<Condition> {
        let site = self.site(count, position, audiences, "count of rows");
        let parsed = self.parsed(&site)?;
        let errors = self.diags.error_count();
        let ty = self.ty(&parsed, &site);
        if self.diags.error_count() > errors || ty == Ty::Error {
            return None;
        }
        let span = self.span_in(&site, parsed.span);
        if ty != Ty::Number {
            let what = self.describe(&ty);
            self.push(
                Diagnostic::error("roster-count-type", format!("a roster's count must be a whole number, but this is {what}"))
                    .at(span, "not a number")
                    .help("count the rows with an integer question asked before the roster (\"How many people live here?\"), or use `for_each` for one row per option ticked"),
            );
        } else if !self.whole(&parsed, 0) {
            self.push(
                Diagnostic::error("roster-count-not-integer", "a roster's count must be a whole number, but this can have a fraction")
                    .at(span, "may not be whole")
                    .help("count with integer questions, whole numbers, `+`, `-`, `*` and `count(…)`; a decimal question or `/` can give a fraction"),
            );
        } else {
            return Some(Condition::lowered(&parsed, self.lower(&parsed)));
        }
        None
    }

    /// Whether a number-typed expression is always whole: what a count of rows must be.
    fn whole(&self, e: &Expr, depth: usize) -> bool {
        match &e.kind {
            ExprKind::Number { value } => value.fract() == 0.0,
            ExprKind::Var { name } => self.declared.integers.contains(name) || self.whole_derived(name, depth),
            ExprKind::Neg { operand } => self.whole(operand, depth),
            ExprKind::Binary { op, left, right } => {
                matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul)
                    && self.whole(left, depth)
                    && self.whole(right, depth)
            }
            ExprKind::Call { function, args } => match function.as_str() {
                "count" | "count_where" | "length" | "years_between" | "days_between" | "row" => true,
                "sum" | "min" | "max" if self.is_roster(args.first()) => {
                    args.get(1).is_some_and(|a| self.whole(a, depth))
                }
                "sum" | "min" | "max" | "coalesce" | "mod" => args.iter().all(|a| self.whole(a, depth)),
                "if" => args.iter().skip(1).all(|a| self.whole(a, depth)),
                _ => false,
            },
            _ => false,
        }
    }

    /// A derived variable is whole when its expression is (followed a few links deep).
    fn whole_derived(&self, name: &str, depth: usize) -> bool {
        if depth >= WHOLE_DEPTH {
            return false;
        }
        let Some(d) = self.spec.derived.iter().find(|d| d.id.value == name) else {
            return false;
        };
        d.expr
            .as_ref()
            .and_then(|t| self.parse(&t.value).ok())
            .is_some_and(|e| self.whole(&e, depth + 1))
    }

    pub(super) fn is_roster(&self, e: Option<&Expr>) -> bool {
        self.roster_named(e).is_some()
    }

    /// The roster an argument names, if it names one.
    fn roster_named(&self, e: Option<&Expr>) -> Option<Arc<Symbol>> {
        match &e?.kind {
            ExprKind::Var { name } => self
                .declared
                .symbols
                .get(name)
                .filter(|s| matches!(s.kind, SymbolKind::Roster))
                .cloned(),
            _ => None,
        }
    }

    /// `for_each`: a multiple-choice question asked before the roster (a row per option
    /// ticked), or a choice list (a row per option).
    fn for_each(&mut self, r: &spec::Roster, source: &Sp<String>, position: usize, audiences: &[String]) {
        let name = source.value.as_str();
        // A question of the name comes first (a list is often named after its question):
        // the rows are the options ticked there, as the model takes them.
        if !self.declared.symbols.contains_key(name)
            && let Some(&l) = self.declared.list_index.get(name)
        {
            self.declared.lists[l].used = true;
            return;
        }
        let site = self.site(source, position, audiences, "source of rows");
        if !self.declared.symbols.contains_key(name) {
            let candidates: Vec<String> = self
                .declared
                .symbols
                .iter()
                .filter(|(_, s)| matches!(s.ty, Ty::Multi(_)))
                .map(|(n, _)| n.clone())
                .chain(self.declared.list_index.keys().cloned())
                .collect();
            let d = Diagnostic::error(
                "unknown-variable",
                format!("there is no multiple-choice question or choice list `{name}`"),
            )
            .at(source.span, "unknown name");
            let d = match did_you_mean(name, candidates.iter().map(String::as_str)) {
                Some(m) => d.help(format!("did you mean `{m}`?")),
                None => d.help("`for_each` names a multiple-choice question asked before the roster (a row per option ticked), or a list under `choices:` (a row per option)"),
            };
            self.push(d);
            return;
        }
        let ty = self.var(name, (0, name.len()), &site);
        let span = self.span_in(&site, (0, name.len()));
        let d = match ty {
            Ty::Multi(_) | Ty::Error => return,
            Ty::Choice(_) => Diagnostic::error(
                "for-each-single",
                format!("`{name}` is a single choice, so it gives one row at most"),
            )
            .at(span, "one option is chosen here")
            .help(format!(
                "make `{name}` a multiple choice (`type: multiple`) to ask the roster for each option ticked, or ask its items once with `ask_if: answered({name})`"
            )),
            other => {
                let what = self.describe(&other);
                Diagnostic::error("for-each-type", format!("`{name}` is {what}; `for_each` needs options to make rows of"))
                    .at(span, "no options")
                    .help(format!(
                        "name a multiple-choice question or a choice list; for as many rows as a number says, write `rows: {{ count: {name} }}`"
                    ))
            }
        };
        let d = match self.declared.symbols.get(name) {
            Some(sym) => d.also(sym.span, "asked here"),
            None => d,
        };
        self.push(d.also(r.id.span, "this roster"));
    }

    /// `count(person)`, `count(person, cond)`, `any(person, cond)`, `all(person, cond)`,
    /// `sum(person, x)`, `min(person, x)`, `max(person, x)`: the roster's rows read from
    /// where its parent's row (or the respondent) is.
    pub(super) fn aggregate(&mut self, function: &str, roster: &str, args: &[Expr], site: &Site) -> Ty {
        let span = self.span_in(site, args[0].span);
        let Some(sym) = self.roster_named(args.first()) else {
            return Ty::Error;
        };
        let wants = match function {
            "count" => "count(person) or count(person, condition)",
            "any" | "all" => "any(person, condition)",
            _ => "sum(person, value)",
        };
        let arity_ok = match function {
            "count" => args.len() <= 2,
            _ => args.len() == 2,
        };
        if !arity_ok {
            self.push(
                Diagnostic::error(
                    "wrong-arguments",
                    format!(
                        "`{function}` over the rows of `{roster}` takes the roster and one expression read in each row"
                    ),
                )
                .at(
                    self.span_in(site, (args[0].span.0, args.last().map_or(args[0].span.1, |a| a.span.1))),
                    "wrong number of arguments",
                )
                .help(format!(
                    "write `{}`",
                    wants.replace("person", roster).replace(" or ", "` or `")
                )),
            );
            return Ty::Error;
        }
        if !self.roster_readable(roster, &sym, span, site) {
            return Ty::Error;
        }
        let result = match function {
            "count" => Ty::Number,
            "any" | "all" => Ty::Bool,
            _ => Ty::Number,
        };
        let Some(arg) = args.get(1) else {
            return result;
        };
        let outer = self.scope.replace(roster.to_string());
        let errors = self.diags.error_count();
        let t = self.ty(arg, site);
        self.scope = outer;
        if self.diags.error_count() == errors {
            let what = format!("`{function}` over `{roster}`");
            match function {
                "count" | "any" | "all" => self.want_bool(arg, &t, site, &what),
                _ => self.want_number(arg, &t, site, &what),
            }
        }
        result
    }

    /// A roster's rows may be read where its parent's row is, once all its rows are known,
    /// by the audiences asked the roster.
    fn roster_readable(&mut self, roster: &str, sym: &Symbol, span: Span, site: &Site) -> bool {
        if !self.declared.in_scope(sym.unit.as_deref(), self.scope.as_deref()) {
            let parent = sym.unit.clone().unwrap_or_default();
            self.push(
                Diagnostic::error(
                    "field-outside-roster",
                    format!("`{roster}` has rows in each row of `{parent}`, so its rows are only known there"),
                )
                .at(span, format!("outside `{parent}`"))
                .also(sym.span, format!("asked in each row of `{parent}`"))
                .help(format!(
                    "read `{roster}` in the items of `{parent}`, or read `{parent}`'s rows with an aggregate whose expression reads `{roster}`'s: `count({parent}, any({roster}, …))`"
                )),
            );
            return false;
        }
        let end = self.declared.rosters.get(roster).map_or(0, |r| r.end);
        if end > site.position {
            self.push(
                Diagnostic::error(
                    "forward-reference",
                    format!("the rows of `{roster}` are not all known here: the roster ends later"),
                )
                .at(span, "read before the roster ends")
                .also(sym.span, "the roster")
                .help("read a roster's rows after its last item; in its own items, `row()` is the row's number"),
            );
            return false;
        }
        if let Some(who) = super::typeck::not_asked_of(site, sym) {
            self.push(
                Diagnostic::error(
                    "audience-mismatch",
                    format!(
                        "roster `{roster}` is not asked of {who}, but this {} applies to them",
                        site.what
                    ),
                )
                .at(span, format!("never asked of {who}"))
                .also(sym.span, "the roster")
                .help(format!(
                    "limit this item with `audiences: [{}]`",
                    sym.audiences.join(", ")
                )),
            );
            return false;
        }
        true
    }

    /// `at(person, head, age)`: `age` read in the row of `person` that `head` (a question
    /// choosing one row of `person`) names; null when `head` is unanswered.
    pub(super) fn at(&mut self, args: &[Expr], site: &Site) -> Ty {
        let span = self.span_in(site, args[0].span);
        let Some(sym) = self.roster_named(args.first()) else {
            self.ty(&args[0], site);
            self.push(
                Diagnostic::error("wrong-arguments", format!("the first argument of `at` must be a roster, not `{}`", args[0]))
                    .at(span, "not a roster")
                    .help("write `at(person, head, age)`: the roster, a question choosing one of its rows, and what to read there"),
            );
            return Ty::Error;
        };
        let roster = args[0].to_string();
        if !self.roster_readable(&roster, &sym, span, site) {
            return Ty::Error;
        }
        let chooser = self.ty(&args[1], site);
        match &chooser {
            Ty::Row(r) if *r == roster => {}
            Ty::Error => return Ty::Error,
            other => {
                let what = self.describe(other);
                self.push(
                    Diagnostic::error(
                        "wrong-arguments",
                        format!("the second argument of `at` must choose one row of `{roster}`, but `{}` is {what}", args[1]),
                    )
                    .at(self.span_in(site, args[1].span), format!("not a row of `{roster}`"))
                    .help(format!("name a single choice with `choices: {{ rows: {roster} }}`, e.g. \"Who is the head of the household?\"")),
                );
                return Ty::Error;
            }
        }
        let outer = self.scope.replace(roster);
        let t = self.ty(&args[2], site);
        self.scope = outer;
        t
    }

    /// `row()`: the row's number, from 1, in a roster's items.
    pub(super) fn row_number(&mut self, e: &Expr, site: &Site) -> Ty {
        if self.scope.is_none() {
            self.push(
                Diagnostic::error(
                    "row-outside-roster",
                    "`row()` is the number of a roster's row, but this is not in a roster",
                )
                .at(self.span_in(site, e.span), "no row here")
                .help("use `row()` in the items of a roster; outside, `count(person)` is how many rows it has"),
            );
            return Ty::Error;
        }
        Ty::Number
    }

    /// A row's name read where no row of its roster is.
    pub(super) fn outside_roster(&mut self, name: &str, sym: &Symbol, span: Span) {
        let unit = sym.unit.clone().unwrap_or_default();
        let example = match sym.ty {
            Ty::Number => format!("`count({unit}, {name} >= 15)`, `sum({unit}, {name})` or `max({unit}, {name})`"),
            Ty::Choice(l) => {
                let v = self.first_value(l);
                format!("`count({unit}, {name} == '{v}')` or `any({unit}, {name} == '{v}')`")
            }
            _ => format!("`count({unit}, answered({name}))` or `any({unit}, …)`"),
        };
        self.push(
            Diagnostic::error(
                "field-outside-roster",
                format!("`{name}` is a field of `{unit}`: each row has its own"),
            )
            .at(span, format!("no one row of `{unit}` here"))
            .also(sym.span, format!("asked in each row of `{unit}`"))
            .help(format!(
                "outside the roster, read its rows through an aggregate, e.g. {example}"
            )),
        );
    }
}
