//! The targets Quire builds, in one table ([`TARGETS`]): each one's name on the command line,
//! what it writes, the folder its files go in, and the function that writes them. The model
//! and [`BuildOptions`] come in; [`Outputs`] (files under their folders, and warnings) or the
//! first [`Error`] come out. `quire build` and `quire preview` both build through [`build`].
//!
//! To find a target's code: its row below names the function, which calls its module.

use quire_core::diff::Diff;
use quire_core::model::Questionnaire;

use crate::{Error, Output, Outputs, codebook, html, ir, paper, redcap, schema, xform, xlsform};

/// What a build is asked for beyond the model.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions<'a> {
    /// The web form's edition (production, pilot, keying).
    pub edition: html::Edition,
    /// The paper size.
    pub paper: paper::Paper,
    /// The paper editions to write (`self-completion`, `interviewer`, `think-aloud`): all
    /// when empty.
    pub editions: &'a [&'a str],
    /// What changed since an earlier version: marked in the paper editions and listed in
    /// the codebook.
    pub since: Option<&'a Diff>,
}

impl Default for BuildOptions<'_> {
    fn default() -> Self {
        BuildOptions {
            edition: html::Edition::Production,
            paper: paper::Paper::A4,
            editions: &[],
            since: None,
        }
    }
}

/// A target, in the order of [`TARGETS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `quire.ir.json`: the resolved model.
    Ir,
    /// The codebook (Markdown, HTML, DDI, JSON).
    Codebook,
    /// The analysis schemas (Frictionless, JSON Schema, SQL, SPSS, Stata, R).
    Schema,
    /// The web forms.
    Html,
    /// The paper editions as Typst.
    Paper,
    /// The paper editions as PDF (with the `pdf` feature).
    Pdf,
    /// ODK XForms.
    Xform,
    /// XLSForms.
    Xlsform,
    /// REDCap data dictionaries.
    Redcap,
}

/// One row of the table.
pub struct Info {
    /// The target.
    pub target: Target,
    /// Its name on the command line (`--target NAME`).
    pub name: &'static str,
    /// What it writes, for `--help`.
    pub about: &'static str,
    /// The folder of the output its files go in (empty: the top).
    pub folder: &'static str,
    /// The function that writes it.
    pub write: fn(&Questionnaire, &BuildOptions) -> Result<Outputs, Error>,
    /// Whether it carries rosters (docs/design/rosters.md: each target as its stage lands).
    pub rosters: bool,
}

/// Every target, in the order a full build writes them.
pub const TARGETS: [Info; 9] = [
    Info {
        target: Target::Ir,
        name: "ir",
        about: "The resolved model as JSON (`quire.ir.json`), for other tools",
        folder: "",
        write: write_ir,
        rosters: true,
    },
    Info {
        target: Target::Codebook,
        name: "codebook",
        about: "The codebook: Markdown, HTML, CSV, DDI-Codebook 2.5 XML and JSON",
        folder: "codebook",
        write: write_codebook,
        rosters: true,
    },
    Info {
        target: Target::Schema,
        name: "schema",
        about: "Analysis schemas: Frictionless Data Package, JSON Schema, Stata, SPSS, R and SQL",
        folder: "schema",
        write: |model, _| schema::render(model),
        rosters: true,
    },
    Info {
        target: Target::Html,
        name: "html",
        about: "Web forms: one self-contained `<audience>/form.html` per audience",
        folder: "html",
        write: |model, opts| html::render(model, opts.edition),
        rosters: false,
    },
    Info {
        target: Target::Paper,
        name: "paper",
        about: "Paper questionnaires as Typst markup: self-completion, interviewer and think-aloud editions",
        folder: "paper",
        write: write_paper,
        rosters: true,
    },
    Info {
        target: Target::Pdf,
        name: "pdf",
        about: "The paper questionnaires typeset as tagged PDFs",
        folder: "pdf",
        write: write_pdf,
        rosters: true,
    },
    Info {
        target: Target::Xform,
        name: "xform",
        about: "ODK XForms, one `xform/<audience>.xml` per audience, for ODK Central, KoboToolbox, SurveyCTO and Ona",
        folder: "xform",
        write: |model, _| xform::render(model),
        rosters: true,
    },
    Info {
        target: Target::Xlsform,
        name: "xlsform",
        about: "The same forms as XLSForm workbooks, `xlsform/<audience>.xlsx`",
        folder: "xlsform",
        write: |model, _| xlsform::render(model),
        rosters: true,
    },
    Info {
        target: Target::Redcap,
        name: "redcap",
        about: "REDCap data dictionaries, `redcap/<audience>.csv`",
        folder: "redcap",
        write: |model, _| redcap::render(model),
        rosters: true,
    },
];

impl Target {
    /// Every target, in the table's order.
    pub const ALL: [Target; 9] = [
        Target::Ir,
        Target::Codebook,
        Target::Schema,
        Target::Html,
        Target::Paper,
        Target::Pdf,
        Target::Xform,
        Target::Xlsform,
        Target::Redcap,
    ];

    /// Its row of the table.
    pub fn info(self) -> &'static Info {
        &TARGETS[self as usize]
    }

    /// The target's name on the command line.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The target of a command-line name.
    pub fn named(name: &str) -> Option<Target> {
        TARGETS.iter().find(|i| i.name == name).map(|i| i.target)
    }
}

/// The targets asked for, in that order: every file under its target's folder, every
/// warning beside them, or the first target's error.
pub fn build(model: &Questionnaire, targets: &[Target], opts: &BuildOptions) -> Result<Outputs, Error> {
    let mut out = Outputs::default();
    for t in targets {
        let info = t.info();
        if !info.rosters && model.has_rosters() {
            return Err(Error::new(
                info.name,
                "",
                "this target cannot carry rosters yet (docs/design/rosters.md)",
            ));
        }
        let written = (info.write)(model, opts).map_err(|e| Error {
            file: if info.folder.is_empty() {
                e.file
            } else {
                format!("{}/{}", info.folder, e.file)
            },
            ..e
        })?;
        out.files.extend(written.files.into_iter().map(|f| Output {
            path: if info.folder.is_empty() {
                f.path
            } else {
                format!("{}/{}", info.folder, f.path)
            },
            bytes: f.bytes,
        }));
        out.warnings.extend(written.warnings);
    }
    Ok(out)
}

fn write_ir(model: &Questionnaire, _: &BuildOptions) -> Result<Outputs, Error> {
    Ok(vec![Output::new("quire.ir.json", ir::render(model))].into())
}

/// The codebook, and with an earlier version what changed since (in `codebook.md` and in
/// `changes.md`).
fn write_codebook(model: &Questionnaire, opts: &BuildOptions) -> Result<Outputs, Error> {
    let mut out = codebook::render(model)?;
    if let Some(d) = opts.since {
        for f in out.files.iter_mut().filter(|f| f.path == "codebook.md") {
            f.bytes
                .extend_from_slice(crate::changes::markdown_section(d).as_bytes());
        }
        out.files.push(Output::new("changes.md", crate::changes::markdown(d)));
    }
    Ok(out)
}

/// The paper editions asked for, as Typst markup.
fn write_paper(model: &Questionnaire, opts: &BuildOptions) -> Result<Outputs, Error> {
    let mut out = paper::render_with(model, opts.paper, opts.since)?;
    out.files.retain(|f| wanted(&f.path, opts.editions));
    Ok(out)
}

/// The paper editions asked for, typeset: only those (the rest would be most of the time).
#[cfg(feature = "pdf")]
fn write_pdf(model: &Questionnaire, opts: &BuildOptions) -> Result<Outputs, Error> {
    let papers = write_paper(model, opts)?;
    let mut out = Outputs {
        files: Vec::new(),
        warnings: papers.warnings,
    };
    for f in papers.files {
        let name = f.path.replace(".typ", ".pdf");
        let markup = String::from_utf8(f.bytes).map_err(|e| Error::new("pdf", &name, e))?;
        let bytes =
            crate::pdf::pdf(&markup).map_err(|e| Error::new("pdf", &name, format!("typesetting failed: {e}")))?;
        out.files.push(Output::new(name, bytes));
    }
    Ok(out)
}

#[cfg(not(feature = "pdf"))]
fn write_pdf(_: &Questionnaire, _: &BuildOptions) -> Result<Outputs, Error> {
    Err(Error::new(
        "pdf",
        "pdf",
        "this quire was built without PDF support (cargo feature `pdf`); build `--target paper` and typeset with typst",
    ))
}

/// Whether a paper file (`<audience>-<edition>.typ`, or `<audience>-<edition>.<language>.typ`)
/// is of an edition asked for (all, when none was).
fn wanted(name: &str, editions: &[&str]) -> bool {
    let stem = name.strip_suffix(".typ").unwrap_or(name);
    editions.is_empty()
        || editions.iter().any(|e| {
            let edition = format!("-{e}");
            stem.ends_with(&edition) || stem.rsplit_once('.').is_some_and(|(s, _)| s.ends_with(&edition))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_order_of_its_targets() {
        for (n, t) in Target::ALL.iter().enumerate() {
            assert_eq!(TARGETS[n].target, *t);
            assert_eq!(Target::named(t.name()), Some(*t));
        }
    }
}
