//! The hostile-input suite: every case of `tests/hostile/cases.tsv` run with the `quire`
//! binary, in a copy of `tests/hostile/` with the generated inputs beside it. Each must end
//! with its expected exit code and message within the time limit, never panic, never be
//! killed by a signal, and leave every input file as it was.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No case may take longer: a hang detector, with room for a debug build typesetting PDFs
/// on two cores busy with the rest of the suite (the fuzzers hold release builds to 10 s).
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn hostile_inputs_are_refused_with_a_message_never_a_crash() {
    let src = crate::root().join("tests/hostile");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hostile");
    copy_dir(&src, &dir);
    generate(&dir.join("gen"));
    let before = snapshot(&dir);
    let cases = std::fs::read_to_string(src.join("cases.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut times = Vec::new();
    let mut n = 0;
    for (i, line) in cases.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        n += 1;
        let cols: Vec<&str> = line.split('\t').collect();
        let [command, exit, message] = cols[..] else {
            panic!("cases.tsv:{}: three columns separated by tabs", i + 1);
        };
        let out = tmp.path().join(format!("out{i}"));
        let mut args: Vec<String> = Vec::new();
        let mut stdin: Option<PathBuf> = None;
        for a in command.split(' ') {
            if let Some(f) = a.strip_prefix('<') {
                stdin = Some(dir.join(f));
            } else {
                args.push(a.replace("{out}", &out.display().to_string()));
            }
        }
        let (code, stdout, stderr, took) = run(&dir, &args, stdin.as_deref());
        times.push((took, command));
        let text = if args[0] == "lsp" { &stdout } else { &stderr };
        let mut wrong = Vec::new();
        if code != exit.parse::<i32>().ok() {
            wrong.push(format!("exit {code:?}, expected {exit}"));
        }
        if message != "-" && !text.contains(message) {
            wrong.push(format!("no `{message}` in what it printed"));
        }
        if stderr.contains("panicked") || stdout.contains("panicked") {
            wrong.push("it panicked".into());
        }
        if took > LIMIT {
            wrong.push(format!("it took {took:?}"));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "cases.tsv:{}: `quire {command}`: {}\n--- stderr\n{}\n--- stdout\n{}",
                i + 1,
                wrong.join("; "),
                cut(&stderr),
                cut(&stdout)
            ));
        }
    }
    times.sort();
    let slowest: Vec<String> = times
        .iter()
        .rev()
        .take(3)
        .map(|(t, c)| format!("{t:.1?} `{c}`"))
        .collect();
    eprintln!("hostile: {n} cases; slowest {}", slowest.join(", "));
    assert!(n >= 30, "the suite has {n} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Files may be added (a build records its version beside the spec); none is changed.
    let after = snapshot(&dir);
    for file in &before {
        assert!(after.contains(file), "a case changed or removed {}", file.0.display());
    }
}

/// An XLSForm whose cells try to write YAML of their own comes in as its cells' text: no
/// question it did not have, braces as text, piping only of an earlier question.
#[test]
fn an_xlsform_cannot_inject_yaml_or_templates() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    let out = tmp.path().join("spec.yaml");
    let (code, _, stderr, _) = run(
        tmp.path(),
        &[
            "import".into(),
            "xlsform".into(),
            "injection.xlsx".into(),
            "-o".into(),
            out.display().to_string(),
        ],
        None,
    );
    assert_eq!(code, Some(0), "{stderr}");
    let yaml = std::fs::read_to_string(&out).unwrap();
    let compiled = quire::compile("spec.yaml", &yaml);
    assert!(!compiled.has_errors(), "{yaml}");
    let model = compiled.model.unwrap();
    let ids: Vec<&str> = crate::questions(&model, &model.instruments[0].audience)
        .iter()
        .map(|q| q.id.as_str())
        .collect();
    assert_eq!(ids, ["name", "greeting"], "{yaml}");
    let greeting = crate::questions(&model, &model.instruments[0].audience)[1];
    let text: String = greeting.text.plain();
    assert!(text.contains("{they}"), "braces kept as text: {text}");
    assert!(text.contains("${nowhere}"), "an unknown pipe kept as text: {text}");
    assert!(
        greeting
            .text
            .segments
            .iter()
            .any(|s| matches!(s, quire::model::Segment::Pipe { variable, .. } if variable == "name")),
        "an earlier question piped: {yaml}"
    );
}

/// Runs `quire` in `dir` under the time limit: (exit code, stdout, stderr, how long).
fn run(dir: &Path, args: &[String], stdin: Option<&Path>) -> (Option<i32>, String, String, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .current_dir(dir)
        .stdin(match stdin {
            Some(f) => Stdio::from(std::fs::File::open(f).unwrap()),
            None => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    (status.and_then(|s| s.code()), stdout, stderr, took)
}

fn cut(s: &str) -> String {
    s.chars().take(2000).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Every regular file under `dir` with its bytes' hash (FIFOs and outputs left out).
fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() && meta.len() < 64 * 1024 * 1024 {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p, quire::model::content_hash(&[&String::from_utf8_lossy(&bytes)])));
            }
        }
    }
    out.sort();
    out
}

/// The inputs too large, too binary or too special to keep in the repository.
fn generate(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for fifo in ["fifo.yaml", "fifo.csv"] {
        let path = dir.join(fifo);
        let ok = Command::new("mkfifo").arg(&path).status().is_ok_and(|s| s.success());
        assert!(ok, "mkfifo {}", path.display());
    }
    // Sparse files over the limits: their size is known before a byte is read.
    std::fs::File::create(dir.join("huge.yaml"))
        .unwrap()
        .set_len(quire::input::Kind::Spec.limit() + 1)
        .unwrap();
    std::fs::File::create(dir.join("huge.csv"))
        .unwrap()
        .set_len(quire::input::Kind::Data.limit() + 1)
        .unwrap();
    // 60,000 records with a key each: 60,000 columns, 3.6 billion cells if it were read.
    let mut wide = String::new();
    for i in 0..60_000 {
        wide.push_str(&format!("{{\"k{i}\":1}}\n"));
    }
    std::fs::write(dir.join("wide.json"), wide).unwrap();
    // A label of 32,768 `é`: it checks clean, so it must typeset.
    std::fs::write(
        dir.join("long-label.yaml"),
        format!(
            "survey: {{ id: t, title: T, version: \"1\" }}\nsections:\n  - id: s\n    title: S\n    items:\n      - {{ id: q, type: text, text: \"{}\" }}\n",
            "é".repeat(32_768)
        ),
    )
    .unwrap();
    // 20,000 messages the spec does not have.
    let mut po = String::from("msgid \"\"\nmsgstr \"\"\n\"Language: cy\\n\"\n\n");
    for i in 0..20_000 {
        po.push_str(&format!(
            "#: s.yaml:{i}\nmsgid \"Text number {i}\"\nmsgstr \"Testun rhif {i}\"\n\n"
        ));
    }
    std::fs::write(dir.join("many.po"), po).unwrap();
    workbooks(dir);
}

fn workbook(rows: &[Vec<&str>], choices: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let survey = wb.add_worksheet();
    survey.set_name("survey").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            survey.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let sheet = wb.add_worksheet();
    sheet.set_name("choices").unwrap();
    for (r, row) in choices.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

/// A workbook written part by part (for what a spreadsheet program would never write).
fn raw_workbook(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

fn workbooks(dir: &Path) {
    let header = vec!["type", "name", "label", "relevant"];
    // Line breaks and YAML in cells; braces and pipes in a label.
    let injection = workbook(
        &[
            header.clone(),
            vec![
                "text",
                "name",
                "Your name?\n      - id: injected\n        type: text\n        text: Injected",
                "",
            ],
            vec![
                "text",
                "greeting",
                "Hello ${name}, do {they} like ${nowhere}?",
                "${name} != ''\n      - id: injected2\n        type: text\n        text: Injected",
            ],
        ],
        &[vec!["list_name", "name", "label"]],
    );
    std::fs::write(dir.join("injection.xlsx"), injection).unwrap();
    // A relevant nested 3,000 brackets deep (it overflowed the stack).
    let deep = format!("{}${{name}} = 'x'{}", "(".repeat(3000), ")".repeat(3000));
    let deep = workbook(
        &[
            header.clone(),
            vec!["text", "name", "Name?", ""],
            vec!["text", "other", "Other?", &deep],
        ],
        &[vec!["list_name", "name", "label"]],
    );
    std::fs::write(dir.join("deep.xlsx"), deep).unwrap();
    // Thousands of rows with a value in the last column Excel has.
    let mut sheet =
        String::from(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#);
    for r in 1..5000 {
        sheet.push_str(&format!(
            r#"<row r="{r}"><c r="XFD{r}" t="inlineStr"><is><t>x</t></is></c></row>"#
        ));
    }
    sheet.push_str("</sheetData></worksheet>");
    let wide = raw_workbook(&[
        ("xl/workbook.xml", WORKBOOK.into()),
        ("xl/_rels/workbook.xml.rels", RELS.into()),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ]);
    std::fs::write(dir.join("wide.xlsx"), wide).unwrap();
    // 200 MB of shared strings in a few hundred kilobytes.
    let mut bomb = Vec::with_capacity(200 << 20);
    bomb.extend_from_slice(b"<sst>");
    bomb.resize(200 << 20, b' ');
    let bomb = raw_workbook(&[
        ("xl/workbook.xml", WORKBOOK.into()),
        ("xl/_rels/workbook.xml.rels", RELS.into()),
        ("xl/sharedStrings.xml", bomb),
    ]);
    std::fs::write(dir.join("bomb.xlsx"), bomb).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = vec![("xl/workbook.xml".into(), WORKBOOK.into())];
    for i in 0..1200 {
        parts.push((format!("xl/media/{i}.bin"), vec![0]));
    }
    let parts: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    std::fs::write(dir.join("entries.xlsx"), raw_workbook(&parts)).unwrap();
    // 700 nested groups, each with a condition: a question inside would need all 700.
    let mut rows = vec![header.clone(), vec!["text", "a", "A?", ""]];
    rows.extend((0..700).map(|_| vec!["begin_group", "g", "G", "${a} = 'x'"]));
    rows.extend((0..100).map(|_| vec!["text", "q", "Q?", ""]));
    rows.extend((0..700).map(|_| vec!["end_group", "", "", ""]));
    std::fs::write(
        dir.join("nested.xlsx"),
        workbook(&rows, &[vec!["list_name", "name", "label"]]),
    )
    .unwrap();
    // One choice name 3,000 times in a list (its values grew without end).
    let mut choices = vec![vec!["list_name", "name", "label"]];
    for _ in 0..3000 {
        choices.push(vec!["yn", "1", "Yes"]);
    }
    choices.push(vec!["yn", "2", "No"]);
    let dup = workbook(
        &[header, vec!["select_one yn", "smoker", "Do you smoke?", ""]],
        &choices,
    );
    std::fs::write(dir.join("duplicates.xlsx"), dup).unwrap();
}

/// A spec's texts that a spreadsheet would run (the REDCap dictionary is opened in Excel
/// before it is uploaded) are neutralised; REDCap's own syntax is not touched.
#[test]
fn the_redcap_dictionary_runs_no_formula() {
    let spec = r#"
survey: { id: t, title: T, version: "1" }
choices:
  yes_no:
    - { code: 1, value: "yes", label: "=1+1" }
    - { code: 2, value: "no", label: "No" }
sections:
  - id: s
    title: "@SUM(A1)"
    items:
      - { id: a, type: single, text: "=cmd|' /C calc'!A0", hint: "-2+3", choices: yes_no }
      - { id: b, type: text, text: "+HYPERLINK(\"x\")", ask_if: "a == 'yes'" }
"#;
    let model = quire::compile("t.yaml", spec).model.unwrap();
    let files = quire::backend::redcap::render(&model).unwrap();
    let bytes = &files.files[0].bytes;
    let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let mut labels = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        for i in [2, 4, 6] {
            let cell = rec.get(i).unwrap_or("");
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "column {i} runs as a formula: {cell:?}"
            );
            labels += usize::from(cell.starts_with('\''));
        }
        // Branching logic stays REDCap's.
        if rec.get(0) == Some("b") {
            assert!(rec.get(11).is_some_and(|l| l.starts_with('[')), "{rec:?}");
        }
    }
    assert!(labels >= 3, "the hostile texts are there, guarded");
}
