//! An .xlsx workbook's sheets as rows of text cells, read under limits (the workbook is
//! untrusted input): the first step of `quire import xlsform` ([`super::xlsform`]).

use std::collections::HashMap;
use std::io::Read as _;

/// A sheet as rows of cells (strings; empty when blank).
pub type Sheet = Vec<Vec<String>>;

/// Reads the sheets of an .xlsx workbook by name (shared strings and inline strings; numbers
/// as written).
pub fn read(bytes: &[u8]) -> Result<HashMap<String, Sheet>, super::Error> {
    sheets(bytes).map_err(super::Error::from)
}

fn sheets(bytes: &[u8]) -> Result<HashMap<String, Sheet>, String> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not an .xlsx workbook: {e}"))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "the workbook has {} parts, more than the {MAX_ZIP_ENTRIES} an XLSForm could need",
            zip.len()
        ));
    }
    // Untrusted input: each part is read up to its limit, whatever size it claims, and all
    // parts together up to theirs.
    let mut expanded: u64 = 0;
    let mut part = |name: &str| -> Result<Option<String>, String> {
        let Ok(f) = zip.by_name(name) else { return Ok(None) };
        let mut bytes = Vec::new();
        f.take(MAX_PART_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name}: cannot be unpacked: {e}"))?;
        expanded += bytes.len() as u64;
        if bytes.len() as u64 > MAX_PART_BYTES || expanded > MAX_EXPANDED_BYTES {
            return Err(format!(
                "{name}: the workbook unpacks to more than {} MiB (a part may have {} MiB, all parts {} MiB); is it a zip bomb?",
                expanded.max(bytes.len() as u64) / (1024 * 1024),
                MAX_PART_BYTES / (1024 * 1024),
                MAX_EXPANDED_BYTES / (1024 * 1024)
            ));
        }
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| format!("{name}: not UTF-8 XML"))
    };
    let workbook = part("xl/workbook.xml")?.ok_or("the workbook has no xl/workbook.xml")?;
    let rels = part("xl/_rels/workbook.xml.rels")?.unwrap_or_default();
    let shared: Vec<String> = part("xl/sharedStrings.xml")?
        .map(|x| {
            let doc = xml(&x).ok();
            doc.map(|d| {
                d.root_element()
                    .children()
                    .filter(|n| n.has_tag_name("si"))
                    .map(|si| {
                        si.descendants()
                            .filter(|n| n.has_tag_name("t"))
                            .filter_map(|t| t.text())
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
        })
        .unwrap_or_default();
    let rels = xml(&rels).ok();
    let target = |id: &str| -> Option<String> {
        rels.as_ref()?
            .descendants()
            .find(|n| n.attribute("Id") == Some(id))
            .and_then(|n| n.attribute("Target"))
            .map(|t| t.trim_start_matches('/').trim_start_matches("xl/").to_string())
    };
    let wb = xml(&workbook).map_err(|e| format!("xl/workbook.xml: {e}"))?;
    let r_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut out = HashMap::new();
    let sheets: Vec<(String, String)> = wb
        .descendants()
        .filter(|n| n.has_tag_name("sheet"))
        .filter_map(|n| Some((n.attribute("name")?.to_string(), target(n.attribute((r_ns, "id"))?)?)))
        .collect();
    for (name, path) in sheets {
        let Some(text) = part(&format!("xl/{path}"))? else {
            continue;
        };
        let doc = xml(&text).map_err(|e| format!("sheet {name}: {e}"))?;
        let mut rows: Sheet = Vec::new();
        for row in doc.descendants().filter(|n| n.has_tag_name("row")) {
            if rows.len() >= MAX_ROWS {
                return Err(format!(
                    "sheet {name} has more than {MAX_ROWS} rows; no questionnaire has that many"
                ));
            }
            let mut cells: Vec<String> = Vec::new();
            for c in row.children().filter(|n| n.has_tag_name("c")) {
                let col = c.attribute("r").map(column_index).unwrap_or(cells.len());
                let value = match c.attribute("t") {
                    Some("s") => c
                        .children()
                        .find(|n| n.has_tag_name("v"))
                        .and_then(|v| v.text())
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| shared.get(i).cloned())
                        .unwrap_or_default(),
                    Some("inlineStr") => c
                        .descendants()
                        .filter(|n| n.has_tag_name("t"))
                        .filter_map(|t| t.text())
                        .collect(),
                    _ => c
                        .children()
                        .find(|n| n.has_tag_name("v"))
                        .and_then(|v| v.text())
                        .unwrap_or("")
                        .to_string(),
                };
                // Spreadsheets keep formatted empty cells far to the right: only values count.
                if value.is_empty() {
                    continue;
                }
                if col >= MAX_COLUMNS {
                    return Err(format!(
                        "sheet {name}, row {}: a value in column {}, beyond the {MAX_COLUMNS} columns an XLSForm reads",
                        rows.len() + 1,
                        col + 1
                    ));
                }
                if cells.len() <= col {
                    cells.resize(col + 1, String::new());
                }
                cells[col] = value;
            }
            rows.push(cells);
        }
        out.insert(name, rows);
    }
    Ok(out)
}

/// Limits on an untrusted workbook (its size is [`quire_core::input::MAX_WORKBOOK_BYTES`]):
/// its parts,
pub const MAX_ZIP_ENTRIES: usize = 1_000;
/// … each part's size unpacked,
pub const MAX_PART_BYTES: u64 = 32 * 1024 * 1024;
/// … all parts' size unpacked,
pub const MAX_EXPANDED_BYTES: u64 = 128 * 1024 * 1024;
/// … the nodes of a part's XML,
pub const MAX_XML_NODES: u32 = 4_000_000;
/// … a sheet's rows,
pub const MAX_ROWS: usize = 50_000;
/// … and its columns.
pub const MAX_COLUMNS: usize = 1_024;

/// Parses a workbook part under the node limit.
fn xml(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            nodes_limit: MAX_XML_NODES,
            ..roxmltree::ParsingOptions::default()
        },
    )
}

/// `B7` → 1.
fn column_index(r: &str) -> usize {
    r.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(4)
        .fold(0usize, |n, c| {
            n * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1)
        })
        .saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_hostile_workbooks_do_not_panic() {
        assert_eq!(column_index("A1"), 0);
        assert_eq!(column_index("AB7"), 27);
        assert!(column_index("ZZZZZZZZZZZZZZZZ1") < 16_384 * 30);
        assert!(read(b"not a zip").is_err());
    }
}
