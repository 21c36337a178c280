//! The study's tables (`quire_core::data::tabulate::Tables`, made from the model and a data
//! file) written out for `quire tabulate --format`: CSV cells, Markdown and HTML in the
//! layout of the seed's Table 5 (groups side by side), and an xlsx workbook with both.

use quire_core::data::tabulate::{Block, Tables};

use crate::Error;

/// A number as a table prints it: whole numbers plainly, others to two decimals.
pub fn show(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.2}")
    }
}

/// `--format csv`: one row per cell, `audience,variable,row,code,label,number,percent`.
pub fn csv(t: &Tables) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // A questionnaire with rosters says which unit each line counts (`respondent`, or the
    // roster whose rows it counts).
    let units = t.blocks.iter().any(|b| b.base.is_some());
    let mut head = vec!["audience", "variable", "row", "code", "label", "number", "percent"];
    if units {
        head.insert(1, "unit");
    }
    let _ = w.write_record(head);
    for b in &t.blocks {
        for (g, lines) in t.groups.iter().zip(&b.cells) {
            for l in lines.iter().flatten() {
                let number = match l.row {
                    "mean" | "sd" | "median" => format!("{:.4}", l.number)
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string(),
                    _ => quire_core::expr::format_number(l.number),
                };
                let mut record = vec![
                    g.id.clone(),
                    b.variable.clone(),
                    l.row.to_string(),
                    l.code.map(|c| c.to_string()).unwrap_or_default(),
                    quire_core::escape::csv_safe(&l.label),
                    number,
                    l.percent.map(|p| p.to_string()).unwrap_or_default(),
                ];
                if units {
                    record.insert(1, b.base.as_ref().map_or("respondent".to_string(), |u| u.unit.clone()));
                }
                let _ = w.write_record(record);
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One row of a block across the groups: label, row kind, and each group's (number, percent).
type SideBySide = (String, &'static str, Vec<Option<(f64, Option<i64>)>>);

/// The lines of a block side by side: one row per line key, a (number, percent) pair per group.
fn side_by_side(b: &Block) -> Vec<SideBySide> {
    let mut keys: Vec<(String, &'static str, Option<i64>)> = Vec::new();
    for lines in b.cells.iter().flatten() {
        for l in lines {
            if !keys
                .iter()
                .any(|k| k.1 == l.row && k.2 == l.code && (l.code.is_some() || k.0 == l.label))
            {
                keys.push((l.label.clone(), l.row, l.code));
            }
        }
    }
    keys.into_iter()
        .map(|(label, row, code)| {
            let per = b
                .cells
                .iter()
                .map(|lines| {
                    lines.as_ref().and_then(|ls| {
                        ls.iter()
                            .find(|l| l.row == row && l.code == code && (code.is_some() || l.label == label))
                            .map(|l| (l.number, l.percent))
                    })
                })
                .collect();
            (label, row, per)
        })
        .collect()
}

/// `--format md`: the Table 5 layout, groups side by side.
pub fn markdown(t: &Tables) -> String {
    let esc = quire_core::escape::markdown_escape;
    let mut s = format!("# {} (version {})\n\n", esc(&t.title), esc(&t.version));
    s.push_str(&format!(
        "Respondents: {}. Percentages are whole, rounded half away from zero, of each Total; Not applicable and Missing are outside it.\n",
        t.groups.iter().map(|g| format!("{} n = {}", esc(&g.label), g.n)).collect::<Vec<_>>().join(", ")
    ));
    for b in &t.blocks {
        s.push_str(&format!("\n## `{}`: {}\n\n", b.variable, esc(&b.label)));
        for (who, text) in &b.wording {
            s.push_str(&format!("> *{}:* {}\n", esc(who), esc(text)));
        }
        if let Some(base) = &b.base {
            s.push_str(&format!("\n*{}.*\n", esc(&base.words(&t.groups))));
        }
        s.push('\n');
        let head: Vec<String> = t
            .groups
            .iter()
            .map(|g| format!("{} Number | %", esc(&g.label)))
            .collect();
        s.push_str(&format!("| Response | {} |\n", head.join(" | ")));
        s.push_str(&format!("|---|{}\n", "---:|---:|".repeat(t.groups.len())));
        for (label, _row, per) in side_by_side(b) {
            let cells: Vec<String> = per
                .iter()
                .map(|c| match c {
                    Some((n, p)) => format!("{} | {}", show(*n), p.map(|p| p.to_string()).unwrap_or_default()),
                    None => " | ".to_string(),
                })
                .collect();
            s.push_str(&format!("| {} | {} |\n", esc(&label), cells.join(" | ")));
        }
    }
    s
}

/// `--format html`: a self-contained report, each table with a horizontal bar chart of its
/// percentages (the table is the chart's text alternative).
pub fn html(t: &Tables) -> String {
    let e = quire_core::escape::html;
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str(&format!("<title>Tables: {}</title>\n", e(&t.title)));
    s.push_str("<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#0b0c0c;line-height:1.4}table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #b1b4b6;padding:.25rem .6rem;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total th,tr.total td{font-weight:700}tr.blank th,tr.blank td{color:#505a5f}section{border-top:2px solid #0b0c0c;margin-top:1.5rem}blockquote{margin:.25rem 0;color:#505a5f}svg text{font-size:12px;fill:#0b0c0c}@media print{section{break-inside:avoid}}</style>\n</head>\n<body>\n<main>\n");
    s.push_str(&format!(
        "<h1>{} <small>(version {})</small></h1>\n",
        e(&t.title),
        e(&t.version)
    ));
    s.push_str(&format!(
        "<p>Respondents: {}. Percentages are whole, rounded half away from zero, of each Total; Not applicable and Missing are outside it.</p>\n",
        t.groups.iter().map(|g| format!("{} n = {}", e(&g.label), g.n)).collect::<Vec<_>>().join(", ")
    ));
    let colours = ["#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c"];
    for (k, b) in t.blocks.iter().enumerate() {
        let id = format!("t{k}");
        s.push_str(&format!(
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\"><code>{}</code>: {}</h2>\n",
            e(&b.variable),
            e(&b.label)
        ));
        for (who, text) in &b.wording {
            s.push_str(&format!("<blockquote><em>{}:</em> {}</blockquote>\n", e(who), e(text)));
        }
        if let Some(base) = &b.base {
            s.push_str(&format!("<p><em>{}.</em></p>\n", e(&base.words(&t.groups))));
        }
        let rows = side_by_side(b);
        s.push_str(&format!(
            "<table aria-labelledby=\"{id}\">\n<thead><tr><th scope=\"col\">Response</th>"
        ));
        for g in &t.groups {
            s.push_str(&format!(
                "<th scope=\"col\">{} number</th><th scope=\"col\">%</th>",
                e(&g.label)
            ));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for (label, row, per) in &rows {
            let class = match *row {
                "total" | "n" => " class=\"total\"",
                "not_applicable" | "missing" => " class=\"blank\"",
                _ => "",
            };
            s.push_str(&format!("<tr{class}><th scope=\"row\">{}</th>", e(label)));
            for c in per {
                match c {
                    Some((n, p)) => s.push_str(&format!(
                        "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                        show(*n),
                        p.map(|p| p.to_string()).unwrap_or_default()
                    )),
                    None => s.push_str("<td class=\"n\">–</td><td class=\"n\"></td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
        // The chart: one bar per option and group, length = its percentage.
        let bars: Vec<(&String, Vec<Option<i64>>)> = rows
            .iter()
            .filter(|r| r.1 == "option")
            .map(|(label, _, per)| (label, per.iter().map(|c| c.and_then(|(_, p)| p)).collect()))
            .filter(|(_, ps): &(&String, Vec<Option<i64>>)| ps.iter().any(Option::is_some))
            .collect();
        if !bars.is_empty() {
            let groups = t.groups.len();
            let bar = 12;
            let gap = 10;
            let label_w = 260;
            // The legend names the groups that have bars here, one per line.
            let shown: Vec<usize> = (0..groups)
                .filter(|g| bars.iter().any(|(_, ps)| ps[*g].is_some()))
                .collect();
            let height = bars.len() * (groups * bar + gap) + 8 + 16 * shown.len();
            s.push_str(&format!(
                "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {} {height}\" aria-hidden=\"true\" focusable=\"false\">\n",
                label_w + 340
            ));
            for (i, (label, ps)) in bars.iter().enumerate() {
                let y0 = i * (groups * bar + gap);
                let short: String = label.chars().take(40).collect();
                let short = if label.chars().count() > 40 {
                    format!("{short}…")
                } else {
                    short
                };
                s.push_str(&format!("<text x=\"0\" y=\"{}\">{}</text>\n", y0 + bar, e(&short)));
                for (gi, p) in ps.iter().enumerate() {
                    if let Some(p) = p {
                        let w = *p as usize * 3;
                        let y = y0 + gi * bar;
                        s.push_str(&format!(
                            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{p}%</text>\n",
                            bar - 2,
                            colours[gi % colours.len()],
                            label_w + w + 4,
                            y + bar - 3
                        ));
                    }
                }
            }
            for (k, gi) in shown.iter().enumerate() {
                let ly = bars.len() * (groups * bar + gap) + 16 * (k + 1);
                s.push_str(&format!(
                    "<rect x=\"{label_w}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{ly}\">{}</text>\n",
                    ly - 9,
                    colours[gi % colours.len()],
                    label_w + 14,
                    e(&t.groups[*gi].label)
                ));
            }
            s.push_str("</svg>\n<figcaption>Percentages of each Total, as in the table above.</figcaption></figure>\n");
        }
        s.push_str("</section>\n");
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

/// `--format xlsx`: the Table 5 layout on one sheet, and the cells (as `--format csv`) on another.
pub fn xlsx(t: &Tables) -> Result<Vec<u8>, Error> {
    workbook(t).map_err(|e| Error::new("tabulate", "tables.xlsx", e))
}

fn workbook(t: &Tables) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("Tables").map_err(|e| e.to_string())?;
    let mut r: u32 = 0;
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    sheet
        .write_string_with_format(r, 0, format!("{} (version {})", t.title, t.version), &bold)
        .map_err(err)?;
    r += 2;
    for b in &t.blocks {
        sheet
            .write_string_with_format(r, 0, format!("{}: {}", b.variable, b.label), &bold)
            .map_err(err)?;
        r += 1;
        for (who, text) in &b.wording {
            sheet.write_string(r, 0, format!("{who}: {text}")).map_err(err)?;
            r += 1;
        }
        if let Some(base) = &b.base {
            sheet
                .write_string(r, 0, format!("{}.", base.words(&t.groups)))
                .map_err(err)?;
            r += 1;
        }
        sheet.write_string_with_format(r, 0, "Response", &bold).map_err(err)?;
        for (gi, g) in t.groups.iter().enumerate() {
            let c = 1 + 2 * gi as u16;
            sheet
                .write_string_with_format(r, c, format!("{} number", g.label), &bold)
                .map_err(err)?;
            sheet.write_string_with_format(r, c + 1, "%", &bold).map_err(err)?;
        }
        r += 1;
        for (label, _row, per) in side_by_side(b) {
            sheet.write_string(r, 0, &label).map_err(err)?;
            for (gi, c) in per.iter().enumerate() {
                let col = 1 + 2 * gi as u16;
                if let Some((n, p)) = c {
                    sheet.write_number(r, col, *n).map_err(err)?;
                    if let Some(p) = p {
                        sheet.write_number(r, col + 1, *p as f64).map_err(err)?;
                    }
                }
            }
            r += 1;
        }
        r += 1;
    }
    sheet.set_column_width(0, 60).map_err(err)?;
    let cells = book.add_worksheet().set_name("Cells").map_err(|e| e.to_string())?;
    let text = csv(t);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    for (i, rec) in rd.records().flatten().enumerate() {
        for (j, v) in rec.iter().enumerate() {
            let (i, j) = (i as u32, j as u16);
            if let (true, Ok(x)) = (i > 0 && matches!(j, 3 | 5 | 6), v.parse::<f64>()) {
                cells.write_number(i, j, x).map_err(err)?;
                continue;
            }
            cells.write_string(i, j, v).map_err(err)?;
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}
