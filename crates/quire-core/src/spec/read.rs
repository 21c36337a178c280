//! Spanned YAML nodes in, the spec's types out ([`super::types`]): every unknown key,
//! missing key and wrong type reported at once, with the fix. Nothing is resolved here
//! (that is `check`); this layer only insists on the shape.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{Source, Span};
use crate::yaml::{Node, Value};

use super::types::*;

/// Reads a spec from its node tree, reporting every problem of shape into `diags`.
/// Returns `None` only when the root is not a mapping; otherwise a best-effort spec.
pub fn read(root: &Node, source: &Source, diags: &mut Diagnostics) -> Option<Spec> {
    let mut sources = crate::source::Sources::new();
    sources.add(source.clone());
    read_with(root, &sources, &crate::include::Fragments::new(), diags, None)
}

/// Whether paper can print a character: the PDF backend knows its fonts, the core does not.
pub type Printable = fn(char) -> bool;

/// [`read`], warning at every text with a character `printable` refuses.
pub fn read_with(
    root: &Node,
    sources: &crate::source::Sources,
    fragments: &crate::include::Fragments,
    diags: &mut Diagnostics,
    printable: Option<Printable>,
) -> Option<Spec> {
    if matches!(root.value, Value::Null) {
        diags.push(
            Diagnostic::error("empty-spec", "the spec is empty")
                .at(root.span, "nothing here")
                .help("a spec starts with `survey:` (its `id`, `title` and `version`) and `sections:`; `quire init NAME` writes a small one to start from"),
        );
        return None;
    }
    let mut r = Reader::new(sources, fragments, diags, printable);
    Spec::read(root, &mut r)
}

pub(crate) struct Reader<'a> {
    sources: &'a crate::source::Sources,
    fragments: &'a crate::include::Fragments,
    diags: &'a mut Diagnostics,
    printable: Option<Printable>,
    /// What included files add, merged into the spec once it is read.
    included_choices: Vec<(Sp<String>, ChoiceList)>,
    included_derived: Vec<Derived>,
}

impl<'a> Reader<'a> {
    fn new(
        sources: &'a crate::source::Sources,
        fragments: &'a crate::include::Fragments,
        diags: &'a mut Diagnostics,
        printable: Option<Printable>,
    ) -> Self {
        Reader {
            sources,
            fragments,
            diags,
            printable,
            included_choices: Vec::new(),
            included_derived: Vec::new(),
        }
    }

    fn slice(&self, span: Span) -> &str {
        self.sources.get(span.source).slice(span)
    }

    /// Reads an included fragment's `choices`, `derived` and (where `sections` is given)
    /// `sections`, keeping its lists and derived variables for the spec.
    fn fragment(&mut self, path: &Sp<String>, sections: Option<&mut Vec<Section>>) {
        let Some(Some((_, root))) = self.fragments.get(&path.span) else {
            return;
        };
        let root = root.clone();
        let Some(mut f) = Fields::new(&root, "an included file", self) else {
            return;
        };
        let choices: Entries<ChoiceList> = f.opt(self, "choices").unwrap_or_default();
        let derived: Vec<Derived> = f.opt(self, "derived").unwrap_or_default();
        match (f.node("sections"), sections) {
            (Some(node), Some(out)) => out.extend(read_sections(node, self)),
            (Some(node), None) => {
                // Nothing of it is taken: its lists and derived variables belong with its sections.
                self.diags.push(
                    Diagnostic::error(
                        "include-sections",
                        format!(
                            "`{}` has sections, which a top-level `include` has no place for",
                            path.value
                        ),
                    )
                    .at(path.span, "included for its choices and derived variables")
                    .also(label_span(node), "these sections")
                    .help(format!(
                        "include it where its sections belong: `- include: {}` in `sections`",
                        path.value
                    )),
                );
                return;
            }
            _ => {}
        }
        f.finish(self);
        self.included_choices.extend(choices.0);
        self.included_derived.extend(derived);
    }
    fn wrong(&mut self, node: &Node, expected: &str) {
        let d = Diagnostic::error("wrong-type", format!("expected {expected}, found {}", node.kind()))
            .at(label_span(node), format!("this should be {expected}"));
        let d = match &node.value {
            Value::Map(_) if expected.contains("text") => {
                d.help("a mapping here is only allowed for per-audience text; check the indentation")
            }
            Value::Null => d.help("write a value after the colon, or remove the key"),
            _ if expected.contains("true") => d.help("write `true` or `false`, without quotes"),
            _ if expected.contains("number") => d.help("write a number without quotes or units, e.g. `10`"),
            _ if expected.contains("list") => d.help("start each entry on its own line with `- `, or write `[a, b]`"),
            _ if expected.contains("mapping") => d.help("write `key: value` lines, indented under this one"),
            _ => d.help("put text in quotes if it contains `:`, `#`, `[` or `{`"),
        };
        self.diags.push(d);
    }
}

/// The span worth underlining for a node: the node itself, or its first key for a block mapping.
fn label_span(node: &Node) -> Span {
    match &node.value {
        Value::Map(entries) if node.span.is_empty() => entries.first().map(|(k, _)| k.span).unwrap_or(node.span),
        Value::Seq(items) if node.span.is_empty() => items.first().map(label_span).unwrap_or(node.span),
        _ => node.span,
    }
}

trait Read: Sized {
    fn read(node: &Node, r: &mut Reader) -> Option<Self>;
}

/// A character no output can hold: C0 controls other than tab, line feed and carriage return
/// (XML 1.0 forbids them, R and C strings end at NUL), and the non-characters U+FFFE/U+FFFF.
fn unprintable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r') && (c as u32) < 0x80) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

impl Read for String {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match &node.value {
            Value::Str(s) if s.chars().any(unprintable) => {
                let c = s.chars().find(|c| unprintable(*c)).unwrap_or('\0');
                r.diags.push(
                    Diagnostic::error(
                        "control-character",
                        format!(
                            "text holds the control character U+{:04X}, which no output can hold",
                            c as u32
                        ),
                    )
                    .at(
                        label_span(node),
                        "written with an escape such as `\\v`, `\\0` or `\\x01`",
                    )
                    .help("remove it; line breaks and tabs are fine"),
                );
                Some(s.chars().filter(|c| !unprintable(*c)).collect())
            }
            Value::Str(s) => {
                if let Some(printable) = r.printable
                    && let Some(c) = s.chars().find(|c| !printable(*c))
                {
                    r.diags.push(
                        Diagnostic::warning(
                            "unprintable-character",
                            format!("`{c}` (U+{:04X}) cannot be printed on paper: no font Quire embeds has it", c as u32),
                        )
                        .at(label_span(node), "in this text")
                        .help("web forms and data files keep it; the PDF prints `?` in its place. Write it another way on paper, or typeset the `paper` target's Typst with a font that has it"),
                    );
                }
                Some(s.clone())
            }
            // `version: 1.10` is text to the designer: keep what they typed, not the float.
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(r.slice(node.span).to_string()),
            _ => {
                r.wrong(node, "text");
                None
            }
        }
    }
}

impl Read for i64 {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match node.value {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(f as i64),
            _ => {
                r.wrong(node, "a whole number");
                None
            }
        }
    }
}

impl Read for f64 {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match node.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) if f.is_finite() => Some(f),
            _ => {
                r.wrong(node, "a number");
                None
            }
        }
    }
}

impl Read for bool {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                r.wrong(node, "`true` or `false`");
                None
            }
        }
    }
}

impl<T: Read> Read for Sp<T> {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        T::read(node, r).map(|v| Sp::new(v, node.span))
    }
}

impl<T: Read> Read for Vec<T> {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match &node.value {
            Value::Seq(items) => {
                // Sized up front: a filtered iterator would grow the list by doubling, copying
                // every item read so far (a section's items are large).
                let mut out = Vec::with_capacity(items.len());
                out.extend(items.iter().filter_map(|n| T::read(n, r)));
                Some(out)
            }
            _ => {
                r.wrong(node, "a list (lines starting with `- `)");
                None
            }
        }
    }
}

impl<T: Read> Read for OneOrMany<T> {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match &node.value {
            Value::Seq(_) => Vec::<T>::read(node, r).map(OneOrMany),
            _ => T::read(node, r).map(|one| OneOrMany(vec![one])),
        }
    }
}

impl<T: Read> Read for Entries<T> {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            r.wrong(node, "a mapping of names to values");
            return None;
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let Some(key) = Sp::<String>::read(k, r) else {
                continue;
            };
            if let Some(v) = T::read(v, r) {
                out.push((key, v));
            }
        }
        Some(Entries(out))
    }
}

impl Read for Text {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let text = match &node.value {
            // A map of maps is per language, each per audience.
            Value::Map(entries) if entries.iter().any(|(_, v)| matches!(v.value, Value::Map(_))) => {
                return Entries::read(node, r).map(Text::PerLanguage);
            }
            Value::Map(_) => Entries::read(node, r).map(Text::PerAudience),
            _ => Sp::<String>::read(node, r).map(Text::One),
        }?;
        // Every text is printed or read out somewhere: an empty one would leave a hole
        // (a PDF without a title, a question without words).
        let empty: Vec<Span> = match &text {
            Text::One(s) => vec![s.span],
            Text::PerAudience(m) => m.0.iter().map(|(_, v)| v.span).collect(),
            Text::PerLanguage(_) => Vec::new(),
        }
        .into_iter()
        .zip(match &text {
            Text::One(s) => vec![s.value.trim().is_empty()],
            Text::PerAudience(m) => m.0.iter().map(|(_, v)| v.value.trim().is_empty()).collect(),
            Text::PerLanguage(_) => Vec::new(),
        })
        .filter_map(|(span, empty)| empty.then_some(span))
        .collect();
        for span in empty {
            // An empty block scalar (`>-` and nothing under it) has no width: point at its
            // indicator, the last thing written before it.
            let span = if span.is_empty() {
                let text = &r.sources.get(span.source).text;
                let before = text[..span.start().min(text.len())].trim_end();
                match before.char_indices().last() {
                    Some((i, c)) => Span::new(span.source, i, i + c.len_utf8()),
                    None => span,
                }
            } else {
                span
            };
            r.diags.push(
                Diagnostic::error("empty-text", "this text is empty")
                    .at(span, "nothing to print or read out")
                    .help("write the text, or leave out the key where it is optional"),
            );
        }
        Some(text)
    }
}

impl Read for ChoiceList {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match &node.value {
            Value::Map(_) => {
                let mut f = Fields::new(node, "a choice list", r)?;
                let ordered = f.opt(r, "ordered");
                let options = f.req(r, "options");
                f.finish(r);
                Some(ChoiceList::Declared(DeclaredList {
                    ordered,
                    options: options?,
                }))
            }
            _ => Vec::read(node, r).map(ChoiceList::Plain),
        }
    }
}

impl Read for ChoiceSource {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        match &node.value {
            Value::Map(entries) if entries.iter().any(|(k, _)| k.as_str() == Some("rows")) => {
                RowChoices::read(node, r).map(ChoiceSource::Rows)
            }
            Value::Seq(_) | Value::Map(_) => ChoiceList::read(node, r).map(ChoiceSource::Inline),
            Value::Str(_) => Sp::read(node, r).map(ChoiceSource::Named),
            _ => {
                r.wrong(node, "the name of a choice list, or a list of choices");
                None
            }
        }
    }
}

/// Reads a keyword from a fixed vocabulary, suggesting the nearest on a misspelling.
fn keyword<T>(node: &Node, r: &mut Reader, what: &str, names: &[&str], from: fn(&str) -> Option<T>) -> Option<Sp<T>> {
    let s = Sp::<String>::read(node, r)?;
    match from(&s.value) {
        Some(v) => Some(Sp::new(v, s.span)),
        None => {
            let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            let d = Diagnostic::error("unknown-keyword", format!("`{}` is not a {what}", s.value))
                .at(s.span, format!("unknown {what}"));
            let d = match crate::diagnostic::did_you_mean(&s.value, names.iter().copied()) {
                Some(m) => d.help(format!("did you mean `{m}`? Known: {list}")),
                None => d.help(format!("use one of {list}")),
            };
            r.diags.push(d);
            None
        }
    }
}

impl Read for Sp<NonSubstantive> {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        keyword(
            node,
            r,
            "kind of non-substantive answer",
            &NonSubstantive::NAMES,
            NonSubstantive::from_name,
        )
    }
}

/// "a question" → "question", "the spec" → "spec": for "this question has no `text`".
fn bare(what: &str) -> &str {
    ["a ", "an ", "the "]
        .iter()
        .find_map(|a| what.strip_prefix(a))
        .unwrap_or(what)
}

/// A mapping being read as a struct: hands out fields, then reports keys nobody asked for.
struct Fields<'n> {
    what: &'static str,
    node: &'n Node,
    entries: &'n [(Node, Node)],
    used: Vec<bool>,
    known: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    fn new(node: &'n Node, what: &'static str, r: &mut Reader) -> Option<Self> {
        match &node.value {
            Value::Map(entries) => Some(Fields {
                what,
                node,
                entries,
                used: vec![false; entries.len()],
                known: Vec::new(),
            }),
            _ => {
                r.wrong(node, &format!("a mapping ({what})"));
                None
            }
        }
    }

    fn node(&mut self, key: &'static str) -> Option<&'n Node> {
        self.known.push(key);
        let i = self.entries.iter().position(|(k, _)| k.as_str() == Some(key))?;
        self.used[i] = true;
        Some(&self.entries[i].1)
    }

    fn opt<T: Read>(&mut self, r: &mut Reader, key: &'static str) -> Option<T> {
        let node = self.node(key)?;
        T::read(node, r)
    }

    fn req<T: Read>(&mut self, r: &mut Reader, key: &'static str) -> Option<T> {
        match self.node(key) {
            Some(node) => T::read(node, r),
            None => {
                self.missing(r, key);
                None
            }
        }
    }

    fn missing(&self, r: &mut Reader, key: &str) {
        let near = self
            .entries
            .iter()
            .filter_map(|(k, _)| k.as_str().map(|s| (s, k.span)))
            .find(|(s, _)| crate::diagnostic::did_you_mean(s, [key]).is_some());
        let d = Diagnostic::error("missing-key", format!("{} is missing `{key}`", self.what)).at(
            label_span(self.node),
            format!("this {} has no `{key}`", bare(self.what)),
        );
        let d = match near {
            Some((s, span)) => d
                .also(span, format!("is this `{key}`?"))
                .help(format!("rename `{s}` to `{key}`")),
            None => d.help(format!("add `{key}: …` to this {}", bare(self.what))),
        };
        r.diags.push(d);
    }

    /// Reports keys that are not fields of this struct.
    fn finish(self, r: &mut Reader) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let name = k
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| r.slice(k.span).to_string());
            let d = Diagnostic::error("unknown-key", format!("unknown key `{name}` in {}", self.what))
                .at(k.span, "not a known key here");
            let d = match crate::diagnostic::did_you_mean(&name, self.known.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => {
                    let mut known = self.known.clone();
                    known.sort_unstable();
                    known.dedup();
                    let list = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                    d.help(format!("{} can have: {list}", self.what))
                }
            };
            r.diags.push(d);
        }
    }
}

impl Spec {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "the spec", r)?;
        let survey = f.req(r, "survey");
        let audiences = f.opt(r, "audiences").unwrap_or_default();
        let include: Vec<Sp<String>> = f
            .opt::<OneOrMany<Sp<String>>>(r, "include")
            .map(|o| o.0)
            .unwrap_or_default();
        let languages: Vec<Sp<String>> = f.opt(r, "languages").unwrap_or_default();
        let translations: Entries<Sp<String>> = f.opt(r, "translations").unwrap_or_default();
        let mut choices: Entries<ChoiceList> = f.opt(r, "choices").unwrap_or_default();
        let sections = match f.node("sections") {
            Some(n) => read_sections(n, r),
            None => {
                f.missing(r, "sections");
                Vec::new()
            }
        };
        let mut derived: Vec<Derived> = f.opt(r, "derived").unwrap_or_default();
        f.finish(r);
        for path in &include {
            r.fragment(path, None);
        }
        choices.0.append(&mut r.included_choices);
        derived.append(&mut r.included_derived);
        Some(Spec {
            survey: survey?,
            audiences,
            languages,
            translations,
            choices,
            include,
            sections,
            derived,
        })
    }
}

/// `sections`, with each `- include: file` replaced by that file's sections.
fn read_sections(node: &Node, r: &mut Reader) -> Vec<Section> {
    read_sections_split(node, r, crate::yaml::SPLIT_FROM)
}

/// [`read_sections`], on two threads where the sections span `split_from` bytes or more.
fn read_sections_split(node: &Node, r: &mut Reader, split_from: usize) -> Vec<Section> {
    let Value::Seq(items) = &node.value else {
        r.wrong(node, "a list (lines starting with `- `)");
        return Vec::new();
    };
    let is_include =
        |item: &Node| matches!(&item.value, Value::Map(e) if e.iter().any(|(k, _)| k.as_str() == Some("include")));
    // Many sections over much text, none an include: the second half is read on a thread
    // of its own, its diagnostics kept apart and added after the first half's (the order
    // one reader would have pushed them in).
    let spread = match (items.first(), items.last()) {
        (Some(a), Some(b)) => b.span.start().saturating_sub(a.span.start()),
        _ => 0,
    };
    if items.len() >= 4 && spread >= split_from && !items.iter().any(is_include) {
        let (first, second) = items.split_at(items.len() / 2);
        let (sources, fragments, printable) = (r.sources, r.fragments, r.printable);
        let read_half = move || {
            let mut diags = Diagnostics::new();
            let mut half = Reader::new(sources, fragments, &mut diags, printable);
            let sections: Vec<Section> = second.iter().filter_map(|s| Section::read(s, &mut half)).collect();
            (sections, diags)
        };
        let read = std::thread::scope(|scope| {
            let Ok(other) = std::thread::Builder::new().spawn_scoped(scope, read_half) else {
                return None;
            };
            let mut out: Vec<Section> = first.iter().filter_map(|s| Section::read(s, r)).collect();
            // Reading a section reports what is wrong and does not panic; if it did, that
            // panic is passed on.
            let (more, diags) = other.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            out.extend(more);
            r.diags.extend(diags);
            Some(out)
        });
        // Where no thread could be had, one reader reads them all.
        if let Some(out) = read {
            return out;
        }
    }
    let mut out = Vec::new();
    for item in items {
        if is_include(item) {
            let Some(mut f) = Fields::new(item, "an include", r) else {
                continue;
            };
            let path: Option<Sp<String>> = f.req(r, "include");
            f.finish(r);
            if let Some(path) = path {
                r.fragment(&path, Some(&mut out));
            }
        } else if let Some(s) = Section::read(item, r) {
            out.push(s);
        }
    }
    out
}

impl Read for Survey {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "`survey`", r)?;
        let id = nonempty(f.req(r, "id"), r, "survey id");
        let title = f.req(r, "title");
        let version = f.req(r, "version");
        let description = f.opt(r, "description");
        let language = f.opt(r, "language");
        let resume_hours = f.opt(r, "resume_hours");
        let max_roster_depth = f.opt(r, "max_roster_depth");
        let missing_codes = f.opt(r, "missing_codes");
        let submit_url = f.opt(r, "submit_url");
        let return_to = f.opt(r, "return_to");
        f.finish(r);
        Some(Survey {
            id: id?,
            title: title?,
            version: version?,
            description,
            language,
            resume_hours,
            max_roster_depth,
            missing_codes,
            submit_url,
            return_to,
        })
    }
}

impl Read for MissingCodes {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "`missing_codes`", r)?;
        let not_applicable = f.opt(r, "not_applicable");
        let missing = f.opt(r, "missing");
        f.finish(r);
        Some(MissingCodes {
            not_applicable,
            missing,
        })
    }
}

impl Read for Audience {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "an audience", r)?;
        let label = f.req(r, "label");
        let description = f.opt(r, "description");
        let terms = f.opt(r, "terms").unwrap_or_default();
        f.finish(r);
        Some(Audience {
            label: label?,
            description,
            terms,
        })
    }
}

impl Read for Choice {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a choice", r)?;
        let code = f.req(r, "code");
        let value = f.req(r, "value");
        let label = f.req(r, "label");
        let exclusive = f.opt(r, "exclusive");
        let other = f.opt(r, "other");
        let nonsubstantive = f.opt(r, "nonsubstantive");
        let audiences = f.opt(r, "audiences");
        let score = f.opt(r, "score");
        f.finish(r);
        Some(Choice {
            code: code?,
            value: value?,
            label: label?,
            exclusive,
            other,
            nonsubstantive,
            audiences,
            score,
        })
    }
}

/// An id written as an empty string is an error of its own (a missing one is `missing-key`).
fn nonempty(id: Option<Sp<String>>, r: &mut Reader, what: &str) -> Option<Sp<String>> {
    if let Some(id) = &id
        && id.value.is_empty()
    {
        r.diags.push(
            Diagnostic::error("invalid-name", format!("the {what} is empty"))
                .at(id.span, "an empty name")
                .help(format!(
                    "give the {what} a name: a letter first, then letters, digits or `_`"
                )),
        );
    }
    id
}

impl Read for Section {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a section", r)?;
        let id = nonempty(f.req(r, "id"), r, "section id");
        let title = f.req(r, "title");
        let intro = f.opt(r, "intro");
        let audiences = f.opt(r, "audiences");
        let ask_if = f.opt(r, "ask_if");
        let items = f.req(r, "items").unwrap_or_default();
        f.finish(r);
        let id: Sp<String> = id.unwrap_or_else(|| Sp::new(String::new(), label_span(node)));
        let title = title.unwrap_or_else(|| Text::One(Sp::new(String::new(), id.span)));
        Some(Section {
            id,
            title,
            intro,
            audiences,
            ask_if,
            items,
        })
    }
}

impl Read for Item {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            r.wrong(node, "a mapping (a question or block)");
            return None;
        };
        let kind = entries.iter().find(|(k, _)| k.as_str() == Some("type")).map(|(_, v)| v);
        match kind.and_then(Node::as_str) {
            Some("note") => Note::read(node, r).map(Item::Note),
            Some("definitions") => Definitions::read(node, r).map(Item::Definitions),
            Some("screen") => Screen::read(node, r).map(Item::Screen),
            Some("roster") => Roster::read(node, r).map(|r| Item::Roster(Box::new(r))),
            _ => Question::read(node, r).map(Item::Question),
        }
    }
}

const ITEM_TYPES: [&str; 12] = [
    "single",
    "multiple",
    "text",
    "long_text",
    "integer",
    "decimal",
    "date",
    "grid",
    "note",
    "definitions",
    "screen",
    "roster",
];

impl Read for Question {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a question", r)?;
        let id = nonempty(f.req(r, "id"), r, "question id");
        let kind = match f.node("type") {
            Some(n) => keyword(n, r, "question type", &ITEM_TYPES, QuestionType::from_name),
            None => {
                f.missing(r, "type");
                None
            }
        };
        let text = f.req(r, "text");
        let label = f.opt(r, "label");
        let hint = f.opt(r, "hint");
        let required = f.opt(r, "required");
        let audiences = f.opt(r, "audiences");
        let ask_if = f.opt(r, "ask_if");
        let ask_if_text: Option<Text> = f.opt(r, "ask_if_text");
        let validate = f.opt(r, "validate").unwrap_or_default();
        let probes = f.opt(r, "probes").unwrap_or_default();
        let interviewer = f.opt(r, "interviewer");
        let choices = f.opt(r, "choices");
        let min_selected = f.opt(r, "min_selected");
        let max_selected = f.opt(r, "max_selected");
        let min = f.opt(r, "min");
        let max = f.opt(r, "max");
        let unit = f.opt(r, "unit");
        let decimals = f.opt(r, "decimals");
        let max_length = f.opt(r, "max_length");
        let rows = f.opt(r, "rows").unwrap_or_default();
        let provenance = f.opt(r, "provenance");
        f.finish(r);
        if let (Some(t), None) = (&ask_if_text, &ask_if) {
            let span = t.span();
            r.diags.push(
                Diagnostic::error(
                    "wording-without-condition",
                    "`ask_if_text` words a condition, but this question has no `ask_if`",
                )
                .at(span, "no condition to word")
                .help("add the `ask_if` it words, or remove `ask_if_text`"),
            );
        }
        let incomplete = kind.is_none() || text.is_none();
        let id: Sp<String> = id?;
        let span = id.span;
        Some(Question {
            id,
            kind: kind.unwrap_or(Sp::new(QuestionType::Text, span)),
            text: text.unwrap_or(Text::One(Sp::new(String::new(), span))),
            label,
            hint,
            required,
            audiences,
            ask_if,
            ask_if_text,
            validate,
            probes,
            interviewer,
            choices,
            min_selected,
            max_selected,
            min,
            max,
            unit,
            decimals,
            max_length,
            rows,
            provenance,
            incomplete,
        })
    }
}

impl Read for GridRow {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a grid row", r)?;
        let id = nonempty(f.req(r, "id"), r, "grid row id");
        let label = f.req(r, "label");
        let number = f.opt(r, "number");
        f.finish(r);
        Some(GridRow {
            id: id?,
            label: label?,
            number,
        })
    }
}

impl Read for Validation {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a validation rule", r)?;
        let check = f.req(r, "check");
        let message = f.req(r, "message");
        let severity = f.opt(r, "severity");
        f.finish(r);
        Some(Validation {
            check: check?,
            message: message?,
            severity,
        })
    }
}

/// The `type` of a note, definitions block or screen (already known from dispatch).
fn block_kind<T>(f: &mut Fields, value: T) -> Option<Sp<T>> {
    f.node("type").map(|n| Sp::new(value, n.span))
}

impl Read for Note {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a note", r)?;
        let kind = block_kind(&mut f, NoteType::Note);
        let id = nonempty(f.opt(r, "id"), r, "note id");
        let title = f.opt(r, "title");
        let text = f.req(r, "text");
        let audiences = f.opt(r, "audiences");
        let ask_if = f.opt(r, "ask_if");
        f.finish(r);
        Some(Note {
            kind: kind?,
            id,
            title,
            text: text?,
            audiences,
            ask_if,
        })
    }
}

impl Read for Roster {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a roster", r)?;
        let kind = block_kind(&mut f, RosterType::Roster);
        let id = nonempty(f.req(r, "id"), r, "roster id");
        let title = f.req(r, "title");
        let intro = f.opt(r, "intro");
        let audiences = f.opt(r, "audiences");
        let ask_if = f.opt(r, "ask_if");
        let rows = f.req(r, "rows");
        let min_rows = f.opt(r, "min_rows");
        let max_rows = f.opt(r, "max_rows");
        let row_label = f.opt(r, "row_label");
        let items = f.req(r, "items");
        f.finish(r);
        // A roster whose title or rows could not be read (already reported) is kept, so that
        // its items are checked and names read from them do not cascade into more errors.
        let id: Sp<String> = id?;
        let span = id.span;
        Some(Roster {
            kind: kind?,
            id,
            title: title.unwrap_or_else(|| Text::One(Sp::new(String::new(), span))),
            intro,
            audiences,
            ask_if,
            rows: rows.unwrap_or(Sp::new(Rows::Open(OpenRows::Open), span)),
            min_rows,
            max_rows,
            row_label,
            items: items?,
        })
    }
}

impl Read for RowChoices {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "choices from a roster's rows", r)?;
        let rows = f.req(r, "rows");
        f.finish(r);
        Some(RowChoices { rows: rows? })
    }
}

impl Read for Rows {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        const SOURCES: &str = "`{ count: EXPRESSION }`, `{ for_each: QUESTION }` or `open`";
        if let Value::Str(s) = &node.value {
            if s == "open" {
                return Some(Rows::Open(OpenRows::Open));
            }
            r.diags.push(
                Diagnostic::error("unknown-keyword", format!("`{s}` is not a source of rows"))
                    .at(node.span, "not a source of rows")
                    .help(match crate::diagnostic::did_you_mean(s, ["open"]) {
                        Some(_) => format!("did you mean `open`? Rows come from {SOURCES}"),
                        None => format!("write {SOURCES}"),
                    }),
            );
            return None;
        }
        let Value::Map(entries) = &node.value else {
            r.wrong(node, &format!("where the rows come from: {SOURCES}"));
            return None;
        };
        let mut f = Fields::new(node, "a roster's `rows`", r)?;
        let count: Option<Sp<String>> = f.opt(r, "count");
        let for_each: Option<Sp<String>> = f.opt(r, "for_each");
        f.finish(r);
        match (count, for_each) {
            (Some(count), None) => Some(Rows::Count { count }),
            (None, Some(for_each)) => Some(Rows::ForEach { for_each }),
            (Some(count), Some(for_each)) => {
                r.diags.push(
                    Diagnostic::error(
                        "two-row-sources",
                        "a roster's rows come from one source, but this gives two",
                    )
                    .at(count.span, "rows counted")
                    .also(for_each.span, "and one per option")
                    .help("keep `count` or `for_each`"),
                );
                None
            }
            (None, None) => {
                if entries
                    .iter()
                    .all(|(k, _)| matches!(k.as_str(), Some("count" | "for_each")))
                {
                    r.diags.push(
                        Diagnostic::error("missing-key", "a roster's `rows` says nothing of where they come from")
                            .at(label_span(node), "no source of rows")
                            .help(format!("write {SOURCES}")),
                    );
                }
                None
            }
        }
    }
}

impl Read for Definitions {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a definitions block", r)?;
        let kind = block_kind(&mut f, DefinitionsType::Definitions);
        let id = nonempty(f.opt(r, "id"), r, "definitions id");
        let title = f.opt(r, "title");
        let audiences = f.opt(r, "audiences");
        let ask_if = f.opt(r, "ask_if");
        let terms = f.req(r, "terms");
        f.finish(r);
        Some(Definitions {
            kind: kind?,
            id,
            title,
            audiences,
            ask_if,
            terms: terms?,
        })
    }
}

impl Read for Definition {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a definition", r)?;
        let term = f.req(r, "term");
        let definition = f.req(r, "definition");
        f.finish(r);
        Some(Definition {
            term: term?,
            definition: definition?,
        })
    }
}

impl Read for Screen {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a screening rule", r)?;
        let kind = block_kind(&mut f, ScreenType::Screen);
        let id = nonempty(f.opt(r, "id"), r, "screening rule id");
        let end_if = f.req(r, "end_if");
        let message = f.req(r, "message");
        let audiences = f.opt(r, "audiences");
        f.finish(r);
        Some(Screen {
            kind: kind?,
            id,
            end_if: end_if?,
            message: message?,
            audiences,
        })
    }
}

impl Read for Derived {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a derived variable", r)?;
        let id = nonempty(f.req(r, "id"), r, "derived variable name");
        let label = f.req(r, "label");
        let description = f.opt(r, "description");
        let audiences = f.opt(r, "audiences");
        let expr = f.opt(r, "expr");
        let band = f.opt(r, "band");
        let cases = f.opt(r, "cases").unwrap_or_default();
        let choices = f.opt(r, "choices");
        let provenance = f.opt(r, "provenance");
        f.finish(r);
        Some(Derived {
            id: id?,
            label: label?,
            description,
            audiences,
            expr,
            band,
            cases,
            choices,
            provenance,
        })
    }
}

impl Read for Case {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a case", r)?;
        let when = f.opt(r, "when");
        let from = f.opt(r, "from");
        let to = f.opt(r, "to");
        let value = f.req(r, "value");
        if when.is_none() && from.is_none() && to.is_none() {
            f.missing(r, "when");
        }
        f.finish(r);
        Some(Case {
            when,
            from,
            to,
            value: value?,
        })
    }
}

impl Read for Sp<Severity> {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        keyword(node, r, "validation severity", &Severity::NAMES, Severity::from_name)
    }
}

impl Read for Sp<ProvenanceStatus> {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        keyword(
            node,
            r,
            "provenance status",
            &ProvenanceStatus::NAMES,
            ProvenanceStatus::from_name,
        )
    }
}

impl Read for Provenance {
    fn read(node: &Node, r: &mut Reader) -> Option<Self> {
        let mut f = Fields::new(node, "a provenance", r)?;
        let status = f.req(r, "status");
        let note = f.req(r, "note");
        f.finish(r);
        Some(Provenance {
            status: status?,
            note: note?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Source, Sources};

    /// The sections and diagnostics of `text`'s sections, read on one thread or two.
    fn sections(text: &str, split_from: usize) -> (String, String) {
        let mut sources = Sources::new();
        let id = sources.add(Source::new("big.yaml", text));
        let root = crate::yaml::parse(sources.get(id), id).expect("YAML");
        let Value::Map(entries) = &root.value else {
            panic!("a mapping")
        };
        let node = &entries.iter().find(|(k, _)| k.as_str() == Some("sections")).unwrap().1;
        let fragments = crate::include::Fragments::new();
        let mut diags = Diagnostics::new();
        let mut r = Reader::new(&sources, &fragments, &mut diags, None);
        let read = read_sections_split(node, &mut r, split_from);
        let diags: Vec<String> = diags.into_iter().map(|d| format!("{d:?}")).collect();
        (format!("{read:?}"), diags.join("\n"))
    }

    #[test]
    fn sections_read_on_two_threads_are_read_as_on_one() {
        let flagship = include_str!("../../../../questionnaires/concord/concord.yaml");
        let (head, rest) = flagship.split_at(flagship.find("\nsections:\n").unwrap() + 11);
        let (body, tail) = rest.split_at(rest.find("\nderived:").unwrap() + 1);
        // Mistakes in the first copy and in the last: a misspelt key, a wrong type, a
        // missing title.
        let mut text = head.to_string();
        for copy in 0..4 {
            let mut part = body.replace("- id: ", &format!("- id: c{copy}_"));
            if copy % 3 == 0 {
                part = part
                    .replacen("    title:", "    titel:", 1)
                    .replacen("type: single", "type: singel", 2);
                part = part.replacen("ask_if:", "ask_iff:", 1);
            }
            text.push_str(&part);
        }
        text.push_str(tail);
        let one = sections(&text, usize::MAX);
        let two = sections(&text, 0);
        assert!(one.1.matches("unknown-key").count() >= 2, "{}", one.1);
        assert_eq!(one.0, two.0);
        assert_eq!(one.1, two.1);
    }
}
