//! Fuzz targets: arbitrary bytes in, nothing out but a panic when Quire breaks a promise.
//! One function per way in (a spec, a data file, an XLSForm workbook and its sheet XML, a PO
//! file, a language-server session), shared by the coverage-guided fuzzers in `fuzz/`
//! (cargo-fuzz, libFuzzer) and the suite's own mutation run (`robustness::fuzz_targets`),
//! so both drive exactly the code users' input reaches. docs/ROBUSTNESS.md has their runs.

use std::io::Write as _;
use std::sync::OnceLock;

use crate::backend::target::{self, BuildOptions};

/// A spec: read, checked, its diagnostics rendered; when it checks clean, every backend
/// short of the PDF, the synthetic data, and that data read back and checked.
pub fn spec(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let compiled = crate::compile("fuzz.yaml", &text);
    let _ = crate::backend::diagnostics::render(&compiled.diagnostics, &compiled.sources, false);
    let _ = crate::backend::diagnostics::to_json(&compiled.diagnostics, &compiled.sources);
    let Some(model) = &compiled.model else { return };
    if compiled.has_errors() {
        return;
    }
    // Every target short of the PDF, through the table the command builds with: a spec
    // that checks clean builds (an error here is a broken promise).
    let targets: Vec<target::Target> = target::Target::ALL
        .into_iter()
        .filter(|t| *t != target::Target::Pdf)
        .collect();
    if let Err(e) = target::build(model, &targets, &BuildOptions::default()) {
        panic!("a spec that checks clean failed to build: {e}");
    }
    let columns = crate::data::columns(model);
    let rows = crate::data::simulate::records(
        model,
        &crate::data::simulate::Options {
            n: 3,
            ..Default::default()
        },
    );
    let csv = crate::data::to_csv(model, &columns, &rows);
    if let Ok(table) = crate::data::records::read(&csv) {
        let _ = crate::data::verify::check(model, &table, &crate::data::verify::Options::default());
    }
}

/// The spec data files are read against: the flagship's shape in small (audiences,
/// routing, a multiple choice, a number, a derived variable).
const DATA_SPEC: &str = r#"
survey: { id: fuzz, title: Fuzz, version: "1" }
audiences:
  patient: { label: Patients }
  carer: { label: Carers }
choices:
  yes_no:
    - { code: 1, value: "yes", label: "Yes" }
    - { code: 2, value: "no", label: "No" }
    - { code: 3, value: unsure, label: "Unsure", nonsubstantive: unsure }
  help:
    - { code: 1, value: gp, label: GP }
    - { code: 2, value: nurse, label: Nurse }
    - { code: 3, value: other, label: Other, other: true }
sections:
  - id: s
    title: S
    items:
      - { id: centre, type: single, text: Is there a centre?, choices: yes_no, required: true }
      - { id: attend, type: single, text: Do you attend?, choices: yes_no, ask_if: centre == 'yes' }
      - { id: helpers, type: multiple, text: Who helps?, choices: help, audiences: [carer] }
      - { id: visits, type: integer, text: How many visits?, min: 0, max: 50 }
      - { id: when, type: date, text: When? }
      - { id: why, type: text, text: Why? }
derived:
  - { id: attends, label: Attends, expr: "attend == 'yes'" }
"#;

fn data_model() -> &'static crate::model::Questionnaire {
    static MODEL: OnceLock<crate::model::Questionnaire> = OnceLock::new();
    MODEL.get_or_init(|| {
        let compiled = crate::compile("fuzz-data.yaml", DATA_SPEC);
        assert!(
            !compiled.has_errors(),
            "{}",
            crate::backend::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
        );
        compiled.model.expect("the data spec compiles")
    })
}

/// A data file (CSV or JSON records): read, checked (`check-data`), tabulated, and read as
/// an ODK and a REDCap export (`import-data`).
pub fn data(bytes: &[u8]) {
    let model = data_model();
    let text = String::from_utf8_lossy(bytes);
    let Ok(table) = crate::data::records::read(&text) else {
        return;
    };
    let report = crate::data::verify::check(model, &table, &crate::data::verify::Options::default());
    let _ = crate::backend::data_check::human(&report, "fuzz.csv", 20);
    let tables = crate::data::tabulate::tabulate(model, &table, &crate::data::tabulate::Options::default());
    let _ = crate::backend::tables::markdown(&tables);
    let _ = crate::backend::tables::csv(&tables);
    for platform in [
        crate::data::import::Platform::Odk,
        crate::data::import::Platform::Redcap,
    ] {
        for audience in ["patient", "carer"] {
            if let Ok(imported) = crate::data::import::import(model, &table, platform, audience) {
                let _ = crate::data::to_csv(model, &crate::data::columns(model), &imported.rows);
            }
        }
    }
}

/// An XLSForm workbook (.xlsx bytes): imported; an import that succeeds must check clean.
pub fn xlsform(bytes: &[u8]) {
    if let Ok((yaml, _)) = crate::backend::read::xlsform::import(bytes, "fuzz.xlsx") {
        let compiled = crate::compile("imported.yaml", &yaml);
        assert!(!compiled.has_errors(), "an imported spec does not check clean:\n{yaml}");
    }
}

/// A survey sheet's XML, in a workbook with a fixed choices sheet: reaches the importer's
/// translation of rows, groups and XPath that zip-level mutations seldom do.
pub fn xlsform_sheet(bytes: &[u8]) {
    let choices = br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>list_name</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c><c r="C1" t="inlineStr"><is><t>label</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>yn</t></is></c><c r="B2" t="inlineStr"><is><t>1</t></is></c><c r="C2" t="inlineStr"><is><t>Yes</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>yn</t></is></c><c r="B3" t="inlineStr"><is><t>2</t></is></c><c r="C3" t="inlineStr"><is><t>No</t></is></c></row></sheetData></worksheet>"#;
    let workbook = br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/><sheet name="choices" sheetId="2" r:id="rId2"/></sheets></workbook>"#;
    let rels = br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="worksheets/sheet2.xml"/></Relationships>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, part) in [
        ("xl/workbook.xml", &workbook[..]),
        ("xl/_rels/workbook.xml.rels", &rels[..]),
        ("xl/worksheets/sheet1.xml", bytes),
        ("xl/worksheets/sheet2.xml", &choices[..]),
    ] {
        if zip.start_file(name, opts).is_err() || zip.write_all(part).is_err() {
            return;
        }
    }
    if let Ok(cursor) = zip.finish() {
        xlsform(&cursor.into_inner());
    }
}

/// A PO file: parsed, and imported as the data spec's translation.
pub fn po(bytes: &[u8]) {
    static READ: OnceLock<crate::Read> = OnceLock::new();
    let read = READ.get_or_init(|| {
        let spec = DATA_SPEC.replace("version: \"1\" }", "version: \"1\" }\nlanguages: [en-GB, cy]");
        crate::read("fuzz-po.yaml", &spec, &crate::Options::default())
    });
    let text = String::from_utf8_lossy(bytes);
    let _ = crate::translate::parse(&text);
    if let Ok(imported) = crate::translate::import(read, "cy", &text) {
        // What import writes must read back.
        assert!(
            crate::translate::parse(&imported.po).is_ok(),
            "the PO file import wrote does not parse:\n{}",
            imported.po
        );
    }
}

/// A language-server session: framed messages read under the limits and handled in turn,
/// every reply written.
pub fn lsp(bytes: &[u8]) {
    crate::lsp::serve(&mut std::io::BufReader::new(bytes), &mut std::io::sink());
}

/// A fuzz target: bytes in, a panic when a promise breaks.
pub type Target = fn(&[u8]);

/// The targets by name, for the suite's runner and the docs.
pub const TARGETS: [(&str, Target); 6] = [
    ("spec", spec),
    ("data", data),
    ("xlsform", xlsform),
    ("xlsform_sheet", xlsform_sheet),
    ("po", po),
    ("lsp", lsp),
];
