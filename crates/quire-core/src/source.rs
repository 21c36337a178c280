//! Source text in, positions out: files, byte spans and their line:column.

use serde::Serialize;

/// Index of a [`Source`] within a [`Sources`] set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct SourceId(pub u32);

/// A byte range in one source file. Offsets are 32 bits: a spec is at most
/// [`crate::yaml::MAX_SPEC_BYTES`], and every node, field and expression of a spec carries
/// spans (12 bytes each, not 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// The file.
    #[serde(skip)]
    pub source: SourceId,
    start: u32,
    end: u32,
}

/// An offset as a span keeps it (offsets past 4 GiB, which no spec reaches, are clamped).
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl Span {
    /// The bytes `start..end` of `source` (an end before the start is read as the start).
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        Span {
            source,
            start: offset(start),
            end: offset(end.max(start)),
        }
    }

    /// The first byte's offset.
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// The offset just past the last byte.
    pub fn end(&self) -> usize {
        self.end as usize
    }

    /// A sub-range, given as offsets relative to this span's start, clamped to this span.
    pub fn sub(self, start: usize, end: usize) -> Span {
        let s = (self.start() + start).min(self.end());
        let e = (self.start() + end).min(self.end()).max(s);
        Span::new(self.source, s, e)
    }

    /// How many bytes it covers.
    pub fn len(&self) -> usize {
        self.end() - self.start()
    }

    /// Whether it covers no byte.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One file of spec text.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its name as given (a path, or `<stdin>`).
    pub name: String,
    /// Its text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl Source {
    /// A file named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// The text a span covers, or "" when it does not fall on character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start()..span.end()).unwrap_or("")
    }
}

/// Every file of one compilation.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<Source>,
}

impl Sources {
    /// No files yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; its id.
    pub fn add(&mut self, source: Source) -> SourceId {
        self.files.push(source);
        SourceId((self.files.len() - 1) as u32)
    }

    /// A file by id (ids come from [`Sources::add`]).
    pub fn get(&self, id: SourceId) -> &Source {
        &self.files[id.0 as usize]
    }

    /// Every file with its id, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &Source)> {
        self.files.iter().enumerate().map(|(i, s)| (SourceId(i as u32), s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("a", "ab\nçd: x\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(6), (2, 3));
        assert_eq!(s.line_col(100), (3, 1));
    }
}
