//! `quire import xlsform FORM.xlsx -o spec.yaml`: an existing XLSForm in, a Quire spec out,
//! so a team can bring an instrument over and get Quire's checks, paper editions and
//! codebook.
//!
//! Groups become sections, `select_one`/`select_multiple` single and multiple choice with
//! the form's choice lists, `relevant` becomes `ask_if` and `constraint` a `validate` rule,
//! translated from XPath where the expression is within Quire's language; `calculate` rows
//! become derived variables. What cannot be translated is reported with its row and kept
//! in the spec as a comment.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::rc::Rc;

use super::xlsx::Sheet;
use super::xpath::Translate;

/// What did not carry over: (sheet row, what, why).
pub type Report = Vec<(usize, String, String)>;

/// Text from the workbook inside a YAML comment: one line, whatever the cell held (a line
/// break would end the comment and let the rest be read as YAML).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A workbook's text as a Quire text: braces doubled (`{x}` in a label is not a Quire term)
/// and XLSForm's `${name}` piping kept where Quire can pipe it (`pipes`: the questions asked
/// earlier that can be piped), written out as text otherwise.
fn text_of(s: &str, pipes: &std::collections::HashSet<String>, unpiped: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}', '$']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("${")
            && let Some(end) = after.find('}')
        {
            let name = &after[..end];
            if pipes.contains(name) {
                out.push_str(&format!("${{{}}}", ident(name, "q")));
            } else {
                unpiped.push(name.to_string());
                out.push_str(&format!("${{{{{name}}}}}"));
            }
            rest = &after[end + 1..];
            continue;
        }
        match tail.as_bytes()[0] {
            b'{' => out.push_str("{{"),
            b'}' => out.push_str("}}"),
            _ => out.push('$'),
        }
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// `id`, or the first of `id_2`, `id_3`, … not taken yet (reported: references to the name
/// stay with its first use).
fn unique(taken: &mut std::collections::HashSet<String>, id: String, row: usize, report: &mut Report) -> String {
    if taken.insert(id.clone()) {
        return id;
    }
    let mut n = 2;
    let renamed = loop {
        let candidate = format!("{id}_{n}");
        if taken.insert(candidate.clone()) {
            break candidate;
        }
        n += 1;
    };
    report.push((
        row,
        format!("name `{id}`"),
        format!("used before; imported as `{renamed}`"),
    ));
    renamed
}

/// A double-quoted YAML scalar.
fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A name as a Quire identifier: letters, digits and `_`, a letter first.
pub(super) fn ident(s: &str, fallback: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    out.truncate(28);
    let out = out.trim_end_matches('_').to_string();
    if out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        out
    } else if out.is_empty() {
        fallback.to_string()
    } else {
        format!("{fallback}_{out}")
    }
}

struct Choice {
    /// Its name in the XLSForm.
    name: String,
    code: i64,
    value: String,
    label: String,
    /// "Other, please specify": its write-in is the text question `<q>_other`.
    other: bool,
}

/// A choice list: its XLSForm name and its choices, in order.
type List = (String, Vec<Choice>);

/// Where the survey sheet's columns are: `type` and `name` must be there; a label column
/// may be a translation's (`label::English (en)`).
struct Columns {
    kind: usize,
    name: usize,
    label: Option<usize>,
    hint: Option<usize>,
    relevant: Option<usize>,
    constraint: Option<usize>,
    message: Option<usize>,
    required: Option<usize>,
    calculation: Option<usize>,
    repeat_count: Option<usize>,
}

impl Columns {
    fn of(survey: &Sheet) -> Result<Columns, String> {
        let header: Vec<String> = survey
            .first()
            .ok_or("the survey sheet is empty")?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let col = |names: &[&str]| -> Option<usize> {
            names
                .iter()
                .find_map(|n| header.iter().position(|h| h.eq_ignore_ascii_case(n)))
                .or_else(|| {
                    header
                        .iter()
                        .position(|h| names.iter().any(|n| h.to_lowercase().starts_with(&format!("{n}::"))))
                })
        };
        let (kind, name, label) = (col(&["type"]), col(&["name"]), col(&["label"]));
        Ok(Columns {
            kind: kind.ok_or("no `type` column")?,
            name: name.ok_or("no `name` column")?,
            label,
            hint: col(&["hint"]),
            relevant: col(&["relevant"]),
            constraint: col(&["constraint"]),
            message: col(&["constraint_message"]),
            required: col(&["required"]),
            calculation: col(&["calculation"]),
            repeat_count: col(&["repeat_count", "jr:count"]),
        })
    }
}

/// A cell, trimmed: empty when the column is absent or the row short.
fn cell(row: &[String], c: Option<usize>) -> String {
    c.and_then(|c| row.get(c))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The choices sheet's lists: XLSForm names as codes where they are whole numbers, else
/// numbered; each choice's Quire value made from its name (or label), unique in its list.
fn choice_lists(sheet: Option<&Sheet>) -> Vec<List> {
    let mut lists: Vec<List> = Vec::new();
    let Some(ch) = sheet else {
        return lists;
    };
    let mut list_index: HashMap<String, usize> = HashMap::new();
    // Per list: the choice names and the Quire values taken.
    let mut taken: Vec<(HashSet<String>, HashSet<String>)> = Vec::new();
    let h: Vec<String> = ch
        .first()
        .map(|r| r.iter().map(|s| s.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let hc = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .or_else(|| h.iter().position(|x| x.starts_with(&format!("{n}::"))))
    };
    let (l_list, l_name, l_label) = (hc("list_name"), hc("name"), hc("label"));
    for row in ch.iter().skip(1) {
        let list = cell(row, l_list);
        let name = cell(row, l_name);
        if list.is_empty() || name.is_empty() {
            continue;
        }
        let label = cell(row, l_label);
        let at = *list_index.entry(list.clone()).or_insert_with(|| {
            lists.push((list.clone(), Vec::new()));
            taken.push((HashSet::new(), HashSet::new()));
            lists.len() - 1
        });
        let entry = &mut lists[at].1;
        let (names, values) = &mut taken[at];
        // A choice name twice in one list: the form could not tell them apart either.
        if !names.insert(name.clone()) {
            continue;
        }
        let code = name.parse::<i64>().unwrap_or(entry.len() as i64 + 1);
        let base = if name.parse::<i64>().is_ok() {
            ident(&label, &format!("c{code}"))
        } else {
            ident(&name, "c")
        };
        let mut value = base.clone();
        let mut n = 1;
        while values.contains(&value) {
            n += 1;
            value = format!("{base}_{n}");
        }
        values.insert(value.clone());
        entry.push(Choice {
            name: name.clone(),
            code,
            value,
            label: if label.is_empty() { name.clone() } else { label },
            other: false,
        });
    }
    lists
}

/// A text question `<q>_other` right after choice question q, shown when one of its choices
/// is chosen, is that choice's write-in ("Other, please specify"): the choice is marked, and
/// the rows of the write-ins returned (they are not questions of their own).
fn mark_write_ins(survey: &Sheet, cols: &Columns, lists: &mut [List]) -> HashSet<usize> {
    let mut write_ins = HashSet::new();
    for (i, pair) in survey.windows(2).enumerate().skip(1) {
        let (sel, txt) = (&pair[0], &pair[1]);
        let t = cell(sel, Some(cols.kind));
        let mut parts = t.split_whitespace();
        let (Some(kind), Some(list)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !kind.starts_with("select_")
            || cell(txt, Some(cols.kind)) != "text"
            || cell(txt, Some(cols.name)) != format!("{}_other", cell(sel, Some(cols.name)))
        {
            continue;
        }
        let rel = cell(txt, cols.relevant);
        let code = rel.rsplit(['\'', '"']).nth(1).unwrap_or("").to_string();
        if let Some((_, cs)) = lists.iter_mut().find(|(l, _)| l == list)
            && let Some(c) = cs.iter_mut().find(|c| c.code.to_string() == code)
        {
            c.other = true;
            write_ins.insert(i + 1);
        }
    }
    write_ins
}

/// Per question name: its list's XLSForm choice name → Quire value (shared by the questions
/// using the list), its XLSForm type, and the repeat it is in; what the XPath translator
/// needs.
type Tables = (
    HashMap<String, Rc<HashMap<String, String>>>,
    HashMap<String, String>,
    HashMap<String, String>,
);

fn question_tables(survey: &Sheet, cols: &Columns, lists: &[List]) -> Tables {
    let names: HashMap<&str, Rc<HashMap<String, String>>> = lists
        .iter()
        .map(|(l, cs)| {
            let m = cs.iter().map(|c| (c.name.clone(), c.value.clone())).collect();
            (l.as_str(), Rc::new(m))
        })
        .collect();
    let mut choices_by_question = HashMap::new();
    let mut kinds = HashMap::new();
    let mut repeat_of = HashMap::new();
    let mut open: Vec<String> = Vec::new();
    for row in survey.iter().skip(1) {
        let t = cell(row, Some(cols.kind));
        let name = cell(row, Some(cols.name));
        let mut parts = t.split_whitespace();
        let kind = parts.next().unwrap_or("").to_string();
        if let Some(list) = parts.next() {
            choices_by_question.insert(name.clone(), names.get(list).cloned().unwrap_or_default());
        }
        match kind.as_str() {
            "begin_repeat" => {
                if let Some(outer) = open.last() {
                    repeat_of.insert(name.clone(), outer.clone());
                }
                open.push(name.clone());
            }
            "end_repeat" => {
                open.pop();
            }
            _ => {
                if let Some(r) = open.last() {
                    repeat_of.insert(name.clone(), r.clone());
                }
            }
        }
        kinds.insert(name, kind);
    }
    (choices_by_question, kinds, repeat_of)
}

/// A value of the settings sheet (`form_title`, `form_id`, `version`), if given.
fn setting(sheets: &HashMap<String, Sheet>, key: &str) -> Option<String> {
    let s = sheets.get("settings")?;
    let i = s.first()?.iter().position(|h| h.trim() == key)?;
    s.get(1)?.get(i).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// The XLSForm's sheets as a Quire spec, and what did not carry over.
pub fn to_spec(sheets: &HashMap<String, Sheet>, source: &str) -> Result<(String, Report), super::Error> {
    spec_of(sheets, source).map_err(super::Error::from)
}

fn spec_of(sheets: &HashMap<String, Sheet>, source: &str) -> Result<(String, Report), String> {
    let survey = sheets.get("survey").ok_or("the workbook has no `survey` sheet")?;
    let cols = Columns::of(survey)?;
    let mut lists = choice_lists(sheets.get("choices"));
    let write_ins = mark_write_ins(survey, &cols, &mut lists);
    let (choices, kinds, repeat_of) = question_tables(survey, &cols, &lists);
    let mut w = Writer {
        tr: Translate {
            choices: &choices,
            kinds: &kinds,
            repeat_of: &repeat_of,
        },
        cols: &cols,
        yaml: String::new(),
        derived: String::new(),
        report: Vec::new(),
        taken_ids: HashSet::new(),
        section_open: false,
        depth: 0,
        extra_conditions: Vec::new(),
        pipes: HashSet::new(),
        unpiped: Vec::new(),
        main_title: String::new(),
        repeats: Vec::new(),
        saved_conditions: Vec::new(),
        row_aliases: Vec::new(),
    };
    w.head(sheets, source, &lists);
    for (r, row) in survey.iter().enumerate().skip(1) {
        if !write_ins.contains(&r) {
            w.row(r + 1, row);
        }
    }
    Ok(w.finish())
}

/// The spec as it is written, row by row, and what did not carry over.
struct Writer<'a> {
    tr: Translate<'a>,
    cols: &'a Columns,
    yaml: String,
    /// The `derived:` section, written after the sections.
    derived: String,
    report: Report,
    /// Ids taken so far: a name used twice (or two that read alike as Quire ids) gets `_2`.
    taken_ids: HashSet<String>,
    /// Whether a section is open for the next question (else `main` is opened for it).
    section_open: bool,
    /// How deep in groups the row is (an `end_group` too many makes it negative).
    depth: i32,
    /// Per group inside a section: its translated `relevant`, joined into each question's
    /// `ask_if`.
    extra_conditions: Vec<Option<String>>,
    /// The questions asked so far that a text can pipe (`${name}`).
    pipes: HashSet<String>,
    /// Names in `${name}` that could not be piped, kept as written.
    unpiped: Vec<String>,
    /// The form's title, as written in the spec.
    main_title: String,
    /// The repeats open, outer first: where each one's items begin in `yaml`, its roster's
    /// header, and the group depth it was opened at.
    repeats: Vec<(usize, String, i32)>,
    /// The group conditions outside each open repeat, restored at its end.
    saved_conditions: Vec<Vec<Option<String>>>,
    /// Calculates in a repeat that are its row's number (`position(..)`): `${row}` in texts.
    row_aliases: Vec<String>,
}

impl Writer<'_> {
    /// The survey's header and the choice lists.
    fn head(&mut self, sheets: &HashMap<String, Sheet>, source: &str, lists: &[List]) {
        let title = setting(sheets, "form_title").unwrap_or_else(|| "Imported questionnaire".into());
        let id = ident(&setting(sheets, "form_id").unwrap_or_else(|| title.clone()), "form");
        let version = setting(sheets, "version").unwrap_or_else(|| "1".into());
        let none = HashSet::new();
        self.main_title = q(&text_of(&title, &none, &mut self.unpiped));
        self.yaml = format!(
            "# Imported by `quire import xlsform` from {}.\n# Review the comments marked IMPORT: what did not carry over.\nsurvey:\n  id: {id}\n  title: {}\n  version: {}\n",
            one_line(source),
            self.main_title,
            q(&version)
        );
        if !lists.is_empty() {
            self.yaml.push_str("\nchoices:\n");
            for (l, cs) in lists {
                let _ = writeln!(self.yaml, "  {}:", ident(l, "list"));
                for c in cs {
                    let _ = writeln!(
                        self.yaml,
                        "    - {{ code: {}, value: {}, label: {} }}",
                        c.code,
                        q(&c.value),
                        q(&text_of(&c.label, &none, &mut self.unpiped))
                    );
                }
            }
        }
        self.yaml.push_str("\nsections:\n");
    }

    /// A row not carried over, reported and left as a comment at `indent`.
    fn left_out(&mut self, line: usize, what: String, why: String, comment: String, indent: &str) {
        self.report.push((line, what, why));
        let _ = writeln!(self.yaml, "{indent}# IMPORT: {}", one_line(&comment));
    }

    /// One row of the survey sheet (`line`: its row number in the sheet).
    fn row(&mut self, line: usize, row: &[String]) {
        let cols = self.cols;
        let t = cell(row, Some(cols.kind));
        let name = cell(row, Some(cols.name));
        let label = cell(row, cols.label);
        let kind = t.split_whitespace().next().unwrap_or("").to_lowercase();
        let relevant = cell(row, cols.relevant);
        let relevant = if relevant.is_empty() {
            None
        } else {
            match self.tr.expr(&relevant, None) {
                Ok(e) => Some(e),
                Err(why) => {
                    let comment = format!("row {line}: relevant `{relevant}` not translated ({why})");
                    self.left_out(line, format!("relevant `{relevant}`"), why, comment, "      ");
                    None
                }
            }
        };
        let kind = if kind == "begin_group" || (kind == "begin" && t.contains("group")) {
            "begin_group".to_string()
        } else if kind == "end_group" || (kind == "end" && t.contains("group")) {
            "end_group".to_string()
        } else if kind == "begin_repeat" || (kind == "begin" && t.contains("repeat")) {
            "begin_repeat".to_string()
        } else if kind == "end_repeat" || (kind == "end" && t.contains("repeat")) {
            "end_repeat".to_string()
        } else {
            kind
        };
        let shown = if label.is_empty() { &name } else { &label };
        match kind.as_str() {
            "" | "start" | "end" | "today" | "deviceid" | "subscriberid" | "simserial" | "phonenumber" | "username"
            | "email" | "audit" => {}
            "begin_group" => self.begin_group(line, &name, shown, relevant),
            "end_group" => {
                self.depth -= 1;
                self.extra_conditions.pop();
                if self.depth == 0 {
                    self.section_open = false;
                }
            }
            "begin_repeat" => self.begin_repeat(line, row, &name, shown, relevant),
            "end_repeat" => self.end_repeat(line),
            "calculate" => self.calculate(line, &name, shown, &cell(row, cols.calculation)),
            "select_one" | "select_multiple" | "integer" | "decimal" | "date" | "text" | "note" => {
                self.question(line, row, &t, &kind, &name, shown, relevant)
            }
            _ => self.left_out(
                line,
                format!("type `{t}`"),
                "no Quire question type".into(),
                format!("row {line}: `{name}` of type `{t}` left out"),
                "      ",
            ),
        }
    }

    /// A group: a section at the top level, else its condition joins its questions'.
    fn begin_group(&mut self, line: usize, name: &str, shown: &str, relevant: Option<String>) {
        self.depth += 1;
        if self.depth != 1 {
            self.extra_conditions.push(relevant);
            return;
        }
        let id = unique(&mut self.taken_ids, ident(name, "section"), line, &mut self.report);
        let title = q(&text_of(shown, &HashSet::new(), &mut self.unpiped));
        let _ = writeln!(self.yaml, "  - id: {id}\n    title: {title}");
        if let Some(c) = &relevant {
            let _ = writeln!(self.yaml, "    ask_if: {}", q(c));
        }
        self.yaml.push_str("    items:\n");
        self.section_open = true;
        self.extra_conditions.push(None);
    }

    /// A repeat: a roster, its rows counted by `repeat_count` (translated) or open; its items
    /// are written as they come and moved under its header at `end_repeat`.
    fn begin_repeat(&mut self, line: usize, row: &[String], name: &str, shown: &str, relevant: Option<String>) {
        self.open_section();
        let id = unique(&mut self.taken_ids, ident(name, "roster"), line, &mut self.report);
        let title = q(&text_of(shown, &self.pipes, &mut self.unpiped));
        let mut header = format!("      - type: roster\n        id: {id}\n        title: {title}\n");
        let count = cell(row, self.cols.repeat_count);
        let rows = if count.is_empty() {
            "open".to_string()
        } else {
            match self.tr.expr(&count, None) {
                Ok(e) => format!("{{ count: {} }}", q(&e)),
                Err(why) => {
                    self.report.push((line, format!("repeat_count `{count}`"), why.clone()));
                    let _ = writeln!(
                        header,
                        "        # IMPORT: {}",
                        one_line(&format!(
                            "row {line}: repeat_count `{count}` not translated ({why}): the rows are entered"
                        ))
                    );
                    "open".to_string()
                }
            }
        };
        let _ = writeln!(header, "        rows: {rows}");
        // A group's condition around the repeat holds for the roster; its own too.
        if let Some(c) = self.conditions_with(relevant) {
            let _ = writeln!(header, "        ask_if: {}", q(&c));
        }
        header.push_str("        items:\n");
        self.repeats.push((self.yaml.len(), header, self.depth));
        self.pipes.insert("row".to_string());
        // Inside, the rows' items carry their own conditions only.
        self.extra_conditions.push(None);
        let outer = std::mem::take(&mut self.extra_conditions);
        self.extra_conditions = vec![None];
        self.saved_conditions.push(outer);
    }

    /// The end of a repeat: its items, written since its start, moved under its header, one
    /// level in.
    fn end_repeat(&mut self, line: usize) {
        let Some((start, header, _)) = self.repeats.pop() else {
            self.report
                .push((line, "end_repeat".into(), "no repeat is open".into()));
            return;
        };
        let items: String = self.yaml[start..]
            .lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_string()
                } else {
                    format!("    {l}\n")
                }
            })
            .collect();
        self.yaml.truncate(start);
        self.yaml.push_str(&header);
        if items.trim().is_empty() {
            self.yaml.push_str("          # IMPORT: the repeat had no questions\n");
            self.report
                .push((line, "repeat".into(), "no questions in it: left empty".into()));
        }
        self.yaml.push_str(&items);
        if let Some(mut outer) = self.saved_conditions.pop() {
            outer.pop();
            self.extra_conditions = outer;
        }
        if self.repeats.is_empty() {
            self.pipes.remove("row");
        }
    }

    /// The section for items outside any group, `main`, unless one is open.
    fn open_section(&mut self) {
        if !self.section_open {
            let _ = writeln!(self.yaml, "  - id: main\n    title: {}\n    items:", self.main_title);
            self.section_open = true;
        }
    }

    /// The conditions of the groups around a row and its own `relevant`, joined.
    fn conditions_with(&self, relevant: Option<String>) -> Option<String> {
        let conditions: Vec<String> = self
            .extra_conditions
            .iter()
            .flatten()
            .cloned()
            .chain(relevant)
            .collect();
        (!conditions.is_empty()).then(|| conditions.join(" and "))
    }

    /// A text with the row's number piped as Quire pipes it (`${row}`) where the form pipes a
    /// calculate of `position(..)`.
    fn aliased(&self, text: &str) -> String {
        let mut out = text.to_string();
        for a in &self.row_aliases {
            out = out.replace(&format!("${{{a}}}"), "${row}");
        }
        out
    }

    /// A `calculate` row: a derived variable; in a repeat, `position(..)` is the row's number,
    /// which Quire's rows have (`${row}`, `row()`).
    fn calculate(&mut self, line: usize, name: &str, shown: &str, calc: &str) {
        if !self.repeats.is_empty() && self.tr.expr(calc, None).as_deref() == Ok("row()") {
            self.row_aliases.push(name.to_string());
            return;
        }
        match self.tr.expr(calc, None) {
            Ok(e) => {
                let id = unique(&mut self.taken_ids, ident(name, "calc"), line, &mut self.report);
                let label = q(&text_of(shown, &HashSet::new(), &mut self.unpiped));
                let _ = writeln!(self.derived, "  - {{ id: {id}, label: {label}, expr: {} }}", q(&e));
            }
            Err(why) => {
                self.report.push((line, format!("calculation `{calc}`"), why.clone()));
                let comment = format!("row {line}: calculate `{name}` = `{calc}` not translated ({why})");
                let _ = writeln!(self.derived, "  # IMPORT: {}", one_line(&comment));
            }
        }
    }

    /// A question or a note (`kind`: its XLSForm type), in the open section or `main`.
    #[allow(clippy::too_many_arguments)]
    fn question(
        &mut self,
        line: usize,
        row: &[String],
        t: &str,
        kind: &str,
        name: &str,
        shown: &str,
        relevant: Option<String>,
    ) {
        let cols = self.cols;
        let shown = &self.aliased(shown);
        self.open_section();
        let ask_if = self.conditions_with(relevant);
        let qtype = match kind {
            "select_one" => "single",
            "select_multiple" => "multiple",
            "note" => {
                let id = unique(&mut self.taken_ids, ident(name, "note"), line, &mut self.report);
                let text = q(&text_of(shown, &self.pipes, &mut self.unpiped));
                let _ = writeln!(self.yaml, "      - type: note\n        id: {id}\n        text: {text}");
                if let Some(c) = ask_if {
                    let _ = writeln!(self.yaml, "        ask_if: {}", q(&c));
                }
                return;
            }
            other => other,
        };
        let id = unique(&mut self.taken_ids, ident(name, "q"), line, &mut self.report);
        let text = q(&text_of(shown, &self.pipes, &mut self.unpiped));
        let _ = writeln!(
            self.yaml,
            "      - id: {id}\n        type: {qtype}\n        text: {text}"
        );
        if let Some(list) = t.split_whitespace().nth(1) {
            let _ = writeln!(self.yaml, "        choices: {}", ident(list, "list"));
        }
        if qtype != "multiple" {
            self.pipes.insert(name.to_string());
        }
        let hint = cell(row, cols.hint);
        if !hint.is_empty() {
            let _ = writeln!(
                self.yaml,
                "        hint: {}",
                q(&text_of(&hint, &self.pipes, &mut self.unpiped))
            );
        }
        let required = cell(row, cols.required);
        if required.to_lowercase().starts_with('y') || required == "true()" {
            self.yaml.push_str("        required: true\n");
        }
        if let Some(c) = ask_if {
            let _ = writeln!(self.yaml, "        ask_if: {}", q(&c));
        }
        let constraint = cell(row, cols.constraint);
        if constraint.is_empty() {
            return;
        }
        match self.tr.expr(&constraint, Some(name)) {
            Ok(e) => {
                let msg = cell(row, cols.message);
                let msg = if msg.is_empty() {
                    "Please check this answer".to_string()
                } else {
                    msg
                };
                let _ = writeln!(
                    self.yaml,
                    "        validate:\n          - {{ check: {}, message: {} }}",
                    q(&e),
                    q(&text_of(&msg, &self.pipes, &mut self.unpiped))
                );
            }
            Err(why) => {
                let comment = format!("row {line}: constraint `{constraint}` not translated ({why})");
                self.left_out(line, format!("constraint `{constraint}`"), why, comment, "        ");
            }
        }
    }

    /// The spec, with the names that could not be piped reported and `derived:` at the end.
    fn finish(mut self) -> (String, Report) {
        // A repeat never closed: closed at the form's end (its questions stay in it), and said.
        while !self.repeats.is_empty() {
            self.report.push((
                0,
                "begin_repeat".into(),
                "no end_repeat: the repeat is closed at the end of the form".into(),
            ));
            self.end_repeat(0);
        }
        self.unpiped.sort();
        self.unpiped.dedup();
        for name in self.unpiped {
            self.report.push((
                0,
                format!("`${{{name}}}` in a text"),
                "not an earlier question Quire can pipe; kept as written".into(),
            ));
        }
        if self.derived.lines().any(|l| l.trim_start().starts_with("- ")) {
            self.yaml.push_str("\nderived:\n");
            self.yaml.push_str(&self.derived);
        } else if !self.derived.is_empty() {
            self.yaml.push('\n');
            self.yaml.push_str(&self.derived);
        }
        (self.yaml, self.report)
    }
}

/// The workbook's sheets ([`super::xlsx::read`]) as a spec ([`to_spec`]), then `check`: a
/// translated line the checker refuses (a type that does not fit, say) is turned into a
/// comment and reported, until the spec checks clean.
pub fn import(bytes: &[u8], source: &str) -> Result<(String, Report), super::Error> {
    let sheets = super::xlsx::read(bytes)?;
    let (mut yaml, mut report) = to_spec(&sheets, source)?;
    // Every line an error points at is commented out at once; a few rounds settle what the
    // first round's comments uncover (a question left without its choices, say).
    // Rosters (from repeats) are checked as every other item; that not every target builds
    // them yet is for `quire check` to say, not a reason to drop them here.
    let options = quire_core::Options {
        unbuilt_rosters: true,
        ..Default::default()
    };
    for _ in 0..8 {
        let compiled = quire_core::compile_with("imported.yaml", &yaml, &options);
        let mut lines: Vec<String> = yaml.lines().map(str::to_string).collect();
        let mut changed = false;
        let mut seen = std::collections::HashSet::new();
        for d in compiled.diagnostics.iter().filter(|d| d.is_error()) {
            let Some(span) = d.span.filter(|s| s.source == quire_core::source::SourceId(0)) else {
                continue;
            };
            let line = compiled.sources.get(span.source).line_col(span.start()).0;
            let Some(text) = lines.get(line.wrapping_sub(1)).cloned() else {
                continue;
            };
            if text.trim_start().starts_with('#') || !seen.insert(line) {
                continue;
            }
            let indent = text.len() - text.trim_start().len();
            report.push((0, text.trim().to_string(), d.message.clone()));
            lines[line - 1] = format!(
                "{}# IMPORT: not carried over ({}): {}",
                " ".repeat(indent),
                one_line(&d.message),
                text.trim()
            );
            // An item's first line (`- id: …`) goes with the rest of the item: its other
            // lines alone would join the item before.
            if text.trim_start().starts_with("- ") {
                for l in lines.iter_mut().skip(line) {
                    let ind = l.len() - l.trim_start().len();
                    if l.trim().is_empty() || ind <= indent {
                        break;
                    }
                    if !l.trim_start().starts_with('#') {
                        *l = format!("{}# IMPORT: (the item above): {}", " ".repeat(ind), l.trim());
                    }
                }
            }
            changed = true;
        }
        if !changed {
            break;
        }
        yaml = lines.join("\n") + "\n";
    }
    let compiled = quire_core::compile_with("imported.yaml", &yaml, &options);
    if compiled.has_errors() {
        return Err(super::Error::from(format!(
            "the imported spec does not check clean:\n{}",
            crate::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
        )));
    }
    Ok((yaml, report))
}
