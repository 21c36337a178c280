//! Text in, text that reads literally in its target out: HTML and XML, Markdown, CSV. Every
//! writer of markup escapes through here.

/// Which quotes [`markup`] writes as entities, beside `&`, `<` and `>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quotes {
    /// None: text of an element only.
    None,
    /// `"`: text of an element or of a double-quoted attribute.
    Double,
    /// `"` and `'` as `&#x27;`, as minijinja's HTML auto-escaping writes them.
    Html,
    /// `"` and `'` as `&apos;`, XML's own entities.
    Xml,
}

/// Text for HTML or XML: `&`, `<`, `>` and the quotes asked for as entities, in one pass.
pub fn markup(s: &str, quotes: Quotes) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match (c, quotes) {
            ('&', _) => out.push_str("&amp;"),
            ('<', _) => out.push_str("&lt;"),
            ('>', _) => out.push_str("&gt;"),
            ('"', Quotes::Double | Quotes::Html | Quotes::Xml) => out.push_str("&quot;"),
            ('\'', Quotes::Html) => out.push_str("&#x27;"),
            ('\'', Quotes::Xml) => out.push_str("&apos;"),
            (c, _) => out.push(c),
        }
    }
    out
}

/// Text for an HTML element or double-quoted attribute ([`markup`] with [`Quotes::Double`]).
pub fn html(s: &str) -> String {
    markup(s, Quotes::Double)
}

/// Escapes text for Markdown so that it reads literally.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Neutralises spreadsheet formulas in a CSV text cell, as OWASP's CSV-injection guidance
/// says: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (after any
/// `'`s) gets a leading `'`, which spreadsheets show as text and never run. Numbers
/// (`-88`, `-1.5`) are left as they are. [`csv_unguard`] undoes it exactly.
pub fn csv_safe(s: &str) -> String {
    if needs_guard(s.trim_start_matches('\'')) && !is_number(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A cell as written before [`csv_safe`]: one leading `'` taken off where `csv_safe` put it.
pub fn csv_unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_guard(rest.trim_start_matches('\'')) => rest,
        _ => s,
    }
}

fn needs_guard(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A number as a spreadsheet reads one (`-88`, `+1.5e3`), not `-inf` or `-nan`.
fn is_number(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) && s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back_exactly() {
        for (raw, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1+2", "'+1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-88", "-88"),
            ("-1.5", "-1.5"),
            ("-inf", "'-inf"),
            ("- a list", "'- a list"),
            ("'=x", "''=x"),
            ("'quoted'", "'quoted'"),
            ("plain", "plain"),
            ("", ""),
        ] {
            assert_eq!(csv_safe(raw), written, "{raw:?}");
            assert_eq!(csv_unguard(&csv_safe(raw)), raw, "{raw:?}");
        }
    }

    #[test]
    fn markup_escapes_each_character_once_and_the_quotes_asked_for() {
        let s = "a & b < c > d \"e\" 'f' &amp;";
        assert_eq!(markup(s, Quotes::None), "a &amp; b &lt; c &gt; d \"e\" 'f' &amp;amp;");
        assert_eq!(html(s), "a &amp; b &lt; c &gt; d &quot;e&quot; 'f' &amp;amp;");
        assert_eq!(
            markup(s, Quotes::Html),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &#x27;f&#x27; &amp;amp;"
        );
        assert_eq!(
            markup(s, Quotes::Xml),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos; &amp;amp;"
        );
        assert_eq!(markup("ÿ 日本 😀", Quotes::Xml), "ÿ 日本 😀");
    }
}
