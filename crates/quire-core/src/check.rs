//! The spec as written in, the resolved [`Questionnaire`] out; every mistake reported at once.
//!
//! [`check_with`] is the list of passes, each in its file: the names the spec declares
//! (`symbols.rs`: audiences, languages, choice lists, questions, derived variables) →
//! expressions parsed, type-checked and lowered (`typeck.rs`, `functions.rs`, `lower.rs`)
//! → each audience's instrument assembled and its texts resolved (`assemble.rs`,
//! `resolve.rs`) → the variables, beside the searches over answers (the routing analysis)
//! → warnings once there is no error (`warnings.rs`). The passes share one `Checker` and
//! its tables; this file holds it, its types and its small helpers.

mod assemble;
mod functions;
mod lower;
mod resolve;
mod symbols;
mod typeck;
mod warnings;

use std::collections::{BTreeMap, BTreeSet};
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
    let mut c = Checker::new(spec, sources);
    c.catalogs = Some(catalogs);
    c.allow_missing_translations = allow_missing;
    // 1. The names the spec declares (symbols.rs): audiences, languages, choice lists,
    //    questions in order, derived variables.
    c.audiences();
    c.languages();
    c.named_lists();
    c.questions();
    c.derived();
    // 2. Every expression parsed, type-checked and lowered (typeck.rs, functions.rs,
    //    lower.rs); derived variables in an order without cycles.
    c.expressions();
    c.derived_cycles();
    // 3. Each audience's instrument assembled, its texts resolved (assemble.rs, resolve.rs).
    let (mut model, origins) = c.build();
    c.drop_build_tables();
    // 4. The variables (resolve.rs), made beside the searches over answers that find where
    //    each answer leads and prove what is never asked (routing.rs, reach.rs).
    // Warnings are only worth reading once the errors (which may cause them) are gone: the
    // proof starts when there is no error so far; its findings count only if none came after.
    let no_errors_yet = !c.diags.has_errors() && !diags.has_errors();
    let (variables, Searched { targets, never }) = beside_searches(&model, no_errors_yet, || {
        let variables = c.variables(&model.instruments, &origins);
        c.report_missing_translations();
        c.drop_variable_tables();
        variables
    });
    model.variables = variables;
    crate::routing::analyse_with(&mut model, targets);
    // 5. Warnings (warnings.rs).
    let warn = no_errors_yet && !c.diags.has_errors();
    if let Some(never) = never.filter(|_| warn) {
        c.never_asked(&model, never);
        c.unused_lists();
    }
    let failed = c.diags.has_errors();
    diags.extend(c.diags.into_sorted());
    (!failed).then_some(model)
}

/// What the searches over a built model's answers find: where each single-choice answer
/// leads ([`crate::routing::next_targets`]), and, when asked for, the items no answers
/// reach ([`crate::reach::never_asked`]).
struct Searched {
    targets: Vec<Vec<(usize, usize, model::Next)>>,
    never: Option<Vec<(usize, usize, usize)>>,
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
    GridRow { grid: String },
    Derived,
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

/// The checker: the spec and its sources, the diagnostics so far, and each pass's tables,
/// owned by the pass that fills them ([`symbols::Declared`], [`typeck::Typed`],
/// [`resolve::Resolved`]) and read by the passes after it.
struct Checker<'a> {
    spec: &'a Spec,
    sources: &'a Sources,
    diags: Diagnostics,
    /// What the spec declares (the first pass, `symbols.rs`).
    declared: symbols::Declared<'a>,
    /// The conditions, rules and derived variables, type-checked (`typeck.rs`).
    typed: typeck::Typed,
    /// The texts resolved per audience (`resolve.rs`).
    resolved: resolve::Resolved,
    /// Inside `any(…)`, `all(…)`, `count_where(…)`, `sum_score(…)`: the grid whose name
    /// stands for each of its rows.
    row_grid: Option<String>,
    catalogs: Option<&'a Catalogs>,
    allow_missing_translations: bool,
    /// Expressions parsed, by text: a condition written at several places (the same filter
    /// on many questions) is parsed once. Parsing reads the text alone, and positions in
    /// the tree are within the text, so a tree serves every place the text is written.
    parsed: std::cell::RefCell<FastMap<String, Result<crate::expr::Expr, crate::expr::SyntaxError>>>,
}

impl<'a> Checker<'a> {
    fn new(spec: &'a Spec, sources: &'a Sources) -> Self {
        // The largest tables are sized from the spec at the start: grown one insert at a
        // time, they were rehashed (and their memory touched) several times over.
        let (mut questions, mut symbols, mut conditional, mut rules) = (0, spec.derived.len(), 0, 0);
        for item in spec.sections.iter().flat_map(|s| &s.items) {
            let ask_if = match item {
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
            };
            conditional += usize::from(ask_if.is_some());
        }
        let audiences = spec.audiences.0.len().max(1);
        fn sized<K, V>(n: usize) -> FastMap<K, V> {
            FastMap::with_capacity_and_hasher(n, Default::default())
        }
        Checker {
            spec,
            sources,
            diags: Diagnostics::new(),
            declared: symbols::Declared {
                audience_ids: Vec::new(),
                lists: Vec::new(),
                list_index: FastMap::default(),
                symbols: sized(symbols),
                question_lists: sized(questions),
                placements: Vec::new(),
                section_audiences: Vec::new(),
                languages: Vec::new(),
            },
            typed: typeck::Typed {
                conditions: sized(conditional * audiences),
                section_conditions: FastMap::default(),
                validations: sized(questions),
                screens: FastMap::default(),
                derived_rules: FastMap::default(),
                derived_types: FastMap::default(),
            },
            resolved: resolve::Resolved {
                // A question's text and its rows' (choice lists' labels are shared).
                texts: sized(questions + symbols),
                missing_translations: BTreeMap::new(),
                audience_dependent: false,
            },
            row_grid: None,
            catalogs: None,
            allow_missing_translations: false,
            parsed: std::cell::RefCell::new(sized(conditional + rules)),
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

    /// An audience's place in the spec's list of audiences, which keys what is per audience.
    fn audience_at(&self, audience: &str) -> usize {
        self.declared
            .audience_ids
            .iter()
            .position(|a| a == audience)
            .unwrap_or(usize::MAX)
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

    /// Frees the tables only assembling the instruments reads (conditions by place, parsed
    /// expressions), before the searches over answers, which are a large check's peak of
    /// memory. What the variables and the later warnings read stays: the resolved texts, the
    /// placements, the lists, symbols and spec.
    fn drop_build_tables(&mut self) {
        self.typed.conditions = FastMap::default();
        self.typed.section_conditions = FastMap::default();
        self.typed.validations = FastMap::default();
        self.typed.screens = FastMap::default();
        self.declared.question_lists = FastMap::default();
        self.parsed.take();
    }

    /// Frees what only the variables read (the resolved texts, the placements), once they
    /// are made.
    fn drop_variable_tables(&mut self) {
        self.resolved.texts = FastMap::default();
        self.declared.placements = Vec::new();
    }
}
