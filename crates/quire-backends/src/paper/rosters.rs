//! A roster on paper, as each edition is used. Self-completion: a roster of a few short
//! questions is a grid (a line per row, a column per question, as census household forms
//! are), any other a block per row ("Person 1" … "Person 8", or one per option of a
//! `for_each`, its label filled in), never split by a page break, with the routing inside each
//! block. Interviewer: the questions once, inside a loop instruction ("FOR EACH PERSON
//! COUNTED AT Q1 …"), the row's label read out, and a grid to record the answers by line.
//! Think-aloud: the questions once, after probes on the roster itself (who counts as a
//! member). How many rows are printed: [`printed`].

use std::fmt::Write;

use super::{Cx, Edition, items, s};
use quire_core::expr::ExprKind;
use quire_core::model::{Item, Question, QuestionType, Roster, Rows};

/// Lines of a grid printed for a roster at the top level; inside another roster's block, [`NESTED`].
pub const GRID_LINES: u32 = 15;
/// Blocks printed for a roster at the top level whose rows are counted or entered.
pub const BLOCKS: u32 = 8;
/// Lines or blocks printed for a roster inside another roster's block.
pub const NESTED: u32 = 3;

/// The printed row a block is: what follows it.
#[derive(Clone)]
pub(super) struct Place {
    /// The next block's heading ("Person 3"), or none after the last.
    next: Option<String>,
}

/// The rows printed for a roster in the self-completion edition: one per option of a
/// `for_each`; else its `max_rows`, up to [`GRID_LINES`] lines of a grid or [`BLOCKS`]
/// blocks ([`NESTED`] inside another roster's block).
pub fn printed(model: &quire_core::model::Questionnaire, r: &Roster, grid: bool, depth: usize) -> u32 {
    if let Some(labels) = option_labels(model, r) {
        return (labels.len() as u32).min(r.max_rows);
    }
    let cap = match (grid, depth) {
        (_, 1..) => NESTED,
        (true, 0) => GRID_LINES,
        (false, 0) => BLOCKS,
    };
    r.max_rows.min(cap)
}

/// The roster's noun for its rows: its id in words, "Person" for `person`.
pub fn noun(r: &Roster) -> String {
    let words = r.id.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => words,
    }
}

/// A roster in one edition.
pub(super) fn roster(d: &mut String, r: &Roster, cx: &Cx) {
    let noun = noun(r);
    let intro = match (&r.intro, cx.edition) {
        (Some(x), Edition::Interviewer) => format!("read-out({})", cx.pipes.t(x)),
        (Some(x), _) => cx.pipes.t(x),
        (None, _) => "none".into(),
    };
    let _ = writeln!(d, "#roster-head({}, intro: {intro})", cx.pipes.t(&r.title));
    let grid = cx.edition == Edition::SelfCompletion && grid_questions(r).is_some();
    let shown = printed(cx.model, r, grid, cx.depth);
    let inner = Cx {
        depth: cx.depth + 1,
        noun: noun.clone(),
        ..cx.clone()
    };
    match cx.edition {
        Edition::SelfCompletion => {
            respondents_head(d, r, cx, &noun);
            if let Some(questions) = grid_questions(r) {
                self_grid(d, r, &questions, &inner, shown);
            } else {
                blocks(d, r, &inner, shown);
            }
            room(d, r, cx, shown);
        }
        Edition::Interviewer => {
            if let Some(c) = &r.ask_if {
                let whose = if cx.depth > 0 {
                    format!(" FOR THIS {}", cx.noun.to_uppercase())
                } else {
                    String::new()
                };
                let _ = writeln!(
                    d,
                    "#routing({})",
                    s(&format!(
                        "ASK THIS LIST{whose} ONLY IF THE RESPONDENT {}. OTHERWISE GO ON AFTER IT.",
                        cx.words.condition(c).to_uppercase()
                    ))
                );
            }
            let _ = writeln!(d, "#routing({})", s(&loop_instruction(r, cx, &noun)));
            let pipes = placeholders(r, cx, &noun);
            let row = Cx { pipes, ..inner.clone() };
            if r.row_label.is_none() && option_labels(cx.model, r).is_some() {
                let _ = writeln!(d, "#read-out({})", s(&format!("Now about {}.", about(r, &noun))));
            }
            row_items(d, r, &row, &noun);
            let _ = writeln!(
                d,
                "#routing({})",
                s(&format!(
                    "END OF {0} LOOP: ASK AGAIN FROM {1} FOR THE NEXT {0}; AFTER THE LAST, GO ON.",
                    noun.to_uppercase(),
                    span_of(r).0
                ))
            );
            record_grid(d, r, cx, &noun);
        }
        Edition::ThinkAloud => {
            respondents_head(d, r, cx, &noun);
            let probes: Vec<String> = concept_probes(r, &noun).iter().map(|p| s(p)).collect();
            let _ = writeln!(
                d,
                "#keep-together[\n#probes(({},))\n#notes-space\n#problems\n]",
                probes.join(", ")
            );
            let row = Cx {
                pipes: placeholders(r, cx, &noun),
                ..inner
            };
            row_items(d, r, &row, &noun);
        }
    }
}

/// The respondent's editions' head of a roster: its own condition, and where its rows come from.
fn respondents_head(d: &mut String, r: &Roster, cx: &Cx, noun: &str) {
    if let Some(c) = &r.ask_if {
        let _ = writeln!(
            d,
            "#routing({})",
            s(&cx.words.tr("p_list_only_if", &[&cx.words.condition(c)]))
        );
    }
    let _ = writeln!(d, "#instruction({})", s(&source(r, cx, noun)));
}

/// A question whose options are a roster's rows: the row's number, written in.
pub(super) fn row_choice(d: &mut String, q: &Question, cx: &Cx) {
    let most = q
        .row_choices
        .as_deref()
        .and_then(|r| cx.model.roster(r))
        .map_or(1, |r| r.max_rows.clamp(1, 6));
    let sets = if q.kind == QuestionType::Multiple {
        most as usize
    } else {
        1
    };
    let boxes = vec!["number-boxes(2)"; sets];
    let _ = writeln!(d, "  #{}", boxes.join(" #h(1em) #"));
}

/// Whether a question's options print across the page, to keep a row's block short: in a
/// self-completion block, up to four short options with nothing printed beside them.
pub(super) fn across(q: &Question, cx: &Cx) -> bool {
    cx.row.is_some()
        && cx.edition == Edition::SelfCompletion
        && q.options.len() <= 4
        && q.options
            .iter()
            .all(|o| o.next.is_none() && !o.other && !o.exclusive && o.label.plain().chars().count() <= 32)
}

/// How to answer a question whose options are a roster's rows.
pub(super) fn how_to_choose_rows(q: &Question, cx: &Cx) -> Option<String> {
    let roster = cx.model.roster(q.row_choices.as_deref()?)?;
    let title = format!("“{}”", roster.title.plain().trim());
    Some(match (q.kind, cx.edition) {
        (QuestionType::Multiple, Edition::Interviewer) => format!("Record the line number from {title} of each"),
        (_, Edition::Interviewer) => format!("Record the line number from {title}"),
        (QuestionType::Multiple, _) => cx.words.tr("p_row_numbers", &[&title]),
        _ => cx.words.tr("p_row_number", &[&title]),
    })
}

/// Where an answer that ends the row leads: the next block, or past the list.
pub(super) fn next_row(roster: &str, cx: &Cx) -> String {
    match (cx.edition, &cx.row) {
        (Edition::Interviewer, _) => format!(
            "GO TO THE NEXT {}",
            cx.model
                .roster(roster)
                .map(noun)
                .unwrap_or_else(|| roster.to_string())
                .to_uppercase()
        ),
        (_, Some(Place { next: Some(next), .. })) => cx.words.tr("p_go_to", &[next]),
        (_, Some(Place { next: None, .. })) => cx.words.tr("p_go_to_list_end", &[]),
        (_, None) => cx.words.tr("p_go_to_next_row", &[]),
    }
}

/// The labels of a `for_each` roster's rows, one per option (none for other rosters).
fn option_labels(model: &quire_core::model::Questionnaire, r: &Roster) -> Option<Vec<String>> {
    match &r.rows {
        Rows::Question { question } => {
            let q = model.any_question(question)?;
            Some(q.options.iter().map(|o| o.label.plain().trim().to_string()).collect())
        }
        Rows::List { list } => Some(
            model
                .choice_list(list)?
                .options
                .iter()
                .map(|o| o.neutral_label())
                .collect(),
        ),
        Rows::Count { .. } | Rows::Open => None,
    }
}

/// Where the rows come from, as the respondent's editions say it.
fn source(r: &Roster, cx: &Cx, noun: &str) -> String {
    let words = cx.words;
    let noun = noun.to_lowercase();
    match &r.rows {
        Rows::Count { count } => match &count.expr.kind {
            ExprKind::Var { name } => words.tr("p_rows_count", &[&noun, &number_of(cx, name)]),
            _ => {
                let at: Vec<String> = count.references.iter().map(|n| number_of(cx, n)).collect();
                words.tr("p_rows_counted_from", &[&noun, &at.join(", ")])
            }
        },
        Rows::Question { question } => words.tr("p_rows_for_each", &[&number_of(cx, question)]),
        Rows::List { .. } => words.tr("p_rows_list", &[]),
        Rows::Open if r.min_rows > 0 => words.tr("p_rows_open_min", &[&noun, &r.min_rows.to_string()]),
        Rows::Open => words.tr("p_rows_open", &[&noun]),
    }
}

/// "Q1", the number a question has in this instrument (its id, if it has none).
fn number_of(cx: &Cx, name: &str) -> String {
    cx.model
        .any_question(name)
        .map(|q| q.number.clone())
        .or_else(|| cx.model.roster(name).map(|r| format!("“{}”", r.title.plain().trim())))
        .unwrap_or_else(|| name.to_string())
}

/// "There is room for 8 here; ask for a continuation sheet for more", when the roster allows
/// more rows than are printed.
fn room(d: &mut String, r: &Roster, cx: &Cx, shown: u32) {
    if r.max_rows > shown && option_labels(cx.model, r).is_none() {
        let _ = writeln!(
            d,
            "#instruction({})",
            s(&cx.words.tr("p_rows_room", &[&shown.to_string()]))
        );
    }
}

/// The roster's questions when it prints as a grid: five or fewer short questions (text,
/// numbers, row numbers, a single choice of up to four short options) that skip nothing, and
/// nothing else in its rows; none otherwise (it prints as blocks).
fn grid_questions(r: &Roster) -> Option<Vec<&Question>> {
    if matches!(r.rows, Rows::Question { .. } | Rows::List { .. }) {
        return None;
    }
    let mut out = Vec::new();
    for item in &r.items {
        let Item::Question(q) = item else { return None };
        let short = match q.kind {
            QuestionType::Text | QuestionType::Integer | QuestionType::Decimal => true,
            QuestionType::Single if q.row_choices.is_some() => true,
            QuestionType::Single => {
                q.options.len() <= 4
                    && q.options
                        .iter()
                        .all(|o| !o.other && o.next.is_none() && o.label.plain().chars().count() <= 24)
            }
            _ => false,
        };
        if !short {
            return None;
        }
        out.push(q);
    }
    (!out.is_empty() && out.len() <= 5).then_some(out)
}

/// The self-completion grid: a line per row, a column per question.
fn self_grid(d: &mut String, r: &Roster, questions: &[&Question], cx: &Cx, lines: u32) {
    let noun = noun(r);
    let pipes = cx
        .pipes
        .with("row", cx.words.tr("p_line_number", &[]))
        .with("row.label", format!("this {}", noun.to_lowercase()));
    let pipes = match &r.row_label {
        Some(v) => pipes.with(v, format!("this {}", noun.to_lowercase())),
        None => pipes,
    };
    let mut heads = Vec::new();
    let mut cells = Vec::new();
    for q in questions {
        let how = how_to_choose_rows(q, cx).unwrap_or_else(|| super::how_to_answer(q, cx.edition, cx.words));
        let filter = match &q.ask_if {
            Some(c) => s(&cx.words.tr("p_only_if", &[&cx.words.condition(c)])),
            None => "none".into(),
        };
        heads.push(format!(
            "grid-head({}, {}, how: {}, filter: {filter})",
            s(&q.number),
            pipes.t(&q.text),
            s(&how)
        ));
        cells.push(match q.kind {
            QuestionType::Integer | QuestionType::Decimal => format!("number-boxes({})", super::digits(q)),
            QuestionType::Single if q.row_choices.is_some() => "number-boxes(2)".to_string(),
            QuestionType::Single => format!(
                "grid-ticks(({},))",
                q.options
                    .iter()
                    .map(|o| super::t(&o.label))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "[]".to_string(),
        });
    }
    let _ = writeln!(
        d,
        "#roster-grid({}, ({},), ({},), {lines})",
        s(&noun),
        heads.join(", "),
        cells.join(", ")
    );
}

/// A block per printed row, headed by its label, each with the row's items.
fn blocks(d: &mut String, r: &Roster, cx: &Cx, shown: u32) {
    let noun = noun(r);
    let labels: Vec<String> = match option_labels(cx.model, r) {
        Some(labels) => labels.into_iter().take(shown as usize).collect(),
        None => (1..=shown).map(|k| format!("{noun} {k}")).collect(),
    };
    let for_each = match &r.rows {
        Rows::Question { question } => cx.model.any_question(question),
        _ => None,
    };
    for (k, label) in labels.iter().enumerate() {
        let option = option_labels(cx.model, r).is_some();
        let pipes = cx.pipes.with("row", (k + 1).to_string());
        let (pipes, heading) = if option {
            (pipes.with("row.label", label.clone()), label.clone())
        } else {
            let named = format!("{} {}", noun.to_lowercase(), k + 1);
            let pipes = pipes.with("row.label", named.clone());
            let pipes = match &r.row_label {
                Some(v) => pipes.with(v, named),
                None => pipes,
            };
            (pipes, label.clone())
        };
        let row = Cx {
            pipes,
            row: Some(Place {
                next: labels.get(k + 1).cloned(),
            }),
            ..cx.clone()
        };
        let _ = writeln!(d, "#row-block({})[", s(&heading));
        if let Some(q) = for_each {
            let _ = writeln!(
                d,
                "#routing({})",
                s(&cx.words.tr("p_block_if_ticked", &[&format!("“{label}”"), &q.number]))
            );
        }
        items(d, &r.items, &row);
        let _ = writeln!(d, "]");
    }
}

/// What the row's pipes say in the interviewer's and think-aloud editions, which print the
/// questions once: "[NAME]" for the row's label, "[PERSON NUMBER]" for its number.
fn placeholders(r: &Roster, cx: &Cx, noun: &str) -> super::Pipes {
    let label = about(r, noun);
    let pipes = cx
        .pipes
        .with("row", format!("[{} NUMBER]", noun.to_uppercase()))
        .with("row.label", label.clone());
    match &r.row_label {
        Some(v) => pipes.with(v, label),
        None => pipes,
    }
}

/// "[NAME]" (the row-label question's id), "[CONDITION]" (a `for_each`'s option), or
/// "[PERSON] 2"-style "person [PERSON NUMBER]".
fn about(r: &Roster, noun: &str) -> String {
    match &r.row_label {
        Some(v) => format!("[{}]", v.replace('_', " ").to_uppercase()),
        None if matches!(r.rows, Rows::Question { .. } | Rows::List { .. }) => format!("[{}]", noun.to_uppercase()),
        None => format!("{} [{} NUMBER]", noun.to_lowercase(), noun.to_uppercase()),
    }
}

/// The row's items printed once, with "Now about [NAME]" read out after the question that
/// names the row.
fn row_items(d: &mut String, r: &Roster, cx: &Cx, noun: &str) {
    for (i, item) in r.items.iter().enumerate() {
        items(d, std::slice::from_ref(item), cx);
        if let (Item::Question(q), Some(label)) = (item, &r.row_label)
            && &q.id == label
            && cx.edition == Edition::Interviewer
            && i + 1 < r.items.len()
        {
            let _ = writeln!(d, "#read-out({})", s(&format!("Now about {}.", about(r, noun))));
        }
    }
}

/// "Q2", "Q9": the numbers of a roster's first and last questions, its nested rosters' included.
fn span_of(r: &Roster) -> (String, String) {
    fn walk<'r>(items: &'r [Item], out: &mut Vec<&'r str>) {
        for i in items {
            match i {
                Item::Question(q) => out.push(&q.number),
                Item::Roster(r) => walk(&r.items, out),
                _ => {}
            }
        }
    }
    let mut numbers = Vec::new();
    walk(&r.items, &mut numbers);
    (
        numbers.first().map(|n| n.to_string()).unwrap_or_default(),
        numbers.last().map(|n| n.to_string()).unwrap_or_default(),
    )
}

/// "FOR EACH PERSON COUNTED AT Q1 (UP TO 30): ASK Q2 TO Q9, ONE PERSON AT A TIME."
fn loop_instruction(r: &Roster, cx: &Cx, noun: &str) -> String {
    let (first, last) = span_of(r);
    let ask = if first == last || last.is_empty() {
        format!("ASK {first}")
    } else {
        format!("ASK {first} TO {last}")
    };
    let upper = noun.to_uppercase();
    let whose = if cx.depth > 0 {
        format!(" OF THIS {}", cx.noun.to_uppercase())
    } else {
        String::new()
    };
    let up_to = r.max_rows;
    match &r.rows {
        Rows::Count { count } => {
            let from = match &count.expr.kind {
                ExprKind::Var { name } => format!("COUNTED AT {}", number_of(cx, name)),
                _ => format!("COUNTED BY {}", count.source.to_uppercase()),
            };
            format!("FOR EACH {upper}{whose} {from} (UP TO {up_to}): {ask}, ONE {upper} AT A TIME.")
        }
        Rows::Question { question } => format!(
            "FOR EACH OPTION CODED AT {}: {ask}, FILLING IN THE OPTION FOR {}.",
            number_of(cx, question),
            about(r, noun)
        ),
        Rows::List { .. } => {
            let labels = option_labels(cx.model, r).unwrap_or_default();
            format!(
                "FOR EACH OF {}: {ask}, FILLING IN {}.",
                labels.iter().map(|l| format!("“{l}”")).collect::<Vec<_>>().join(", "),
                about(r, noun)
            )
        }
        Rows::Open => {
            let least = if r.min_rows > 0 {
                format!("AT LEAST {}, ", r.min_rows)
            } else {
                String::new()
            };
            format!(
                "FOR EACH {upper}{whose} THE RESPONDENT NAMES ({least}UP TO {up_to}): {ask}. AFTER EACH, ASK “IS THERE ANYONE OR ANYTHING ELSE?”"
            )
        }
    }
}

/// The interviewer's grid to record answers by line: a column per question of the row
/// (its nested rosters record on their own grids), a line per row.
fn record_grid(d: &mut String, r: &Roster, cx: &Cx, noun: &str) {
    let numbers: Vec<&str> = r
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Question(q) => Some(q.number.as_str()),
            _ => None,
        })
        .collect();
    if numbers.is_empty() {
        return;
    }
    let lines = match option_labels(cx.model, r) {
        Some(labels) => labels.len() as u32,
        None => GRID_LINES,
    }
    .min(r.max_rows);
    // Inside another roster the lines are shared by its rows: the interviewer writes in both
    // line numbers; at the top they are printed.
    let mut lead = Vec::new();
    if cx.depth > 0 {
        lead.push(s(&format!("{} line", cx.noun)));
    }
    lead.push(s(&format!("{noun} line")));
    for chunk in numbers.chunks(8) {
        let _ = writeln!(
            d,
            "#record-grid(({},), ({},), {lines}, numbered: {})",
            lead.join(", "),
            chunk.iter().map(|n| s(n)).collect::<Vec<_>>().join(", "),
            cx.depth == 0
        );
    }
    if r.max_rows > lines && cx.depth == 0 {
        let _ = writeln!(
            d,
            "#interviewer({})",
            s(&format!(
                "Room for {lines} lines: record more on a continuation sheet, up to {}.",
                r.max_rows
            ))
        );
    }
}

/// Probes on the roster itself: who or what counts as one of its rows.
fn concept_probes(r: &Roster, noun: &str) -> Vec<String> {
    let title = r.title.plain().trim().to_string();
    let noun = noun.to_lowercase();
    let mut out = vec![format!(
        "Comprehension: who or what does “{title}” include, in the participant's words? Anyone or anything they were unsure about?"
    )];
    match r.rows {
        Rows::Count { .. } | Rows::Open => {
            out.push(format!(
                "Recall: how did the participant work out how many to list? Was any {noun} left out, or counted who should not be?"
            ));
        }
        Rows::Question { .. } | Rows::List { .. } => {
            out.push(format!(
                "Did the participant expect to answer these questions once for each {noun}? Was it clear which one each set was about?"
            ));
        }
    }
    out.push("Response: how did the participant find answering the same questions again for each one?".to_string());
    out
}
