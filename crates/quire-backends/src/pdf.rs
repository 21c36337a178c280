//! Typst markup in, a tagged PDF out, typeset in-process with fonts from `typst-assets`
//! only, so the same spec gives the same PDF on every machine.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

/// Whether the fonts Quire embeds can print a character (whitespace and controls always).
pub fn printable(c: char) -> bool {
    c.is_ascii()
        || c.is_whitespace()
        // The break opportunity paper puts into very long words (`paper::s`).
        || c == '\u{200B}'
        || c.is_control()
        || fonts().fonts.iter().any(|f| f.info().coverage.contains(c as u32))
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// One document and nothing else: no files, no packages, no clock.
struct Document {
    source: Source,
}

impl World for Document {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }
    fn main(&self) -> FileId {
        self.source.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.source.id() {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// Typesets a document. Warnings are failures too: a questionnaire must typeset cleanly.
/// A character no embedded font has (`check` warns at it) is printed as `?`: the build of a
/// spec with warnings only succeeds, and the paper shows where a character is missing.
pub fn pdf(markup: &str) -> Result<Vec<u8>, quire_core::Error> {
    typeset(markup).map_err(quire_core::Error::from)
}

fn typeset(markup: &str) -> Result<Vec<u8>, String> {
    let markup: String = if markup.chars().all(printable) {
        markup.to_string()
    } else {
        markup.chars().map(|c| if printable(c) { c } else { '?' }).collect()
    };
    let world = Document {
        source: Source::detached(markup),
    };
    let warned = typst::compile::<PagedDocument>(&world);
    let describe = |diags: &[SourceDiagnostic]| {
        diags
            .iter()
            .map(|d| format!("{:?}: {}", d.severity, d.message))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if !warned.warnings.is_empty() {
        return Err(describe(&warned.warnings));
    }
    let document = warned.output.map_err(|e| describe(&e[..]))?;
    let standards = PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|e| format!("{e:?}"))?;
    let options = PdfOptions {
        standards,
        tagged: true,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|e| describe(&e[..]))
}
