//! The spec as written in, the resolved [`Questionnaire`] out; every mistake reported at once.
//!
//! [`check_with`] is the list of passes, each in its file: the names the spec declares
//! (`symbols.rs`: audiences, languages, choice lists, questions, derived variables) →
//! expressions parsed, type-checked and lowered (`typeck.rs`, `functions.rs`, `lower.rs`)
//! → each audience's instrument assembled and its texts resolved (`assemble.rs`,
//! `resolve.rs`) → the variables, beside the searches over answers (the routing analysis)
//! → warnings once there is no error (`warnings.rs`). Each pass is a function that takes
//! what the passes before it handed over and hands over its own tables ([`symbols::Declared`],
//! [`typeck::Typed`], [`resolve::Resolved`]); every pass reads the spec and reports into one
//! context ([`Cx`]). This file holds the list of passes, the context, and the types the passes
//! share.

/// A pass's struct reads the context through `Deref` (`self.spec`, `self.push(…)`); it
/// holds the context as `cx` and its own tables beside it.
macro_rules! reads_context {
    ($pass:ident) => {
        impl<'a> std::ops::Deref for $pass<'_, 'a> {
            type Target = super::Cx<'a>;
            fn deref(&self) -> &super::Cx<'a> {
                self.cx
            }
        }
        impl<'a> std::ops::DerefMut for $pass<'_, 'a> {
            fn deref_mut(&mut self) -> &mut super::Cx<'a> {
                self.cx
            }
        }
        impl $pass<'_, '_> {
            /// Reports a diagnostic (the pass's own method, so that its arguments may read
            /// the pass: `self.push(… self.describe(t) …)`).
            pub(super) fn push(&mut self, d: crate::diagnostic::Diagnostic) {
                self.cx.diags.push(d);
            }
        }
    };
}

mod assemble;
mod functions;
mod lower;
mod resolve;
mod rosters;
mod symbols;
mod typeck;
mod warnings;

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::FastMap;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr;
use crate::model::{self, Questionnaire};
use crate::source::{Sources, Span};
use crate::spec::{self, ChoiceSource, Item, QuestionType, Sp, Spec};
use crate::translate::Catalogs;

/// The audience used when a spec declares none.
pub const DEFAULT_AUDIENCE: &str = "respondent";
/// Longest variable name Stata, SPSS and R all accept.
pub const MAX_NAME_LEN: usize = 32;
/// Functions the expression language knows, with their argument counts.
pub use crate::expr::{FUNCTIONS, Function};

/// Checks a spec and resolves it into the model. `None` when there were errors.
pub fn check(spec: &Spec, sources: &Sources, diags: &mut Diagnostics) -> Option<Questionnaire> {
    check_with(spec, sources, &Catalogs::new(), false, diags)
}

/// [`check`], with translations read from PO files; `allow_missing` makes a missing
/// translation a warning (the source text stands in) rather than an error.
pub fn check_with(
    spec: &Spec,
    sources: &Sources,
    catalogs: &Catalogs,
    allow_missing: bool,
    diags: &mut Diagnostics,
) -> Option<Questionnaire> {
    check_staged(spec, sources, catalogs, allow_missing, false, diags)
}

/// [`check_with`]; with `unbuilt_rosters`, a spec's rosters are handed on in the model
/// although no output carries them yet (for the tests of the stages that build them,
/// docs/design/rosters.md); without, a roster is an error (`roster-not-built`).
pub fn check_staged(
    spec: &Spec,
    sources: &Sources,
    catalogs: &Catalogs,
    allow_missing: bool,
    unbuilt_rosters: bool,
    diags: &mut Diagnostics,
) -> Option<Questionnaire> {
    let sizes = Sizes::of(spec);
    let mut cx = Cx::new(spec, sources, &sizes);
    cx.unbuilt_rosters = unbuilt_rosters;
    // 1. The names the spec declares (symbols.rs): audiences, languages, choice lists,
    //    questions in order, derived variables.
    let mut declared = symbols::declare(&mut cx, &sizes);
    // 2. Every expression parsed, type-checked and lowered (typeck.rs, functions.rs,
    //    lower.rs); derived variables in an order without cycles.
    let typed = typeck::check(&mut cx, &mut declared, &sizes);
    symbols::derived_cycles(&mut cx);
    // 3. Each audience's instrument assembled, its texts resolved (assemble.rs, resolve.rs).
    //    The type-checked conditions are read here for the last time.
    let mut build = resolve::Build::new(&mut cx, &mut declared, catalogs, allow_missing, &sizes);
    let (mut model, origins) = build.model(typed);
    // 4. The variables (resolve.rs), made beside the searches over answers that find where
    //    each answer leads and prove what is never asked (routing.rs, reach.rs).
    // Warnings are only worth reading once the errors (which may cause them) are gone: the
    // proof starts when there is no error so far; its findings count only if none came after.
    let no_errors_yet = !build.diags.has_errors() && !diags.has_errors();
    let (variables, Searched { targets, never }) = beside_searches(&model, no_errors_yet, || {
        let variables = build.variables(&model.instruments, &origins);
        build.report_missing_translations();
        build.free_texts();
        variables
    });
    drop(build);
    model.variables = variables;
    crate::routing::analyse_with(&mut model, targets);
    // 5. Warnings (warnings.rs).
    if let Some(never) = never.filter(|_| no_errors_yet && !cx.diags.has_errors()) {
        warnings::warn(&mut cx, &declared, &model, never);
    }
    let failed = cx.diags.has_errors();
    diags.extend(cx.diags.into_sorted());
    (!failed).then_some(model)
}

/// What the searches over a built model's answers find: where each single-choice answer
/// leads ([`crate::routing::next_targets`]), and, when asked for, the items no answers
/// reach ([`crate::reach::never_asked`]).
struct Searched {
    targets: Vec<Vec<(String, usize, model::Next)>>,
    never: Option<Vec<(usize, Vec<usize>)>>,
}

/// Runs `work` on this thread while the searches over `model`'s answers run on a second
/// thread and a third (the targets, and the never-asked proof when `prove`), sharing one
/// index per instrument (each question's answers worth trying). They read the built
/// instruments only, and are independent of `work`. Where no thread can be had, the
/// searches run here after `work`.
fn beside_searches<T>(model: &Questionnaire, prove: bool, work: impl FnOnce() -> T) -> (T, Searched) {
    let searches = || {
        let compared = crate::reach::Compared::of(model);
        let reaches = crate::reach::Reach::all(model, &compared);
        std::thread::scope(|s| {
            let proof = prove.then(|| s.spawn(|| crate::reach::never_asked(&reaches)));
            let targets = crate::routing::next_targets(&reaches);
            Searched {
                targets,
                never: proof.map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            }
        })
    };
    std::thread::scope(|s| {
        let searching = std::thread::Builder::new().spawn_scoped(s, searches).ok();
        let done = work();
        let searched = match searching {
            Some(thread) => thread.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => searches(),
        };
        (done, searched)
    })
}

/// The type of an expression or variable.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Bool,
    Number,
    Text,
    Date,
    /// A single-choice answer from the given list.
    Choice(usize),
    /// A multiple-choice answer from the given list.
    Multi(usize),
    Audience,
    /// A grid question as a whole: not a value.
    Grid,
    /// A single choice among a roster's rows: a row's number.
    Row(String),
    /// A multiple choice among a roster's rows.
    Rows(String),
    List(Box<Ty>),
    /// Already reported; stay quiet.
    Error,
}

#[derive(Debug, Clone)]
struct List<'a> {
    id: String,
    span: Span,
    named: bool,
    used: bool,
    choices: &'a [spec::Choice],
    /// Declared `ordered: true`: its substantive options are a scale, in order.
    ordered: bool,
}

#[derive(Debug, Clone)]
enum SymbolKind {
    Question,
    GridRow {
        grid: String,
    },
    Derived,
    /// A roster's id: the unit its rows describe, read through aggregates.
    Roster,
}

#[derive(Debug, Clone)]
struct Symbol {
    kind: SymbolKind,
    ty: Ty,
    /// Position in the questionnaire; derived variables sit after what they read.
    order: usize,
    audiences: Vec<String>,
    span: Span,
    /// The line of its question's (or derived variable's) id, in its file.
    line: usize,
    numbers: Numbers,
    /// The roster whose rows it is asked in (its unit); `None` for the respondent's own.
    unit: Option<String>,
}

/// Rosters nest this deep unless `survey.max_roster_depth` says otherwise.
const DEFAULT_ROSTER_DEPTH: usize = 3;
/// The deepest `survey.max_roster_depth` may allow.
const MAX_ROSTER_DEPTH: usize = 5;
/// A roster's most rows unless its `max_rows` says otherwise.
const DEFAULT_MAX_ROWS: i64 = 40;
/// The most `max_rows` may allow: wide data gives every row its own columns.
const MAX_ROWS: i64 = 1000;

/// A roster as the checker knows it: the spec's, where it sits, what holds it.
#[derive(Debug, Clone)]
struct RosterInfo<'a> {
    spec: &'a spec::Roster,
    /// The roster holding it; `None` at the section's level.
    parent: Option<String>,
    /// The position after its last item: where all its rows are known.
    end: usize,
    audiences: Vec<String>,
}

/// An item's audiences and its position in the questionnaire.
type Placement = (Arc<[String]>, usize);

/// A question's numbers ("Q12"), by audience index; 0 where the audience is not asked it.
#[derive(Debug, Clone, Default)]
struct Numbers(Box<[u32]>);

impl Numbers {
    fn get(&self, audience: usize) -> Option<String> {
        match self.0.get(audience) {
            Some(&n) if n > 0 => {
                // Written out by hand: `format!` costs more than the rest of a question's build.
                let mut digits = [0u8; 10];
                let (mut n, mut at) = (n, digits.len());
                while n > 0 {
                    at -= 1;
                    digits[at] = b'0' + (n % 10) as u8;
                    n /= 10;
                }
                let mut out = String::with_capacity(1 + digits.len() - at);
                out.push('Q');
                out.extend(digits[at..].iter().map(|&d| char::from(d)));
                Some(out)
            }
            _ => None,
        }
    }
}

/// Where an expression sits: the YAML scalar it came from and where in the questionnaire.
#[derive(Clone)]
struct Site<'s> {
    text: &'s Sp<String>,
    /// File offset of the expression's first byte when the scalar holds it verbatim.
    base: Option<usize>,
    /// Items before this position may be read.
    position: usize,
    /// The question being validated may read itself.
    itself: Option<&'s str>,
    audiences: Vec<String>,
    what: &'static str,
}

/// What every pass reads and reports into: the spec and its files, the diagnostics so far,
/// and the expressions parsed.
struct Cx<'a> {
    spec: &'a Spec,
    sources: &'a Sources,
    diags: Diagnostics,
    /// Expressions parsed, by text: a condition written at several places (the same filter
    /// on many questions) is parsed once. Parsing reads the text alone, and positions in
    /// the tree are within the text, so a tree serves every place the text is written.
    parsed: std::cell::RefCell<FastMap<String, Result<crate::expr::Expr, crate::expr::SyntaxError>>>,
    /// Rosters are handed on in the model, though no output carries them yet ([`check_staged`]).
    unbuilt_rosters: bool,
}

/// How large the largest tables grow, counted from the spec at the start: grown one insert
/// at a time, they were rehashed (and their memory touched) several times over.
struct Sizes {
    questions: usize,
    /// Questions, grid rows and derived variables.
    symbols: usize,
    /// Items with an `ask_if`.
    conditional: usize,
    /// Validation and screening rules.
    rules: usize,
    audiences: usize,
}

impl Sizes {
    fn of(spec: &Spec) -> Sizes {
        let (mut questions, mut symbols, mut conditional, mut rules) = (0, spec.derived.len(), 0, 0);
        for placed in spec.sections.iter().flat_map(spec::Section::flat) {
            let ask_if = match placed.item {
                Item::Question(q) => {
                    questions += 1;
                    symbols += 1 + q.rows.len();
                    rules += q.validate.0.len();
                    &q.ask_if
                }
                Item::Note(n) => &n.ask_if,
                Item::Definitions(d) => &d.ask_if,
                Item::Screen(_) => {
                    rules += 1;
                    &None
                }
                Item::Roster(r) => {
                    symbols += 1;
                    &r.ask_if
                }
            };
            conditional += usize::from(ask_if.is_some());
        }
        Sizes {
            questions,
            symbols,
            conditional,
            rules,
            audiences: spec.audiences.0.len().max(1),
        }
    }
}

/// A table with room for `n` entries.
fn sized<K, V>(n: usize) -> FastMap<K, V> {
    FastMap::with_capacity_and_hasher(n, Default::default())
}

impl<'a> Cx<'a> {
    fn new(spec: &'a Spec, sources: &'a Sources, sizes: &Sizes) -> Self {
        Cx {
            spec,
            sources,
            diags: Diagnostics::new(),
            parsed: std::cell::RefCell::new(sized(sizes.conditional + sizes.rules)),
            unbuilt_rosters: false,
        }
    }

    /// [`expr::parse`], once per distinct text.
    fn parse(&self, text: &str) -> Result<crate::expr::Expr, crate::expr::SyntaxError> {
        if let Some(done) = self.parsed.borrow().get(text) {
            return done.clone();
        }
        let done = expr::parse(text);
        self.parsed.borrow_mut().insert(text.to_string(), done.clone());
        done
    }

    /// The text a span covers, in whichever file it is.
    fn slice(&self, span: Span) -> &'a str {
        self.sources.get(span.source).slice(span)
    }

    /// The 1-based line of a span, in its own file.
    fn line(&self, span: Span) -> usize {
        self.sources.get(span.source).line_col(span.start()).0
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
}
