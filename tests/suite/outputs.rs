//! `check` clean ⇒ `build` succeeds and every output is valid in its consumer, as a property:
//! specs made by mutating the flagship, the examples and the test specs (hostile and very long
//! texts, new conditions built from earlier ones) are checked, and every one that checks clean
//! is built for every target (the PDF when not even a warning is given) and read back by the consumers' own tools: JSON parses, XML is
//! well-formed and the DDI valid against its XSD, R parses the `.R`, PSPP runs the `.sps`,
//! SQLite loads the `.sql` and stores simulated responses under its CHECKs, and (with the
//! `pdf` feature) the PDFs' text holds every question's text.
//!
//! `QUIRE_PROPERTY_CASES=2000 cargo test --release --test suite outputs` runs a longer search
//! (docs/ROBUSTNESS.md).

use std::path::{Path, PathBuf};

use crate::Rng;

/// Texts that have broken writers: quotes of every kind, markup of every target, escapes,
/// scripts written right to left, and texts far longer than a line or a page.
fn hostile(r: &mut Rng) -> String {
    let long_words: String = (0..1_500)
        .map(|i| ["care", "coordination", "über", "día", "siŵr", "센터", "مركز"][i % 7])
        .collect::<Vec<_>>()
        .join(" ");
    let choices = [
        "Quotes \"double\" 'single' \"' `\"'` end".to_string(),
        "Markup <b>bold</b> & <script>x</script> #set $x$ *star* _under_ [link] @ref \\\\ {{ j }} {% t %}".to_string(),
        "Spreadsheet =SUM(A1) +1 -1 @cmd".to_string(),
        "Stata `macro' $global \"' and SPSS '' . EXECUTE.".to_string(),
        "SQL '); DROP TABLE responses; -- ".to_string(),
        "Right to left: مرحبا بالعالم and עברית, emoji 🧑‍⚕️🏥".to_string(),
        "Line one\nline two\n\nline four".to_string(),
        "Tab\tseparated\ttext".to_string(),
        long_words.clone(),
        // Over 10,000 bytes with non-ASCII: R's limit for one escaped string.
        format!("{long_words} {long_words}"),
    ];
    choices[r.below(choices.len())].clone()
}

const TEXT_KEYS: [&str; 8] = [
    "text",
    "label",
    "title",
    "hint",
    "message",
    "definition",
    "term",
    "intro",
];

/// One mutation of a spec's text, keeping it YAML: a text replaced by a hostile one (written
/// as a JSON string, which YAML reads as a double-quoted scalar), or a condition joined with
/// an earlier one.
fn mutate(text: &str, r: &mut Rng) -> String {
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut out = lines.clone();
    match r.below(3) {
        0 | 1 => {
            // A `key: value` line of a text key, not a block scalar's header.
            let candidates: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    let t = l.trim_start().trim_start_matches("- ");
                    TEXT_KEYS.iter().any(|k| {
                        t.strip_prefix(k)
                            .and_then(|rest| rest.strip_prefix(": "))
                            .is_some_and(|v| !v.is_empty() && !v.starts_with(['|', '>', '{', '[']))
                    })
                })
                .map(|(i, _)| i)
                .collect();
            if candidates.is_empty() {
                return text.to_string();
            }
            let i = candidates[r.below(candidates.len())];
            let (head, _) = lines[i].split_once(": ").unwrap();
            out[i] = format!("{head}: {}", serde_json::to_string(&hostile(r)).unwrap());
        }
        _ => {
            let conditions: Vec<(usize, String)> = lines
                .iter()
                .enumerate()
                .filter_map(|(i, l)| {
                    let v = l.trim_start().strip_prefix("ask_if: ")?;
                    (!v.is_empty() && !v.starts_with(['|', '>'])).then(|| (i, v.trim_matches('"').to_string()))
                })
                .collect();
            if conditions.len() < 2 {
                return text.to_string();
            }
            let a = r.below(conditions.len() - 1) + 1;
            let b = r.below(a);
            let (i, own) = &conditions[a];
            let earlier = &conditions[b].1;
            let joined = match r.below(3) {
                0 => format!("({own}) and not ({earlier})"),
                1 => format!("({own}) or ({earlier})"),
                _ => format!("not ({earlier}) and ({own})"),
            };
            let (head, _) = lines[*i].split_once("ask_if: ").unwrap();
            out[*i] = format!("{head}ask_if: {}", serde_json::to_string(&joined).unwrap());
        }
    }
    out.join("\n") + "\n"
}

fn sources() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = crate::clean_specs();
    paths.push(crate::root().join("tests/data/hostile.quire.yaml"));
    paths.push(crate::root().join("tests/data/routing.quire.yaml"));
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().replace(".quire", "");
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Every file of every target for a model, as the CLI writes them (PDFs aside).
fn build(model: &quire::model::Questionnaire, dir: &Path, seed: u64) {
    use quire::backend::{codebook, html, paper, schema};
    let files = codebook::render(model)
        .unwrap()
        .into_iter()
        .map(|f| (PathBuf::from("codebook").join(f.path), f.bytes))
        .chain(
            schema::render(model)
                .unwrap()
                .into_iter()
                .map(|f| (PathBuf::from("schema").join(f.path), f.bytes)),
        )
        .chain(
            html::render(model, html::Edition::Production)
                .unwrap()
                .into_iter()
                .map(|f| (PathBuf::from("html").join(f.path), f.bytes)),
        )
        .chain(
            paper::render(model, paper::Paper::A4)
                .unwrap()
                .into_iter()
                .map(|f| (PathBuf::from("paper").join(f.path), f.bytes)),
        )
        .chain([(PathBuf::from("quire.ir.json"), quire::backend::ir::render(model))]);
    for (path, bytes) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    // Responses for the analysis syntax to read.
    let cols = quire::data::columns(model);
    let rows = quire::data::testing::synthetic(model, 12, seed);
    std::fs::write(
        dir.join("schema/responses.csv"),
        quire::data::to_csv(model, &cols, &rows),
    )
    .unwrap();
}

/// Files below `dir` whose name ends with `ext`.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn well_formed_xml(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("{e} at {}", reader.buffer_position())),
        }
    }
}

const CHECK_PY: &str = r#"
import csv, sqlite3, sys, xmlschema
schema = xmlschema.XMLSchema(sys.argv[1])
bad = 0
for case in sys.argv[2:]:
    try:
        schema.validate(case + "/codebook/codebook.ddi.xml")
    except Exception as e:
        bad += 1; print("DDI", case, str(e)[:300])
    con = sqlite3.connect(":memory:")
    try:
        con.executescript(open(case + "/schema/" + [l for l in __import__("os").listdir(case + "/schema") if l.endswith(".sql")][0], encoding="utf-8").read())
        rows = list(csv.reader(open(case + "/schema/responses.csv", encoding="utf-8", newline="")))
        marks = ",".join("?" * len(rows[0]))
        for r in rows[1:]:
            con.execute(f"INSERT INTO responses VALUES ({marks})", r)
        n = con.execute("SELECT count(*) FROM responses").fetchone()[0]
        if n != len(rows) - 1:
            bad += 1; print("SQL", case, "stored", n, "of", len(rows) - 1)
    except Exception as e:
        bad += 1; print("SQL", case, str(e)[:300])
print("checked", len(sys.argv) - 2, "bad", bad)
"#;

#[test]
fn specs_that_check_clean_build_into_valid_outputs() {
    let cases: usize = std::env::var("QUIRE_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240);
    let tmp = tempfile::tempdir().unwrap();
    let sources = sources();
    let mut r = Rng(0x0bad_5eed);
    let mut built: Vec<(PathBuf, quire::model::Questionnaire, bool)> = Vec::new();
    let mut refused = 0;
    for case in 0..cases {
        let (name, text) = &sources[case % sources.len()];
        let mut spec = text.clone();
        for _ in 0..1 + r.below(3) {
            spec = mutate(&spec, &mut r);
        }
        let compiled = quire::compile(&format!("{name}-{case}.yaml"), &spec);
        // Clean: not even a warning (a character no embedded font has is one).
        let clean = compiled.diagnostics.is_empty();
        let Some(model) = compiled.model else {
            refused += 1;
            continue;
        };
        let dir = tmp.path().join(format!("case{case:04}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("spec.yaml"), &spec).unwrap();
        build(&model, &dir, case as u64 + 1);
        for json in files(&dir, ".json") {
            let text = std::fs::read_to_string(&json).unwrap();
            serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
        }
        for xml in files(&dir, ".xml").into_iter().chain(files(&dir, ".html")) {
            if xml.extension().is_some_and(|e| e == "xml") {
                well_formed_xml(&xml).unwrap_or_else(|e| panic!("{}: {e}", xml.display()));
            }
        }
        let sps = files(&dir.join("schema"), ".sps");
        let (ok, out) = crate::run(
            &dir.join("schema"),
            "pspp",
            &[sps[0].to_str().unwrap(), "-o", "pspp.txt"],
        );
        let log = std::fs::read_to_string(dir.join("schema/pspp.txt")).unwrap_or_default();
        assert!(
            ok && !log.contains("error:"),
            "{}: PSPP: {out}\n{}",
            dir.display(),
            log.lines()
                .filter(|l| l.contains("error"))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
        built.push((dir, model, clean));
    }
    assert!(
        built.len() * 2 >= cases,
        "only {} of {cases} mutated specs checked clean ({refused} refused)",
        built.len()
    );

    // R parses every script; one R process for all of them.
    let scripts: Vec<String> = built
        .iter()
        .flat_map(|(d, ..)| files(&d.join("schema"), ".R"))
        .map(|p| p.display().to_string())
        .collect();
    let list = tmp.path().join("scripts.txt");
    std::fs::write(&list, scripts.join("\n")).unwrap();
    let (ok, out) = crate::run(
        tmp.path(),
        "Rscript",
        &[
            "-e",
            "bad <- 0; for (f in readLines('scripts.txt')) tryCatch(parse(f, encoding = 'UTF-8'), error = function(e) { bad <<- bad + 1; cat(f, conditionMessage(e), '\\n') }); cat('bad', bad, '\\n')",
        ],
    );
    assert!(ok && out.contains("bad 0"), "R could not parse: {out}");

    // The DDI against the official XSD, and the SQL in SQLite with the responses inserted.
    let xsd = crate::reference_schemas().join("ddi-codebook-2.5/codebook.xsd");
    let mut args = vec!["-c".to_string(), CHECK_PY.to_string(), xsd.display().to_string()];
    args.extend(built.iter().map(|(d, ..)| d.display().to_string()));
    let (ok, out) = crate::run(tmp.path(), "python3", &args);
    assert!(ok && out.contains(&format!("checked {} bad 0", built.len())), "{out}");

    eprintln!(
        "outputs: {cases} mutated specs, {} built and read back ({} without any diagnostic), {refused} refused by check",
        built.len(),
        built.iter().filter(|(.., clean)| *clean).count()
    );
    #[cfg(feature = "pdf")]
    for (dir, model, _) in built.iter().filter(|(.., clean)| *clean).step_by(6) {
        use quire::backend::paper::{Edition, Paper, document};
        let instrument = &model.instruments[0];
        let typ = document(model, instrument, Edition::SelfCompletion, Paper::A4);
        let pdf = quire::backend::pdf::pdf(&typ).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        std::fs::write(dir.join("q.pdf"), pdf).unwrap();
        let (ok, log) = crate::run(dir, "pdftotext", &["q.pdf", "q.txt"]);
        assert!(ok, "{log}");
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = words(&std::fs::read_to_string(dir.join("q.txt")).unwrap());
        for q in crate::questions(model, &instrument.audience) {
            let want = words(&q.text.plain());
            assert!(
                text.contains(&want),
                "{}: {} is not all on paper ({} characters): {}",
                dir.display(),
                q.number,
                want.len(),
                want.chars().take(200).collect::<String>()
            );
        }
    }
}
