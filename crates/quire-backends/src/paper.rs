//! The model in, paper questionnaires out, as Typst markup: the self-completion edition for
//! postal copies, the interviewer's telephone script, and the think-aloud protocol for
//! cognitive interviews. One document per audience and edition; `pdf` typesets them.
//!
//! Every text from the spec is written as a Typst string literal passed to the helpers in
//! `templates/paper.typ`, never as markup, so `#`, `*`, `$`, `[`, `@` or `<` stay literal.
//! Every condition appears on paper, worded by [`quire_core::words`]: a section's once at its head,
//! and each conditional question's, note's, definitions' and screening rule's with it; and
//! "→ Go to" beside options that skip ahead, exactly where the model's routing analysis says
//! ([`quire_core::model::Next`]; nothing about routing is worked out here).

use std::fmt::Write;

use super::{Error, Output, Outputs};
use quire_core::diff::Diff;
use quire_core::model::{Condition, Instrument, Item, Next, Question, QuestionType, Questionnaire, Text};
use quire_core::words::Words;

pub mod rosters;

/// A paper edition of the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// For respondents to fill in on their own (postal copies).
    SelfCompletion,
    /// A telephone or face-to-face script.
    Interviewer,
    /// A cognitive-interview protocol with probes and space for notes.
    ThinkAloud,
}

impl Edition {
    /// Every edition, in the order they are built.
    pub const ALL: [Edition; 3] = [Edition::SelfCompletion, Edition::Interviewer, Edition::ThinkAloud];

    /// The edition's name in file names and on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Edition::SelfCompletion => "self-completion",
            Edition::Interviewer => "interviewer",
            Edition::ThinkAloud => "think-aloud",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Edition::SelfCompletion => "Questionnaire",
            Edition::Interviewer => "Interviewer script",
            Edition::ThinkAloud => "Think-aloud protocol",
        }
    }
}

/// The page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// ISO A4 (210 × 297 mm).
    A4,
    /// US Letter (8.5 × 11 in).
    Letter,
}

/// Every edition for every audience: `<audience>-<edition>.typ`.
pub fn render(model: &Questionnaire, paper: Paper) -> Result<Outputs, Error> {
    render_with(model, paper, None)
}

/// [`render`], marking in the interviewer and think-aloud editions every question changed
/// since an earlier version (`quire build --changed-since OLD`).
pub fn render_with(model: &Questionnaire, paper: Paper, since: Option<&Diff>) -> Result<Outputs, Error> {
    let mut out = Vec::new();
    // Each language's editions: `<audience>-<edition>.typ` in the source language,
    // `<audience>-<edition>.<language>.typ` in each other.
    for (n, lang) in model.languages.iter().enumerate() {
        let translated;
        let (m, suffix) = if n == 0 {
            (model, String::new())
        } else {
            translated = model.in_language(lang);
            (&translated, format!(".{lang}"))
        };
        for i in &m.instruments {
            for e in Edition::ALL {
                out.push(Output::new(
                    format!("{}-{}{suffix}.typ", i.audience, e.slug()),
                    document_with(m, i, e, paper, since),
                ));
            }
        }
    }
    Ok(out.into())
}

/// Characters in a row without a break before paper gets a break opportunity: Typst keeps
/// an unbreakable run as one line whatever its length, and its PDF writer cannot hold one
/// of 64 KiB (a 32,768-letter word panicked it).
const LONGEST_RUN: usize = 100;

/// A Typst string literal.
pub fn s(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_whitespace() { 0 } else { run + 1 };
        if run > LONGEST_RUN {
            // A zero-width space: a place to break, invisible, and not a character to copy.
            out.push('\u{200B}');
            run = 1;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            // A tab prints as nothing in Typst: words would run together.
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text as seen on paper: piped answers become their neutral wording.
fn t(text: &Text) -> String {
    s(text.plain().trim())
}

const STANDARD_PROBES: [&str; 4] = [
    "Comprehension: what does this question mean to you, in your own words?",
    "Recall: how did you work out your answer?",
    "Judgement: how sure are you of your answer?",
    "Response: was it easy to find an answer that fits you? Why?",
];

/// One audience's edition as a Typst document.
pub fn document(model: &Questionnaire, instrument: &Instrument, edition: Edition, paper: Paper) -> String {
    document_with(model, instrument, edition, paper, None)
}

/// One edition; with `since`, the changed questions marked (interviewer and think-aloud).
pub fn document_with(
    model: &Questionnaire,
    instrument: &Instrument,
    edition: Edition,
    paper: Paper,
    since: Option<&Diff>,
) -> String {
    let marks = since
        .filter(|_| edition != Edition::SelfCompletion)
        .map(|d| quire_core::diff::marks(d, &instrument.audience))
        .unwrap_or_default();
    let audience = model.audiences.iter().find(|a| a.id == instrument.audience);
    let group = audience.map(|a| a.label.as_str()).unwrap_or("");
    let title = model.survey.title.plain();
    let mut d = String::new();
    d.push_str(include_str!("templates/paper.typ"));
    let _ = writeln!(
        d,
        "\n// ---- {} for {} (generated by Quire from {} version {}) ----\n",
        edition.title(),
        group,
        model.survey.id,
        model.survey.version
    );
    let edition_title = match edition {
        Edition::SelfCompletion => model.ui_text("p_questionnaire"),
        _ => edition.title().to_string(),
    };
    let edition_label = if model.audiences.len() > 1 {
        format!("{edition_title}: {group}")
    } else {
        edition_title.clone()
    };
    let _ = writeln!(
        d,
        "#show: setup.with(title: {}, version: {}, hash: {}, edition: {}, paper: {}, lang: {}, version-line: {}, page-label: {})\n",
        s(&title),
        s(&model.survey.version),
        s(&model.content_hash),
        s(&edition_label),
        s(if paper == Paper::A4 { "a4" } else { "us-letter" }),
        s(&typst_lang(&model.survey.language)),
        s(&quire_core::words::fill(
            &model.ui_text("p_version"),
            &[&model.survey.version, &model.content_hash]
        )),
        s(&model.ui_text("p_page"))
    );
    cover(&mut d, model, edition, group, &title);
    if let Some(diff) = since.filter(|_| edition != Edition::SelfCompletion) {
        changed_summary(&mut d, diff, instrument, &marks);
    }
    let words = Words::new(model, std::slice::from_ref(&instrument.audience));
    for section in &instrument.sections {
        let intro = section.intro.as_ref().map(t).unwrap_or_else(|| "none".into());
        let _ = writeln!(d, "#section-head({}, intro: {intro})", t(&section.title));
        // The section's condition is said once, here; its items carry only their own.
        if let Some(c) = &section.condition {
            let filter = match edition {
                Edition::Interviewer => format!(
                    "ASK THIS SECTION ONLY IF THE RESPONDENT {}. OTHERWISE GO TO THE NEXT SECTION.",
                    words.condition(c).to_uppercase()
                ),
                _ => words.tr("p_section_only_if", &[&words.condition(c)]),
            };
            let _ = writeln!(d, "#routing({})", s(&filter));
        }
        let cx = Cx {
            model,
            edition,
            words: &words,
            marks: &marks,
            pipes: Pipes::default(),
            row: None,
            depth: 0,
            noun: String::new(),
        };
        items(&mut d, &section.items, &cx);
    }
    if edition != Edition::SelfCompletion {
        scoring(&mut d, model, &instrument.audience, &words);
    }
    let thanks = model.ui_text("p_thanks");
    let _ = writeln!(
        d,
        "\n#v(1.5em)\n#align(center, text(weight: \"bold\", {}))",
        s(match edition {
            Edition::Interviewer => "END OF INTERVIEW. THANK THE RESPONDENT.",
            Edition::ThinkAloud =>
                "End of the questionnaire. Ask for any last comments on the questionnaire as a whole.",
            Edition::SelfCompletion => &thanks,
        })
    );
    d
}

/// Where items are printed: the edition, its words, the changes to mark, and, inside a
/// roster's row, what the row's pipes say and which row this is.
#[derive(Clone)]
struct Cx<'a> {
    model: &'a Questionnaire,
    edition: Edition,
    words: &'a Words<'a>,
    marks: &'a std::collections::BTreeMap<String, Vec<&'static str>>,
    /// What `${row}`, `${row.label}` and row-label answers print as here.
    pipes: Pipes,
    /// The printed row these items are in (a self-completion block), if one.
    row: Option<rosters::Place>,
    /// How many rosters these items are in.
    depth: usize,
    /// The innermost roster's noun for its rows ("Person"), inside one.
    noun: String,
}

impl Cx<'_> {
    fn row_noun(&self) -> &str {
        if self.noun.is_empty() { "row" } else { &self.noun }
    }
}

/// A section's, a row's or a block's items, in order.
fn items(d: &mut String, items: &[Item], cx: &Cx) {
    let (edition, words) = (cx.edition, cx.words);
    for item in items {
        match item {
            Item::Definitions {
                title, terms, ask_if, ..
            } => {
                shown_if(d, ask_if.as_ref(), edition, words);
                let pairs: Vec<String> = terms
                    .iter()
                    .map(|x| format!("({}, {})", t(&x.term), t(&x.definition)))
                    .collect();
                let _ = writeln!(
                    d,
                    "#definitions({}, ({},))",
                    title.as_ref().map(t).unwrap_or_else(|| "none".into()),
                    pairs.join(", ")
                );
            }
            Item::Note {
                title, text, ask_if, ..
            } => {
                shown_if(d, ask_if.as_ref(), edition, words);
                let body = if edition == Edition::Interviewer {
                    format!("read-out({})", cx.pipes.t(text))
                } else {
                    cx.pipes.t(text)
                };
                let _ = writeln!(
                    d,
                    "#note({}, {body})",
                    title.as_ref().map(|x| cx.pipes.t(x)).unwrap_or_else(|| "none".into()),
                );
            }
            Item::Roster(r) => rosters::roster(d, r, cx),
            Item::Screen { end_if, message, .. } => {
                let stop = match edition {
                    Edition::Interviewer => format!(
                        "IF THE RESPONDENT {}: READ OUT “{}” AND END THE INTERVIEW",
                        words.condition(end_if).to_uppercase(),
                        message.plain().trim()
                    ),
                    _ => words.tr("p_stop", &[&words.condition(end_if), message.plain().trim()]),
                };
                let _ = writeln!(d, "#routing({})", s(&stop));
            }
            Item::Question(q) => {
                if edition == Edition::ThinkAloud {
                    // A question and its probes and notes stay on one page, when they fit.
                    let _ = writeln!(d, "#keep-together(breakable: {})[", too_long_for_a_page(q));
                }
                let mark = cx.marks.get(&q.id);
                if let Some(tags) = mark {
                    let _ = writeln!(d, "#changed({})[", s(&tags.join(", ")));
                }
                question(d, q, cx);
                if mark.is_some() {
                    let _ = writeln!(d, "]");
                }
                if edition == Edition::ThinkAloud {
                    let _ = writeln!(d, "]");
                }
            }
        }
    }
}

/// What a roster's row pipes print as in one place: (variable, words), the innermost last.
#[derive(Clone, Default)]
struct Pipes(Vec<(String, String)>);

impl Pipes {
    /// These pipes, and `variable` printed as `words` (over an outer row's).
    fn with(&self, variable: &str, words: String) -> Pipes {
        let mut out = self.clone();
        out.0.push((variable.to_string(), words));
        out
    }

    /// The text as a Typst string, each row pipe replaced (the others by their wording for paper).
    fn t(&self, text: &Text) -> String {
        if self.0.is_empty() {
            return t(text);
        }
        s(self.plain(text).trim())
    }

    fn plain(&self, text: &Text) -> String {
        use quire_core::model::Segment;
        text.segments
            .iter()
            .map(|seg| match seg {
                Segment::Literal { text } => text.clone(),
                Segment::Pipe { variable, fallback } => self
                    .0
                    .iter()
                    .rev()
                    .find(|(v, _)| v == variable)
                    .map(|(_, w)| w.clone())
                    .unwrap_or_else(|| fallback.clone()),
            })
            .collect()
    }
}

/// The ISO 639 code Typst hyphenates and sets quotes by: the language subtag of a BCP 47 tag.
fn typst_lang(tag: &str) -> String {
    let base = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
    if (2..=3).contains(&base.len()) && base.chars().all(|c| c.is_ascii_lowercase()) {
        base
    } else {
        "en".into()
    }
}

fn number(v: f64) -> String {
    quire_core::expr::format_number(v)
}

/// Scoring guidance for the interviewer and the pilot team: each derived variable of this
/// audience, what it is computed from, and its bands.
fn scoring(d: &mut String, model: &Questionnaire, audience: &str, words: &Words) {
    use quire_core::model::DerivedRule;
    let derived: Vec<&quire_core::model::Derived> = model
        .derived
        .iter()
        .filter(|x| x.audiences.iter().any(|a| a == audience))
        .collect();
    if derived.is_empty() {
        return;
    }
    let _ = writeln!(
        d,
        "\n#section-head({}, intro: none)",
        s("Scoring and derived variables")
    );
    for x in derived {
        let how = match (&x.description, &x.rule) {
            (Some(desc), _) => desc.clone(),
            (None, DerivedRule::Expr { expr }) if x.value_type == "bool" => {
                format!("True for those who {}.", words.condition(expr))
            }
            (None, DerivedRule::Expr { expr }) => format!("Computed as {}.", expr.source),
            (None, DerivedRule::Cases { .. }) => String::new(),
        };
        let mut body = vec![s(&how)];
        if let DerivedRule::Cases { cases, choice_list } = &x.rule {
            let list = model.choice_list(choice_list);
            for c in cases {
                let label = list
                    .and_then(|l| l.get(&c.value))
                    .map(|o| o.neutral_label())
                    .unwrap_or_else(|| c.value.clone());
                body.push(s(&format!("{label}: for those who {}", words.condition(&c.when))));
            }
        }
        let _ = writeln!(
            d,
            "#note({}, [{}])",
            s(&format!("{} ({})", x.label, x.id)),
            body.iter()
                .filter(|b| b.as_str() != "\"\"")
                .map(|b| format!("#{b}"))
                .collect::<Vec<_>>()
                .join(" \\ ")
        );
    }
}

/// The cover's list of what changed since the earlier version, for this audience.
fn changed_summary(
    d: &mut String,
    diff: &Diff,
    instrument: &Instrument,
    marks: &std::collections::BTreeMap<String, Vec<&'static str>>,
) {
    let numbers: std::collections::HashMap<&str, &str> = instrument
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(|it| match it {
            Item::Question(q) => Some((q.id.as_str(), q.number.as_str())),
            _ => None,
        })
        .collect();
    let mut lines: Vec<String> = marks
        .iter()
        .map(|(id, tags)| {
            format!(
                "{} ({}): {}",
                numbers.get(id.as_str()).copied().unwrap_or(id),
                id,
                tags.join(", ")
            )
        })
        .collect();
    lines.sort_by_key(|l| {
        l.trim_start_matches('Q')
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    });
    for c in diff.changes.iter().filter(|c| c.kind == "question_removed") {
        if c.audiences.is_empty() || c.audiences.contains(&instrument.audience) {
            lines.push(format!("removed: {}", c.subject));
        }
    }
    let heading = format!(
        "Changed since version {} (content {}): {}",
        diff.old_version,
        diff.old_hash,
        if lines.is_empty() {
            "nothing for this group".to_string()
        } else {
            format!("{} question(s), marked in the margin", marks.len())
        }
    );
    let items: Vec<String> = lines.iter().map(|l| s(l)).collect();
    let _ = writeln!(
        d,
        "#changes-summary({}, ({}))",
        s(&heading),
        if items.is_empty() {
            String::new()
        } else {
            format!("{},", items.join(", "))
        }
    );
}

fn cover(d: &mut String, model: &Questionnaire, edition: Edition, group: &str, title: &str) {
    let _ = writeln!(
        d,
        "#align(center)[#v(2em) #text(20pt, weight: \"bold\", {}) #v(0.3em) #text(13pt, {})]",
        s(title),
        s(&format!(
            "{} · {group}",
            match edition {
                Edition::SelfCompletion => model.ui_text("p_questionnaire"),
                _ => edition.title().to_string(),
            }
        ))
    );
    if let Some(desc) = &model.survey.description {
        let _ = writeln!(d, "#v(1em)\n#par({})", t(desc));
    }
    match edition {
        Edition::SelfCompletion => {
            let _ = writeln!(
                d,
                "#v(1em)\n#block(stroke: 0.7pt, inset: 8pt, width: 100%)[#text(weight: \"bold\", {})\n#list({}, {}, {}, {})]",
                s(&model.ui_text("p_how_to")),
                s(&model.ui_text("p_pen")),
                s(&model.ui_text("p_wrong_box")),
                s(&model.ui_text("p_not_everyone")),
                s(&model.ui_text("p_no_wrong")),
            );
            let _ = writeln!(
                d,
                "#v(1em)\n#align(right)[#{} #h(0.5em) #number-boxes(8)]",
                s(&model.ui_text("p_respondent_id"))
            );
        }
        Edition::Interviewer => {
            let _ = writeln!(
                d,
                "#v(1em)\n#block(stroke: 0.7pt, inset: 8pt, width: 100%)[#read-out({}) read the text in bold aloud, word for word. #interviewer({}) are for you only. Code the answer given; #interviewer({}) means the options are not read aloud.]\n#v(1em)\n#{} #number-boxes(8) #h(2em) #{} #number-boxes(8)",
                s("Bold text:"),
                s("Small capitals"),
                s("Do not read out"),
                s("Respondent ID"),
                s("Interviewer")
            );
        }
        Edition::ThinkAloud => {
            let _ = writeln!(
                d,
                "#v(1em)\n#table(columns: (auto, 1fr), stroke: 0.5pt, inset: 6pt, {}, [], {}, [], {}, [], {}, {})",
                s("Participant ID"),
                s("Date"),
                s("Interviewer"),
                s("Questionnaire version"),
                s(&format!("{} (content {})", model.survey.version, model.content_hash))
            );
            let _ = writeln!(
                d,
                "#v(1em)\n#block(stroke: 0.7pt, inset: 8pt, width: 100%)[{}]",
                s(
                    "Ask the participant to read each question aloud and to think aloud while answering. Use the probes after each question; note what you observe and tick any problems seen."
                )
            );
            let defs: Vec<String> = model
                .instruments
                .iter()
                .flat_map(|i| &i.sections)
                .flat_map(|s| &s.items)
                .filter_map(|it| match it {
                    Item::Definitions { terms, .. } => Some(terms),
                    _ => None,
                })
                .flatten()
                .map(|x| format!("({}, {})", t(&x.term), t(&x.definition)))
                .collect();
            if !defs.is_empty() {
                let mut seen = Vec::new();
                let defs: Vec<String> = defs
                    .into_iter()
                    .filter(|x| {
                        if seen.contains(x) {
                            false
                        } else {
                            seen.push(x.clone());
                            true
                        }
                    })
                    .collect();
                let _ = writeln!(
                    d,
                    "#v(0.5em)\n#definitions({}, ({},))",
                    s(&model.ui_text("p_definitions")),
                    defs.join(", ")
                );
            }
        }
    }
    let _ = writeln!(d, "#pagebreak()");
}

/// The instruction before a note or definitions shown only to some respondents.
fn shown_if(d: &mut String, condition: Option<&Condition>, edition: Edition, words: &Words) {
    let Some(c) = condition else { return };
    let text = match edition {
        Edition::Interviewer => format!(
            "READ OUT THE FOLLOWING ONLY IF THE RESPONDENT {}",
            words.condition(c).to_uppercase()
        ),
        _ => words.tr("p_read_only_if", &[&words.condition(c)]),
    };
    let _ = writeln!(d, "#routing({})", s(&text));
}

/// A question is kept on one page, unless it could not fit on one: then it breaks across
/// pages rather than run off the bottom (about 40 lines of A4 or Letter).
fn too_long_for_a_page(q: &Question) -> bool {
    let chars = q.text.plain().chars().count()
        + q.hint.as_ref().map(|h| h.plain().chars().count()).unwrap_or(0)
        + q.options
            .iter()
            .map(|o| o.label.plain().chars().count().max(80))
            .sum::<usize>()
        + q.rows
            .iter()
            .map(|r| r.label.plain().chars().count().max(80))
            .sum::<usize>();
    chars > 2_400
}

/// The boxes a number is written in: as many as its largest value's digits (3 without one).
fn digits(q: &Question) -> usize {
    q.max
        .map(|m| quire_core::expr::format_number(m.abs()).len())
        .unwrap_or(3)
        .clamp(1, 8)
        + usize::from(q.kind == QuestionType::Decimal) * q.decimals.unwrap_or(1) as usize
}

/// Where an answer that skips questions leads, as printed beside it.
fn goto(next: &Next, cx: &Cx) -> String {
    let (edition, words) = (cx.edition, cx.words);
    let text = match (next, edition) {
        (Next::NextRow { roster }, _) => rosters::next_row(roster, cx),
        (Next::Question { number, .. }, Edition::Interviewer) => format!("GO TO {number}"),
        (Next::Question { number, .. }, _) => words.tr("p_go_to", &[number]),
        (Next::End { .. }, Edition::Interviewer) => "END THE INTERVIEW".to_string(),
        (Next::End { screen: Some(_) }, _) => words.tr("p_stop_here", &[]),
        (Next::End { screen: None }, _) => words.tr("p_go_to_end", &[]),
    };
    s(&text)
}

/// The filter printed with a question: its own condition in words (the designer's, for
/// the respondent's editions, when given), or `none`.
fn filter(q: &Question, cx: &Cx) -> String {
    let (edition, words) = (cx.edition, cx.words);
    // The designer's own wording of the condition, for the respondent's editions, when
    // given; else it is generated. The interviewer's script keeps the generated wording,
    // about the respondent, which the interviewer applies exactly.
    let own = q
        .ask_if_text
        .as_ref()
        .map(|t| t.plain().trim().trim_end_matches('.').to_string());
    match (&q.ask_if, &own, edition) {
        (None, _, _) => "none".to_string(),
        (Some(_), Some(w), Edition::SelfCompletion | Edition::ThinkAloud) => {
            s(&words.tr("p_answer_only", &[&q.number, w]))
        }
        (Some(c), _, Edition::Interviewer) if cx.depth > 0 => s(&format!(
            "ASK {} FOR THIS {} ONLY IF THE RESPONDENT {}",
            q.number,
            cx.row_noun().to_uppercase(),
            words.condition(c).to_uppercase()
        )),
        (Some(c), _, Edition::Interviewer) => s(&format!(
            "ASK {} ONLY IF THE RESPONDENT {}",
            q.number,
            words.condition(c).to_uppercase()
        )),
        (Some(c), None, _) => s(&words.tr("p_answer_only_if", &[&q.number, &words.condition(c)])),
    }
}

/// How to answer, as the edition says it: "Tick one", "Code all that apply", …
fn how_to_answer(q: &Question, edition: Edition, words: &Words) -> String {
    match (q.kind, edition) {
        (QuestionType::Single, Edition::Interviewer) => "Code one".to_string(),
        (QuestionType::Multiple, Edition::Interviewer) => match q.max_selected {
            Some(m) => format!("Code up to {m}"),
            None => "Code all that apply".to_string(),
        },
        (QuestionType::Single, _) => words.tr("p_tick_one", &[]),
        (QuestionType::Multiple, _) => match (q.min_selected, q.max_selected) {
            (Some(a), Some(b)) if a == b => words.tr("p_tick_n", &[&a.to_string()]),
            (_, Some(m)) => words.tr("p_tick_up_to", &[&m.to_string()]),
            _ => words.tr("p_tick_all", &[]),
        },
        (QuestionType::Grid, Edition::Interviewer) => "Code one for each row".to_string(),
        (QuestionType::Grid, _) => words.tr("p_tick_rows", &[]),
        (QuestionType::Integer | QuestionType::Decimal, Edition::Interviewer) => match (q.min, q.max) {
            (Some(a), Some(b)) => format!(
                "Record the number ({} to {})",
                quire_core::expr::format_number(a),
                quire_core::expr::format_number(b)
            ),
            _ => "Record the number".to_string(),
        },
        (QuestionType::Date, Edition::Interviewer) => "Record the date".to_string(),
        (QuestionType::Text | QuestionType::LongText, Edition::Interviewer) => {
            "Record the answer word for word".to_string()
        }
        (QuestionType::Integer | QuestionType::Decimal, _) => match (q.min, q.max) {
            (Some(a), Some(b)) => words.tr(
                "p_number_range",
                &[&quire_core::expr::format_number(a), &quire_core::expr::format_number(b)],
            ),
            _ => words.tr("p_number", &[]),
        },
        (QuestionType::Date, _) => words.tr("p_date", &[]),
        (QuestionType::Text | QuestionType::LongText, _) => words.tr("p_text", &[]),
    }
}

/// A choice question's options: each with its code (not on the self-completion edition),
/// its "Go to", and its notes (write-in, exclusive, score, not read out).
fn options(d: &mut String, q: &Question, cx: &Cx) {
    let (edition, words) = (cx.edition, cx.words);
    for o in q.options.iter() {
        let goto = o.next.as_ref().map(|n| goto(n, cx)).unwrap_or_else(|| "none".into());
        let code = if edition == Edition::SelfCompletion {
            "none".to_string()
        } else {
            o.code.to_string()
        };
        let write_in = words.tr("p_write_in", &[]);
        let only_this = words.tr("p_only_this", &[]);
        let mut note = Vec::new();
        if o.other {
            note.push(if edition == Edition::Interviewer {
                "Specify"
            } else {
                write_in.as_str()
            });
        }
        if edition == Edition::Interviewer && o.nonsubstantive.is_some() {
            note.push("DO NOT READ OUT");
        }
        if o.exclusive {
            note.push(if edition == Edition::Interviewer {
                "Exclusive"
            } else {
                only_this.as_str()
            });
        }
        let score = o
            .score
            .filter(|_| edition != Edition::SelfCompletion)
            .map(|v| format!("score {}", number(v)));
        note.extend(score.as_deref());
        let note = if note.is_empty() {
            "none".to_string()
        } else {
            s(&note.join("; "))
        };
        let _ = writeln!(
            d,
            "  #option({}, code: {code}, goto: {goto}, note: {note})",
            t(&o.label)
        );
        if o.other {
            let _ = writeln!(d, "  #write-in()");
        }
    }
}

fn question(d: &mut String, q: &Question, cx: &Cx) {
    let (edition, words) = (cx.edition, cx.words);
    // The filter sits inside the question's unbreakable block, so a page never parts them.
    // Only the question's own condition: its section's is printed at the section head.
    let filter = filter(q, cx);
    let how = rosters::how_to_choose_rows(q, cx).unwrap_or_else(|| how_to_answer(q, edition, words));
    let how = if edition == Edition::Interviewer {
        format!("interviewer({})", s(&how))
    } else {
        s(&how)
    };
    let normal = |x: &str| x.trim().trim_end_matches('.').to_lowercase();
    // A hint that only repeats the instruction ("Tick all that apply.") is printed once, and an
    // interviewer never reads out the respondent's instructions for filling in a form.
    let self_completion_only = |h: &str| {
        let first = h.split_whitespace().next().unwrap_or("").to_lowercase();
        ["tick", "write", "circle", "cross", "fill", "mark"].contains(&first.as_str())
    };
    let hint = match &q.hint {
        Some(h) if edition == Edition::Interviewer && self_completion_only(&h.plain()) => "none".into(),
        Some(h) if !how.to_lowercase().contains(&normal(&h.plain())) => cx.pipes.t(h),
        _ => "none".into(),
    };
    let body = if edition == Edition::Interviewer {
        format!("read-out({})", cx.pipes.t(&q.text))
    } else {
        cx.pipes.t(&q.text)
    };
    let _ = writeln!(
        d,
        "#question({}, {body}, hint: {hint}, how: {how}, filter: {filter}, breakable: {})[",
        s(&q.number),
        too_long_for_a_page(q)
    );
    if edition == Edition::Interviewer
        && let Some(i) = &q.interviewer
    {
        let _ = writeln!(d, "  #interviewer({})", t(i));
    }
    match q.kind {
        QuestionType::Single | QuestionType::Multiple if q.row_choices.is_some() => {
            rosters::row_choice(d, q, cx);
        }
        QuestionType::Single | QuestionType::Multiple if rosters::across(q, cx) => {
            let labels: Vec<String> = q.options.iter().map(|o| t(&o.label)).collect();
            let _ = writeln!(d, "  #options-across(({},))", labels.join(", "));
        }
        QuestionType::Single | QuestionType::Multiple => options(d, q, cx),
        QuestionType::Grid => {
            let cols: Vec<String> = q
                .options
                .iter()
                .map(|o| match edition {
                    Edition::SelfCompletion => t(&o.label),
                    Edition::Interviewer if o.nonsubstantive.is_some() => {
                        s(&format!("{} ({}) DO NOT READ OUT", o.label.plain(), o.code))
                    }
                    _ => match o.score {
                        Some(v) => s(&format!("{} ({}; score {})", o.label.plain(), o.code, number(v))),
                        None => s(&format!("{} ({})", o.label.plain(), o.code)),
                    },
                })
                .collect();
            let rows: Vec<String> = q
                .rows
                .iter()
                .map(|r| match &r.number {
                    Some(n) => s(&format!("{n}. {}", r.label.plain().trim())),
                    None => t(&r.label),
                })
                .collect();
            let _ = writeln!(d, "  #grid-question(({},), ({},))", cols.join(", "), rows.join(", "));
        }
        QuestionType::Integer | QuestionType::Decimal => {
            let digits = digits(q);
            let unit = q.unit.as_ref().map(t).unwrap_or_else(|| "none".into());
            let _ = writeln!(d, "  #number-boxes({digits}, unit: {unit})");
        }
        QuestionType::Date => {
            let _ = writeln!(d, "  #date-boxes");
        }
        QuestionType::Text | QuestionType::LongText => {
            let lines = if q.kind == QuestionType::LongText { 4 } else { 1 };
            let _ = writeln!(d, "  #write-in(lines: {lines})");
        }
    }
    let _ = writeln!(d, "]");
    if edition == Edition::ThinkAloud {
        let given: Vec<String> = q.probes.iter().map(t).collect();
        let probes = if given.is_empty() {
            STANDARD_PROBES.iter().map(|p| s(p)).collect()
        } else {
            given
        };
        let _ = writeln!(
            d,
            "#probes(({},))\n#notes-space\n#problems\n#v(0.6em)",
            probes.join(", ")
        );
    }
}
