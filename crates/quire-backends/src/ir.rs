//! The resolved model as JSON for other tools: `quire.ir.json`, format `quire-ir/4`.
//!
//! The model holds one instrument per audience, and most of what they hold is the same for
//! every audience; a harmonised variable repeats its question's wording, number and routing.
//! The file says each thing once, by these rules (docs/spec.md, "The resolved model"):
//!
//! - a field that is null, false, an empty list or an empty mapping is left out;
//! - a text that is one literal run, with no translations, is a plain string;
//! - a list of wordings that is one wording for all the audiences of the object holding it
//!   is that wording's text;
//! - every condition is written once, in `conditions`, and referred to by its index;
//! - every question is written once, in `questions`, as the first audience that has it sees
//!   it; an instrument's item names it by `id` and gives only the fields that differ for its
//!   audience (null for one that this audience does not have);
//! - a question's `options` are left out when they are its choice list's options for the
//!   audience (label in the audience's wording); their `next` targets are then `next`, a
//!   mapping from option value to target;
//! - a variable's `kind`, `section`, `choice_list`, `line`, `numbers`, `wording` and
//!   `universe` are left out when they are its question's, as each audience sees it;
//! - a roster holds its items, written by these rules (its questions once in `questions`).
//!
//! Nothing is dropped that cannot be derived back: the writer leaves a field out only after
//! checking that the rule gives it back exactly, and `tests/tools/quire_ir.py` (an outside
//! reader) expands the file into the model's full form, which the suite compares with the
//! model for every spec it has.

mod compact;

use std::collections::{BTreeMap, HashMap};

use quire_core::model::{Item, Question, QuestionType, Questionnaire, Section, Universe, Variable, Wording};
use serde_json::value::RawValue;

use std::cell::RefCell;

use crate::conditions::Conditions;

/// The IR's format tag (`quire-ir/4`).
pub const FORMAT: &str = quire_core::model::IR_FORMAT;

/// `quire.ir.json`: one top-level field a line, and one list entry a line for the long lists.
pub fn render(model: &Questionnaire) -> Vec<u8> {
    let w = Writer::default();
    let mut out = body(&w, model);
    let conditions = w.conditions.into_inner().into_list();
    lines(&mut out, "conditions", &conditions);
    // The last field: no comma after it.
    out.truncate(out.len() - ",\n".len());
    out.push_str("\n}\n");
    out.into_bytes()
}

/// The IR as it is written: every condition met is numbered in its one table.
#[derive(Default)]
struct Writer {
    conditions: RefCell<Conditions>,
}

impl Writer {
    /// `value` as compact JSON by the IR's rules, its conditions by number.
    fn json<T: serde::Serialize + ?Sized>(&self, value: &T) -> String {
        compact::to_json(value, &self.conditions)
    }
}

/// A question as one audience has it, and the section it is in.
struct Seen<'m> {
    section: &'m str,
    question: &'m Question,
}

/// The questions written so far: each once in `questions`, by id in the instruments.
struct Written<'m> {
    questions: Vec<String>,
    shared: HashMap<&'m str, String>,
    seen: HashMap<(&'m str, &'m str), Seen<'m>>,
}

impl<'m> Written<'m> {
    /// A section's (or a roster's) items as one audience has them; a roster's own items
    /// inside it, written by the same rules.
    fn items(
        &mut self,
        w: &Writer,
        model: &'m Questionnaire,
        items: &'m [Item],
        section: &'m str,
        audience: &'m str,
    ) -> Vec<String> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let q = match item {
                Item::Question(q) => q,
                Item::Roster(r) => {
                    let inner = self.items(w, model, &r.items, section, audience);
                    // The roster without its items (written above), not cloned with them.
                    let head = w.json(&Item::Roster(Box::new(quire_core::model::Roster {
                        items: Vec::new(),
                        ..(**r).clone()
                    })));
                    let head = head.strip_suffix('}').unwrap_or(&head);
                    out.push(format!("{head},\"items\":[{}]}}", inner.join(",")));
                    continue;
                }
                _ => {
                    out.push(w.json(item));
                    continue;
                }
            };
            self.seen
                .insert((q.id.as_str(), audience), Seen { section, question: q });
            let json = question_json(w, model, q, audience);
            out.push(match self.shared.get(q.id.as_str()) {
                // The same as the first audience's (most questions): its id alone.
                Some(base) if *base == json => w.json(&q.id),
                Some(base) => difference(w, base, &json),
                None => {
                    // In `questions`, every entry is a question: `"item"` goes without saying.
                    self.questions.push(match json.strip_prefix("{\"item\":\"question\",") {
                        Some(rest) => format!("{{{rest}"),
                        None => json.clone(),
                    });
                    self.shared.insert(&q.id, json);
                    w.json(&q.id)
                }
            });
        }
        out
    }
}

/// Everything but the conditions, which come last: their numbers are known once the rest
/// is written.
fn body(w: &Writer, model: &Questionnaire) -> String {
    let mut written = Written {
        questions: Vec::new(),
        shared: HashMap::new(),
        seen: HashMap::new(),
    };
    let mut instruments: Vec<String> = Vec::new();
    for inst in &model.instruments {
        let audience = inst.audience.as_str();
        let mut sections = Vec::new();
        for s in &inst.sections {
            let items = written.items(w, model, &s.items, &s.id, audience);
            // The section without its items (written above), not cloned with them.
            let head = w.json(&Section {
                id: s.id.clone(),
                title: s.title.clone(),
                intro: s.intro.clone(),
                condition: s.condition.clone(),
                items: Vec::new(),
            });
            let head = head.strip_suffix('}').unwrap_or(&head);
            let comma = if head.len() > 1 { "," } else { "" };
            sections.push(format!("{head}{comma}\"items\":[{}]}}", items.join(",")));
        }
        instruments.push(format!(
            "{{\"audience\":{},\"sections\":[{}]}}",
            w.json(audience),
            sections.join(",")
        ));
    }
    let Written { questions, seen, .. } = written;
    let order: Vec<&str> = model.instruments.iter().map(|i| i.audience.as_str()).collect();
    let variables: Vec<String> = model
        .variables
        .iter()
        .map(|v| variable_json(w, v, &seen, &order))
        .collect();

    // Written straight into the output: the lists are most of a large IR, and copying
    // them into one string per field, then into the output, was a tenth of a build.
    let size = questions
        .iter()
        .chain(&instruments)
        .chain(&variables)
        .map(|j| j.len() + 2)
        .sum::<usize>();
    let mut out = String::with_capacity(size + (1 << 16));
    out.push_str("{\n");
    let field = |out: &mut String, name: &str, json: &str| {
        out.push('"');
        out.push_str(name);
        out.push_str("\": ");
        out.push_str(json);
        out.push_str(",\n");
    };
    field(&mut out, "format", &w.json(FORMAT));
    field(&mut out, "survey", &w.json(&model.survey));
    field(&mut out, "content_hash", &w.json(&model.content_hash));
    field(&mut out, "languages", &w.json(&model.languages));
    if !model.ui.is_empty() {
        field(&mut out, "ui", &w.json(&model.ui));
    }
    field(&mut out, "audiences", &w.json(&model.audiences));
    lines(
        &mut out,
        "choice_lists",
        &model.choice_lists.iter().map(|x| w.json(x)).collect::<Vec<_>>(),
    );
    lines(
        &mut out,
        "derived",
        &model.derived.iter().map(|x| w.json(x)).collect::<Vec<_>>(),
    );
    lines(&mut out, "questions", &questions);
    lines(&mut out, "instruments", &instruments);
    lines(&mut out, "variables", &variables);
    out
}

/// A question item, its options left out when they are its choice list's for this audience
/// (their `next` targets then a mapping by option value).
fn question_json(w: &Writer, model: &Questionnaire, q: &Question, audience: &str) -> String {
    // A label that is the text's plain words is left out: written empty, it is the one
    // `,"label":""` at the question's own level (inside a JSON string those quotes would be
    // escaped), and is taken out.
    if q.label == q.text.plain() && !q.label.is_empty() {
        let json = question_json(
            w,
            model,
            &Question {
                label: String::new(),
                ..q.clone()
            },
            audience,
        );
        return json.replacen(",\"label\":\"\"", "", 1);
    }
    let list = q
        .choice_list
        .as_deref()
        .and_then(|id| model.choice_lists.iter().find(|l| l.id == id));
    let from_list = list.is_some_and(|list| {
        let mut offered = list
            .options
            .iter()
            .filter(|o| o.audiences.iter().any(|a| a == audience));
        q.options.iter().all(|asked| {
            offered.next().is_some_and(|o| {
                o.code == asked.code
                    && o.value == asked.value
                    && o.exclusive == asked.exclusive
                    && o.other == asked.other
                    && o.nonsubstantive == asked.nonsubstantive
                    && o.score == asked.score
                    && o.label
                        .iter()
                        .find(|w| w.audiences.iter().any(|a| a == audience))
                        .is_some_and(|w| w.text == asked.label)
            })
        }) && offered.next().is_none()
    });
    if !from_list || q.options.is_empty() {
        let json = w.json(&Item::Question(q.clone()));
        // No options at all, where the list offers some: said, or a reader would derive them.
        return if list.is_some() && q.options.is_empty() && !from_list {
            with_field(w, &json, "options", "[]")
        } else {
            json
        };
    }
    let json = w.json(&Item::Question(Question {
        options: Default::default(),
        ..q.clone()
    }));
    let next: BTreeMap<&str, _> = q
        .options
        .iter()
        .filter_map(|o| Some((o.value.as_str(), o.next.as_ref()?)))
        .collect();
    if next.is_empty() {
        return json;
    }
    with_field(w, &json, "next", &w.json(&next))
}

/// `json`, an object, with one more field.
fn with_field(w: &Writer, json: &str, key: &str, value: &str) -> String {
    let head = json.strip_suffix('}').unwrap_or(json);
    let comma = if head.len() > 1 { "," } else { "" };
    format!("{head}{comma}{}:{value}}}", w.json(key))
}

/// A struct's fields as written, borrowed from its JSON.
fn fields(json: &str) -> BTreeMap<&str, &RawValue> {
    serde_json::from_str(json).unwrap_or_default()
}

/// What `now` changes of `base`: `item` and `id`, each field that differs, and null for each
/// field `base` has and `now` has not.
fn difference(w: &Writer, base: &str, now: &str) -> String {
    let (b, n) = (fields(base), fields(now));
    let mut out: Vec<String> = Vec::new();
    for (k, v) in &n {
        if *k == "item" || *k == "id" || b.get(k).map(|x| x.get()) != Some(v.get()) {
            out.push(format!("{}:{}", w.json(k), v.get()));
        }
    }
    for k in b.keys() {
        if !n.contains_key(k) {
            out.push(format!("{}:null", w.json(k)));
        }
    }
    format!("{{{}}}", out.join(","))
}

/// A variable as the IR writes it: what it repeats of its question, as each of its audiences
/// has it, left out (`None`).
#[derive(serde::Serialize)]
struct VariableOut<'a> {
    name: &'a str,
    question: Option<&'a str>,
    kind: Option<&'a QuestionType>,
    label: Option<&'a str>,
    section: Option<&'a str>,
    audiences: Option<&'a [String]>,
    numbers: Option<&'a quire_core::model::ByAudience>,
    wording: Option<&'a [Wording]>,
    choice_list: Option<&'a Option<String>>,
    universe: Option<&'a [Universe]>,
    provenance: &'a Option<quire_core::model::Provenance>,
    line: Option<usize>,
    /// The roster whose rows it describes: always written (none for the respondent's own).
    unit: Option<&'a str>,
}

/// `order`: the instruments' audiences, in the IR's order.
fn variable_json(w: &Writer, var: &Variable, seen: &HashMap<(&str, &str), Seen>, order: &[&str]) -> String {
    let mut out = VariableOut {
        name: &var.name,
        // A question's own variable has its name.
        question: (var.question != var.name).then_some(var.question.as_str()),
        kind: Some(&var.kind),
        label: Some(&var.label),
        section: Some(&var.section),
        audiences: Some(&var.audiences),
        numbers: Some(&var.numbers),
        wording: Some(&var.wording),
        choice_list: Some(&var.choice_list),
        universe: Some(&var.universe),
        provenance: &var.provenance,
        line: Some(var.line),
        unit: var.unit.as_deref(),
    };
    // A field kept because it differs from the question's, but null or empty: written as
    // such, since an absent one would be read as the question's.
    let mut explicit: Vec<(&str, &str)> = Vec::new();
    // Its audiences: those whose instrument has its question, in the instruments' order.
    let asked_in = order
        .iter()
        .copied()
        .filter(|a| seen.contains_key(&(var.question.as_str(), *a)));
    if asked_in.eq(var.audiences.iter().map(String::as_str)) {
        out.audiences = None;
    } else if var.audiences.is_empty() {
        explicit.push(("audiences", "[]"));
    }
    let written = |out: &VariableOut, explicit: Vec<(&str, &str)>| {
        explicit
            .into_iter()
            .fold(w.json(out), |json, (k, v)| with_field(w, &json, k, v))
    };
    let Some(seen) = var
        .audiences
        .iter()
        .map(|a| seen.get(&(var.question.as_str(), a.as_str())))
        .collect::<Option<Vec<&Seen>>>()
        .filter(|s| !s.is_empty())
    else {
        return written(&out, explicit);
    };
    let first = seen[0].question;
    if first.kind == var.kind {
        out.kind = None;
    }
    let row = first.rows.iter().find(|r| r.variable == var.name);
    let label = match row {
        Some(r) => format!("{}: {}", first.label, r.label.plain()),
        None => first.label.clone(),
    };
    if label == var.label {
        out.label = None;
    }
    if seen[0].section == var.section {
        out.section = None;
    }
    if first.choice_list == var.choice_list {
        out.choice_list = None;
    } else if var.choice_list.is_none() {
        explicit.push(("choice_list", "null"));
    }
    if first.line == var.line {
        out.line = None;
    }
    let numbers_match = var.numbers.len() == seen.len()
        && var
            .audiences
            .iter()
            .zip(&seen)
            .all(|(a, s)| var.numbers.get(a) == Some(&s.question.number));
    if numbers_match {
        out.numbers = None;
    } else if var.numbers.is_empty() {
        explicit.push(("numbers", "{}"));
    }
    // The wording and universe, grouped by audience in the variable's order.
    let mut wording: Vec<Wording> = Vec::new();
    let mut universe: Vec<Universe> = Vec::new();
    for (a, s) in var.audiences.iter().zip(&seen) {
        match wording.iter_mut().find(|w| w.text == s.question.text) {
            Some(w) => w.audiences.push(a.clone()),
            None => wording.push(Wording {
                audiences: vec![a.clone()],
                text: s.question.text.clone(),
            }),
        }
        // Grouped as the routing analysis groups them: the universe a reader derives.
        let q = s.question;
        match universe.iter_mut().find(|u| u.admits(q.condition.as_ref(), &q.screens)) {
            Some(u) => u.audiences.push(a.clone()),
            None => universe.push(Universe {
                audiences: vec![a.clone()],
                condition: q.condition.clone(),
                screens: q.screens.clone(),
            }),
        }
    }
    if wording == var.wording {
        out.wording = None;
    } else if var.wording.is_empty() {
        explicit.push(("wording", "[]"));
    }
    let universe_match = universe.len() == var.universe.len()
        && universe.iter().zip(&var.universe).all(|(derived, u)| {
            u.audiences == derived.audiences && u.admits(derived.condition.as_ref(), &derived.screens)
        });
    if universe_match {
        out.universe = None;
    } else if var.universe.is_empty() {
        explicit.push(("universe", "[]"));
    }
    written(&out, explicit)
}

/// `"name": [` the items, one a line `]`, onto `out`, as the IR's fields end (`,` and a
/// line break).
fn lines(out: &mut String, name: &str, items: &[String]) {
    out.push('"');
    out.push_str(name);
    out.push_str("\": ");
    if items.is_empty() {
        out.push_str("[],\n");
        return;
    }
    out.push_str("[\n");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(item);
    }
    out.push_str("\n],\n");
}
