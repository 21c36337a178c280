//! The first pass: the names a spec declares. Audiences and languages, the choice lists
//! (named and inline), then the questions in order (ids, types, audiences, numbers per
//! audience, what each type takes) and the derived variables, with their dependencies
//! checked for cycles. It fills the symbol tables every later pass reads.

use std::sync::Arc;

use super::*;

/// What the spec declares: the first pass's tables, read by every later pass.
pub(super) struct Declared<'a> {
    /// The audiences' ids, in the spec's order: what is per audience is keyed by place here.
    pub(super) audience_ids: Vec<String>,
    /// The questionnaire's languages, the source language first.
    pub(super) languages: Vec<String>,
    /// Every choice list, named and inline, and the named ones by id.
    pub(super) lists: Vec<List<'a>>,
    pub(super) list_index: FastMap<String, usize>,
    /// Questions, grid rows and derived variables, by name.
    pub(super) symbols: FastMap<String, Arc<Symbol>>,
    /// Per question id: its list, after choices are resolved.
    pub(super) question_lists: FastMap<String, usize>,
    /// Per item (by section and index): its audiences and position.
    pub(super) placements: Vec<Vec<Placement>>,
    /// Per section: its audiences.
    pub(super) section_audiences: Vec<Vec<String>>,
    /// Rosters by id: where each sits and what holds it.
    pub(super) rosters: FastMap<String, RosterInfo<'a>>,
    /// The integer questions: what a roster's count may read.
    pub(super) integers: BTreeSet<String>,
}

impl<'a> Declared<'a> {
    /// An audience's place in the spec's list of audiences, which keys what is per audience.
    pub(super) fn audience_at(&self, audience: &str) -> usize {
        self.audience_ids
            .iter()
            .position(|a| a == audience)
            .unwrap_or(usize::MAX)
    }

    /// Whether a name of `unit` (a roster's id; `None` for the respondent's own) may be read
    /// by an expression or text in `scope`: the respondent's names everywhere, a row's names
    /// in that roster and the rosters inside it.
    pub(super) fn in_scope(&self, unit: Option<&str>, scope: Option<&str>) -> bool {
        let Some(unit) = unit else {
            return true;
        };
        let mut at = scope.map(str::to_string);
        while let Some(r) = at {
            if r == unit {
                return true;
            }
            at = self.rosters.get(&r).and_then(|i| i.parent.clone());
        }
        false
    }

    /// Position after which a derived variable may be read: after every question it reads.
    pub(super) fn derived_order(&self, cx: &Cx<'a>, name: &str) -> usize {
        let mut seen = BTreeSet::new();
        self.derived_order_inner(cx, name, &mut seen)
    }

    fn derived_order_inner(&self, cx: &Cx<'a>, name: &str, seen: &mut BTreeSet<String>) -> usize {
        if !seen.insert(name.to_string()) {
            return 0;
        }
        let Some(d) = cx.spec.derived.iter().find(|d| d.id.value == name) else {
            return self.symbols.get(name).map(|s| s.order).unwrap_or(0);
        };
        let texts = d.expressions();
        let mut max = 0;
        for t in texts {
            if let Ok(e) = cx.parse(&t.value) {
                for r in e.references() {
                    let o = match self.symbols.get(r) {
                        Some(s) if matches!(s.kind, SymbolKind::Derived) => self.derived_order_inner(cx, r, seen),
                        Some(s) => s.order,
                        None => 0,
                    };
                    max = max.max(o);
                }
            }
        }
        max
    }
}

/// The first pass: what the spec declares, in order (audiences, languages, choice lists,
/// questions, derived variables), each name checked.
pub(super) fn declare<'a>(cx: &mut Cx<'a>, sizes: &Sizes) -> Declared<'a> {
    let mut pass = Declare {
        cx,
        declared: Declared {
            audience_ids: Vec::new(),
            lists: Vec::new(),
            list_index: FastMap::default(),
            symbols: sized(sizes.symbols),
            question_lists: sized(sizes.questions),
            placements: Vec::new(),
            section_audiences: Vec::new(),
            languages: Vec::new(),
            rosters: FastMap::default(),
            integers: BTreeSet::new(),
        },
        depth_limit: None,
    };
    pass.audiences();
    pass.languages();
    pass.named_lists();
    // Checked whether or not the spec has a roster yet.
    pass.max_roster_depth();
    pass.questions();
    pass.derived();
    pass.not_built();
    pass.declared
}

/// The first pass at work: the context, and the tables it fills.
struct Declare<'c, 'a> {
    cx: &'c mut Cx<'a>,
    declared: Declared<'a>,
    /// `survey.max_roster_depth`, once checked.
    depth_limit: Option<usize>,
}

reads_context!(Declare);

impl<'a> Declare<'_, 'a> {
    fn audiences(&mut self) {
        let spec = self.spec;
        for (id, _) in &spec.audiences.0 {
            self.name(id, "audience id", false);
            if self.declared.audience_ids.contains(&id.value) {
                self.push(
                    Diagnostic::error("duplicate-id", format!("audience `{}` is declared twice", id.value))
                        .at(id.span, "second declaration")
                        .help("give each audience its own id"),
                );
            } else {
                self.declared.audience_ids.push(id.value.clone());
            }
        }
        if self.declared.audience_ids.is_empty() {
            self.declared.audience_ids.push(DEFAULT_AUDIENCE.to_string());
        }
    }

    /// `languages`: tags, no repeats, none an audience id, the source language first.
    pub(super) fn languages(&mut self) {
        let spec = self.spec;
        let declared = spec.survey.language.as_ref();
        for l in &spec.languages {
            let ok = !l.value.is_empty()
                && l.value
                    .split('-')
                    .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()));
            if !ok {
                self.push(
                    Diagnostic::error("invalid-language", format!("`{}` is not a language tag", l.value))
                        .at(l.span, "expected a tag such as `en-GB` or `cy`")
                        .help(
                            "use BCP 47 tags: a language code, optionally with a region, e.g. `en-GB`, `cy`, `pa-IN`",
                        ),
                );
            } else if self.declared.languages.contains(&l.value) {
                self.push(
                    Diagnostic::error("duplicate-id", format!("language `{}` is listed twice", l.value))
                        .at(l.span, "again here")
                        .help("list each language once"),
                );
            } else if self.declared.audience_ids.contains(&l.value) {
                self.push(
                    Diagnostic::error(
                        "language-audience",
                        format!("`{}` is both a language and an audience", l.value),
                    )
                    .at(l.span, "also an audience id")
                    .help("rename the audience: a text's keys must say whether they are languages or audiences"),
                );
            } else {
                self.declared.languages.push(l.value.clone());
            }
        }
        if let (Some(first), Some(lang)) = (spec.languages.first(), declared)
            && first.value != lang.value
        {
            self.push(
                Diagnostic::error(
                    "language-mismatch",
                    format!(
                        "`survey.language` is `{}`, but the first of `languages` (the source language) is `{}`",
                        lang.value, first.value
                    ),
                )
                .at(lang.span, "the source language")
                .also(first.span, "first here")
                .help("list the source language first, or remove `survey.language`"),
            );
        }
        if self.declared.languages.is_empty() {
            self.declared
                .languages
                .push(declared.map(|l| l.value.clone()).unwrap_or_else(|| "en".into()));
        }
    }

    pub(super) fn named_lists(&mut self) {
        let spec = self.spec;
        for (id, choices) in &spec.choices.0 {
            self.name(id, "choice list name", false);
            if let Some(&first) = self.declared.list_index.get(&id.value) {
                let first = self.declared.lists[first].span;
                self.push(
                    Diagnostic::error("duplicate-id", format!("choice list `{}` is declared twice", id.value))
                        .at(id.span, "second declaration")
                        .also(first, "first declared here")
                        .help("rename one of them, or keep one list (an included file's lists join the spec's)"),
                );
                continue;
            }
            self.add_list(id.value.clone(), id.span, true, choices);
        }
    }

    pub(super) fn add_list(&mut self, id: String, span: Span, named: bool, list: &'a spec::ChoiceList) -> usize {
        let choices = list.options();
        if choices.is_empty() {
            self.push(
                Diagnostic::error("empty-choices", format!("choice list `{id}` has no choices"))
                    .at(span, "empty list")
                    .help("add at least two choices, each with `code`, `value` and `label`"),
            );
        }
        let codes = self.missing_codes();
        let mut seen_codes: FastMap<i64, Span> = FastMap::default();
        let mut seen_values: FastMap<&str, Span> = FastMap::default();
        let mut others = 0;
        for c in choices {
            if let Some(first) = seen_codes.insert(c.code.value, c.code.span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-code",
                        format!("code {} is used twice in choice list `{id}`", c.code.value),
                    )
                    .at(c.code.span, "used again here")
                    .also(first, "first used here")
                    .help("codes are stored in the data; give every choice its own code"),
                );
            }
            if let Some(first) = seen_values.insert(&c.value.value, c.value.span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-value",
                        format!("value `{}` is used twice in choice list `{id}`", c.value.value),
                    )
                    .at(c.value.span, "used again here")
                    .also(first, "first used here")
                    .help("values name choices in expressions; give every choice its own value"),
                );
            }
            if c.code.value == codes.not_applicable || c.code.value == codes.missing {
                let which = if c.code.value == codes.missing {
                    "missing"
                } else {
                    "not applicable"
                };
                self.push(
                    Diagnostic::error(
                        "reserved-code",
                        format!("code {} is reserved for \"{which}\"", c.code.value),
                    )
                    .at(c.code.span, "reserved code")
                    .help("use another code, or change `survey.missing_codes`"),
                );
            }
            self.name(&c.value, "choice value", true);
            for a in c.audiences.iter().flatten() {
                if !self.declared.audience_ids.contains(&a.value) {
                    let ids = self.declared.audience_ids.clone();
                    self.push(
                        Diagnostic::error("unknown-audience", format!("there is no audience `{}`", a.value))
                            .at(a.span, "unknown audience")
                            .suggest(&a.value, ids.iter().map(String::as_str)),
                    );
                }
            }
            if c.other.as_ref().is_some_and(|o| o.value) {
                others += 1;
                if others > 1 {
                    self.push(
                        Diagnostic::error(
                            "duplicate-other",
                            format!("choice list `{id}` has more than one `other` choice"),
                        )
                        .at(c.value.span, "second write-in")
                        .help("keep one \"Other, please specify\" per list"),
                    );
                }
            }
        }
        let scored: Vec<&spec::Choice> = choices.iter().filter(|c| c.score.is_some()).collect();
        let unscored: Vec<&spec::Choice> = choices
            .iter()
            .filter(|c| c.score.is_none() && c.nonsubstantive.is_none() && !c.other.as_ref().is_some_and(|o| o.value))
            .collect();
        if !scored.is_empty() && !unscored.is_empty() {
            let names: Vec<String> = unscored.iter().map(|c| format!("`{}`", c.value.value)).collect();
            self.push(
                Diagnostic::warning(
                    "partly-scored",
                    format!(
                        "choice list `{id}` scores some choices but not {}, so a score is missing when {} chosen",
                        names.join(", "),
                        if names.len() == 1 { "it is" } else { "they are" }
                    ),
                )
                .at(unscored[0].value.span, "no `score`")
                .also(scored[0].score.as_ref().map(|s| s.span).unwrap_or(span), "scored here")
                .help("give every substantive choice a `score:` (a declared \"Don't know\" may go without)"),
            );
        }
        if list.ordered() && choices.iter().filter(|c| c.nonsubstantive.is_none()).count() < 2 {
            self.push(
                Diagnostic::warning(
                    "ordered-too-short",
                    format!("choice list `{id}` is `ordered` but has fewer than two substantive choices"),
                )
                .at(span, "nothing to order")
                .help("remove `ordered: true`, or add the scale's choices"),
            );
        }
        let index = self.declared.lists.len();
        self.declared.lists.push(List {
            id: id.clone(),
            span,
            named,
            used: false,
            choices,
            ordered: list.ordered(),
        });
        self.declared.list_index.insert(id, index);
        index
    }

    pub(super) fn audience_list(
        &mut self,
        given: Option<&Vec<Sp<String>>>,
        within: &[String],
        within_what: &str,
    ) -> Vec<String> {
        let Some(given) = given else {
            return within.to_vec();
        };
        let mut out = Vec::new();
        for a in given {
            if !self.declared.audience_ids.contains(&a.value) {
                let ids = self.declared.audience_ids.clone();
                self.push(
                    Diagnostic::error("unknown-audience", format!("there is no audience `{}`", a.value))
                        .at(a.span, "unknown audience")
                        .suggest(&a.value, ids.iter().map(String::as_str))
                        .help(format!("audiences are: {}", ids.join(", "))),
                );
            } else if !within.contains(&a.value) {
                self.push(
                    Diagnostic::error(
                        "audience-outside-section",
                        format!("audience `{}` is not shown {within_what}", a.value),
                    )
                    .at(a.span, "not in the section's audiences")
                    .help(format!(
                        "add `{}` to the section's `audiences`, or remove it here",
                        a.value
                    )),
                );
            } else if !out.contains(&a.value) {
                out.push(a.value.clone());
            }
        }
        if given.is_empty() {
            self.push(
                Diagnostic::error("empty-audiences", "`audiences` is empty: nobody would see this")
                    .at(self.spec.survey.id.span, "")
                    .help("list at least one audience, or remove `audiences`"),
            );
        }
        out
    }

    pub(super) fn questions(&mut self) {
        let spec = self.spec;
        let all = self.declared.audience_ids.clone();
        let mut position = 0;
        // Per audience index: questions numbered so far.
        let mut counters: Vec<u32> = vec![0; self.declared.audience_ids.len()];
        let mut section_ids: FastMap<&str, Span> = FastMap::default();
        for section in &spec.sections {
            if let Some(first) = section_ids.insert(&section.id.value, section.id.span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-id",
                        format!("section `{}` is declared twice", section.id.value),
                    )
                    .at(section.id.span, "second section with this id")
                    .also(first, "first here"),
                );
            }
            self.name(&section.id, "section id", false);
            let s_aud = self.audience_list(section.audiences.as_ref(), &all, "in this survey");
            self.declared.section_audiences.push(s_aud.clone());
            if section.items.is_empty() {
                self.push(
                    Diagnostic::warning("empty-section", format!("section `{}` has no items", section.id.value))
                        .at(section.id.span, "empty section")
                        .help("add questions or blocks to `items`, or remove the section"),
                );
            }
            let mut places = Vec::new();
            for placed in section.flat() {
                let item = placed.item;
                let given = match item {
                    Item::Question(q) => q.audiences.as_ref(),
                    Item::Note(n) => n.audiences.as_ref(),
                    Item::Definitions(d) => d.audiences.as_ref(),
                    Item::Screen(s) => s.audiences.as_ref(),
                    Item::Roster(r) => r.audiences.as_ref(),
                };
                // A block's id names its element in XForms and its row in an XLSForm.
                let block_id = match item {
                    Item::Question(_) | Item::Roster(_) => None,
                    Item::Note(n) => n.id.as_ref().map(|i| (i, "note id")),
                    Item::Definitions(d) => d.id.as_ref().map(|i| (i, "definitions id")),
                    Item::Screen(s) => s.id.as_ref().map(|i| (i, "screening rule id")),
                };
                if let Some((id, what)) = block_id {
                    self.name(id, what, false);
                }
                // Items of a roster are asked of the roster's audiences unless they say less.
                let unit = placed.roster.map(|r| r.id.value.clone());
                let outer = match &unit {
                    Some(u) => self
                        .declared
                        .rosters
                        .get(u)
                        .map(|r| r.audiences.clone())
                        .unwrap_or_default(),
                    None => s_aud.clone(),
                };
                let within = if unit.is_some() {
                    "in this roster"
                } else {
                    "in this section"
                };
                let aud = self.audience_list(given, &outer, within);
                places.push((Arc::from(aud.as_slice()), position));
                match item {
                    Item::Question(q) => {
                        let mut numbers = vec![0; self.declared.audience_ids.len()].into_boxed_slice();
                        for a in &aud {
                            let at = self.declared.audience_at(a);
                            if let (Some(n), Some(number)) = (counters.get_mut(at), numbers.get_mut(at)) {
                                *n += 1;
                                *number = *n;
                            }
                        }
                        self.question(q, position, aud, Numbers(numbers), unit);
                    }
                    Item::Roster(r) => self.roster(r, &placed, position, aud, unit),
                    _ => {}
                }
                position += 1;
                // Each roster holding the item ends no sooner than after it.
                let mut holder = placed.roster.map(|r| r.id.value.clone());
                while let Some(h) = holder {
                    holder = self.declared.rosters.get_mut(&h).and_then(|info| {
                        info.end = position;
                        info.parent.clone()
                    });
                }
            }
            self.declared.placements.push(places);
        }
    }

    /// A roster: its id (the unit's name, unique among variables), its depth, its limits and
    /// its row label. Its source of rows is checked with the expressions, which read names.
    pub(super) fn roster(
        &mut self,
        r: &'a spec::Roster,
        placed: &spec::Placed<'a>,
        position: usize,
        audiences: Vec<String>,
        parent: Option<String>,
    ) {
        self.name(&r.id, "roster id", false);
        let depth = placed.depth + 1;
        let allowed = self.max_roster_depth();
        // Said once, where the limit is first passed: the rosters inside it are deeper still.
        if depth == allowed + 1 {
            let mut d = Diagnostic::error(
                "roster-too-deep",
                format!(
                    "roster `{}` is nested {depth} deep, but rosters may nest {allowed} deep",
                    r.id.value
                ),
            )
            .at(r.id.span, format!("roster {depth} of {depth}"));
            if let Some(p) = placed.roster {
                d = d.also(p.id.span, "inside this roster");
            }
            self.push(d.help(if allowed < MAX_ROSTER_DEPTH {
                format!("raise `survey.max_roster_depth` (at most {MAX_ROSTER_DEPTH}), or ask these items in a roster of their own")
            } else {
                "ask these items in a roster of their own, keyed to the one above by a question".to_string()
            }));
        }
        if r.items.is_empty() {
            self.push(
                Diagnostic::error("empty-roster", format!("roster `{}` has no items", r.id.value))
                    .at(r.id.span, "nothing asked in each row")
                    .help("add the questions asked about each row to `items`, or remove the roster"),
            );
        }
        let max = self.rows_limit(r);
        if let Some(min) = &r.min_rows {
            if !matches!(r.rows.value, spec::Rows::Open(_)) {
                self.push(
                    Diagnostic::error("min-rows-not-open", "`min_rows` is for open rosters, whose rows the respondent adds")
                        .at(min.span, "not an open roster")
                        .also(r.rows.span, "the rows come from here")
                        .help("remove `min_rows`; a counted roster has as many rows as its count, one per option ticked for `for_each`"),
                );
            } else if min.value < 0 || min.value > max {
                self.push(
                    Diagnostic::error(
                        "roster-rows",
                        format!("`min_rows` is {}, outside 0 to `max_rows` ({max})", min.value),
                    )
                    .at(min.span, "out of range")
                    .help("the fewest rows is 0 or more, and no more than the most"),
                );
            }
        }
        if let Some(label) = &r.row_label {
            self.row_label(r, label);
        }
        let symbol = Symbol {
            kind: SymbolKind::Roster,
            ty: Ty::Error,
            order: position,
            audiences: audiences.clone(),
            span: r.id.span,
            line: self.line(r.id.span),
            numbers: Numbers::default(),
            unit: parent.clone(),
        };
        self.declare(&r.id, symbol);
        self.declared.rosters.insert(
            r.id.value.clone(),
            RosterInfo {
                spec: r,
                parent,
                end: position + 1,
                audiences,
            },
        );
    }

    /// Until the model and every backend carry rows (docs/design/rosters.md), a spec with
    /// rosters is checked in full but not built: one error says so, at the first roster.
    fn not_built(&mut self) {
        if self.unbuilt_rosters {
            return;
        }
        let Some(first) = self
            .declared
            .rosters
            .values()
            .map(|r| r.spec.kind.span)
            .min_by_key(|s| (s.source, s.start()))
        else {
            return;
        };
        let n = self.declared.rosters.len();
        let more = match n {
            1 => String::new(),
            n => format!(" (this spec has {n})"),
        };
        self.push(
            Diagnostic::error(
                "roster-not-built",
                format!("rosters are checked, but cannot yet be built into web forms{more}"),
            )
            .at(first, "the first roster")
            .help("`quire build --target paper,pdf,xform,xlsform,redcap,codebook,schema,ir` builds every output but the web form with its rosters, and `quire simulate`, `check-data` and `tabulate` work on their tables (docs/data.md, \"Rosters\"); for a web form now, write a roster's items out once per row"),
        );
    }

    /// `choices: { rows: person }`: the roster exists, has ended, is readable here, and
    /// labels its rows (they are the options). Gives the roster's id.
    fn row_choices(&mut self, rc: &spec::RowChoices, position: usize, unit: Option<&str>) -> Option<String> {
        let name = &rc.rows;
        let Some(info) = self.declared.rosters.get(&name.value).cloned() else {
            let rosters: Vec<&str> = self.declared.rosters.keys().map(String::as_str).collect();
            let d = Diagnostic::error(
                "unknown-roster",
                format!("there is no roster `{}` before this question", name.value),
            )
            .at(name.span, "unknown roster");
            let d = match crate::diagnostic::did_you_mean(&name.value, rosters.iter().copied()) {
                Some(m) => d.help(format!("did you mean `{m}`?")),
                None => d.help("name a roster asked before this question; its rows are the options"),
            };
            self.push(d);
            return None;
        };
        let roster_span = info.spec.id.span;
        if info.end > position {
            self.push(
                Diagnostic::error(
                    "forward-reference",
                    format!(
                        "the rows of `{}` are not all known here: the roster ends later",
                        name.value
                    ),
                )
                .at(name.span, "chosen from before the roster ends")
                .also(roster_span, "the roster")
                .help("ask the question after the roster's last item"),
            );
            return None;
        }
        if !self.declared.in_scope(info.parent.as_deref(), unit) {
            let parent = info.parent.clone().unwrap_or_default();
            self.push(
                Diagnostic::error(
                    "field-outside-roster",
                    format!(
                        "`{}` has rows in each row of `{parent}`, so they cannot be offered here",
                        name.value
                    ),
                )
                .at(name.span, format!("outside `{parent}`"))
                .also(roster_span, format!("asked in each row of `{parent}`"))
                .help(format!(
                    "ask the question in the items of `{parent}`, after `{}`",
                    name.value
                )),
            );
            return None;
        }
        if info.spec.row_label.is_none() && !matches!(info.spec.rows.value, spec::Rows::ForEach { .. }) {
            self.push(
                Diagnostic::error(
                    "no-row-label",
                    format!("the rows of `{}` have no label to offer", name.value),
                )
                .at(name.span, "options without labels")
                .also(roster_span, "this roster")
                .help("give the roster a `row_label` (the question that names each row, such as a name)"),
            );
            return None;
        }
        Some(name.value.clone())
    }

    /// `survey.max_roster_depth`, checked: 1 to [`MAX_ROSTER_DEPTH`], default 3.
    fn max_roster_depth(&mut self) -> usize {
        if let Some(n) = self.depth_limit {
            return n;
        }
        let n = self.checked_roster_depth();
        self.depth_limit = Some(n);
        n
    }

    fn checked_roster_depth(&mut self) -> usize {
        let Some(given) = &self.spec.survey.max_roster_depth else {
            return DEFAULT_ROSTER_DEPTH;
        };
        match usize::try_from(given.value) {
            Ok(n @ 1..=MAX_ROSTER_DEPTH) => n,
            _ => {
                let span = given.span;
                let value = given.value;
                self.push(
                    Diagnostic::error(
                        "roster-depth",
                        format!("`max_roster_depth` is {value}, outside 1 to {MAX_ROSTER_DEPTH}"),
                    )
                    .at(span, "out of range")
                    .help(format!(
                        "rosters nest 1 to {MAX_ROSTER_DEPTH} deep; the default is {DEFAULT_ROSTER_DEPTH}"
                    )),
                );
                MAX_ROSTER_DEPTH
            }
        }
    }

    /// A roster's `max_rows`, checked: 1 to [`MAX_ROWS`], default [`DEFAULT_MAX_ROWS`].
    fn rows_limit(&mut self, r: &spec::Roster) -> i64 {
        let Some(max) = &r.max_rows else {
            return DEFAULT_MAX_ROWS;
        };
        if (1..=MAX_ROWS).contains(&max.value) {
            return max.value;
        }
        self.push(
            Diagnostic::error(
                "roster-rows",
                format!("`max_rows` is {}, outside 1 to {MAX_ROWS}", max.value),
            )
            .at(max.span, "out of range")
            .help(format!(
                "a roster has at least one row and at most {MAX_ROWS}; the default is {DEFAULT_MAX_ROWS}"
            )),
        );
        MAX_ROWS
    }

    /// A row label names a question of the row itself with one answer to show.
    fn row_label(&mut self, r: &spec::Roster, label: &Sp<String>) {
        let own: Vec<&spec::Question> = r
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Question(q) => Some(q),
                _ => None,
            })
            .collect();
        match own.iter().find(|q| q.id.value == label.value) {
            Some(q) if matches!(q.kind.value, QuestionType::Multiple | QuestionType::Grid) => self.push(
                Diagnostic::error(
                    "row-label-type",
                    format!("`{}` cannot label a row: it has no single answer to show", label.value),
                )
                .at(label.span, "the row's label")
                .also(q.kind.span, "its type")
                .help("label rows with a text, number, date or single-choice question, such as the person's name"),
            ),
            Some(_) => {}
            None => {
                let names = own.iter().map(|q| q.id.value.as_str());
                let mut d = Diagnostic::error(
                    "row-label-not-in-row",
                    format!(
                        "`{}` is not a question of roster `{}`, so it cannot label its rows",
                        label.value, r.id.value
                    ),
                )
                .at(label.span, "not asked in each row");
                d = match crate::diagnostic::did_you_mean(&label.value, names) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None => d.help("name a question asked in each row (directly in this roster's `items`), such as the person's name"),
                };
                self.push(d);
            }
        }
    }

    pub(super) fn declare(&mut self, id: &Sp<String>, symbol: Symbol) {
        if id.value == "row" {
            self.push(
                Diagnostic::error(
                    "reserved-name",
                    "`row` is reserved: `${row}` and `row()` are a roster row's number",
                )
                .at(id.span, "a reserved name")
                .help("choose another id, e.g. `row_no`"),
            );
            return;
        }
        if let Some(first) = self.declared.symbols.get(&id.value) {
            let first = first.span;
            self.push(
                Diagnostic::error("duplicate-id", format!("`{}` is defined twice", id.value))
                    .at(id.span, "defined again here")
                    .also(first, "first defined here")
                    .help("ids become variable names, so each must be unique; rename one of them"),
            );
            return;
        }
        self.declared.symbols.insert(id.value.clone(), Arc::new(symbol));
    }

    pub(super) fn question(
        &mut self,
        q: &'a spec::Question,
        position: usize,
        audiences: Vec<String>,
        numbers: Numbers,
        unit: Option<String>,
    ) {
        self.name(&q.id, "question id", false);
        if q.incomplete {
            // Already reported by the reader; declared so references to it stay quiet.
            let symbol = Symbol {
                kind: SymbolKind::Question,
                ty: Ty::Error,
                order: position,
                audiences,
                span: q.id.span,
                line: self.line(q.id.span),
                numbers,
                unit,
            };
            self.declare(&q.id, symbol);
            return;
        }
        let kind = q.kind.value;
        if kind == QuestionType::Integer {
            self.declared.integers.insert(q.id.value.clone());
        }
        let list = self.question_choices(q);
        if let Some(l) = list {
            self.declared.question_lists.insert(q.id.value.clone(), l);
        }
        self.type_specific(q, list);
        let ty = match (kind, list) {
            (QuestionType::Single, Some(l)) => Ty::Choice(l),
            (QuestionType::Multiple, Some(l)) => Ty::Multi(l),
            (QuestionType::Text | QuestionType::LongText, _) => Ty::Text,
            (QuestionType::Integer | QuestionType::Decimal, _) => Ty::Number,
            (QuestionType::Date, _) => Ty::Date,
            (QuestionType::Grid, _) => Ty::Grid,
            (QuestionType::Single | QuestionType::Multiple, None) => match &q.choices {
                Some(ChoiceSource::Rows(rc)) => match self.row_choices(rc, position, unit.as_deref()) {
                    Some(roster) if kind == QuestionType::Single => Ty::Row(roster),
                    Some(roster) => Ty::Rows(roster),
                    None => Ty::Error,
                },
                _ => Ty::Error,
            },
        };
        let line = self.line(q.id.span);
        let symbol = |ty, kind, span| Symbol {
            kind,
            ty,
            order: position,
            audiences: audiences.clone(),
            span,
            line,
            numbers: numbers.clone(),
            unit: unit.clone(),
        };
        self.declare(&q.id, symbol(ty, SymbolKind::Question, q.id.span));
        if kind == QuestionType::Grid {
            let mut seen: FastMap<&str, Span> = FastMap::default();
            for row in &q.rows {
                if let Some(first) = seen.insert(&row.id.value, row.id.span) {
                    self.push(
                        Diagnostic::error("duplicate-id", format!("grid row `{}` appears twice", row.id.value))
                            .at(row.id.span, "again here")
                            .also(first, "first here")
                            .help("give each row its own `id`; it becomes part of the row's variable name"),
                    );
                    continue;
                }
                let var = Sp::new(format!("{}_{}", q.id.value, row.id.value), row.id.span);
                self.name(&var, "grid row variable name", false);
                let ty = list.map(Ty::Choice).unwrap_or(Ty::Error);
                self.declare(
                    &var,
                    symbol(
                        ty,
                        SymbolKind::GridRow {
                            grid: q.id.value.clone(),
                        },
                        row.id.span,
                    ),
                );
            }
        }
        // Generated column names must not collide with declared ids.
        if kind == QuestionType::Multiple
            || list.is_some_and(|l| {
                self.declared.lists[l]
                    .choices
                    .iter()
                    .any(|c| c.other.as_ref().is_some_and(|o| o.value))
            })
        {
            let other = format!("{}_other", q.id.value);
            if self.declared.symbols.contains_key(&other) || q.id.value.len() + 6 > MAX_NAME_LEN {
                self.push(
                    Diagnostic::error(
                        "name-collision",
                        format!(
                            "the write-in or option columns of `{}` need names that are taken or too long",
                            q.id.value
                        ),
                    )
                    .at(q.id.span, format!("makes columns like `{other}`"))
                    .help(format!(
                        "shorten `{}` (at most {} characters leaves room for suffixes)",
                        q.id.value,
                        MAX_NAME_LEN - 6
                    )),
                );
            }
        }
    }

    pub(super) fn question_choices(&mut self, q: &'a spec::Question) -> Option<usize> {
        let kind = q.kind.value;
        match (&q.choices, kind.has_choices()) {
            (None, true) => {
                let lists: Vec<&str> = self
                    .declared
                    .lists
                    .iter()
                    .filter(|l| l.named)
                    .map(|l| l.id.as_str())
                    .collect();
                let hint = if lists.is_empty() {
                    "add `choices:` with a list of `{code, value, label}`".to_string()
                } else {
                    format!(
                        "add `choices:` naming a list ({}) or listing the choices",
                        lists.join(", ")
                    )
                };
                self.push(
                    Diagnostic::error(
                        "missing-choices",
                        format!("{} question `{}` has no choices", kind.describe(), q.id.value),
                    )
                    .at(q.id.span, "needs `choices`")
                    .help(hint),
                );
                None
            }
            (Some(_), false) => {
                self.push(
                    Diagnostic::error(
                        "irrelevant-key",
                        format!("a {} question does not take `choices`", kind.describe()),
                    )
                    .at(q.kind.span, "this type has no choices")
                    .help("use `type: single` or `type: multiple`, or remove `choices`"),
                );
                None
            }
            (Some(ChoiceSource::Named(name)), true) => match self.declared.list_index.get(&name.value) {
                Some(&i) => {
                    self.declared.lists[i].used = true;
                    Some(i)
                }
                None => {
                    let names: Vec<String> = self
                        .declared
                        .lists
                        .iter()
                        .filter(|l| l.named)
                        .map(|l| l.id.clone())
                        .collect();
                    self.push(
                        Diagnostic::error("unknown-choices", format!("there is no choice list `{}`", name.value))
                            .at(name.span, "unknown list")
                            .suggest(&name.value, names.iter().map(String::as_str))
                            .help(format!(
                                "declared lists: {}",
                                if names.is_empty() {
                                    "none".into()
                                } else {
                                    names.join(", ")
                                }
                            )),
                    );
                    None
                }
            },
            (Some(ChoiceSource::Rows(rc)), true) if kind == QuestionType::Grid => {
                self.push(
                    Diagnostic::error("grid-row-choices", "a grid's options cannot be a roster's rows")
                        .at(rc.rows.span, "a roster's rows")
                        .help("ask a single or multiple choice among the rows, or give the grid a choice list"),
                );
                None
            }
            (Some(ChoiceSource::Rows(_)), true) => None,
            (Some(ChoiceSource::Inline(choices)), true) => {
                let id = q.id.value.clone();
                if self.declared.list_index.contains_key(&id) {
                    // A named list may share the question's id; keep the inline one distinct.
                    let id = format!("{}__choices", q.id.value);
                    Some(self.add_list(id, q.id.span, false, choices))
                } else {
                    Some(self.add_list(id, q.id.span, false, choices))
                }
            }
            (None, false) => None,
        }
    }

    pub(super) fn type_specific(&mut self, q: &spec::Question, list: Option<usize>) {
        use QuestionType as T;
        let kind = q.kind.value;
        let irrelevant = |c: &mut Self, key: &str, span: Option<Span>, applies: &str| {
            if let Some(span) = span {
                c.push(
                    Diagnostic::error(
                        "irrelevant-key",
                        format!("`{key}` does not apply to a {} question", kind.describe()),
                    )
                    .at(span, format!("only for {applies}"))
                    .help(format!("remove `{key}`, or change `type`")),
                );
            }
        };
        // The keys only some types take (`spec::Question::TYPE_KEYS`); `choices` and `rows`
        // have messages of their own.
        for (key, _, applies) in spec::Question::TYPE_KEYS {
            if kind.takes(key) {
                continue;
            }
            let span = match key {
                "min_selected" => q.min_selected.as_ref().map(|s| s.span),
                "max_selected" => q.max_selected.as_ref().map(|s| s.span),
                "min" => q.min.as_ref().map(|s| s.span),
                "max" => q.max.as_ref().map(|s| s.span),
                "unit" => q.unit.as_ref().map(text_span),
                "decimals" => q.decimals.as_ref().map(|s| s.span),
                "max_length" => q.max_length.as_ref().map(|s| s.span),
                _ => None,
            };
            irrelevant(self, key, span, applies);
        }
        if kind != T::Grid && !q.rows.is_empty() {
            irrelevant(self, "rows", Some(q.rows[0].id.span), "grid questions");
        }
        if kind == T::Grid && q.rows.is_empty() {
            self.push(
                Diagnostic::error("missing-rows", format!("grid question `{}` has no rows", q.id.value))
                    .at(q.id.span, "needs `rows`")
                    .help("add `rows:` with `{id, label}` for each row answered on the shared scale"),
            );
        }
        if let (Some(min), Some(max)) = (&q.min, &q.max)
            && min.value > max.value
        {
            self.push(
                Diagnostic::error(
                    "min-above-max",
                    format!(
                        "`min` ({}) is greater than `max` ({})",
                        expr::format_number(min.value),
                        expr::format_number(max.value)
                    ),
                )
                .at(min.span, "min")
                .also(max.span, "max")
                .help("swap them, or correct one"),
            );
        }
        if kind == T::Integer {
            for b in [&q.min, &q.max].into_iter().flatten() {
                if b.value.fract() != 0.0 {
                    self.push(
                        Diagnostic::error("wrong-type", "an integer question needs whole-number bounds")
                            .at(b.span, "not a whole number")
                            .help("use `type: decimal` for answers with decimals"),
                    );
                }
            }
        }
        for (key, v) in [
            ("decimals", &q.decimals),
            ("max_length", &q.max_length),
            ("min_selected", &q.min_selected),
            ("max_selected", &q.max_selected),
        ] {
            if let Some(v) = v
                && (v.value < 0 || v.value > 100_000 || (key == "max_length" && v.value == 0))
            {
                self.push(
                    Diagnostic::error("out-of-range", format!("`{key}` must be a positive whole number"))
                        .at(v.span, "out of range"),
                );
            }
        }
        let n_options = list.map(|l| self.declared.lists[l].choices.len() as i64);
        if let (Some(min), Some(max)) = (&q.min_selected, &q.max_selected)
            && min.value > max.value
        {
            self.push(
                Diagnostic::error(
                    "min-above-max",
                    format!(
                        "`min_selected` ({}) is greater than `max_selected` ({})",
                        min.value, max.value
                    ),
                )
                .at(min.span, "min_selected")
                .also(max.span, "max_selected")
                .help("swap them, or correct one"),
            );
        }
        if let Some(n) = n_options {
            for v in [&q.min_selected, &q.max_selected].into_iter().flatten() {
                if v.value > n {
                    self.push(
                        Diagnostic::error(
                            "out-of-range",
                            format!("asks for {} selections but the list has only {n} choices", v.value),
                        )
                        .at(v.span, "more than there are choices"),
                    );
                }
            }
        }
    }

    pub(super) fn derived(&mut self) {
        let spec = self.spec;
        for d in &spec.derived {
            self.name(&d.id, "derived variable name", false);
            let audiences = self.audience_list(
                d.audiences.as_ref(),
                &self.declared.audience_ids.clone(),
                "in this survey",
            );
            let ty = match (&d.expr, d.cases.is_empty(), &d.choices) {
                (Some(_), true, None) => Ty::Error, // typed once its expression is checked
                (None, false, Some(src)) => match src {
                    ChoiceSource::Named(n) => match self.declared.list_index.get(&n.value) {
                        Some(&i) => {
                            self.declared.lists[i].used = true;
                            Ty::Choice(i)
                        }
                        None => {
                            let names: Vec<String> = self
                                .declared
                                .lists
                                .iter()
                                .filter(|l| l.named)
                                .map(|l| l.id.clone())
                                .collect();
                            self.push(
                                Diagnostic::error("unknown-choices", format!("there is no choice list `{}`", n.value))
                                    .at(n.span, "unknown list")
                                    .suggest(&n.value, names.iter().map(String::as_str)),
                            );
                            Ty::Error
                        }
                    },
                    ChoiceSource::Inline(choices) => {
                        Ty::Choice(self.add_list(d.id.value.clone(), d.id.span, false, choices))
                    }
                    ChoiceSource::Rows(rc) => {
                        self.push(
                            Diagnostic::error(
                                "derived-row-choices",
                                "a derived variable's values come from a choice list, not a roster's rows",
                            )
                            .at(rc.rows.span, "a roster's rows")
                            .help("name a list under `choices:`, or list the values"),
                        );
                        Ty::Error
                    }
                },
                _ => {
                    self.push(
                        Diagnostic::error("derived-rule", format!("derived variable `{}` needs either `expr`, or `cases` with `choices`", d.id.value))
                            .at(d.id.span, "no single rule")
                            .help("write `expr: count(q) >= 2`, or `cases:` (each `when` + `value`) with `choices:` naming the values"),
                    );
                    Ty::Error
                }
            };
            let symbol = Symbol {
                kind: SymbolKind::Derived,
                ty,
                order: usize::MAX,
                audiences,
                span: d.id.span,
                line: self.line(d.id.span),
                numbers: Numbers::default(),
                unit: None,
            };
            self.declare(&d.id, symbol);
        }
    }
}

/// Derived variables that depend on each other in a circle, each circle reported once.
pub(super) fn derived_cycles(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    let deps: FastMap<&str, Vec<String>> = spec
        .derived
        .iter()
        .map(|d| {
            let mut refs = Vec::new();
            for t in d.expressions() {
                if let Ok(e) = cx.parse(&t.value) {
                    refs.extend(
                        e.references()
                            .into_iter()
                            .filter(|r| spec.derived.iter().any(|x| x.id.value == *r))
                            .map(str::to_string),
                    );
                }
            }
            (d.id.value.as_str(), refs)
        })
        .collect();
    let mut reported = BTreeSet::new();
    for d in &spec.derived {
        let mut path = vec![d.id.value.clone()];
        if let Some(cycle) = find_cycle(&deps, &mut path)
            && reported.insert(cycle.iter().cloned().collect::<BTreeSet<_>>())
        {
            cx.push(
                Diagnostic::error(
                    "derived-cycle",
                    format!(
                        "derived variables depend on each other in a circle: {}",
                        cycle.join(" → ")
                    ),
                )
                .at(d.id.span, "part of the circle")
                .help("break the circle: compute at least one of them from answers only"),
            );
        }
    }
}

impl Cx<'_> {
    pub(super) fn missing_codes(&self) -> model::MissingCodes {
        let m = self.spec.survey.missing_codes.as_ref();
        model::MissingCodes {
            not_applicable: m
                .and_then(|m| m.not_applicable.as_ref())
                .map(|c| c.value)
                .unwrap_or(-88),
            missing: m.and_then(|m| m.missing.as_ref()).map(|c| c.value).unwrap_or(-99),
        }
    }

    /// Checks an identifier; `loose` allows digits first (choice values like `18_24`).
    pub(super) fn name(&mut self, id: &Sp<String>, what: &str, loose: bool) {
        let s = id.value.as_str();
        if s.is_empty() {
            return; // missing or written empty: reported by the reader
        }
        let first_ok = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || (loose && (c.is_ascii_digit() || c == '_')));
        let rest_ok = s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !first_ok || !rest_ok {
            let fixed: String = s
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
                .trim_matches('_')
                .to_string();
            let fixed = if fixed.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || loose) {
                fixed
            } else {
                format!("q_{fixed}")
            };
            let rule = if loose {
                "letters, digits and `_` only"
            } else {
                "a letter first, then letters, digits or `_`"
            };
            self.push(
                Diagnostic::error("invalid-name", format!("`{s}` is not a valid {what}"))
                    .at(id.span, format!("{rule}, so Stata, SPSS and R can use it"))
                    .help(format!("try `{fixed}`")),
            );
        } else if !loose && s.len() > MAX_NAME_LEN {
            self.push(
                Diagnostic::error(
                    "invalid-name",
                    format!("`{s}` is longer than {MAX_NAME_LEN} characters"),
                )
                .at(id.span, format!("{} characters", s.len()))
                .help(format!("Stata allows at most {MAX_NAME_LEN}; shorten the {what}")),
            );
        }
    }
}

fn text_span(t: &spec::Text) -> Span {
    t.span()
}

fn find_cycle(deps: &FastMap<&str, Vec<String>>, path: &mut Vec<String>) -> Option<Vec<String>> {
    let last = path.last()?.clone();
    for next in deps.get(last.as_str()).into_iter().flatten() {
        if let Some(i) = path.iter().position(|p| p == next) {
            let mut cycle = path[i..].to_vec();
            cycle.push(next.clone());
            return Some(cycle);
        }
        if path.len() > 64 {
            return None;
        }
        path.push(next.clone());
        if let Some(c) = find_cycle(deps, path) {
            return Some(c);
        }
        path.pop();
    }
    None
}
