//! Translations: gettext PO files in and out, and the catalogues a compile reads them into.
//!
//! A translation maps each source-language text (the PO `msgid`) to its translation
//! (`msgstr`), as gettext does: the same words translate the same way wherever they appear.
//! `quire translations export` writes every respondent-visible text of a spec, with where it
//! is written (`#:`) and any translation already known; translators work in the PO editor
//! of their choice; `quire translations import` checks the file against the spec (texts
//! that no longer exist, `${…}` and `{…}` placeholders kept) before it is used.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::include::Loader;
use crate::source::{Source, SourceId, Sources, Span};
use crate::spec::{Spec, Text};

/// One message of a PO file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// `msgctxt`: what tells two equal source texts apart (an audience's wording, `quire` for the form's own words).
    pub context: Option<String>,
    /// `msgid`: the source text.
    pub id: String,
    /// `msgstr`: its translation ("" when untranslated).
    pub text: String,
    /// `#:` lines: where the text is written.
    pub references: Vec<String>,
    /// `#.` lines: notes for the translator.
    pub notes: Vec<String>,
    /// Marked `#, fuzzy`: the source text changed since it was translated; to be checked.
    pub fuzzy: bool,
    /// Byte range of the entry's `msgstr` (or `msgid`) in the file.
    pub span: (usize, usize),
}

/// Most bytes of one PO file.
pub const MAX_PO_BYTES: usize = 8 * 1024 * 1024;

fn unquote(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                _ => return None,
            }
        } else if c == '"' {
            return None;
        } else {
            out.push(c);
        }
    }
    Some(out)
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A PO file's messages (the header, `msgid ""`, left out), or the first line that is not PO
/// (byte range, message).
pub fn parse(text: &str) -> Result<Vec<Entry>, ((usize, usize), String)> {
    if text.len() > MAX_PO_BYTES {
        return Err((
            (0, 0),
            format!("the file is larger than {} MiB", MAX_PO_BYTES / (1024 * 1024)),
        ));
    }
    #[derive(PartialEq, Clone, Copy)]
    enum Field {
        None,
        Context,
        Id,
        Text,
    }
    let mut out = Vec::new();
    let mut cur = Entry::default();
    let mut field = Field::None;
    let mut started = false;
    // A byte-order mark (as Windows editors save) is not part of the first line.
    let mut offset = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let finish = |cur: &mut Entry, started: &mut bool, out: &mut Vec<Entry>| {
        if *started && !cur.id.is_empty() {
            out.push(std::mem::take(cur));
        } else {
            *cur = Entry::default();
        }
        *started = false;
    };
    for line in text[offset..].split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        let at = (start, start + line.trim_end().len());
        let bad = |m: &str| Err((at, m.to_string()));
        if t.is_empty() {
            finish(&mut cur, &mut started, &mut out);
            field = Field::None;
            continue;
        }
        if let Some(rest) = t.strip_prefix('#') {
            if field == Field::Text {
                finish(&mut cur, &mut started, &mut out);
                field = Field::None;
            }
            if let Some(r) = rest.strip_prefix(':') {
                cur.references.extend(r.split_whitespace().map(str::to_string));
            } else if let Some(r) = rest.strip_prefix('.') {
                cur.notes.push(r.trim().to_string());
            } else if let Some(r) = rest.strip_prefix(',') {
                cur.fuzzy |= r.split(',').any(|f| f.trim() == "fuzzy");
            } else if rest.starts_with('~') {
                // An obsolete message: kept by editors, read by no one.
            }
            continue;
        }
        let (keyword, value) = if t.starts_with('"') {
            ("", t)
        } else {
            match t.split_once(char::is_whitespace) {
                Some((k, r)) => (k, r.trim()),
                None => return bad("expected `msgid \"…\"`, `msgstr \"…\"` or a quoted continuation"),
            }
        };
        let Some(s) = unquote(value) else {
            return bad("this string is not closed, or has an escape PO does not know");
        };
        if let Some(c) = s.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
            return Err((
                at,
                format!(
                    "this text has the control character U+{:04X}, which no output can print; remove it",
                    c as u32
                ),
            ));
        }
        match keyword {
            "msgctxt" => {
                if field == Field::Text {
                    finish(&mut cur, &mut started, &mut out);
                }
                started = true;
                cur.context = Some(s);
                field = Field::Context;
            }
            "msgid" => {
                if field == Field::Text {
                    finish(&mut cur, &mut started, &mut out);
                }
                started = true;
                cur.id = s;
                cur.span = at;
                field = Field::Id;
            }
            "msgstr" => {
                if field != Field::Id {
                    return bad("`msgstr` without the `msgid` it translates");
                }
                cur.text = s;
                cur.span = at;
                field = Field::Text;
            }
            "msgid_plural" | "msgstr[0]" | "msgstr[1]" => {
                return bad("plural forms are not used by Quire: each text is one message");
            }
            "" => match field {
                Field::Context => cur.context.get_or_insert_default().push_str(&s),
                Field::Id => cur.id.push_str(&s),
                Field::Text => {
                    cur.text.push_str(&s);
                    cur.span.1 = at.1;
                }
                Field::None => return bad("a continuation with nothing to continue"),
            },
            _ => return bad("expected `msgctxt`, `msgid` or `msgstr`"),
        }
    }
    finish(&mut cur, &mut started, &mut out);
    Ok(out)
}

/// A PO file: the header for `language`, then the entries.
pub fn write(language: &str, project: &str, entries: &[Entry]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Translation of {project} into {language}.\n# Written by `quire translations export`; give it back with `quire translations import`.\nmsgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: {}\\n\"\n\"Language: {}\\n\"\n\"MIME-Version: 1.0\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Content-Transfer-Encoding: 8bit\\n\"\n\"X-Generator: Quire\\n\"\n",
        project.replace(['"', '\\', '\n'], " "),
        language.replace(['"', '\\', '\n'], " ")
    ));
    for e in entries {
        out.push('\n');
        for n in &e.notes {
            out.push_str(&format!("#. {n}\n"));
        }
        if !e.references.is_empty() {
            out.push_str(&format!("#: {}\n", e.references.join(" ")));
        }
        if e.fuzzy {
            out.push_str("#, fuzzy\n");
        }
        if let Some(c) = &e.context {
            out.push_str(&format!("msgctxt {}\n", quote(c)));
        }
        out.push_str(&format!("msgid {}\nmsgstr {}\n", quote(&e.id), quote(&e.text)));
    }
    out
}

/// The `${…}` pipes a text uses: a translation must keep them (it may reword around them,
/// and drop or add `{term}`s, whose values are translated too).
pub fn placeholders(s: &str) -> BTreeSet<String> {
    all_placeholders(s)
        .into_iter()
        .filter(|p| p.starts_with("${"))
        .collect()
}

/// The `${…}` pipes and `{…}` terms a text uses (`{{` and `}}` are literal braces).
pub fn all_placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with("{{") || rest.starts_with("}}") {
            i += 2;
        } else if rest.starts_with("${{") {
            i += 1;
        } else if rest.starts_with("${") || rest.starts_with('{') {
            match rest.find('}') {
                Some(close) => {
                    let token = &rest[..close + 1];
                    // A pipe's fallback wording is translated; its variable is not.
                    let key = match token.split_once('|') {
                        Some((head, _)) => format!("{head}|…}}"),
                        None => token.to_string(),
                    };
                    out.insert(key);
                    i += close + 1;
                }
                None => break,
            }
        } else {
            i += rest.chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }
    out
}

/// One language's translations, read from its PO file.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Source text → (translation, where the translation is written).
    pub messages: HashMap<String, (String, Span)>,
}

/// Every language's translations, by language tag.
pub type Catalogs = BTreeMap<String, Catalog>;

/// Reads the PO files a spec names in `translations`. Empty and fuzzy messages are not
/// translations (as gettext treats them).
pub fn load(
    spec: &Spec,
    main: SourceId,
    sources: &mut Sources,
    loader: Option<Loader>,
    diags: &mut Diagnostics,
) -> Catalogs {
    let mut out = Catalogs::new();
    for (lang, path) in &spec.translations.0 {
        if !spec.languages.iter().any(|l| l.value == lang.value) {
            let known: Vec<&str> = spec.languages.iter().map(|l| l.value.as_str()).collect();
            diags.push(
                Diagnostic::error(
                    "unknown-language",
                    format!("`{}` is not one of the spec's `languages`", lang.value),
                )
                .at(lang.span, "not declared")
                .suggest(&lang.value, known.iter().copied())
                .help(format!(
                    "declare it: `languages: [{}]`",
                    known
                        .iter()
                        .copied()
                        .chain([lang.value.as_str()])
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            continue;
        }
        let Some(load) = loader else {
            diags.push(
                Diagnostic::error(
                    "include-unavailable",
                    "this spec was not read from a file, so it cannot read translation files",
                )
                .at(path.span, "nothing to read it from")
                .help("compile the spec from its file"),
            );
            continue;
        };
        let from = sources.get(main).name.clone();
        let (name, text) = match load(&from, &from, &path.value) {
            Ok(x) => x,
            Err(why) => {
                diags.push(
                    Diagnostic::error(
                        "translation-missing",
                        format!("cannot read the `{}` translation: {why}", lang.value),
                    )
                    .at(path.span, "named here")
                    .help(format!(
                        "write it with `quire translations export SPEC --to {} -o {}`",
                        lang.value, path.value
                    )),
                );
                continue;
            }
        };
        let id = sources.add(Source::new(name, text));
        match parse(&sources.get(id).text) {
            Err(((s, e), message)) => diags.push(
                Diagnostic::error("po-syntax", format!("cannot read this translation file: {message}"))
                    .at(Span::new(id, s, e), "here")
                    .help("translation files are gettext PO: `msgid \"…\"` then `msgstr \"…\"`, one pair per text"),
            ),
            Ok(entries) => {
                let mut catalog = Catalog::default();
                for e in entries {
                    if !e.fuzzy && !e.text.is_empty() {
                        catalog
                            .messages
                            .insert(e.id, (e.text, Span::new(id, e.span.0, e.span.1)));
                    }
                }
                out.insert(lang.value.clone(), catalog);
            }
        }
    }
    out
}

/// Every source-language string of a spec's respondent-visible texts, in order, with the
/// line it is written on and any inline translation into `language`.
pub fn messages(spec: &Spec, sources: &Sources, language: &str) -> Vec<(String, String, Option<String>)> {
    let source_lang = spec.languages.first().map(|l| l.value.as_str()).unwrap_or("");
    let is_lang = |k: &str| spec.languages.iter().any(|l| l.value == k);
    let place = |span: Span| {
        let src = sources.get(span.source);
        format!("{}:{}", src.name, src.line_col(span.start()).0)
    };
    let mut out: Vec<(String, String, Option<String>)> = Vec::new();
    // Where each message stands in `out`: a text used many times is one message.
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut push = |id: &str, span: Span, inline: Option<String>| {
        if id.trim().is_empty() {
            return;
        }
        match at.get(id).and_then(|&i| out.get_mut(i)) {
            Some(e) => {
                e.1.push(' ');
                e.1.push_str(&place(span));
                if e.2.is_none() {
                    e.2 = inline;
                }
            }
            None => {
                at.insert(id.to_string(), out.len());
                out.push((id.to_string(), place(span), inline));
            }
        }
    };
    let mut terms: Vec<(String, Span)> = Vec::new();
    for (_, a) in &spec.audiences.0 {
        for (_, v) in &a.terms.0 {
            terms.push((v.value.clone(), v.span));
        }
    }
    for text in spec.texts() {
        match text {
            Text::One(s) => push(&s.value, s.span, None),
            Text::PerAudience(m) if m.0.iter().all(|(k, _)| is_lang(&k.value)) => {
                if let Some((_, s)) = m.0.iter().find(|(k, _)| k.value == source_lang) {
                    let inline =
                        m.0.iter()
                            .find(|(k, _)| k.value == language)
                            .map(|(_, v)| v.value.clone());
                    push(&s.value, s.span, inline);
                }
            }
            Text::PerAudience(m) => {
                for (_, s) in &m.0 {
                    push(&s.value, s.span, None);
                }
            }
            Text::PerLanguage(m) => {
                let inner = |lang: &str| m.0.iter().find(|(k, _)| k.value == lang).map(|(_, v)| v);
                match (inner(source_lang), inner(language)) {
                    (Some(Text::One(s)), t) => push(
                        &s.value,
                        s.span,
                        match t {
                            Some(Text::One(x)) => Some(x.value.clone()),
                            _ => None,
                        },
                    ),
                    (Some(Text::PerAudience(src)), t) => {
                        for (k, s) in &src.0 {
                            let inline = match t {
                                Some(Text::PerAudience(tr)) => {
                                    tr.0.iter()
                                        .find(|(x, _)| x.value == k.value)
                                        .map(|(_, v)| v.value.clone())
                                }
                                Some(Text::One(x)) => Some(x.value.clone()),
                                _ => None,
                            };
                            push(&s.value, s.span, inline);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for (v, span) in terms {
        push(&v, span, None);
    }
    out
}

/// Quire's own words for the web form, as PO messages (after the spec's texts in an export).
fn ui_entries(known: Option<&Catalog>) -> Vec<Entry> {
    let mut seen = BTreeSet::new();
    crate::ui::STRINGS
        .iter()
        // Two keys with the same English are one message.
        .filter(|(_, english)| seen.insert(*english))
        .map(|(key, english)| Entry {
            context: Some("quire".into()),
            id: english.to_string(),
            text: known
                .and_then(|c| c.messages.get(*english))
                .map(|(t, _)| t.clone())
                .unwrap_or_default(),
            notes: vec![format!(
                "Quire's own words in the web form ({key}).{}",
                if crate::ui::slots(english).is_empty() {
                    ""
                } else {
                    " Keep each {0}, {1}: the form fills them in."
                }
            )],
            ..Entry::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn po_round_trips() {
        let entries = vec![
            Entry {
                id: "Do you have \"a\" care plan?\nYes".into(),
                text: "Oes gennych chi gynllun gofal?".into(),
                references: vec!["concord.yaml:12".into()],
                notes: vec!["Q9".into()],
                ..Entry::default()
            },
            Entry {
                context: Some("carer".into()),
                id: "Yes".into(),
                text: String::new(),
                ..Entry::default()
            },
        ];
        let text = write("cy", "concord 2019.1", &entries);
        let back = parse(&text).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].id, entries[0].id);
        assert_eq!(back[0].text, entries[0].text);
        assert_eq!(back[0].references, entries[0].references);
        assert_eq!(back[1].context.as_deref(), Some("carer"));
        assert!(parse("msgid \"a\nmsgstr \"b\"\n").is_err());
        assert!(parse("msgstr \"b\"\n").is_err());
        let multi = parse("#, fuzzy\nmsgid \"\"\n\"Hello \"\n\"world\"\nmsgstr \"Helo\"\n\"byd\"\n").unwrap();
        assert_eq!(multi[0].id, "Hello world");
        assert_eq!(multi[0].text, "Helobyd");
        assert!(multi[0].fuzzy);
    }

    #[test]
    fn placeholders_are_pipes_and_terms() {
        let text = "Has {you} seen ${cc_name|the coordinator} {{literal}}?";
        assert_eq!(
            all_placeholders(text).into_iter().collect::<Vec<_>>(),
            ["${cc_name|…}", "{you}"]
        );
        assert_eq!(placeholders(text).into_iter().collect::<Vec<_>>(), ["${cc_name|…}"]);
    }
}

/// The PO file for translating a spec into `language`: every respondent-visible text, with
/// where it is written and the translation already known (inline, or in the spec's PO file).
pub fn export(read: &crate::Read, language: &str) -> Result<String, crate::Error> {
    let spec = read
        .spec
        .as_ref()
        .ok_or("the spec cannot be read; run `quire check` for the details")?;
    let languages: Vec<&str> = spec.languages.iter().map(|l| l.value.as_str()).collect();
    if languages.first() == Some(&language) {
        return Err(crate::Error::from(format!(
            "`{language}` is the source language: translate into another"
        )));
    }
    if !languages.contains(&language) {
        return Err(crate::Error::from(format!(
            "`{language}` is not one of the spec's languages ({}); add it to `languages` first",
            if languages.is_empty() {
                "none declared".to_string()
            } else {
                languages.join(", ")
            }
        )));
    }
    let known = read.catalogs.get(language);
    let entries: Vec<Entry> = messages(spec, &read.sources, language)
        .into_iter()
        .map(|(id, at, inline)| Entry {
            text: inline
                .or_else(|| known.and_then(|c| c.messages.get(&id)).map(|(t, _)| t.clone()))
                .unwrap_or_default(),
            references: at.split(' ').map(str::to_string).collect(),
            notes: placeholders(&id)
                .iter()
                .map(|p| format!("Keep {p} as it is: it shows an earlier answer."))
                .collect(),
            id,
            ..Entry::default()
        })
        .collect();
    let mut entries = entries;
    if crate::ui::needs_translation(language) {
        entries.extend(ui_entries(known));
    }
    let project = format!("{} {}", spec.survey.id.value, spec.survey.version.value);
    Ok(write(language, &project, &entries))
}

/// What importing a translation found.
#[derive(Debug, Default)]
pub struct Imported {
    /// The PO file to keep: every current text, translated where the file translates it.
    pub po: String,
    /// Texts translated.
    pub translated: usize,
    /// Texts in all.
    pub total: usize,
    /// Messages for texts the spec no longer has (line in the imported file, text).
    pub obsolete: Vec<(usize, String)>,
    /// Translations that drop or add a `${…}` pipe (line, message): nothing is written.
    pub errors: Vec<(usize, String)>,
}

/// Checks a translator's PO file against the spec.
pub fn import(read: &crate::Read, language: &str, po: &str) -> Result<Imported, crate::Error> {
    let spec = read
        .spec
        .as_ref()
        .ok_or("the spec cannot be read; run `quire check` for the details")?;
    if !spec.languages.iter().skip(1).any(|l| l.value == language) {
        return Err(crate::Error::from(format!(
            "`{language}` is not one of the spec's translated languages"
        )));
    }
    // Line numbers by a search of where lines start: a file of many messages stays linear.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(po.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|s| *s <= offset).max(1);
    let given = parse(po).map_err(|((s, _), m)| format!("line {}: {m}", line_of(s)))?;
    let mut current = messages(spec, &read.sources, language);
    let ui: Vec<Entry> = if crate::ui::needs_translation(language) {
        ui_entries(None)
    } else {
        Vec::new()
    };
    current.extend(ui.iter().map(|e| (e.id.clone(), String::new(), None)));
    let mut out = Imported {
        total: current.len(),
        ..Imported::default()
    };
    let current_ids: std::collections::HashSet<&str> = current.iter().map(|(id, _, _)| id.as_str()).collect();
    let ui_ids: std::collections::HashSet<&str> = ui.iter().map(|u| u.id.as_str()).collect();
    let mut by_id: HashMap<&str, &Entry> = HashMap::new();
    for e in &given {
        if !current_ids.contains(e.id.as_str()) {
            out.obsolete.push((line_of(e.span.0), e.id.clone()));
            continue;
        }
        let slots_differ = ui_ids.contains(e.id.as_str()) && crate::ui::slots(&e.id) != crate::ui::slots(&e.text);
        if !e.text.is_empty() && slots_differ {
            out.errors.push((
                line_of(e.span.0),
                format!("the translation of “{}” must keep its {{0}}-style slots", e.id),
            ));
        }
        if !e.text.is_empty() && placeholders(&e.id) != placeholders(&e.text) {
            out.errors.push((
                line_of(e.span.0),
                format!(
                    "the translation of “{}” must keep {}",
                    e.id.chars().take(60).collect::<String>(),
                    placeholders(&e.id).into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        by_id.insert(e.id.as_str(), e);
    }
    let entries: Vec<Entry> = current
        .into_iter()
        .map(|(id, at, inline)| {
            let given = by_id.get(id.as_str());
            let text = given
                .filter(|e| !e.fuzzy)
                .map(|e| e.text.clone())
                .filter(|t| !t.is_empty())
                .or(inline)
                .unwrap_or_default();
            if !text.is_empty() {
                out.translated += 1;
            }
            let ui_entry = ui.iter().find(|u| u.id == id);
            Entry {
                fuzzy: given.is_some_and(|e| e.fuzzy),
                text,
                references: at.split(' ').filter(|r| !r.is_empty()).map(str::to_string).collect(),
                notes: ui_entry
                    .map(|u| u.notes.clone())
                    .or_else(|| given.map(|e| e.notes.clone()))
                    .unwrap_or_default(),
                context: ui_entry.and_then(|u| u.context.clone()),
                id,
                ..Entry::default()
            }
        })
        .collect();
    let po_out = write(
        language,
        &format!("{} {}", spec.survey.id.value, spec.survey.version.value),
        &entries,
    );
    // The translator's own notes at the top of the file (quality, reviewer) are kept.
    let preface: String = po
        .lines()
        .take_while(|l| l.starts_with('#'))
        .filter(|l| !l.starts_with("# Translation of ") && !l.starts_with("# Written by `quire"))
        .map(|l| format!("{l}\n"))
        .collect();
    out.po = format!("{preface}{po_out}");
    Ok(out)
}
