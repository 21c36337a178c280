//! `quire import xlsform FORM.xlsx -o spec.yaml`: an existing XLSForm in, a Quire spec out,
//! so a team can bring an instrument over and get Quire's checks, paper editions and
//! codebook.
//!
//! Groups become sections, `select_one`/`select_multiple` single and multiple choice with
//! the form's choice lists, `relevant` becomes `ask_if` and `constraint` a `validate` rule,
//! translated from XPath where the expression is within Quire's language; `calculate` rows
//! become derived variables. What cannot be translated is reported with its row and kept
//! in the spec as a comment.

use std::collections::HashMap;

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

/// The XLSForm's sheets as a Quire spec, and what did not carry over.
pub fn to_spec(sheets: &HashMap<String, Sheet>, source: &str) -> Result<(String, Report), super::Error> {
    spec_of(sheets, source).map_err(super::Error::from)
}

fn spec_of(sheets: &HashMap<String, Sheet>, source: &str) -> Result<(String, Report), String> {
    let survey = sheets.get("survey").ok_or("the workbook has no `survey` sheet")?;
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
    let (c_type, c_name, c_label) = (col(&["type"]), col(&["name"]), col(&["label"]));
    let (c_type, c_name) = (c_type.ok_or("no `type` column")?, c_name.ok_or("no `name` column")?);
    let (c_hint, c_rel, c_con, c_msg, c_req, c_calc) = (
        col(&["hint"]),
        col(&["relevant"]),
        col(&["constraint"]),
        col(&["constraint_message"]),
        col(&["required"]),
        col(&["calculation"]),
    );
    let get = |row: &Vec<String>, c: Option<usize>| -> String {
        c.and_then(|c| row.get(c))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    // Choice lists: XLSForm names as codes where they are whole numbers, else numbered.
    let mut lists: Vec<(String, Vec<Choice>)> = Vec::new();
    let mut list_index: HashMap<String, usize> = HashMap::new();
    // Per list: the choice names and the Quire values taken.
    let mut taken: Vec<(std::collections::HashSet<String>, std::collections::HashSet<String>)> = Vec::new();
    if let Some(ch) = sheets.get("choices") {
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
            let list = get(row, l_list);
            let name = get(row, l_name);
            if list.is_empty() || name.is_empty() {
                continue;
            }
            let label = get(row, l_label);
            let at = *list_index.entry(list.clone()).or_insert_with(|| {
                lists.push((list.clone(), Vec::new()));
                taken.push((std::collections::HashSet::new(), std::collections::HashSet::new()));
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
    }
    // A text question `<q>_other` right after choice question q, shown when one of its choices
    // is chosen, is that choice's write-in ("Other, please specify").
    let mut write_ins: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for (i, pair) in survey.windows(2).enumerate().skip(1) {
        let (sel, txt) = (&pair[0], &pair[1]);
        let t = get(sel, Some(c_type));
        let mut parts = t.split_whitespace();
        let (Some(kind), Some(list)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !kind.starts_with("select_")
            || get(txt, Some(c_type)) != "text"
            || get(txt, Some(c_name)) != format!("{}_other", get(sel, Some(c_name)))
        {
            continue;
        }
        let rel = get(txt, c_rel);
        let code = rel.rsplit(['\'', '"']).nth(1).unwrap_or("").to_string();
        if let Some((_, cs)) = lists.iter_mut().find(|(l, _)| l == list)
            && let Some(c) = cs.iter_mut().find(|c| c.code.to_string() == code)
        {
            c.other = true;
            write_ins.insert(i + 1);
        }
    }
    // Per list, XLSForm choice name → Quire value (shared by the questions using it).
    let names: HashMap<&str, std::rc::Rc<HashMap<String, String>>> = lists
        .iter()
        .map(|(l, cs)| {
            let m = cs.iter().map(|c| (c.name.clone(), c.value.clone())).collect();
            (l.as_str(), std::rc::Rc::new(m))
        })
        .collect();
    let names_of = |list: &str| names.get(list).cloned().unwrap_or_default();
    let mut choices_by_question: HashMap<String, std::rc::Rc<HashMap<String, String>>> = HashMap::new();
    let mut kinds: HashMap<String, String> = HashMap::new();
    for row in survey.iter().skip(1) {
        let t = get(row, Some(c_type));
        let name = get(row, Some(c_name));
        let mut parts = t.split_whitespace();
        let kind = parts.next().unwrap_or("").to_string();
        if let Some(list) = parts.next() {
            choices_by_question.insert(name.clone(), names_of(list));
        }
        kinds.insert(name, kind);
    }
    let tr = Translate {
        choices: &choices_by_question,
        kinds: &kinds,
    };
    let mut report: Report = Vec::new();
    let settings = sheets.get("settings");
    let setting = |k: &str| -> Option<String> {
        let s = settings?;
        let i = s.first()?.iter().position(|h| h.trim() == k)?;
        s.get(1)?.get(i).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    };
    let title = setting("form_title").unwrap_or_else(|| "Imported questionnaire".into());
    let id = ident(&setting("form_id").unwrap_or_else(|| title.clone()), "form");
    let version = setting("version").unwrap_or_else(|| "1".into());
    // `${name}` in texts: piped where it names an earlier question Quire can pipe.
    let none = std::collections::HashSet::new();
    let mut pipes: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut unpiped: Vec<String> = Vec::new();
    let main_title = q(&text_of(&title, &none, &mut unpiped));
    let mut yaml = format!(
        "# Imported by `quire import xlsform` from {}.\n# Review the comments marked IMPORT: what did not carry over.\nsurvey:\n  id: {id}\n  title: {}\n  version: {}\n",
        one_line(source),
        main_title,
        q(&version)
    );
    if !lists.is_empty() {
        yaml.push_str("\nchoices:\n");
        for (l, cs) in &lists {
            let _ = std::fmt::Write::write_fmt(&mut yaml, format_args!("  {}:\n", ident(l, "list")));
            for c in cs {
                let _ = std::fmt::Write::write_fmt(
                    &mut yaml,
                    format_args!(
                        "    - {{ code: {}, value: {}, label: {} }}\n",
                        c.code,
                        q(&c.value),
                        q(&text_of(&c.label, &none, &mut unpiped))
                    ),
                );
            }
        }
    }
    yaml.push_str("\nsections:\n");
    let mut derived = String::new();
    // Ids taken so far: a name used twice (or two that read alike as Quire ids) gets `_2`.
    let mut taken_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut section_open = false;
    let mut depth = 0;
    let mut extra_conditions: Vec<Option<String>> = Vec::new();
    let open_default = |yaml: &mut String, section_open: &mut bool| {
        if !*section_open {
            yaml.push_str(&format!("  - id: main\n    title: {main_title}\n    items:\n"));
            *section_open = true;
        }
    };
    for (r, row) in survey.iter().enumerate().skip(1) {
        if write_ins.contains(&r) {
            continue;
        }
        let line = r + 1;
        let t = get(row, Some(c_type));
        let name = get(row, Some(c_name));
        let label = get(row, c_label);
        let kind = t.split_whitespace().next().unwrap_or("").to_lowercase();
        let relevant = get(row, c_rel);
        let translated_relevant = if relevant.is_empty() {
            None
        } else {
            match tr.expr(&relevant, None) {
                Ok(e) => Some(e),
                Err(why) => {
                    report.push((line, format!("relevant `{relevant}`"), why.clone()));
                    yaml.push_str(&format!(
                        "      # IMPORT: {}\n",
                        one_line(&format!("row {line}: relevant `{relevant}` not translated ({why})"))
                    ));
                    None
                }
            }
        };
        let group_start = kind == "begin_group" || (kind == "begin" && t.contains("group"));
        let group_end = kind == "end_group" || (kind == "end" && t.contains("group"));
        let kind = if group_start {
            "begin_group".to_string()
        } else if group_end {
            "end_group".to_string()
        } else {
            kind
        };
        match kind.as_str() {
            "" | "start" | "end" | "today" | "deviceid" | "subscriberid" | "simserial" | "phonenumber" | "username"
            | "email" | "audit" => {}
            "begin_group" => {
                depth += 1;
                if depth == 1 {
                    yaml.push_str(&format!(
                        "  - id: {}\n    title: {}\n",
                        unique(&mut taken_ids, ident(&name, "section"), line, &mut report),
                        q(&text_of(
                            if label.is_empty() { &name } else { &label },
                            &none,
                            &mut unpiped
                        ))
                    ));
                    if let Some(c) = &translated_relevant {
                        yaml.push_str(&format!("    ask_if: {}\n", q(c)));
                    }
                    yaml.push_str("    items:\n");
                    section_open = true;
                    extra_conditions.push(None);
                } else {
                    extra_conditions.push(translated_relevant.clone());
                }
            }
            "end_group" => {
                depth -= 1;
                extra_conditions.pop();
                if depth == 0 {
                    section_open = false;
                }
            }
            "begin_repeat" | "end_repeat" => {
                report.push((
                    line,
                    format!("repeat `{name}`"),
                    "repeats are not in Quire's format".into(),
                ));
                yaml.push_str(&format!(
                    "      # IMPORT: {}\n",
                    one_line(&format!("row {line}: repeat `{name}` (its questions are asked once)"))
                ));
            }
            "calculate" => {
                let calc = get(row, c_calc);
                match tr.expr(&calc, None) {
                    Ok(e) => derived.push_str(&format!(
                        "  - {{ id: {}, label: {}, expr: {} }}\n",
                        unique(&mut taken_ids, ident(&name, "calc"), line, &mut report),
                        q(&text_of(
                            if label.is_empty() { &name } else { &label },
                            &none,
                            &mut unpiped
                        )),
                        q(&e)
                    )),
                    Err(why) => {
                        report.push((line, format!("calculation `{calc}`"), why.clone()));
                        derived.push_str(&format!(
                            "  # IMPORT: {}\n",
                            one_line(&format!(
                                "row {line}: calculate `{name}` = `{calc}` not translated ({why})"
                            ))
                        ));
                    }
                }
            }
            _ => {
                let qtype = match kind.as_str() {
                    "select_one" => Some("single"),
                    "select_multiple" => Some("multiple"),
                    "integer" => Some("integer"),
                    "decimal" => Some("decimal"),
                    "date" => Some("date"),
                    "text" => Some("text"),
                    "note" => None,
                    _ => {
                        report.push((line, format!("type `{t}`"), "no Quire question type".into()));
                        yaml.push_str(&format!(
                            "      # IMPORT: {}\n",
                            one_line(&format!("row {line}: `{name}` of type `{t}` left out"))
                        ));
                        continue;
                    }
                };
                open_default(&mut yaml, &mut section_open);
                let conditions: Vec<String> = extra_conditions
                    .iter()
                    .flatten()
                    .cloned()
                    .chain(translated_relevant.clone())
                    .collect();
                let ask_if = (!conditions.is_empty()).then(|| conditions.join(" and "));
                let text = if label.is_empty() { name.clone() } else { label.clone() };
                match qtype {
                    None => {
                        yaml.push_str(&format!(
                            "      - type: note\n        id: {}\n        text: {}\n",
                            unique(&mut taken_ids, ident(&name, "note"), line, &mut report),
                            q(&text_of(&text, &pipes, &mut unpiped))
                        ));
                        if let Some(c) = ask_if {
                            yaml.push_str(&format!("        ask_if: {}\n", q(&c)));
                        }
                    }
                    Some(qt) => {
                        yaml.push_str(&format!(
                            "      - id: {}\n        type: {qt}\n        text: {}\n",
                            unique(&mut taken_ids, ident(&name, "q"), line, &mut report),
                            q(&text_of(&text, &pipes, &mut unpiped))
                        ));
                        if let Some(list) = t.split_whitespace().nth(1) {
                            yaml.push_str(&format!("        choices: {}\n", ident(list, "list")));
                        }
                        if qt != "multiple" {
                            pipes.insert(name.clone());
                        }
                        let hint = get(row, c_hint);
                        if !hint.is_empty() {
                            yaml.push_str(&format!("        hint: {}\n", q(&text_of(&hint, &pipes, &mut unpiped))));
                        }
                        if get(row, c_req).to_lowercase().starts_with('y') || get(row, c_req) == "true()" {
                            yaml.push_str("        required: true\n");
                        }
                        if let Some(c) = ask_if {
                            yaml.push_str(&format!("        ask_if: {}\n", q(&c)));
                        }
                        let constraint = get(row, c_con);
                        if !constraint.is_empty() {
                            match tr.expr(&constraint, Some(&name)) {
                                Ok(e) => {
                                    let msg = get(row, c_msg);
                                    let msg = if msg.is_empty() {
                                        "Please check this answer".to_string()
                                    } else {
                                        msg
                                    };
                                    yaml.push_str(&format!(
                                        "        validate:\n          - {{ check: {}, message: {} }}\n",
                                        q(&e),
                                        q(&text_of(&msg, &pipes, &mut unpiped))
                                    ));
                                }
                                Err(why) => {
                                    report.push((line, format!("constraint `{constraint}`"), why.clone()));
                                    yaml.push_str(&format!(
                                        "        # IMPORT: {}\n",
                                        one_line(&format!(
                                            "row {line}: constraint `{constraint}` not translated ({why})"
                                        ))
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    unpiped.sort();
    unpiped.dedup();
    for name in unpiped {
        report.push((
            0,
            format!("`${{{name}}}` in a text"),
            "not an earlier question Quire can pipe; kept as written".into(),
        ));
    }
    if derived.lines().any(|l| l.trim_start().starts_with("- ")) {
        yaml.push_str("\nderived:\n");
        yaml.push_str(&derived);
    } else if !derived.is_empty() {
        yaml.push('\n');
        yaml.push_str(&derived);
    }
    Ok((yaml, report))
}

/// The workbook's sheets ([`super::xlsx::read`]) as a spec ([`to_spec`]), then `check`: a
/// translated line the checker refuses (a type that does not fit, say) is turned into a
/// comment and reported, until the spec checks clean.
pub fn import(bytes: &[u8], source: &str) -> Result<(String, Report), super::Error> {
    let sheets = super::xlsx::read(bytes)?;
    let (mut yaml, mut report) = to_spec(&sheets, source)?;
    // Every line an error points at is commented out at once; a few rounds settle what the
    // first round's comments uncover (a question left without its choices, say).
    for _ in 0..8 {
        let compiled = quire_core::compile("imported.yaml", &yaml);
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
    let compiled = quire_core::compile("imported.yaml", &yaml);
    if compiled.has_errors() {
        return Err(super::Error::from(format!(
            "the imported spec does not check clean:\n{}",
            crate::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
        )));
    }
    Ok((yaml, report))
}
