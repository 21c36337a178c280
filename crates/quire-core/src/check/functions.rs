//! Function calls in expressions: arguments checked against what each function reads, with
//! the designer's mistakes reported in their terms (docs/spec.md, "Functions").

use super::typeck::TypeCheck;
use super::{Site, SymbolKind, Ty};
use crate::diagnostic::Diagnostic;
use crate::expr::{self, Expr, ExprKind};

impl<'a> TypeCheck<'_, 'a> {
    pub(super) fn call(&mut self, function: &str, args: &[Expr], e: &Expr, site: &Site) -> Ty {
        let span = self.span_in(site, e.span);
        let Some(f) = expr::function(function) else {
            let names: Vec<&str> = expr::FUNCTIONS.iter().map(|f| f.name).collect();
            self.push(
                Diagnostic::error("unknown-function", format!("there is no function `{function}`"))
                    .at(span, "unknown function")
                    .suggest(function, names.iter().copied())
                    .help(format!("functions are: {}", names.join(", "))),
            );
            return Ty::Error;
        };
        if super::rosters::AGGREGATES.contains(&function)
            && let Some(ExprKind::Var { name }) = args.first().map(|a| &a.kind)
            && self.is_roster(args.first())
        {
            return self.aggregate(function, name, args, site);
        }
        if args.len() < f.min || args.len() > f.max {
            let takes = match (f.min, f.max) {
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, b) if b == expr::MAX_ARGS => format!("at least {a} argument{}", if a == 1 { "" } else { "s" }),
                (a, b) => format!("{a} to {b} arguments"),
            };
            self.push(
                Diagnostic::error(
                    "wrong-arguments",
                    format!("`{function}` takes {takes}, not {}", args.len()),
                )
                .at(span, "wrong number of arguments")
                .help(format!("write `{}`", f.usage)),
            );
            return Ty::Error;
        }
        if matches!(function, "count" | "any" | "all") && args.len() == 2 {
            let first = self.span_in(site, args[0].span);
            if let ExprKind::Var { name } = &args[0].kind
                && !self.declared.symbols.contains_key(name)
            {
                let rosters: Vec<&str> = self.declared.rosters.keys().map(String::as_str).collect();
                let d = Diagnostic::error("unknown-roster", format!("there is no roster `{name}`"))
                    .at(first, "unknown roster");
                let d = match crate::diagnostic::did_you_mean(name, rosters.iter().copied()) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None if rosters.is_empty() => d.help("this spec has no roster; declare one with `type: roster`, or read one question with a single argument"),
                    None => d.help(format!("rosters are: {}", rosters.join(", "))),
                };
                self.push(d);
                return Ty::Error;
            }
            if self.declared.rosters.is_empty() {
                self.push(
                    Diagnostic::error("wrong-arguments", format!("`{function}` takes 1 argument, not 2"))
                        .at(self.span_in(site, e.span), "wrong number of arguments")
                        .help(format!(
                            "write `{}`; with two arguments, `{function}(person, …)` reads the rows of a roster",
                            f.usage
                        )),
                );
                return Ty::Error;
            }
            self.push(
                Diagnostic::error(
                    "wrong-arguments",
                    format!("`{function}` with two arguments reads the rows of a roster, but this first argument is not a roster"),
                )
                .at(first, "not a roster")
                .help(format!("name the roster first, e.g. `{function}(person, age >= 15)`; `{}` reads one question", f.usage)),
            );
            return Ty::Error;
        }
        match function {
            "row" => self.row_number(e, site),
            "at" => self.at(args, site),
            "answered" | "count" | "selected" | "score" => self.question_function(function, args, site),
            "sum_score" => self.sum_score(args, site),
            "any" | "all" | "count_where" => self.over_rows(function, &args[0], site),
            "sum" | "min" | "max" | "mod" => {
                for a in args {
                    let t = self.ty(a, site);
                    self.want_number(a, &t, site, &format!("`{function}`"));
                }
                Ty::Number
            }
            "coalesce" => {
                let tys: Vec<Ty> = args.iter().map(|a| self.ty(a, site)).collect();
                self.unify(args, &tys, site, "`coalesce`")
            }
            "if" => {
                let ct = self.ty(&args[0], site);
                self.want_bool(&args[0], &ct, site, "the condition of `if`");
                let tys = vec![self.ty(&args[1], site), self.ty(&args[2], site)];
                self.unify(&args[1..], &tys, site, "the two results of `if`")
            }
            "today" => Ty::Date,
            "years_between" | "days_between" => {
                for a in args {
                    let t = self.ty(a, site);
                    self.want_date(a, &t, site, function);
                }
                Ty::Number
            }
            "matches" => {
                let t = self.ty(&args[0], site);
                self.want_text(&args[0], &t, site, "`matches`");
                self.pattern(&args[1], site);
                Ty::Bool
            }
            "length" | "number" => {
                let t = self.ty(&args[0], site);
                self.want_text(&args[0], &t, site, &format!("`{function}`"));
                Ty::Number
            }
            "substr" => {
                let t = self.ty(&args[0], site);
                self.want_text(&args[0], &t, site, "`substr`");
                for a in &args[1..] {
                    let t = self.ty(a, site);
                    self.want_number(a, &t, site, "`substr`");
                }
                Ty::Text
            }
            _ => Ty::Error,
        }
    }

    /// `answered`, `count`, `selected` and `score`: their first argument names a question.
    fn question_function(&mut self, function: &str, args: &[Expr], site: &Site) -> Ty {
        let target = &args[0];
        let ExprKind::Var { name } = &target.kind else {
            let s = self.span_in(site, target.span);
            self.push(
                Diagnostic::error(
                    "wrong-arguments",
                    format!("the first argument of `{function}` must be a question id"),
                )
                .at(s, "not a question id"),
            );
            return Ty::Error;
        };
        if function == "score" && self.declared.symbols.get(name).is_some_and(|s| s.ty == Ty::Grid) {
            let s = self.span_in(site, target.span);
            self.push(
                Diagnostic::error(
                    "grid-reference",
                    format!("`{name}` is a grid; `score` reads one answer"),
                )
                .at(s, "a whole grid has many answers")
                .help(format!("use `sum_score({name})` for the grid's total, or name one row")),
            );
            return Ty::Error;
        }
        let t = self.ty(target, site);
        let s = self.span_in(site, target.span);
        match function {
            "answered" => Ty::Bool,
            "count" => {
                if !matches!(t, Ty::Multi(_) | Ty::Rows(_) | Ty::Error) {
                    self.push(
                        Diagnostic::error(
                            "type-mismatch",
                            format!(
                                "`count` needs a multiple-choice question, but `{target}` is {}",
                                self.describe(&t)
                            ),
                        )
                        .at(s, "not multiple choice")
                        .help(format!(
                            "use `answered({target})` to test whether it was answered, or `count_where(grid …)` to count a grid's rows"
                        )),
                    );
                }
                Ty::Number
            }
            "score" => {
                match t {
                    Ty::Choice(l) => {
                        self.has_scores(l, format!("`{target}`"), s);
                    }
                    Ty::Error => {}
                    other => {
                        self.push(
                            Diagnostic::error(
                                "type-mismatch",
                                format!(
                                    "`score` needs a single-choice question, but `{target}` is {}",
                                    self.describe(&other)
                                ),
                            )
                            .at(s, "not a single choice"),
                        );
                    }
                }
                Ty::Number
            }
            _ => {
                let value = &args[1];
                match &t {
                    Ty::Row(roster) | Ty::Rows(roster) => {
                        let roster = roster.clone();
                        let vt = self.ty(value, site);
                        if !matches!(&vt, Ty::Number | Ty::Error) && vt != Ty::Row(roster.clone()) {
                            let what = self.describe(&vt);
                            self.push(
                                Diagnostic::error(
                                    "wrong-arguments",
                                    format!("the options of `{target}` are rows of `{roster}`, so `selected` needs a row's number, not {what}"),
                                )
                                .at(self.span_in(site, value.span), "not a row's number")
                                .help(format!("write `selected({target}, row())` in `{roster}`'s items, or a row's number")),
                            );
                        }
                    }
                    Ty::Multi(l) | Ty::Choice(l) => {
                        let l = *l;
                        if matches!(value.kind, ExprKind::String { .. } | ExprKind::Number { .. }) {
                            self.literal_fits(&Ty::Choice(l), target, value, site);
                        } else {
                            let s = self.span_in(site, value.span);
                            self.push(
                                Diagnostic::error(
                                    "wrong-arguments",
                                    "the second argument of `selected` must be a 'quoted' choice value",
                                )
                                .at(s, "not a value"),
                            );
                        }
                    }
                    Ty::Error => {}
                    other => {
                        self.push(
                            Diagnostic::error(
                                "type-mismatch",
                                format!(
                                    "`selected` needs a choice question, but `{target}` is {}",
                                    self.describe(other)
                                ),
                            )
                            .at(s, "not a choice question"),
                        );
                    }
                }
                Ty::Bool
            }
        }
    }

    /// The grid a name refers to, with its choice list, when it is one.
    pub(super) fn grid(&self, name: &str) -> Option<usize> {
        let sym = self.declared.symbols.get(name)?;
        (sym.ty == Ty::Grid && matches!(sym.kind, SymbolKind::Question))
            .then(|| self.declared.question_lists.get(name).copied())
            .flatten()
    }

    fn sum_score(&mut self, args: &[Expr], site: &Site) -> Ty {
        let target = &args[0];
        let s = self.span_in(site, target.span);
        let name = match &target.kind {
            ExprKind::Var { name } => name.clone(),
            _ => String::new(),
        };
        let Some(list) = self.grid(&name) else {
            if !name.is_empty() && self.declared.symbols.contains_key(&name) {
                let t = self.ty(target, site);
                if t != Ty::Error {
                    self.push(
                        Diagnostic::error(
                            "type-mismatch",
                            format!("`sum_score` needs a grid, but `{target}` is {}", self.describe(&t)),
                        )
                        .at(s, "not a grid")
                        .help(format!(
                            "for one question use `score({target})`; to add several, `sum(score(a), score(b))`"
                        )),
                    );
                }
            } else if !name.is_empty() {
                self.ty(target, site);
            } else {
                self.push(
                    Diagnostic::error("wrong-arguments", "the argument of `sum_score` must be a grid's id")
                        .at(s, "not a grid id"),
                );
            }
            return Ty::Error;
        };
        // Visibility and audiences, as for any name (a grid as a whole is fine here).
        let errors = self.diags.error_count();
        self.row_grid = Some(name.clone());
        self.ty(target, site);
        self.row_grid = None;
        if self.diags.error_count() != errors {
            return Ty::Error;
        }
        if !self.has_scores(list, format!("grid `{name}`"), s) {
            return Ty::Error;
        }
        Ty::Number
    }

    /// Whether a list scores any choice; reports `no-scores` at `at` when not.
    fn has_scores(&mut self, list: usize, what: String, at: crate::source::Span) -> bool {
        if self.declared.lists[list].choices.iter().any(|c| c.score.is_some()) {
            return true;
        }
        let (id, span) = (self.declared.lists[list].id.clone(), self.declared.lists[list].span);
        self.push(
            Diagnostic::error(
                "no-scores",
                format!("{what} has no scores: no choice of `{id}` has a `score`"),
            )
            .at(at, "nothing to score")
            .also(span, "the choices")
            .help("give each choice a `score:`, e.g. `{ code: 0, value: never, label: Never, score: 0 }`"),
        );
        false
    }

    /// `any`, `all`, `count_where`: a condition on "each row" of the one grid it names.
    fn over_rows(&mut self, function: &str, cond: &Expr, site: &Site) -> Ty {
        let grids: Vec<String> = cond
            .references()
            .into_iter()
            .filter(|r| self.grid(r).is_some())
            .map(str::to_string)
            .collect();
        let s = self.span_in(site, cond.span);
        let result = if function == "count_where" {
            Ty::Number
        } else {
            Ty::Bool
        };
        match grids.as_slice() {
            [grid] => {
                let errors = self.diags.error_count();
                self.row_grid = Some(grid.clone());
                let t = self.ty(cond, site);
                self.row_grid = None;
                if self.diags.error_count() == errors {
                    self.want_bool(cond, &t, site, &format!("`{function}`"));
                }
                result
            }
            [] => {
                self.ty(cond, site);
                self.push(
                    Diagnostic::error(
                        "no-grid",
                        format!("`{function}` reads a condition on the rows of a grid, but this one names no grid"),
                    )
                    .at(s, "no grid here")
                    .help(format!(
                        "name the grid as if it were one row, e.g. `{function}(phq9 != 'not_at_all')`; for separate questions use `or`/`and` or `sum(if(…, 1, 0), …)`"
                    )),
                );
                Ty::Error
            }
            many => {
                self.push(
                    Diagnostic::error(
                        "many-grids",
                        format!(
                            "`{function}` reads the rows of one grid, but this condition names {}",
                            many.join(" and ")
                        ),
                    )
                    .at(s, "more than one grid")
                    .help("write one call per grid and join them with `and`, `or` or `+`"),
                );
                Ty::Error
            }
        }
    }

    /// The common type of `coalesce`'s or `if`'s values.
    fn unify(&mut self, args: &[Expr], tys: &[Ty], site: &Site, what: &str) -> Ty {
        let is_lit = |e: &Expr| {
            matches!(
                e.kind,
                ExprKind::String { .. } | ExprKind::Number { .. } | ExprKind::Bool { .. }
            )
        };
        // A variable's type, when there is one, decides; literals must fit it.
        let anchor = args
            .iter()
            .zip(tys)
            .find(|(a, t)| !is_lit(a) && **t != Ty::Error)
            .or_else(|| args.iter().zip(tys).find(|(_, t)| **t != Ty::Error));
        let Some((anchor_expr, anchor_ty)) = anchor else {
            return Ty::Error;
        };
        let (anchor_expr, anchor_ty) = (anchor_expr.clone(), anchor_ty.clone());
        if matches!(anchor_ty, Ty::Multi(_) | Ty::Grid | Ty::List(_) | Ty::Audience) {
            let s = self.span_in(site, anchor_expr.span);
            self.push(
                Diagnostic::error(
                    "type-mismatch",
                    format!(
                        "{what} must be numbers, text, dates, true/false or single choices, not {}",
                        self.describe(&anchor_ty)
                    ),
                )
                .at(s, "unsupported value"),
            );
            return Ty::Error;
        }
        for (a, t) in args.iter().zip(tys) {
            if *t == Ty::Error || a == &anchor_expr {
                continue;
            }
            let fits = match (&anchor_ty, t) {
                (x, y) if x == y => true,
                (Ty::Choice(_) | Ty::Date, _) if is_lit(a) => self.literal_fits(&anchor_ty, &anchor_expr, a, site),
                (Ty::Choice(x), Ty::Choice(y)) => self.same_values(*x, *y),
                _ => false,
            };
            // A literal that does not fit a choice or date was reported by `literal_fits`.
            let reported = is_lit(a) && matches!(anchor_ty, Ty::Choice(_) | Ty::Date);
            if !fits && !reported {
                let s = self.span_in(site, a.span);
                self.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "{what} must be of one kind, but `{anchor_expr}` is {} and `{a}` is {}",
                            self.describe(&anchor_ty),
                            self.describe(t)
                        ),
                    )
                    .at(s, "a different kind of value")
                    .help("give values of the same kind, e.g. `coalesce(score(q), 0)`"),
                );
                return Ty::Error;
            }
        }
        anchor_ty
    }

    pub(super) fn want_text(&mut self, e: &Expr, t: &Ty, site: &Site, op: &str) {
        if matches!(t, Ty::Text | Ty::Error) {
            return;
        }
        let span = self.span_in(site, e.span);
        self.push(
            Diagnostic::error(
                "type-mismatch",
                format!("{op} needs text, but `{e}` is {}", self.describe(t)),
            )
            .at(span, "not text")
            .help("use it on a text question (`type: text`), or on text from `substr(…)`"),
        );
    }

    fn want_date(&mut self, e: &Expr, t: &Ty, site: &Site, function: &str) {
        match (t, &e.kind) {
            (Ty::Date | Ty::Error, _) => {}
            (Ty::Text, ExprKind::String { .. }) => {
                self.literal_fits(&Ty::Date, e, e, site);
            }
            _ => {
                let span = self.span_in(site, e.span);
                self.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!("`{function}` needs dates, but `{e}` is {}", self.describe(t)),
                    )
                    .at(span, "not a date")
                    .help(format!(
                        "give date questions, `today()` or dates as 'YYYY-MM-DD', e.g. `{function}(dob, today())`"
                    )),
                );
            }
        }
    }

    /// The pattern of `matches`: a quoted literal within the common subset.
    fn pattern(&mut self, e: &Expr, site: &Site) {
        let ExprKind::String { value } = &e.kind else {
            let span = self.span_in(site, e.span);
            self.push(
                Diagnostic::error("wrong-arguments", "the pattern of `matches` must be written in quotes")
                    .at(span, "not a quoted pattern")
                    .help("write e.g. `matches(postcode, '[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}')`"),
            );
            return;
        };
        if let Err(err) = crate::pattern::canonical(value) {
            // Point into the pattern when the source holds it verbatim (past the opening quote).
            let inner = self.span_in(site, (e.span.0 + 1, e.span.1.saturating_sub(1)));
            let text = self.slice(inner);
            let span = if text == value.as_str() {
                let byte = |ci: usize| value.char_indices().nth(ci).map(|(b, _)| b).unwrap_or(value.len());
                let (s, end) = (byte(err.at.0), byte(err.at.1.max(err.at.0 + 1)));
                inner.sub(s, end)
            } else {
                self.span_in(site, e.span)
            };
            self.push(
                Diagnostic::error(
                    "unsupported-pattern",
                    format!("this pattern cannot be checked alike everywhere: {}", err.message),
                )
                .at(span, "here")
                .help(err.help),
            );
        }
    }
}
