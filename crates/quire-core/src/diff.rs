//! Two resolved models in, what changed between them out (`quire diff`): per audience,
//! questions added, removed, moved and renumbered; wording; options added, removed,
//! relabelled and recoded; routing (old and new condition in words); validation; derived
//! variables; sections and screening rules. Each change is classed for analysts:
//! **breaking** for data collected under both versions, **compatible**, or **cosmetic**.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{DerivedRule, Item, Question, Questionnaire, Severity};
use crate::words::Words;

/// How much a change matters to data collected before and after it (most first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Data collected before and after cannot be pooled as they are: a variable removed or
    /// retyped, a code given another meaning, a changed universe or derivation.
    Breaking,
    /// Data stay comparable: a new question or option with a new code, rewording, checks.
    Compatible,
    /// Nothing a respondent or analyst reads differently: numbering, hints, probes.
    Cosmetic,
}

/// One change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// How much it matters.
    pub impact: Impact,
    /// `question_added`, `question_removed`, `wording`, `option_added`, `routing`, …
    pub kind: &'static str,
    /// The variable, question, section or screening rule it is about.
    pub subject: String,
    /// Who sees it ("patients; parents and carers", or "all respondents").
    pub who: String,
    /// The audiences it concerns; empty for all.
    pub audiences: Vec<String>,
    /// The old value, in words, when it has one.
    pub before: Option<String>,
    /// The new value, in words, when it has one.
    pub after: Option<String>,
    /// The change in a sentence.
    pub summary: String,
}

/// The changes between two revisions of a spec.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// The old revision's version.
    pub old_version: String,
    /// The new revision's version.
    pub new_version: String,
    /// The old revision's content hash.
    pub old_hash: String,
    /// The new revision's content hash.
    pub new_hash: String,
    /// Every change, in questionnaire order.
    pub changes: Vec<Change>,
}

impl Diff {
    /// How much the biggest change matters; none when nothing changed.
    pub fn worst(&self) -> Option<Impact> {
        self.changes.iter().map(|c| c.impact).min()
    }
}

/// Every question of an audience, by id, with its section's id.
fn questions<'m>(m: &'m Questionnaire, audience: &str) -> BTreeMap<&'m str, (&'m str, &'m Question)> {
    let mut out = BTreeMap::new();
    for s in m.instrument(audience).iter().flat_map(|i| &i.sections) {
        for it in &s.items {
            if let Item::Question(q) = it {
                out.insert(q.id.as_str(), (s.id.as_str(), q));
            }
        }
    }
    out
}

fn screens<'m>(m: &'m Questionnaire, audience: &str) -> BTreeMap<&'m str, String> {
    let mut out = BTreeMap::new();
    for s in m.instrument(audience).iter().flat_map(|i| &i.sections) {
        for it in &s.items {
            if let Item::Screen { id, end_if, .. } = it {
                out.insert(id.as_str(), end_if.source.clone());
            }
        }
    }
    out
}

/// The differences from `old` to `new`. A change seen the same way by several audiences is
/// reported once, naming them all.
pub fn diff(old: &Questionnaire, new: &Questionnaire) -> Diff {
    let mut raw: Vec<(String, Change)> = Vec::new();
    let mut audiences: Vec<String> = old.audiences.iter().map(|a| a.id.clone()).collect();
    for a in &new.audiences {
        if !audiences.contains(&a.id) {
            audiences.push(a.id.clone());
        }
    }
    for a in &audiences {
        audience_changes(old, new, a, &mut raw);
    }
    section_changes(old, new, &mut raw);
    derived_changes(old, new, &mut raw);
    let mut changes = merged(old, new, raw);
    changes.sort_by_key(|c| c.impact);
    Diff {
        old_version: old.survey.version.clone(),
        new_version: new.survey.version.clone(),
        old_hash: old.content_hash.clone(),
        new_hash: new.content_hash.clone(),
        changes,
    }
}

/// A change as first found, for one audience (its `who` and `audiences` are filled in
/// when the audiences' findings are merged).
fn change(
    impact: Impact,
    kind: &'static str,
    subject: &str,
    before: Option<String>,
    after: Option<String>,
    summary: String,
) -> Change {
    Change {
        impact,
        kind,
        subject: subject.to_string(),
        who: String::new(),
        audiences: Vec::new(),
        before,
        after,
        summary,
    }
}

/// What changed in one audience's instrument: questions removed, added and changed, and
/// its screening rules.
fn audience_changes(old: &Questionnaire, new: &Questionnaire, a: &str, raw: &mut Vec<(String, Change)>) {
    let (qa, qb) = (questions(old, a), questions(new, a));
    let solo = [a.to_string()];
    let words_old = Words::new(old, &solo);
    let words_new = Words::new(new, &solo);
    for (id, (_, q)) in &qa {
        if !qb.contains_key(id) {
            raw.push((
                a.to_string(),
                change(
                    Impact::Breaking,
                    "question_removed",
                    id,
                    Some(q.text.plain()),
                    None,
                    format!("{} `{id}` removed: later data have no such variable", q.number),
                ),
            ));
        }
    }
    for (id, (sb, b)) in &qb {
        let Some((sa, qa_)) = qa.get(id) else {
            raw.push((
                a.to_string(),
                change(
                    Impact::Compatible,
                    "question_added",
                    id,
                    None,
                    Some(b.text.plain()),
                    format!("{} `{id}` added: earlier data have no such variable", b.number),
                ),
            ));
            continue;
        };
        question_changes(a, id, (sa, qa_), (sb, b), (&words_old, &words_new), raw);
    }
    let (sa, sb) = (screens(old, a), screens(new, a));
    for (id, c) in &sa {
        match sb.get(id) {
            None => raw.push((
                a.to_string(),
                change(
                    Impact::Breaking,
                    "screen_removed",
                    id,
                    Some(c.clone()),
                    None,
                    format!("screening rule `{id}` removed"),
                ),
            )),
            Some(n) if n != c => raw.push((
                a.to_string(),
                change(
                    Impact::Breaking,
                    "screen",
                    id,
                    Some(c.clone()),
                    Some(n.clone()),
                    format!("screening rule `{id}` changed: who is screened out differs"),
                ),
            )),
            _ => {}
        }
    }
    for (id, c) in &sb {
        if !sa.contains_key(id) {
            raw.push((
                a.to_string(),
                change(
                    Impact::Breaking,
                    "screen_added",
                    id,
                    None,
                    Some(c.clone()),
                    format!("screening rule `{id}` added"),
                ),
            ));
        }
    }
}

/// What changed in one question an audience is asked in both versions: its type, wording,
/// options, routing, checks and guidance. `(section, question)` in each version.
fn question_changes(
    a: &str,
    id: &str,
    (sa, qa_): (&str, &Question),
    (sb, b): (&str, &Question),
    (words_old, words_new): (&Words, &Words),
    raw: &mut Vec<(String, Change)>,
) {
    let q = qa_;
    if q.kind != b.kind {
        raw.push((
            a.to_string(),
            change(
                Impact::Breaking,
                "type",
                id,
                Some(q.kind.name().into()),
                Some(b.kind.name().into()),
                format!("`{id}` changed type from {} to {}", q.kind.name(), b.kind.name()),
            ),
        ));
    }
    if q.text.plain() != b.text.plain() {
        let (ta, tb) = (q.text.plain(), b.text.plain());
        let same_words = normalise(&ta) == normalise(&tb);
        raw.push((
            a.to_string(),
            change(
                if same_words {
                    Impact::Cosmetic
                } else {
                    Impact::Compatible
                },
                "wording",
                id,
                Some(ta),
                Some(tb),
                format!("{} `{id}` reworded", b.number),
            ),
        ));
    }
    if q.number != b.number {
        raw.push((
            a.to_string(),
            change(
                Impact::Cosmetic,
                "renumbered",
                id,
                Some(q.number.clone()),
                Some(b.number.clone()),
                format!("`{id}` renumbered from {} to {}", q.number, b.number),
            ),
        ));
    }
    if sa != sb {
        raw.push((
            a.to_string(),
            change(
                Impact::Cosmetic,
                "moved",
                id,
                Some(sa.to_string()),
                Some(sb.to_string()),
                format!("`{id}` moved from section `{sa}` to `{sb}`"),
            ),
        ));
    }
    // Routing: the universe condition in words, old and new.
    let (ca, cb) = (
        q.condition.as_ref().map(|c| c.source.clone()),
        b.condition.as_ref().map(|c| c.source.clone()),
    );
    if ca != cb || q.screens != b.screens {
        let say = |w: &Words, c: &Option<crate::model::Condition>| {
            c.as_ref().map(|c| w.condition(c)).unwrap_or_else(|| "everyone".into())
        };
        raw.push((
            a.to_string(),
            change(
                Impact::Breaking,
                "routing",
                id,
                Some(say(words_old, &q.condition)),
                Some(say(words_new, &b.condition)),
                format!("who is asked `{id}` changed: its universe, and so its Not applicable cells, differ"),
            ),
        ));
    }
    options(a, id, q, b, raw);
    checks_and_guidance(a, id, q, b, raw);
}

/// A question's limits, validation rules and guidance (hint, probes, interviewer
/// instruction), old against new.
fn checks_and_guidance(a: &str, id: &str, q: &Question, b: &Question, raw: &mut Vec<(String, Change)>) {
    let limits = |q: &Question| {
        let n = crate::expr::format_number;
        let mut parts: Vec<String> = Vec::new();
        parts.push(if q.required {
            "required".into()
        } else {
            "optional".into()
        });
        match (q.min, q.max) {
            (Some(a), Some(b)) => parts.push(format!("{} to {}", n(a), n(b))),
            (Some(a), None) => parts.push(format!("at least {}", n(a))),
            (None, Some(b)) => parts.push(format!("at most {}", n(b))),
            _ => {}
        }
        if let Some(d) = q.decimals {
            parts.push(format!("{d} decimals"));
        }
        if let Some(l) = q.max_length {
            parts.push(format!("up to {l} characters"));
        }
        if q.min_selected.is_some() || q.max_selected.is_some() {
            parts.push(format!(
                "{}–{} ticked",
                q.min_selected.unwrap_or(0),
                q.max_selected.map(|m| m.to_string()).unwrap_or_else(|| "any".into())
            ));
        }
        parts.join(", ")
    };
    if limits(q) != limits(b) {
        raw.push((
            a.to_string(),
            change(
                Impact::Compatible,
                "limits",
                id,
                Some(limits(q)),
                Some(limits(b)),
                format!("`{id}`: required, range or selection limits changed"),
            ),
        ));
    }
    let checks = |q: &Question| {
        let all: Vec<String> = q
            .validations
            .iter()
            .map(|v| {
                format!(
                    "{}{} (“{}”)",
                    if v.severity == Severity::Warning {
                        "soft check "
                    } else {
                        ""
                    },
                    v.check.source,
                    v.message.plain()
                )
            })
            .collect();
        if all.is_empty() {
            "none".to_string()
        } else {
            all.join("; ")
        }
    };
    if checks(q) != checks(b) {
        raw.push((
            a.to_string(),
            change(
                Impact::Compatible,
                "validation",
                id,
                Some(checks(q)),
                Some(checks(b)),
                format!("`{id}`: validation rules changed"),
            ),
        ));
    }
    let guidance: [(&str, &str, Guidance); 3] = [
        ("hint", "hint", |q| q.hint.as_ref().map(|h| h.plain())),
        ("probes", "think-aloud probes", |q| {
            (!q.probes.is_empty()).then(|| q.probes.iter().map(|p| p.plain()).collect::<Vec<_>>().join(" / "))
        }),
        ("interviewer", "interviewer instruction", |q| {
            q.interviewer.as_ref().map(|i| i.plain())
        }),
    ];
    for (kind, what, get) in guidance {
        if get(q) != get(b) {
            raw.push((
                a.to_string(),
                change(
                    Impact::Cosmetic,
                    kind,
                    id,
                    get(q),
                    get(b),
                    format!("`{id}`: {what} changed"),
                ),
            ));
        }
    }
}

/// Sections renamed, removed or added.
fn section_changes(old: &Questionnaire, new: &Questionnaire, raw: &mut Vec<(String, Change)>) {
    let sections = |m: &Questionnaire| -> BTreeMap<String, String> {
        m.instruments
            .iter()
            .flat_map(|i| &i.sections)
            .map(|s| (s.id.clone(), s.title.plain()))
            .collect()
    };
    let (xa, xb) = (sections(old), sections(new));
    for (id, t) in &xa {
        match xb.get(id) {
            None => raw.push((
                String::new(),
                change(
                    Impact::Compatible,
                    "section_removed",
                    id,
                    Some(t.clone()),
                    None,
                    format!("section `{id}` removed"),
                ),
            )),
            Some(n) if n != t => raw.push((
                String::new(),
                change(
                    Impact::Cosmetic,
                    "section_title",
                    id,
                    Some(t.clone()),
                    Some(n.clone()),
                    format!("section `{id}` retitled"),
                ),
            )),
            _ => {}
        }
    }
    for (id, t) in &xb {
        if !xa.contains_key(id) {
            raw.push((
                String::new(),
                change(
                    Impact::Compatible,
                    "section_added",
                    id,
                    None,
                    Some(t.clone()),
                    format!("section `{id}` added"),
                ),
            ));
        }
    }
}

/// Derived variables removed, added or computed differently.
fn derived_changes(old: &Questionnaire, new: &Questionnaire, raw: &mut Vec<(String, Change)>) {
    let rule = |d: &crate::model::Derived| match &d.rule {
        DerivedRule::Expr { expr } => expr.source.clone(),
        DerivedRule::Cases { cases, choice_list } => format!(
            "{choice_list}: {}",
            cases
                .iter()
                .map(|c| format!("{} when {}", c.value, c.when.source))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    for d in &old.derived {
        match new.derived(&d.id) {
            None => raw.push((
                String::new(),
                change(
                    Impact::Breaking,
                    "derived_removed",
                    &d.id,
                    Some(rule(d)),
                    None,
                    format!("derived variable `{}` removed", d.id),
                ),
            )),
            Some(n) if rule(n) != rule(d) => raw.push((
                String::new(),
                change(
                    Impact::Breaking,
                    "derived",
                    &d.id,
                    Some(rule(d)),
                    Some(rule(n)),
                    format!("derived variable `{}` computed differently", d.id),
                ),
            )),
            _ => {}
        }
    }
    for d in &new.derived {
        if old.derived(&d.id).is_none() {
            raw.push((
                String::new(),
                change(
                    Impact::Compatible,
                    "derived_added",
                    &d.id,
                    None,
                    Some(rule(d)),
                    format!("derived variable `{}` added", d.id),
                ),
            ));
        }
    }
}

/// One change seen alike by several audiences is one entry naming them.
fn merged(old: &Questionnaire, new: &Questionnaire, raw: Vec<(String, Change)>) -> Vec<Change> {
    let mut merged: Vec<(Vec<String>, Change)> = Vec::new();
    for (a, c) in raw {
        match merged
            .iter_mut()
            .find(|(_, m)| m.kind == c.kind && m.subject == c.subject && m.before == c.before && m.after == c.after)
        {
            Some((auds, _)) => {
                if !a.is_empty() && !auds.contains(&a) {
                    auds.push(a)
                }
            }
            None => merged.push((if a.is_empty() { Vec::new() } else { vec![a] }, c)),
        }
    }
    merged
        .into_iter()
        .map(|(auds, mut c)| {
            c.audiences = auds.clone();
            c.who = if auds.is_empty() || auds.len() == new.audiences.len().max(old.audiences.len()) {
                "all respondents".into()
            } else {
                let m = if auds.iter().all(|a| new.audiences.iter().any(|x| &x.id == a)) {
                    new
                } else {
                    old
                };
                Words::new(m, &auds).who()
            };
            c
        })
        .collect::<Vec<_>>()
}

/// Reads one kind of guidance (hint, probes, interviewer instruction) off a question.
type Guidance = fn(&Question) -> Option<String>;

/// Text compared for meaning: case, spacing and punctuation aside.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn options(a: &str, id: &str, q: &Question, b: &Question, raw: &mut Vec<(String, Change)>) {
    let mut push = |impact, kind, before: Option<String>, after: Option<String>, summary: String| {
        raw.push((
            a.to_string(),
            Change {
                impact,
                kind,
                subject: id.to_string(),
                who: String::new(),
                audiences: Vec::new(),
                before,
                after,
                summary,
            },
        ))
    };
    for o in q.options.iter() {
        match b.options.iter().find(|n| n.value == o.value) {
            None => {
                let reused = b.options.iter().find(|n| n.code == o.code);
                match reused {
                    Some(n) => push(
                        Impact::Breaking,
                        "code_reused",
                        Some(format!("{} = {} “{}”", o.code, o.value, o.label.plain())),
                        Some(format!("{} = {} “{}”", n.code, n.value, n.label.plain())),
                        format!(
                            "`{id}`: code {} now means “{}”, not “{}”",
                            o.code,
                            n.label.plain(),
                            o.label.plain()
                        ),
                    ),
                    None => push(
                        Impact::Breaking,
                        "option_removed",
                        Some(format!("{} “{}”", o.code, o.label.plain())),
                        None,
                        format!("`{id}`: option {} “{}” removed", o.code, o.label.plain()),
                    ),
                }
            }
            Some(n) if n.code != o.code => push(
                Impact::Breaking,
                "recoded",
                Some(format!("{} = {}", o.value, o.code)),
                Some(format!("{} = {}", n.value, n.code)),
                format!("`{id}`: “{}” recoded from {} to {}", o.label.plain(), o.code, n.code),
            ),
            Some(n) if n.label.plain() != o.label.plain() => push(
                Impact::Compatible,
                "relabelled",
                Some(o.label.plain()),
                Some(n.label.plain()),
                format!("`{id}`: option {} relabelled", o.code),
            ),
            _ => {}
        }
    }
    for n in b.options.iter() {
        if !q.options.iter().any(|o| o.value == n.value) && !q.options.iter().any(|o| o.code == n.code) {
            push(
                Impact::Compatible,
                "option_added",
                None,
                Some(format!("{} “{}”", n.code, n.label.plain())),
                format!("`{id}`: option {} “{}” added", n.code, n.label.plain()),
            );
        }
    }
}

/// Two questionnaires under one version number: data collected with each could not be told
/// apart by `spec_version` alone.
pub fn same_version(d: &Diff) -> Option<String> {
    (d.old_version == d.new_version && d.old_hash != d.new_hash).then(|| {
        format!(
            "the content changed but `survey.version` is {} in both; give the new one its own version so records tell them apart (`spec_hash` does too)",
            d.old_version
        )
    })
}

/// What changed at each question for one audience, in the words a changed edition prints
/// ("wording", "options", "routing", "checks", "guidance", "type", "new"): numbering and
/// moves are left out, as every later question would carry them.
pub fn marks(d: &Diff, audience: &str) -> BTreeMap<String, Vec<&'static str>> {
    let mut out: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for c in &d.changes {
        if !c.audiences.is_empty() && !c.audiences.iter().any(|a| a == audience) {
            continue;
        }
        let tag = match c.kind {
            "wording" => "wording",
            "option_added" | "option_removed" | "relabelled" | "recoded" | "code_reused" => "options",
            "routing" => "routing",
            "limits" | "validation" => "checks",
            "hint" | "probes" | "interviewer" => "guidance",
            "type" => "type",
            "question_added" => "new",
            _ => continue,
        };
        let tags = out.entry(c.subject.clone()).or_default();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    out
}
