//! Expressions in, types and diagnostics out: every condition is parsed and checked against
//! the questions it reads (values, kinds, order, audiences) before it enters the model.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::symbols::Declared;
use super::{Cx, Site, Sizes, SymbolKind, Ty, sized};
use crate::FastMap;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::{self, BinOp, Expr, ExprKind};
use crate::model::{self, Condition};
use crate::source::Span;
use crate::spec::{self, Item, Sp};

/// The audiences an expression applies to that `sym` is not asked of, as `` `a`, `b` ``;
/// `None` when it is asked of them all.
pub(super) fn not_asked_of(site: &Site, sym: &super::Symbol) -> Option<String> {
    let missing: Vec<String> = site
        .audiences
        .iter()
        .filter(|a| !sym.audiences.contains(a))
        .map(|a| format!("`{a}`"))
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// The second pass's results: every condition and rule type-checked and lowered, by place,
/// and the derived variables' rules and types. Assembling the instruments reads them.
#[derive(Default)]
pub(super) struct Typed {
    /// Per item and audience: its own condition.
    pub(super) conditions: FastMap<(usize, usize, usize), Condition>,
    /// Per section and audience: the section's condition.
    pub(super) section_conditions: FastMap<(usize, usize), Condition>,
    /// Per question (by section and index): its validation rules.
    pub(super) validations: FastMap<(usize, usize), Vec<Condition>>,
    /// Per screening rule (by section and index): its `end_if`.
    pub(super) screens: FastMap<(usize, usize), Condition>,
    /// Per roster counted by an expression (by section and index): the count.
    pub(super) row_counts: FastMap<(usize, usize), Condition>,
    pub(super) derived_rules: FastMap<String, model::DerivedRule>,
    pub(super) derived_types: FastMap<String, &'static str>,
}

/// The second pass: every condition, rule and derived variable of the spec parsed,
/// type-checked against what `declared` says of the names it reads, and lowered. A derived
/// variable's type, once its rule is checked, is written back into its symbol.
pub(super) fn check<'a>(cx: &mut Cx<'a>, declared: &mut Declared<'a>, sizes: &Sizes) -> Typed {
    let mut pass = TypeCheck {
        cx,
        declared,
        typed: Typed {
            conditions: sized(sizes.conditional * sizes.audiences),
            section_conditions: FastMap::default(),
            validations: sized(sizes.questions),
            screens: FastMap::default(),
            row_counts: FastMap::default(),
            derived_rules: FastMap::default(),
            derived_types: FastMap::default(),
        },
        row_grid: None,
        scope: None,
    };
    pass.expressions();
    pass.typed
}

/// The second pass at work (this file, `functions.rs` and `lower.rs`).
pub(super) struct TypeCheck<'c, 'a> {
    pub(super) cx: &'c mut Cx<'a>,
    pub(super) declared: &'c mut Declared<'a>,
    pub(super) typed: Typed,
    /// Inside `any(…)`, `all(…)`, `count_where(…)`, `sum_score(…)`: the grid whose name
    /// stands for each of its rows.
    pub(super) row_grid: Option<String>,
    /// The roster whose rows the expression is read in (an item of the roster, or an
    /// aggregate's argument): its names, and its parents', may be read.
    pub(super) scope: Option<String>,
}

reads_context!(TypeCheck);

impl<'a> TypeCheck<'_, 'a> {
    pub(super) fn site<'s>(
        &self,
        text: &'s Sp<String>,
        position: usize,
        audiences: &[String],
        what: &'static str,
    ) -> Site<'s> {
        let raw = self.slice(text.span);
        let base = raw.find(text.value.as_str()).map(|i| text.span.start() + i);
        Site {
            text,
            base,
            position,
            itself: None,
            audiences: audiences.to_vec(),
            what,
        }
    }

    pub(super) fn span_in(&self, site: &Site, (s, e): (usize, usize)) -> Span {
        match site.base {
            Some(base) => Span::new(site.text.span.source, base + s, base + e),
            None => site.text.span,
        }
    }

    /// Parses and type-checks a condition; `None` after reporting when it is unusable.
    pub(super) fn condition(&mut self, site: &Site, want: Option<Ty>) -> Option<Condition> {
        let parsed = self.parsed(site)?;
        let errors_before = self.diags.error_count();
        let ty = self.ty(&parsed, site);
        if let Some(want) = want
            && ty != want
            && ty != Ty::Error
            && self.diags.error_count() == errors_before
        {
            let span = self.span_in(site, parsed.span);
            let mut d = Diagnostic::error(
                "not-a-condition",
                format!(
                    "this {} must be true or false, but it is {}",
                    site.what,
                    self.describe(&ty)
                ),
            )
            .at(span, "not a condition");
            d = match ty {
                Ty::Choice(l) => {
                    let v = self.first_value(l);
                    d.help(format!("compare the answer with a value, e.g. `{} == '{v}'`", parsed))
                }
                Ty::Multi(l) => {
                    let v = self.first_value(l);
                    d.help(format!(
                        "test a choice, e.g. `selected({parsed}, '{v}')`, or use `answered({parsed})`"
                    ))
                }
                _ => d.help(format!("compare it, e.g. `{parsed} > 0`, or use `answered(…)`")),
            };
            self.push(d);
        }
        (self.diags.error_count() == errors_before).then(|| Condition::lowered(&parsed, self.lower(&parsed)))
    }

    /// The expression at `site` parsed; `None` after reporting a syntax error.
    pub(super) fn parsed(&mut self, site: &Site) -> Option<Expr> {
        match self.parse(&site.text.value) {
            Ok(e) => Some(e),
            Err(err) => {
                let span = self.span_in(site, err.span);
                let mut d = Diagnostic::error(
                    "expression-syntax",
                    format!("cannot read this {}: {}", site.what, err.message),
                )
                .at(span, "here");
                if let Some(h) = err.help {
                    d = d.help(h);
                }
                self.push(d);
                None
            }
        }
    }

    /// Checks a condition that may differ per audience; returns it for each audience it covers.
    pub(super) fn conditions_for(
        &mut self,
        given: &spec::Text,
        audiences: &[String],
        position: usize,
        what: &'static str,
    ) -> Vec<(String, Condition)> {
        let languages: Vec<&str> = self.declared.languages.iter().skip(1).map(String::as_str).collect();
        let by_language = match given {
            spec::Text::PerAudience(m) => m.0.iter().any(|(k, _)| languages.contains(&k.value.as_str())),
            _ => false,
        };
        let groups: Vec<(&Sp<String>, Vec<String>)> = match given {
            spec::Text::PerAudience(_) if by_language => return self.translated_condition(given, what),
            spec::Text::PerLanguage(_) => return self.translated_condition(given, what),
            spec::Text::One(s) => vec![(s, audiences.to_vec())],
            spec::Text::PerAudience(map) => {
                let explicit: Vec<&str> = map
                    .0
                    .iter()
                    .map(|(k, _)| k.value.as_str())
                    .filter(|k| *k != "default")
                    .collect();
                let mut groups = Vec::new();
                for (k, v) in &map.0 {
                    if k.value == "default" {
                        let rest: Vec<String> = audiences
                            .iter()
                            .filter(|a| !explicit.contains(&a.as_str()))
                            .cloned()
                            .collect();
                        groups.push((v, rest));
                    } else if audiences.contains(&k.value) {
                        groups.push((v, vec![k.value.clone()]));
                    } else {
                        let ids = self.declared.audience_ids.clone();
                        let d = if ids.contains(&k.value) {
                            Diagnostic::error(
                                "audience-mismatch",
                                format!(
                                    "audience `{}` does not see this item, so it needs no condition",
                                    k.value
                                ),
                            )
                            .at(k.span, "not shown to this audience")
                            .help(format!("this item is shown to: {}", audiences.join(", ")))
                        } else {
                            Diagnostic::error("unknown-audience", format!("there is no audience `{}`", k.value))
                                .at(k.span, "unknown audience")
                                .suggest(&k.value, ids.iter().map(String::as_str).chain(["default"]))
                        };
                        self.push(d);
                    }
                }
                let covered: Vec<&String> = groups.iter().flat_map(|(_, a)| a).collect();
                let uncovered: Vec<String> = audiences.iter().filter(|a| !covered.contains(a)).cloned().collect();
                if !uncovered.is_empty() {
                    let span = map.0.first().map(|(k, _)| k.span).unwrap_or_default();
                    self.push(
                        Diagnostic::error(
                            "missing-condition",
                            format!(
                                "no condition for audience{} {}",
                                if uncovered.len() == 1 { "" } else { "s" },
                                uncovered.join(", ")
                            ),
                        )
                        .at(span, "per-audience conditions")
                        .help(format!(
                            "add `{}: …` (write `true` to always ask) or `default: …`",
                            uncovered[0]
                        )),
                    );
                }
                groups
            }
        };
        let mut out = Vec::new();
        for (text, group) in groups {
            if group.is_empty() {
                continue;
            }
            let site = self.site(text, position, &group, what);
            if let Some(c) = self.condition(&site, Some(Ty::Bool)) {
                out.extend(group.into_iter().map(|a| (a, c.clone())));
            }
        }
        out
    }

    fn translated_condition(&mut self, given: &spec::Text, what: &str) -> Vec<(String, Condition)> {
        self.push(
            Diagnostic::error(
                "translated-condition",
                format!("a {what} is not translated: it is the same in every language"),
            )
            .at(given.span(), "per-language keys")
            .help("write the condition once (or once per audience); translate its wording with `ask_if_text`"),
        );
        Vec::new()
    }

    pub(super) fn describe(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "true/false".into(),
            Ty::Number => "a number".into(),
            Ty::Text => "text".into(),
            Ty::Date => "a date".into(),
            Ty::Choice(l) => format!("a choice from `{}`", self.declared.lists[*l].id),
            Ty::Multi(l) => format!("a multiple choice from `{}`", self.declared.lists[*l].id),
            Ty::Audience => "an audience".into(),
            Ty::Grid => "a grid".into(),
            Ty::Row(r) => format!("a row of `{r}`"),
            Ty::Rows(r) => format!("rows of `{r}`"),
            Ty::List(t) => format!("a list of {}", self.describe(t)),
            Ty::Error => "unknown".into(),
        }
    }

    pub(super) fn ty(&mut self, e: &Expr, site: &Site) -> Ty {
        match &e.kind {
            ExprKind::Number { .. } => Ty::Number,
            ExprKind::String { .. } => Ty::Text,
            ExprKind::Bool { .. } => Ty::Bool,
            ExprKind::List { items } => {
                let tys: Vec<Ty> = items.iter().map(|i| self.ty(i, site)).collect();
                Ty::List(Box::new(tys.into_iter().find(|t| *t != Ty::Error).unwrap_or(Ty::Error)))
            }
            ExprKind::Var { name } => self.var(name, e.span, site),
            ExprKind::Not { operand } => {
                let t = self.ty(operand, site);
                self.want_bool(operand, &t, site, "`not`");
                Ty::Bool
            }
            ExprKind::Neg { operand } => {
                let t = self.ty(operand, site);
                self.want_number(operand, &t, site, "`-`");
                Ty::Number
            }
            ExprKind::Binary { op, left, right } => {
                let (lt, rt) = (self.ty(left, site), self.ty(right, site));
                match op {
                    BinOp::And | BinOp::Or => {
                        let what = format!("`{}`", op.symbol());
                        self.want_bool(left, &lt, site, &what);
                        self.want_bool(right, &rt, site, &what);
                        Ty::Bool
                    }
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                        let what = format!("`{}`", op.symbol());
                        self.want_number(left, &lt, site, &what);
                        self.want_number(right, &rt, site, &what);
                        Ty::Number
                    }
                    BinOp::Eq | BinOp::Ne => {
                        self.comparable(*op, left, &lt, right, &rt, site);
                        Ty::Bool
                    }
                    BinOp::In | BinOp::NotIn => {
                        self.membership(*op, left, &lt, right, site);
                        Ty::Bool
                    }
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                        self.ordered(*op, left, &lt, right, &rt, site);
                        Ty::Bool
                    }
                }
            }
            ExprKind::Call { function, args } => self.call(function, args, e, site),
        }
    }

    pub(super) fn var(&mut self, name: &str, span: (usize, usize), site: &Site) -> Ty {
        if name == "audience" {
            return Ty::Audience;
        }
        let file_span = self.span_in(site, span);
        let Some(sym) = self.declared.symbols.get(name).cloned() else {
            let mut names: Vec<&str> = self.declared.symbols.keys().map(String::as_str).collect();
            names.sort_unstable();
            let d = Diagnostic::error(
                "unknown-variable",
                format!("there is no question or derived variable `{name}`"),
            )
            .at(file_span, "unknown name");
            let d = match did_you_mean(name, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None if name.contains('-') => d.help("names use `_`, not `-`"),
                None => d.help("refer to a question by its `id`; text values need quotes, e.g. 'yes'"),
            };
            self.push(d);
            return Ty::Error;
        };
        let visible = match sym.kind {
            SymbolKind::Derived => self.declared.derived_order(self.cx, name) < site.position,
            _ => {
                sym.order < site.position
                    || site.itself == Some(name)
                    || matches!(&sym.kind, SymbolKind::GridRow { grid } if site.itself == Some(grid.as_str()))
            }
        };
        if !visible {
            let (msg, help) = match sym.kind {
                SymbolKind::Derived => (
                    format!("derived variable `{name}` reads answers given later, so it is not known here"),
                    "use it only after every question it reads".to_string(),
                ),
                _ if sym.order == site.position => (
                    format!(
                        "`{name}` is this question itself, so its answer is not known when deciding whether to ask it"
                    ),
                    "a condition can only read earlier questions; to check the answer use `validate`".to_string(),
                ),
                _ => {
                    let num = site
                        .audiences
                        .first()
                        .and_then(|a| sym.numbers.get(self.declared.audience_at(a)))
                        .unwrap_or_default();
                    (
                        format!(
                            "`{name}` is asked later{}, so its answer is not known here",
                            if num.is_empty() {
                                String::new()
                            } else {
                                format!(" ({num})")
                            }
                        ),
                        "a condition can only read questions that come before it; move the question, or the condition"
                            .to_string(),
                    )
                }
            };
            self.push(
                Diagnostic::error("forward-reference", msg)
                    .at(file_span, "not yet asked")
                    .also(sym.span, "asked here")
                    .help(help),
            );
            return Ty::Error;
        }
        if let Some(who) = not_asked_of(site, &sym) {
            self.push(
                Diagnostic::error(
                    "audience-mismatch",
                    format!("`{name}` is not asked of {who}, but this {} applies to them", site.what),
                )
                .at(file_span, format!("never answered by {who}"))
                .also(sym.span, "defined here")
                .help(format!(
                    "limit this item with `audiences: [{}]`, or ask `{name}` of {who} too",
                    sym.audiences.join(", ")
                )),
            );
            return Ty::Error;
        }
        if matches!(sym.kind, SymbolKind::Roster) {
            self.push(
                Diagnostic::error("roster-as-value", format!("`{name}` is a roster, not an answer"))
                    .at(file_span, "a roster's rows")
                    .also(sym.span, "the roster")
                    .help(format!(
                        "read its rows through an aggregate: `count({name})`, `count({name}, …)`, `any({name}, …)`, `all({name}, …)`, `sum({name}, …)`, `min`/`max`"
                    )),
            );
            return Ty::Error;
        }
        if !self.declared.in_scope(sym.unit.as_deref(), self.scope.as_deref()) {
            self.outside_roster(name, &sym, file_span);
            return Ty::Error;
        }
        if sym.ty == Ty::Grid && self.row_grid.as_deref() == Some(name) {
            return self.grid(name).map(Ty::Choice).unwrap_or(Ty::Error);
        }
        if sym.ty == Ty::Grid {
            let rows: Vec<&str> = self
                .declared
                .symbols
                .iter()
                .filter(|(_, s)| matches!(&s.kind, SymbolKind::GridRow { grid } if grid == name))
                .map(|(n, _)| n.as_str())
                .collect();
            let example = rows.iter().min().copied().unwrap_or("…");
            self.push(
                Diagnostic::error(
                    "grid-reference",
                    format!("`{name}` is a grid; a condition must name one of its rows"),
                )
                .at(file_span, "a whole grid has no single answer")
                .help(format!("use a row variable such as `{example}`")),
            );
            return Ty::Error;
        }
        sym.ty.clone()
    }

    pub(super) fn want_bool(&mut self, e: &Expr, t: &Ty, site: &Site, op: &str) {
        if matches!(t, Ty::Bool | Ty::Error) {
            return;
        }
        let span = self.span_in(site, e.span);
        let d = Diagnostic::error(
            "type-mismatch",
            format!("{op} needs true/false, but `{e}` is {}", self.describe(t)),
        )
        .at(span, "not true/false");
        let d = match t {
            Ty::Choice(l) => {
                let v = self.first_value(*l);
                d.help(format!("compare the answer, e.g. `{e} == '{v}'`"))
            }
            Ty::Multi(l) => {
                let v = self.first_value(*l);
                d.help(format!("test a choice, e.g. `selected({e}, '{v}')`"))
            }
            _ => d.help(format!("compare it, e.g. `answered({e})`")),
        };
        self.push(d);
    }

    pub(super) fn want_number(&mut self, e: &Expr, t: &Ty, site: &Site, op: &str) {
        if matches!(t, Ty::Number | Ty::Error) {
            return;
        }
        let span = self.span_in(site, e.span);
        let d = Diagnostic::error(
            "type-mismatch",
            format!("{op} needs a number, but `{e}` is {}", self.describe(t)),
        )
        .at(span, "not a number");
        let d = match t {
            Ty::Multi(_) => d.help(format!("to count the ticked choices use `count({e})`")),
            Ty::Choice(_) => d.help("choices are compared by value (`q == 'yes'`), not used in arithmetic"),
            _ => d.help("arithmetic and ordering work on integer and decimal questions and numbers"),
        };
        self.push(d);
    }

    /// Checks one side of `==`/`!=`/`in` against a literal the other side's type must accept.
    pub(super) fn literal_fits(&mut self, ty: &Ty, var: &Expr, lit: &Expr, site: &Site) -> bool {
        let span = self.span_in(site, lit.span);
        match (ty, &lit.kind) {
            (Ty::Error, _) => true,
            // An empty list is reported once, where it is declared; nothing can match it.
            (Ty::Choice(l) | Ty::Multi(l), _) if self.declared.lists[*l].choices.is_empty() => true,
            (Ty::Choice(l), ExprKind::String { value }) => {
                let list = &self.declared.lists[*l];
                if list.choices.iter().any(|c| c.value.value == *value) {
                    return true;
                }
                let values: Vec<String> = list.choices.iter().map(|c| c.value.value.clone()).collect();
                let by_label = list
                    .choices
                    .iter()
                    .find(|c| label_matches(&c.label, value))
                    .map(|c| c.value.value.clone());
                let d = Diagnostic::error("unknown-value", format!("`{var}` has no choice `{value}`"))
                    .at(span, format!("not a value of `{}`", list.id));
                let by_meaning = list
                    .choices
                    .iter()
                    .find(|c| c.nonsubstantive.as_ref().is_some_and(|n| means(value, n.value)))
                    .map(|c| c.value.value.clone());
                let d = match did_you_mean(value, values.iter().map(String::as_str))
                    .map(str::to_string)
                    .or(by_label)
                    .or(by_meaning)
                {
                    Some(s) => d.help(format!("did you mean `{s}`? Values: {}", values.join(", "))),
                    None => d.help(format!("values of `{}`: {}", list.id, values.join(", "))),
                };
                self.push(d);
                false
            }
            (Ty::Choice(l), ExprKind::Number { value }) => {
                let list = &self.declared.lists[*l];
                let named = list
                    .choices
                    .iter()
                    .find(|c| c.code.value as f64 == *value)
                    .map(|c| c.value.value.clone());
                let d = Diagnostic::error(
                    "code-not-value",
                    format!(
                        "`{var}` is compared with the number {}, but choices are compared by value",
                        expr::format_number(*value)
                    ),
                )
                .at(span, "a code, not a value");
                let d = match named {
                    Some(v) => d.help(format!(
                        "code {} is `{v}`: write `{var} == '{v}'`",
                        expr::format_number(*value)
                    )),
                    None => d.help(format!(
                        "write the choice's value in quotes, e.g. `{var} == '{}'`",
                        list.choices.first().map(|c| c.value.value.as_str()).unwrap_or("yes")
                    )),
                };
                self.push(d);
                false
            }
            (Ty::Audience, ExprKind::String { value }) => {
                if self.declared.audience_ids.contains(value) {
                    return true;
                }
                let ids = self.declared.audience_ids.clone();
                self.push(
                    Diagnostic::error("unknown-audience", format!("there is no audience `{value}`"))
                        .at(span, "unknown audience")
                        .suggest(value, ids.iter().map(String::as_str))
                        .help(format!("audiences are: {}", ids.join(", "))),
                );
                false
            }
            (Ty::Date, ExprKind::String { value }) => {
                if is_iso_date(value) {
                    return true;
                }
                self.push(
                    Diagnostic::error("invalid-date", format!("`{value}` is not a date"))
                        .at(span, "expected a real day as 'YYYY-MM-DD'")
                        .help("write dates as 'YYYY-MM-DD', e.g. '2019-08-01'"),
                );
                false
            }
            (Ty::Text, ExprKind::String { .. })
            | (Ty::Number, ExprKind::Number { .. })
            | (Ty::Bool, ExprKind::Bool { .. }) => true,
            (Ty::Multi(l), ExprKind::String { value }) => {
                let first = self.first_value(*l);
                let v = if value.is_empty() { first } else { value.clone() };
                self.push(
                    Diagnostic::error(
                        "multi-compare",
                        format!("`{var}` is a multiple-choice question, so it cannot be compared with `==`"),
                    )
                    .at(self.span_in(site, var.span), "several choices may be ticked")
                    .help(format!("use `selected({var}, '{v}')` to test one choice")),
                );
                false
            }
            _ => {
                let lit_ty = match lit.kind {
                    ExprKind::Number { .. } => Ty::Number,
                    ExprKind::String { .. } => Ty::Text,
                    ExprKind::Bool { .. } => Ty::Bool,
                    _ => Ty::Error,
                };
                self.mismatch(var, ty, lit, &lit_ty, site);
                false
            }
        }
    }

    pub(super) fn mismatch(&mut self, a: &Expr, at: &Ty, b: &Expr, bt: &Ty, site: &Site) {
        let span = self.span_in(site, (a.span.0.min(b.span.0), a.span.1.max(b.span.1)));
        let d = Diagnostic::error(
            "type-mismatch",
            format!(
                "cannot compare `{a}` ({}) with `{b}` ({})",
                self.describe(at),
                self.describe(bt)
            ),
        )
        .at(span, "different kinds of value");
        let d = match (at, bt) {
            (Ty::Text, Ty::Number) | (Ty::Number, Ty::Text) => {
                d.help("text never equals a number; quote the number ('3') or compare a number question")
            }
            (Ty::Multi(_), _) | (_, Ty::Multi(_)) => {
                d.help("use `selected(q, 'value')` or `count(q)` for multiple-choice questions")
            }
            _ => d.help("compare values of the same kind"),
        };
        self.push(d);
    }

    pub(super) fn comparable(&mut self, op: BinOp, l: &Expr, lt: &Ty, r: &Expr, rt: &Ty, site: &Site) {
        let is_lit = |e: &Expr| {
            matches!(
                e.kind,
                ExprKind::Number { .. } | ExprKind::String { .. } | ExprKind::Bool { .. }
            )
        };
        if let Some(row) = [lt, rt].into_iter().find_map(|t| match t {
            Ty::Row(r) | Ty::Rows(r) => Some(r.clone()),
            _ => None,
        }) {
            self.row_compared(op, (l, lt), (r, rt), &row, site);
            return;
        }
        if let Ty::Multi(list) = lt.clone() {
            let v = match &r.kind {
                ExprKind::String { value } => value.clone(),
                _ => self.first_value(list),
            };
            let neg = if op == BinOp::Ne { "not " } else { "" };
            self.push(
                Diagnostic::error(
                    "multi-compare",
                    format!(
                        "`{l}` is a multiple-choice question, so it cannot be compared with `{}`",
                        op.symbol()
                    ),
                )
                .at(self.span_in(site, l.span), "several choices may be ticked")
                .help(format!("use `{neg}selected({l}, '{v}')` to test one choice")),
            );
            return;
        }
        match (is_lit(l), is_lit(r)) {
            (false, true) => {
                self.literal_fits(lt, l, r, site);
            }
            (true, false) => {
                self.literal_fits(rt, r, l, site);
            }
            _ => {
                let ok = match (lt, rt) {
                    (Ty::Error, _) | (_, Ty::Error) => true,
                    (Ty::Choice(a), Ty::Choice(b)) => a == b || self.same_values(*a, *b),
                    (a, b) => a == b && !matches!(a, Ty::Multi(_) | Ty::List(_)),
                };
                if !ok {
                    self.mismatch(l, lt, r, rt, site);
                }
            }
        }
    }

    /// A row chooser compared: a single one with a row's number (`head == row()`,
    /// `head == 1`) or another chooser of the same roster; a multiple one not at all.
    fn row_compared(&mut self, op: BinOp, (l, lt): (&Expr, &Ty), (r, rt): (&Expr, &Ty), roster: &str, site: &Site) {
        let fits = |t: &Ty| match t {
            Ty::Number | Ty::Error => true,
            Ty::Row(x) => x == roster,
            _ => false,
        };
        let (chooser, other, other_ty) = if matches!(lt, Ty::Row(_) | Ty::Rows(_)) {
            (l, r, rt)
        } else {
            (r, l, lt)
        };
        let chooser_ty = if std::ptr::eq(chooser, l) { lt } else { rt };
        if let Ty::Rows(_) = chooser_ty {
            let neg = if op == BinOp::Ne { "not " } else { "" };
            self.push(
                Diagnostic::error(
                    "multi-compare",
                    format!("`{chooser}` chooses any number of rows of `{roster}`, so it cannot be compared with `{}`", op.symbol()),
                )
                .at(self.span_in(site, chooser.span), "several rows may be ticked")
                .help(format!("use `{neg}selected({chooser}, row())` in `{roster}`'s items, or `selected({chooser}, 1)` for its first row")),
            );
            return;
        }
        if let ExprKind::Number { value } = &other.kind
            && (value.fract() != 0.0 || *value < 1.0)
        {
            self.push(
                Diagnostic::error(
                    "type-mismatch",
                    format!("`{other}` is not a row of `{roster}`: rows are numbered from 1"),
                )
                .at(self.span_in(site, other.span), "not a row's number")
                .help(format!(
                    "compare `{chooser}` with a row's number (1, 2, …) or with `row()` in `{roster}`'s items"
                )),
            );
            return;
        }
        if !fits(other_ty) {
            let what = self.describe(other_ty);
            self.push(
                Diagnostic::error("type-mismatch", format!("`{chooser}` is a row of `{roster}`, which cannot be compared with {what}"))
                    .at(self.span_in(site, other.span), "not a row's number")
                    .help(format!("compare it with a row's number, or with `row()` in `{roster}`'s items; to read the chosen row's answers use `at({roster}, {chooser}, …)`")),
            );
        }
    }

    /// The first value of a choice list, for an example in a message.
    pub(super) fn first_value(&self, list: usize) -> String {
        self.declared.lists[list]
            .choices
            .first()
            .map(|c| c.value.value.clone())
            .unwrap_or_default()
    }

    pub(super) fn same_values(&self, a: usize, b: usize) -> bool {
        let vals = |l: usize| {
            self.declared.lists[l]
                .choices
                .iter()
                .map(|c| c.value.value.clone())
                .collect::<BTreeSet<_>>()
        };
        vals(a) == vals(b)
    }

    pub(super) fn membership(&mut self, op: BinOp, l: &Expr, lt: &Ty, r: &Expr, site: &Site) {
        let ExprKind::List { items } = &r.kind else {
            let span = self.span_in(site, r.span);
            self.push(
                Diagnostic::error(
                    "type-mismatch",
                    format!("`{}` needs a list in square brackets on its right", op.symbol()),
                )
                .at(span, "not a list")
                .help(format!("write e.g. `{l} {} ['a', 'b']`", op.symbol())),
            );
            return;
        };
        if let Ty::Multi(list) = lt {
            let v = self.declared.lists[*list]
                .choices
                .first()
                .map(|c| c.value.value.clone())
                .unwrap_or_default();
            self.push(
                Diagnostic::error(
                    "multi-compare",
                    format!(
                        "`{l}` is a multiple-choice question, so `{}` does not apply",
                        op.symbol()
                    ),
                )
                .at(self.span_in(site, l.span), "several choices may be ticked")
                .help(format!("use `selected({l}, '{v}') or …` to test choices")),
            );
            return;
        }
        for item in items {
            if matches!(
                item.kind,
                ExprKind::Number { .. } | ExprKind::String { .. } | ExprKind::Bool { .. }
            ) {
                self.literal_fits(lt, l, item, site);
            } else {
                let span = self.span_in(site, item.span);
                self.push(
                    Diagnostic::error("type-mismatch", "a list after `in` may hold only plain values")
                        .at(span, "not a plain value")
                        .help("write numbers or 'quoted' values"),
                );
            }
        }
    }

    pub(super) fn ordered(&mut self, op: BinOp, l: &Expr, lt: &Ty, r: &Expr, rt: &Ty, site: &Site) {
        for (e, t) in [(l, lt), (r, rt)] {
            match t {
                Ty::Number | Ty::Error | Ty::Date => {}
                Ty::Text if matches!(e.kind, ExprKind::String { .. }) => {}
                Ty::Choice(list) => {
                    let list = *list;
                    return self.ordinal(op, (l, lt), (r, rt), list, site);
                }
                _ => {
                    self.want_number(e, t, site, &format!("`{}`", op.symbol()));
                    return;
                }
            }
        }
        match (lt, rt) {
            (Ty::Date, _) if matches!(r.kind, ExprKind::String { .. }) => {
                self.literal_fits(lt, l, r, site);
            }
            (_, Ty::Date) if matches!(l.kind, ExprKind::String { .. }) => {
                self.literal_fits(rt, r, l, site);
            }
            (Ty::Error, _) | (_, Ty::Error) => {}
            (a, b) if a == b => {}
            _ => self.mismatch(l, lt, r, rt, site),
        }
    }

    /// `q < 'value'` for a question whose choices are an ordered scale.
    fn ordinal(&mut self, op: BinOp, (l, lt): (&Expr, &Ty), (r, rt): (&Expr, &Ty), list: usize, site: &Site) {
        let (var, lit) = match (lt, rt) {
            (Ty::Choice(_), _) => (l, r),
            _ => (r, l),
        };
        let span = self.span_in(site, var.span);
        let id = self.declared.lists[list].id.clone();
        if !self.declared.lists[list].ordered {
            let values: Vec<String> = self.declared.lists[list]
                .choices
                .iter()
                .filter(|c| c.nonsubstantive.is_none())
                .map(|c| format!("'{}'", c.value.value))
                .collect();
            self.push(
                Diagnostic::error(
                    "unordered-choices",
                    format!("`{}` compares `{var}` by order, but the choices of `{id}` are not declared ordered", op.symbol()),
                )
                .at(span, "choices have no order")
                .also(self.declared.lists[list].span, "declared here")
                .help(format!(
                    "if the choices are a scale in this order, declare the list `{{ ordered: true, options: [...] }}`; otherwise list the values that count: `{var} in [{}]`",
                    values.join(", ")
                )),
            );
            return;
        }
        if !matches!(var.kind, ExprKind::Var { .. }) {
            self.push(
                Diagnostic::error(
                    "type-mismatch",
                    format!("`{}` compares a question's answer with one of its values", op.symbol()),
                )
                .at(span, "not a question")
                .help("write the question's id, e.g. `phq9_mood > 'not_at_all'`"),
            );
            return;
        }
        let ExprKind::String { value } = &lit.kind else {
            let s = self.span_in(site, lit.span);
            self.push(
                Diagnostic::error(
                    "type-mismatch",
                    format!("an ordered choice is compared with one of its values in quotes, not with `{lit}`"),
                )
                .at(s, "not a quoted value")
                .help(format!(
                    "write e.g. `{var} {} '{}'`; to compare scores use `score({var})`",
                    op.symbol(),
                    self.declared.lists[list]
                        .choices
                        .first()
                        .map(|c| c.value.value.as_str())
                        .unwrap_or("…")
                )),
            );
            return;
        };
        if !self.literal_fits(&Ty::Choice(list), var, lit, site) {
            return;
        }
        if let Some(c) = self.declared.lists[list]
            .choices
            .iter()
            .find(|c| c.value.value == *value)
            && c.nonsubstantive.is_some()
        {
            let s = self.span_in(site, lit.span);
            self.push(
                Diagnostic::error(
                    "unordered-value",
                    format!("`{value}` is a non-substantive answer, so it has no place on the scale of `{id}`"),
                )
                .at(s, "not on the scale")
                .help(format!("compare with `==` or `!=` instead: `{var} == '{value}'`")),
            );
        }
    }

    /// The number `band:` bands, lowered; `None` after reporting.
    fn band(&mut self, text: &Sp<String>, audiences: &[String]) -> Option<Expr> {
        let site = self.site(text, usize::MAX, audiences, "banded number");
        let parsed = match self.parse(&text.value) {
            Ok(e) => e,
            Err(_) => {
                self.condition(&site, None);
                return None;
            }
        };
        let errors = self.diags.error_count();
        let ty = self.ty(&parsed, &site);
        if self.diags.error_count() != errors {
            return None;
        }
        if !matches!(ty, Ty::Number) {
            self.want_number(&parsed, &ty, &site, "`band`");
            return None;
        }
        Some(self.lower(&parsed))
    }

    /// Every expression of the spec, type-checked and lowered: the items' (conditions,
    /// validation and screening rules), then each derived variable's rule.
    pub(super) fn expressions(&mut self) {
        self.item_expressions();
        let spec = self.spec;
        for d in &spec.derived {
            let Some(sym) = self.declared.symbols.get(&d.id.value).cloned() else {
                continue;
            };
            if !matches!(sym.kind, SymbolKind::Derived) {
                continue;
            }
            let aud = sym.audiences.clone();
            if let Some(text) = &d.expr {
                self.derived_expression(d, text, &aud);
            } else if let Ty::Choice(l) = sym.ty {
                self.derived_cases(d, l, &aud);
            }
        }
    }

    /// The conditions of sections and items, the validation rules and the screening rules,
    /// each type-checked for its audiences and place.
    fn item_expressions(&mut self) {
        let spec = self.spec;
        for (si, section) in spec.sections.iter().enumerate() {
            let first = self.declared.placements[si].first().map(|p| p.1).unwrap_or(0);
            if let Some(text) = &section.ask_if {
                let aud = self.declared.section_audiences[si].clone();
                for (a, c) in self.conditions_for(text, &aud, first, "section condition") {
                    self.typed
                        .section_conditions
                        .insert((si, self.declared.audience_at(&a)), c);
                }
            }
            for (ii, placed) in section.flat().into_iter().enumerate() {
                let (aud, pos) = self.declared.placements[si][ii].clone();
                self.scope = placed.roster.map(|r| r.id.value.clone());
                match placed.item {
                    Item::Question(q) => {
                        if let Some(text) = &q.ask_if {
                            for (a, c) in self.conditions_for(text, &aud, pos, "condition") {
                                self.typed.conditions.insert((si, ii, self.declared.audience_at(&a)), c);
                            }
                        }
                        let mut checks = Vec::new();
                        for v in &q.validate.0 {
                            let mut site = self.site(&v.check, pos, &aud, "validation rule");
                            site.itself = Some(&q.id.value);
                            if let Some(c) = self.condition(&site, Some(Ty::Bool)) {
                                if !c
                                    .references
                                    .iter()
                                    .any(|r| *r == q.id.value || r.starts_with(&format!("{}_", q.id.value)))
                                {
                                    self.push(
                                        Diagnostic::warning("validation-ignores-answer", format!("this validation rule does not read `{}`", q.id.value))
                                            .at(v.check.span, "never looks at the answer")
                                            .help("a rule is checked when the question is answered; it normally compares the answer, e.g. `age >= 18`"),
                                    );
                                }
                                checks.push(c);
                            }
                        }
                        self.typed.validations.insert((si, ii), checks);
                    }
                    Item::Note(spec::Note { ask_if, .. }) | Item::Definitions(spec::Definitions { ask_if, .. }) => {
                        if let Some(text) = ask_if {
                            for (a, c) in self.conditions_for(text, &aud, pos, "condition") {
                                self.typed.conditions.insert((si, ii, self.declared.audience_at(&a)), c);
                            }
                        }
                    }
                    Item::Screen(s) => {
                        let site = self.site(&s.end_if, pos, &aud, "screening rule");
                        if let Some(c) = self.condition(&site, Some(Ty::Bool)) {
                            self.typed.screens.insert((si, ii), c);
                        }
                    }
                    Item::Roster(r) => {
                        if let Some(text) = &r.ask_if {
                            for (a, c) in self.conditions_for(text, &aud, pos, "condition") {
                                self.typed.conditions.insert((si, ii, self.declared.audience_at(&a)), c);
                            }
                        }
                        self.rows(r, (si, ii), pos, &aud);
                    }
                }
            }
            self.scope = None;
        }
    }

    /// A derived variable written as one expression: its type (a number, text or
    /// true/false) and its lowered rule.
    fn derived_expression(&mut self, d: &spec::Derived, text: &Sp<String>, aud: &[String]) {
        let site = self.site(text, usize::MAX, aud, "derived expression");
        let errors = self.diags.error_count();
        if let Ok(parsed) = self.parse(&text.value) {
            let ty = self.ty(&parsed, &site);
            let vt = match ty {
                Ty::Bool => Some("bool"),
                Ty::Number => Some("number"),
                Ty::Text | Ty::Date => Some("text"),
                Ty::Choice(_) => Some("text"),
                Ty::Error => None,
                _ => {
                    self.push(
                        Diagnostic::error(
                            "type-mismatch",
                            format!(
                                "a derived variable must be a number, text or true/false, not {}",
                                self.describe(&ty)
                            ),
                        )
                        .at(text.span, "unsupported value"),
                    );
                    None
                }
            };
            if let (Some(vt), true) = (vt, self.diags.error_count() == errors) {
                if let Some(s) = self.declared.symbols.get_mut(&d.id.value).map(Arc::make_mut) {
                    s.ty = match vt {
                        "bool" => Ty::Bool,
                        "number" => Ty::Number,
                        _ => Ty::Text,
                    };
                }
                self.typed.derived_types.insert(d.id.value.clone(), vt);
                let lowered = self.lower(&parsed);
                self.typed.derived_rules.insert(
                    d.id.value.clone(),
                    model::DerivedRule::Expr {
                        expr: Condition::lowered(&parsed, lowered),
                    },
                );
            }
        } else {
            self.condition(&site, None);
        }
    }

    /// A derived variable written as cases (`when`, or with `band` the ranges `from`–`to`),
    /// each mapped to a value of its choice list: the cases checked, the bands for overlaps
    /// and gaps.
    fn derived_cases(&mut self, d: &spec::Derived, l: usize, aud: &[String]) {
        let mut cases = Vec::new();
        let band = d.band.as_ref().and_then(|b| self.band(b, aud));
        let mut ranges: Vec<(f64, f64, &spec::Case)> = Vec::new();
        for case in &d.cases {
            let cond = match (&case.when, &d.band, &band) {
                (Some(when), None, _) => {
                    if let Some(f) = case.from.as_ref().or(case.to.as_ref()) {
                        self.push(
                            Diagnostic::error(
                                "case-range",
                                "`from` and `to` band a number, but this derived variable has no `band`",
                            )
                            .at(f.span, "no number to band")
                            .help("add `band: <a number, e.g. a score>` to the derived variable, or use `when` alone"),
                        );
                    }
                    let site = self.site(when, usize::MAX, aud, "case");
                    self.condition(&site, Some(Ty::Bool))
                }
                (Some(when), Some(_), _) => {
                    self.push(
                        Diagnostic::error("case-range", "with `band`, each case gives `from` and `to`, not `when`")
                            .at(when.span, "a condition in a banded case")
                            .help(
                                "write `{ from: 0, to: 4, value: … }`, or remove `band` and give every case a `when`",
                            ),
                    );
                    None
                }
                (None, None, _) => {
                    let span = case
                        .from
                        .as_ref()
                        .or(case.to.as_ref())
                        .map(|f| f.span)
                        .unwrap_or(case.value.span);
                    self.push(
                        Diagnostic::error(
                            "case-range",
                            "`from` and `to` band a number, but this derived variable has no `band`",
                        )
                        .at(span, "no number to band")
                        .help("add `band: <a number, e.g. a score>` to the derived variable"),
                    );
                    None
                }
                (None, Some(_), None) => None,
                (None, Some(_), Some(b)) => {
                    let lo = case.from.as_ref().map(|f| f.value).unwrap_or(f64::NEG_INFINITY);
                    let hi = case.to.as_ref().map(|t| t.value).unwrap_or(f64::INFINITY);
                    if lo > hi {
                        self.push(
                            Diagnostic::error(
                                "case-range",
                                format!(
                                    "this band runs backwards: from {} to {}",
                                    expr::format_number(lo),
                                    expr::format_number(hi)
                                ),
                            )
                            .at(case.value.span, "empty band")
                            .help("give the lower bound as `from` and the upper as `to`"),
                        );
                        None
                    } else {
                        ranges.push((lo, hi, case));
                        Some(band_condition(
                            b,
                            case.from.as_ref().map(|f| f.value),
                            case.to.as_ref().map(|t| t.value),
                        ))
                    }
                }
            };
            let fits = self.declared.lists[l]
                .choices
                .iter()
                .any(|c| c.value.value == case.value.value);
            if !fits && !self.declared.lists[l].choices.is_empty() {
                let values: Vec<String> = self.declared.lists[l]
                    .choices
                    .iter()
                    .map(|c| c.value.value.clone())
                    .collect();
                self.push(
                    Diagnostic::error(
                        "unknown-value",
                        format!(
                            "`{}` is not a value of `{}`",
                            case.value.value, self.declared.lists[l].id
                        ),
                    )
                    .at(case.value.span, "not in the choices")
                    .suggest(&case.value.value, values.iter().map(String::as_str))
                    .help(format!("values: {}", values.join(", "))),
                );
            }
            if let (Some(when), true) = (cond, fits) {
                cases.push(model::Case {
                    when,
                    value: case.value.value.clone(),
                });
            }
        }
        ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in ranges.windows(2) {
            let ((_, hi, first), (lo, _, second)) = (&w[0], &w[1]);
            if *lo <= *hi {
                self.push(
                    Diagnostic::error(
                        "bands-overlap",
                        format!("bands `{}` and `{}` overlap", first.value.value, second.value.value),
                    )
                    .at(second.value.span, "starts inside the band before")
                    .also(first.value.span, "this band")
                    .help("make each `from` one more than the `to` before it"),
                );
            } else if *lo > *hi + 1.0 {
                self.push(
                    Diagnostic::warning(
                        "band-gap",
                        format!(
                            "no band holds the values from {} to {}",
                            expr::format_number(*hi + 1.0),
                            expr::format_number(*lo - 1.0)
                        ),
                    )
                    .at(second.value.span, "the next band starts here")
                    .help(format!(
                        "start this band at {}, or add a band for the values between",
                        expr::format_number(*hi + 1.0)
                    )),
                );
            }
        }
        self.typed.derived_types.insert(d.id.value.clone(), "choice");
        self.typed.derived_rules.insert(
            d.id.value.clone(),
            model::DerivedRule::Cases {
                cases,
                choice_list: self.declared.lists[l].id.clone(),
            },
        );
    }
}

/// `b >= from and b <= to` (either side left out when open).
fn band_condition(b: &Expr, from: Option<f64>, to: Option<f64>) -> Condition {
    let side = |op: BinOp, n: f64| Expr {
        kind: ExprKind::Binary {
            op,
            left: Box::new(b.clone()),
            right: Box::new(Expr {
                kind: ExprKind::Number { value: n },
                span: (0, 0),
            }),
        },
        span: (0, 0),
    };
    let parts: Vec<Expr> = from
        .map(|f| side(BinOp::Ge, f))
        .into_iter()
        .chain(to.map(|t| side(BinOp::Le, t)))
        .collect();
    let e = parts
        .into_iter()
        .reduce(|a, c| Expr {
            kind: ExprKind::Binary {
                op: BinOp::And,
                left: Box::new(a),
                right: Box::new(c),
            },
            span: (0, 0),
        })
        .unwrap_or(Expr {
            kind: ExprKind::Bool { value: true },
            span: (0, 0),
        });
    Condition::new(e)
}

fn label_matches(label: &spec::Text, value: &str) -> bool {
    match label {
        spec::Text::One(s) => s.value.eq_ignore_ascii_case(value),
        spec::Text::PerAudience(m) => m.0.iter().any(|(_, s)| s.value.eq_ignore_ascii_case(value)),
        spec::Text::PerLanguage(m) => m.0.iter().any(|(_, t)| label_matches(t, value)),
    }
}

/// Whether a word a designer might write ("maybe", "dk", "refused") stands for a kind of
/// non-substantive answer, so `q == 'maybe'` can suggest the list's `unsure`.
fn means(word: &str, kind: spec::NonSubstantive) -> bool {
    let w: String = word
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let words: &[&str] = match kind {
        spec::NonSubstantive::Unsure | spec::NonSubstantive::DontKnow => &[
            "maybe",
            "perhaps",
            "notsure",
            "unsure",
            "uncertain",
            "dontknow",
            "dk",
            "idk",
            "unknown",
            "dunno",
        ],
        spec::NonSubstantive::PreferNotToSay => &[
            "prefernot",
            "prefernottosay",
            "pnts",
            "refused",
            "refuse",
            "declined",
            "rathernotsay",
            "notsay",
        ],
    };
    words.contains(&w.as_str())
}

fn is_iso_date(s: &str) -> bool {
    crate::eval::date(&crate::eval::Value::Text(s.to_string())).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_uncertainty_words() {
        assert!(is_iso_date("2019-08-01"));
        assert!(!is_iso_date("2019-13-01"));
        assert!(!is_iso_date("01/08/2019"));
        assert!(means("maybe", spec::NonSubstantive::Unsure));
        assert!(means("Don't know", spec::NonSubstantive::DontKnow));
        assert!(means("refused", spec::NonSubstantive::PreferNotToSay));
        assert!(!means("yes", spec::NonSubstantive::Unsure));
    }
}
