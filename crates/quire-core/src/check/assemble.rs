//! Each audience's instrument, assembled from the checked spec and its resolved texts.
//!
//! Resolving a text can report a problem and fills the checker's table of texts, so texts
//! are resolved first, one audience after another ([`Build::instrument_texts`]). What is
//! left, turning every item into the model's, reads that table and the checker's other
//! tables only: [`Assembly`] does it for every audience at once, each on a thread of its own.
//! The two walk the same items in the same way; a text the first did not resolve is handed
//! back ([`Assembled::missing`]), resolved, and that instrument assembled again.

use super::resolve::Build;
use super::resolve::{EVERY_AUDIENCE, short_label};
use super::{List, Placement, Symbol, SymbolKind};
use crate::FastMap;
use crate::model::{self, Condition};
use crate::spec::{self, Item, Sp};
use std::sync::Arc;

/// What assembly reads of the checker: its tables after the checks, and the resolved texts.
pub(super) struct Assembly<'c, 'a> {
    spec: &'a spec::Spec,
    lists: &'c [List<'a>],
    question_lists: &'c FastMap<String, usize>,
    symbols: &'c FastMap<String, Arc<Symbol>>,
    placements: &'c [Vec<Placement>],
    section_audiences: &'c [Vec<String>],
    conditions: &'c FastMap<(usize, usize, usize), Condition>,
    section_conditions: &'c FastMap<(usize, usize), Condition>,
    validations: &'c FastMap<(usize, usize), Vec<Condition>>,
    screens: &'c FastMap<(usize, usize), Condition>,
    row_counts: &'c FastMap<(usize, usize), Condition>,
    texts: &'c FastMap<(usize, usize), model::Text>,
}

/// One audience's instrument.
pub(super) struct Assembled<'a> {
    sections: Vec<model::Section>,
    /// Where each of its questions is in the spec (section, item), in order.
    origins: Vec<(usize, usize)>,
    /// Texts it needed that were not resolved (with their items' places), each standing in
    /// as empty text: none, unless the texts' walk missed one.
    missing: Vec<(&'a spec::Text, usize)>,
}

/// A section's items being assembled, with the rosters open around the current one: each
/// roster's items go into it, and it goes into what holds it once its last item is in.
struct Rosters {
    section: Vec<model::Item>,
    open: Vec<model::Roster>,
}

impl Rosters {
    fn new(n: usize) -> Self {
        Rosters {
            section: Vec::with_capacity(n),
            open: Vec::new(),
        }
    }

    /// Closes the open rosters until the innermost is `holder` (the item's roster; `None`
    /// for the section's own level). False when `holder` is not open: the item is in a
    /// roster this audience is not asked.
    fn enter(&mut self, holder: Option<&str>) -> bool {
        if let Some(h) = holder
            && !self.open.iter().any(|r| r.id == h)
        {
            return false;
        }
        while self.open.last().is_some_and(|r| Some(r.id.as_str()) != holder) {
            self.close();
        }
        true
    }

    /// The condition of the innermost open roster, which its items' include.
    fn condition(&self) -> Option<Condition> {
        self.open.last().and_then(|r| r.condition.clone())
    }

    fn push(&mut self, item: model::Item) {
        match self.open.last_mut() {
            Some(r) => r.items.push(item),
            None => self.section.push(item),
        }
    }

    fn open(&mut self, roster: model::Roster) {
        self.open.push(roster);
    }

    fn close(&mut self) {
        if let Some(done) = self.open.pop() {
            self.push(model::Item::Roster(Box::new(done)));
        }
    }

    fn close_all(mut self) -> Vec<model::Item> {
        while !self.open.is_empty() {
            self.close();
        }
        self.section
    }
}

/// Whether a choice is offered to an audience.
fn offered(c: &spec::Choice, audience: &str) -> bool {
    c.audiences
        .as_ref()
        .is_none_or(|a| a.iter().any(|x| x.value == audience))
}

/// Whether an item is a question this audience is asked: its symbol is the question, at its
/// own place (a duplicate id has been reported, and is left out).
fn is_asked(symbol: Option<&Arc<Symbol>>, pos: usize) -> bool {
    symbol.is_some_and(|s| matches!(s.kind, SymbolKind::Question) && s.order == pos)
}

/// The items of a section an audience is shown, with their indexes and positions: what
/// both walks visit (`row` is the section's placements).
fn shown<'s, 'a: 's>(
    row: &'s [Placement],
    section: &'a spec::Section,
    audience: &'s str,
) -> impl Iterator<Item = (usize, usize, spec::Placed<'a>)> + 's {
    section.flat().into_iter().enumerate().filter_map(move |(ii, placed)| {
        let (aud, pos) = &row[ii];
        aud.iter().any(|a| a == audience).then_some((ii, *pos, placed))
    })
}

impl<'a> Build<'_, 'a> {
    /// Resolves every text of one audience's instrument, item by item as [`Assembly`]
    /// walks it.
    pub(super) fn instrument_texts(&mut self, audience: &str) {
        let spec = self.spec;
        for (si, section) in spec.sections.iter().enumerate() {
            if !self.declared.section_audiences[si].iter().any(|a| a == audience) {
                continue;
            }
            let first_pos = self.declared.placements[si].first().map(|p| p.1).unwrap_or(0);
            // The row's own copy (its audiences shared): resolving texts needs the checker.
            let row = self.declared.placements[si].clone();
            for (ii, pos, placed) in shown(&row, section, audience) {
                self.scope = placed.roster.map(|r| r.id.value.clone());
                match placed.item {
                    Item::Question(q) => {
                        if !is_asked(self.declared.symbols.get(&q.id.value), pos) {
                            continue;
                        }
                        self.text(&q.text, audience, pos);
                        if let Some(&l) = self.declared.question_lists.get(&q.id.value) {
                            let choices = self.declared.lists[l].choices;
                            for c in choices.iter().filter(|c| offered(c, audience)) {
                                self.text(&c.label, audience, pos);
                            }
                        }
                        for r in &q.rows {
                            self.text(&r.label, audience, pos);
                        }
                        let checks = self.typed.validations.get(&(si, ii)).map_or(0, Vec::len);
                        for v in q.validate.0.iter().take(checks) {
                            self.text(&v.message, audience, pos);
                        }
                        for t in [&q.hint, &q.ask_if_text, &q.unit].into_iter().flatten() {
                            self.text(t, audience, pos);
                        }
                        for p in &q.probes {
                            self.text(p, audience, pos);
                        }
                        if let Some(t) = &q.interviewer {
                            self.text(t, audience, pos);
                        }
                    }
                    Item::Note(n) => {
                        if let Some(t) = &n.title {
                            self.text(t, audience, pos);
                        }
                        self.text(&n.text, audience, pos);
                    }
                    Item::Definitions(d) => {
                        if let Some(t) = &d.title {
                            self.text(t, audience, pos);
                        }
                        for t in &d.terms {
                            self.text(&t.term, audience, pos);
                            self.text(&t.definition, audience, pos);
                        }
                    }
                    Item::Screen(s) => {
                        if self.typed.screens.contains_key(&(si, ii)) {
                            self.text(&s.message, audience, pos);
                        }
                    }
                    Item::Roster(r) => {
                        self.text(&r.title, audience, pos);
                        if let Some(t) = &r.intro {
                            self.text(t, audience, pos);
                        }
                    }
                }
            }
            self.scope = None;
            self.text(&section.title, audience, first_pos);
            if let Some(t) = &section.intro {
                self.text(t, audience, first_pos);
            }
        }
    }

    /// The checker's tables, for assembling instruments.
    pub(super) fn assembly(&self) -> Assembly<'_, 'a> {
        Assembly {
            spec: self.spec,
            lists: &self.declared.lists,
            question_lists: &self.declared.question_lists,
            symbols: &self.declared.symbols,
            placements: &self.declared.placements,
            section_audiences: &self.declared.section_audiences,
            conditions: &self.typed.conditions,
            section_conditions: &self.typed.section_conditions,
            validations: &self.typed.validations,
            screens: &self.typed.screens,
            row_counts: &self.typed.row_counts,
            texts: &self.resolved.texts,
        }
    }

    /// Every audience's instrument (in the order of `audiences`), each assembled on a thread
    /// of its own once the texts are resolved.
    pub(super) fn instruments(&mut self, audiences: &[String]) -> Vec<(model::Instrument, Vec<(usize, usize)>)> {
        for audience in audiences {
            self.instrument_texts(audience);
        }
        let assembled: Vec<Assembled<'a>> = {
            let assembly = self.assembly();
            let assembly = &assembly;
            std::thread::scope(|s| {
                let others: Vec<_> = audiences
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(ai, audience)| s.spawn(move || assembly.instrument(ai, audience)))
                    .collect();
                let mut all = Vec::with_capacity(audiences.len());
                if let Some(first) = audiences.first() {
                    all.push(assembly.instrument(0, first));
                }
                for other in others {
                    // Assembly looks up what the checks made; a panic there is a bug, passed on.
                    all.push(other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                }
                all
            })
        };
        let mut out = Vec::with_capacity(audiences.len());
        for ((ai, audience), mut done) in audiences.iter().enumerate().zip(assembled) {
            debug_assert!(
                done.missing.is_empty(),
                "{} texts not resolved before assembly",
                done.missing.len()
            );
            if !done.missing.is_empty() {
                // Only if the walk above and the assembly part ways: resolve what is
                // missing, and assemble that instrument again.
                for (t, pos) in std::mem::take(&mut done.missing) {
                    self.text(t, audience, pos);
                }
                done = self.assembly().instrument(ai, audience);
            }
            out.push((
                model::Instrument {
                    audience: audience.clone(),
                    sections: done.sections,
                },
                done.origins,
            ));
        }
        out
    }
}

impl<'a> Assembly<'_, 'a> {
    /// A text resolved for this audience; when it was not, a placeholder, and `missing` told.
    fn text(
        &self,
        t: &'a spec::Text,
        ai: usize,
        pos: usize,
        missing: &mut Vec<(&'a spec::Text, usize)>,
    ) -> model::Text {
        let key = std::ptr::from_ref(t) as usize;
        match self
            .texts
            .get(&(key, EVERY_AUDIENCE))
            .or_else(|| self.texts.get(&(key, ai)))
        {
            Some(done) => done.clone(),
            None => {
                missing.push((t, pos));
                model::Text::literal("")
            }
        }
    }

    /// One audience's instrument.
    pub(super) fn instrument(&self, ai: usize, audience: &str) -> Assembled<'a> {
        let spec = self.spec;
        let mut missing = Vec::new();
        // Each choice list's options as this audience is offered them, made once and shared
        // by every question asked from the list.
        let mut shared: Vec<Option<Arc<[model::AskedChoice]>>> = vec![None; self.lists.len()];
        let mut origins = Vec::new();
        let mut sections = Vec::with_capacity(spec.sections.len());
        for (si, section) in spec.sections.iter().enumerate() {
            if !self.section_audiences[si].iter().any(|a| a == audience) {
                continue;
            }
            let first_pos = self.placements[si].first().map(|p| p.1).unwrap_or(0);
            let section_condition = self.section_conditions.get(&(si, ai)).cloned();
            let mut items = Rosters::new(section.items.len());
            for (ii, pos, placed) in shown(&self.placements[si], section, audience) {
                // Close the rosters this item is not in; an item of a roster this audience
                // is not asked is not asked either.
                if !items.enter(placed.roster.map(|r| r.id.value.as_str())) {
                    continue;
                }
                let item = placed.item;
                let own = self.conditions.get(&(si, ii, ai)).cloned();
                let section_condition = items.condition().or(section_condition.clone());
                match item {
                    Item::Question(q) => {
                        let sym = self.symbols.get(&q.id.value);
                        let Some(sym) = sym.filter(|s| is_asked(Some(s), pos)) else {
                            continue;
                        };
                        let built = self.asked(
                            q,
                            audience,
                            ai,
                            pos,
                            sym,
                            section_condition.as_ref(),
                            own,
                            (si, ii),
                            &mut shared,
                            &mut missing,
                        );
                        origins.push((si, ii));
                        items.push(model::Item::Question(built));
                    }
                    Item::Note(n) => {
                        let title = n.title.as_ref().map(|t| self.text(t, ai, pos, &mut missing));
                        let text = self.text(&n.text, ai, pos, &mut missing);
                        items.push(model::Item::Note {
                            id: n.id.as_ref().map(|i| i.value.clone()),
                            title,
                            text,
                            condition: Condition::and(section_condition.as_ref(), own.as_ref()),
                            ask_if: own,
                            screens: Vec::new(),
                        });
                    }
                    Item::Definitions(d) => {
                        let title = d.title.as_ref().map(|t| self.text(t, ai, pos, &mut missing));
                        let terms = d
                            .terms
                            .iter()
                            .map(|t| model::Definition {
                                term: self.text(&t.term, ai, pos, &mut missing),
                                definition: self.text(&t.definition, ai, pos, &mut missing),
                            })
                            .collect();
                        items.push(model::Item::Definitions {
                            id: d.id.as_ref().map(|i| i.value.clone()),
                            title,
                            terms,
                            condition: Condition::and(section_condition.as_ref(), own.as_ref()),
                            ask_if: own,
                            screens: Vec::new(),
                        });
                    }
                    Item::Screen(s) => {
                        let Some(end_if) = self.screens.get(&(si, ii)).cloned() else {
                            continue;
                        };
                        let condition =
                            Condition::and(section_condition.as_ref(), Some(&end_if)).unwrap_or(end_if.clone());
                        let message = self.text(&s.message, ai, pos, &mut missing);
                        let id =
                            s.id.as_ref()
                                .map(|i| i.value.clone())
                                .unwrap_or_else(|| format!("screen_{}_{}", section.id.value, ii + 1));
                        items.push(model::Item::Screen {
                            id,
                            condition,
                            end_if,
                            message,
                            screens: Vec::new(),
                        });
                    }
                    Item::Roster(r) => {
                        let roster = model::Roster {
                            id: r.id.value.clone(),
                            title: self.text(&r.title, ai, pos, &mut missing),
                            intro: r.intro.as_ref().map(|t| self.text(t, ai, pos, &mut missing)),
                            rows: self.rows_of(r, (si, ii)),
                            min_rows: r.min_rows.as_ref().map_or(0, |m| u32::try_from(m.value).unwrap_or(0)),
                            max_rows: r
                                .max_rows
                                .as_ref()
                                .map_or(super::DEFAULT_MAX_ROWS as u32, |m| u32::try_from(m.value).unwrap_or(0)),
                            row_label: r.row_label.as_ref().map(|l| l.value.clone()),
                            condition: Condition::and(section_condition.as_ref(), own.as_ref()),
                            ask_if: own,
                            items: Vec::new(),
                            screens: Vec::new(),
                        };
                        items.open(roster);
                    }
                }
            }
            let items = items.close_all();
            let title = self.text(&section.title, ai, first_pos, &mut missing);
            let intro = section
                .intro
                .as_ref()
                .map(|t| self.text(t, ai, first_pos, &mut missing));
            sections.push(model::Section {
                id: section.id.value.clone(),
                title,
                intro,
                condition: section_condition,
                items,
            });
        }
        Assembled {
            sections,
            origins,
            missing,
        }
    }

    /// Where a roster's rows come from, as the model holds it.
    fn rows_of(&self, r: &spec::Roster, at: (usize, usize)) -> model::Rows {
        match &r.rows.value {
            spec::Rows::Count { .. } => match self.row_counts.get(&at) {
                Some(count) => model::Rows::Count { count: count.clone() },
                // Not type-checked (already reported): no model is handed on.
                None => model::Rows::Open,
            },
            spec::Rows::ForEach { for_each } if self.symbols.contains_key(&for_each.value) => model::Rows::Question {
                question: for_each.value.clone(),
            },
            spec::Rows::ForEach { for_each } => model::Rows::List {
                list: for_each.value.clone(),
            },
            spec::Rows::Open(_) => model::Rows::Open,
        }
    }

    /// A question as one audience is asked it.
    #[allow(clippy::too_many_arguments)]
    fn asked(
        &self,
        q: &'a spec::Question,
        audience: &str,
        ai: usize,
        pos: usize,
        sym: &Symbol,
        section: Option<&Condition>,
        own: Option<Condition>,
        at: (usize, usize),
        shared: &mut [Option<Arc<[model::AskedChoice]>>],
        missing: &mut Vec<(&'a spec::Text, usize)>,
    ) -> model::Question {
        let mut text_of = |t: &'a spec::Text| self.text(t, ai, pos, missing);
        let number = sym.numbers.get(ai).unwrap_or_default();
        let text = text_of(&q.text);
        let label = match &q.label {
            Some(l) => l.value.clone(),
            None => match &text.segments[..] {
                [model::Segment::Literal { text }] => short_label(text),
                _ => short_label(&text.plain()),
            },
        };
        let list = self.question_lists.get(&q.id.value).copied();
        let options = match list {
            None => Arc::default(),
            Some(l) => shared[l]
                .get_or_insert_with(|| {
                    let choices = &self.lists[l].choices;
                    // Sized for the whole list: a filtered collect would grow it by doubling.
                    let mut options = Vec::with_capacity(choices.len());
                    options.extend(
                        choices
                            .iter()
                            .filter(|c| offered(c, audience))
                            .map(|c| model::AskedChoice {
                                code: c.code.value,
                                value: c.value.value.clone(),
                                label: text_of(&c.label),
                                exclusive: c.exclusive.as_ref().is_some_and(|e| e.value),
                                other: c.other.as_ref().is_some_and(|e| e.value),
                                nonsubstantive: c.nonsubstantive.as_ref().map(|n| n.value),
                                score: c.score.as_ref().map(|s| s.value),
                                next: None,
                            }),
                    );
                    options.into()
                })
                .clone(),
        };
        let rows = q
            .rows
            .iter()
            .map(|r| model::Row {
                id: r.id.value.clone(),
                variable: format!("{}_{}", q.id.value, r.id.value),
                label: text_of(&r.label),
                number: r.number.as_ref().map(|n| n.value.clone()),
            })
            .collect();
        let checks = self.validations.get(&at).cloned().unwrap_or_default();
        let validations = q
            .validate
            .0
            .iter()
            .zip(checks)
            .map(|(v, check)| model::Validation {
                check,
                message: text_of(&v.message),
                severity: v.severity.as_ref().map(|s| s.value).unwrap_or_default(),
            })
            .collect();
        let to_u32 = |v: &Option<Sp<i64>>| v.as_ref().and_then(|x| u32::try_from(x.value).ok());
        model::Question {
            id: q.id.value.clone(),
            number,
            kind: q.kind.value,
            hint: q.hint.as_ref().map(&mut text_of),
            text,
            label,
            required: q.required.as_ref().is_some_and(|r| r.value),
            condition: Condition::and(section, own.as_ref()),
            ask_if: own,
            ask_if_text: q.ask_if_text.as_ref().map(&mut text_of),
            screens: Vec::new(),
            choice_list: list.map(|l| self.lists[l].id.clone()),
            options,
            min_selected: to_u32(&q.min_selected),
            max_selected: to_u32(&q.max_selected),
            min: q.min.as_ref().map(|m| m.value),
            max: q.max.as_ref().map(|m| m.value),
            decimals: to_u32(&q.decimals),
            max_length: to_u32(&q.max_length),
            unit: q.unit.as_ref().map(&mut text_of),
            rows,
            validations,
            probes: q.probes.iter().map(&mut text_of).collect(),
            interviewer: q.interviewer.as_ref().map(&mut text_of),
            line: sym.line,
            row_choices: match &q.choices {
                Some(spec::ChoiceSource::Rows(rc)) => Some(rc.rows.value.clone()),
                _ => None,
            },
        }
    }
}
