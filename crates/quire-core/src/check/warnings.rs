//! The last pass: what is worth saying once the model is built and has no errors. Choice
//! lists no question uses, questions no answers lead to and screening rules no answers
//! trigger (from the routing proof, [`crate::reach::never_asked`]), and texts without a
//! translation.

use std::collections::BTreeSet;

use super::resolve::Build;
use super::symbols::Declared;
use super::*;

/// The warnings worth reading once the model is built with no error: what the routing
/// proof found never asked (`never`: instrument, then section, item and the item within
/// each roster on the way), then the choice lists no
/// question uses.
pub(super) fn warn<'a>(
    cx: &mut Cx<'a>,
    declared: &Declared<'a>,
    model: &Questionnaire,
    never: Vec<(usize, Vec<usize>)>,
) {
    let mut pass = Warnings { cx, declared };
    pass.never_asked(model, never);
    pass.unused_lists();
}

/// The last pass at work: the context, and the names the spec declares.
struct Warnings<'c, 'a> {
    cx: &'c mut Cx<'a>,
    declared: &'c Declared<'a>,
}

reads_context!(Warnings);

impl Build<'_, '_> {
    /// Each text without a translation is an error; with `--allow-missing-translations`,
    /// one warning per language says how many stand in the source language.
    pub(super) fn report_missing_translations(&mut self) {
        let missing = std::mem::take(&mut self.resolved.missing_translations);
        for (lang, mut spans) in missing {
            spans.sort_by_key(|s| (s.source, s.start()));
            let help = format!(
                "translate it inline (`{{ {}: …, {lang}: … }}`) or in the `{lang}` PO file: `quire translations export SPEC --to {lang} -o {lang}.po`",
                self.declared.languages[0]
            );
            if self.allow_missing_translations {
                let n = spans.len();
                self.push(
                    Diagnostic::warning(
                        "missing-translation",
                        format!(
                            "{n} text{} no `{lang}` translation; the source text stands in",
                            if n == 1 { " has" } else { "s have" }
                        ),
                    )
                    .at(spans[0], "the first")
                    .help(help),
                );
                continue;
            }
            for span in spans {
                let words: String = self.slice(span).chars().take(60).collect();
                self.push(
                    Diagnostic::error(
                        "missing-translation",
                        format!("no `{lang}` translation of “{}”", words.trim()),
                    )
                    .at(span, format!("needs `{lang}`"))
                    .help(format!("{help}; or build with `--allow-missing-translations`")),
                );
            }
        }
    }
}

impl Warnings<'_, '_> {
    fn unused_lists(&mut self) {
        let unused: Vec<(String, Span)> = self
            .declared
            .lists
            .iter()
            .filter(|l| l.named && !l.used)
            .map(|l| (l.id.clone(), l.span))
            .collect();
        for (id, span) in unused {
            self.push(
                Diagnostic::warning("unused-choices", format!("choice list `{id}` is never used"))
                    .at(span, "not used by any question")
                    .help("use it with `choices: …`, or remove it"),
            );
        }
    }

    /// Warns about questions that no answers could ever lead to, per audience.
    /// Warns of what [`crate::reach::never_asked`] proved: questions whose condition no
    /// answers meet, and screening rules that no answers trigger.
    fn never_asked(&mut self, model: &Questionnaire, never: Vec<(usize, Vec<usize>)>) {
        let mut warned = BTreeSet::new();
        for (i, place) in never {
            let instrument = &model.instruments[i];
            // The section, the item, then the item within each roster on the way.
            let Some((s, rest)) = place.split_first() else { continue };
            let mut items = instrument.sections[*s].items.as_slice();
            let mut found = None;
            for it in rest {
                let item = &items[*it];
                if let model::Item::Roster(r) = item {
                    items = &r.items;
                }
                found = Some(item);
            }
            let Some(item) = found else { continue };
            // A screening rule whose condition no answer can meet (`end_if: age < 16`
            // on a question with `min: 16`) never ends the survey: a range or a value
            // is wrong, and the screen screens no one.
            if let model::Item::Screen { id, end_if, .. } = item {
                if warned.insert((id.clone(), instrument.audience.clone())) {
                    // The screen's `end_if` in the spec (screens are not questions).
                    let span = self
                        .spec
                        .sections
                        .iter()
                        .flat_map(|s| &s.items)
                        .find_map(|it| match it {
                            spec::Item::Screen(s) if s.id.as_ref().is_some_and(|i| &i.value == id) => {
                                Some(s.end_if.span)
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    self.push(
                        Diagnostic::warning("never-screens", format!("screening rule `{id}` can never end the survey: no answer meets its condition"))
                            .at(span, format!("end_if: {}", end_if.source))
                            .help("check the condition against the questions' ranges (`min`, `max`) and values; a screen that screens no one is a mistake in one of them"),
                    );
                }
                continue;
            }
            let (id, cond) = match item {
                model::Item::Question(q) => (&q.id, q.condition.as_ref()),
                model::Item::Roster(r) => (&r.id, r.condition.as_ref()),
                _ => continue,
            };
            // A row's question never asked may be so for its roster's condition: the
            // roster's own is then shown.
            let Some(cond) = cond else { continue };
            if warned.insert((id.clone(), instrument.audience.clone())) {
                let span = self.declared.symbols.get(id).map(|s| s.span).unwrap_or_default();
                let who = match model.audiences.as_slice() {
                    [_] => String::new(),
                    all => {
                        let label = all
                            .iter()
                            .find(|a| a.id == instrument.audience)
                            .map(|a| a.label.as_str())
                            .unwrap_or("");
                        format!(" of {} ({label})", instrument.audience)
                    }
                };
                self.push(
                    Diagnostic::warning("never-asked", format!("`{id}` is never asked{who}: its condition can never hold"))
                        .at(span, format!("condition: {}", cond.source))
                        .help("no combination of earlier answers makes the condition true; check the values and the `and`/`or`"),
                );
            }
        }
    }
}
