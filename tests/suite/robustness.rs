//! No input panics the compiler: the diagnostics suite, the flagship, and a few hundred
//! malformed specs made from them by deterministic mutation.

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NOISE: [&str; 16] = [
    ":", "-", "[", "]", "{", "}", "'", "\"", "&a", "*a", "!", "|", ">", "\n", "\t", "  ",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        // An empty file: the only change is to add something.
        return NOISE[rng.below(NOISE.len())].to_string();
    }
    match rng.below(6) {
        0 => {
            let cut = rng.below(text.len());
            let mut cut = cut;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
        1 => {
            let i = rng.below(lines.len());
            lines
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        2 => {
            let i = rng.below(lines.len());
            let mut v = lines.clone();
            v.insert(i, lines[i]);
            v.join("\n")
        }
        3 => {
            let mut pos = rng.below(text.len());
            while !text.is_char_boundary(pos) {
                pos -= 1;
            }
            format!("{}{}{}", &text[..pos], NOISE[rng.below(NOISE.len())], &text[pos..])
        }
        4 => {
            // Swap two lines: moves questions ahead of what they read, breaks indentation.
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            let mut v = lines.clone();
            v.swap(i, j);
            v.join("\n")
        }
        _ => {
            // Replace a word: ids, types and values become unknown names.
            let words: Vec<&str> = text.split_whitespace().collect();
            let w = words[rng.below(words.len())];
            text.replacen(w, "zz_unknown", 1)
        }
    }
}

#[test]
fn no_input_panics() {
    let mut seeds: Vec<String> = Vec::new();
    for dir in ["tests/diagnostics", "examples"] {
        for e in std::fs::read_dir(crate::root().join(dir)).unwrap().flatten() {
            seeds.push(std::fs::read_to_string(e.path()).unwrap());
        }
    }
    seeds.push(std::fs::read_to_string(crate::root().join("questionnaires/concord/concord.yaml")).unwrap());
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut errors = 0;
    let mut total = 0;
    for seed in &seeds {
        for _ in 0..12 {
            let mut text = seed.clone();
            for _ in 0..=rng.below(3) {
                text = mutate(&text, &mut rng);
            }
            let compiled = quire::compile("mutant.yaml", &text);
            let _ = quire::backend::diagnostics::render(&compiled.diagnostics, &compiled.sources, false);
            let _ = quire::backend::diagnostics::to_json(&compiled.diagnostics, &compiled.sources);
            errors += usize::from(compiled.has_errors());
            total += 1;
        }
    }
    assert!(total >= 300, "only {total} mutants");
    assert!(
        errors > total / 3,
        "mutations should mostly produce errors ({errors}/{total})"
    );
}

#[test]
fn hostile_yaml_is_refused_not_obeyed() {
    let deep = format!("survey: {}x{}\nsections: []\n", "[".repeat(5000), "]".repeat(5000));
    let compiled = quire::compile("deep.yaml", &deep);
    assert!(compiled.has_errors());

    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let compiled = quire::compile("bomb.yaml", &bomb);
    assert!(compiled.has_errors());
    let said = quire::backend::diagnostics::render(&compiled.diagnostics, &compiled.sources, false);
    assert!(
        said.contains("too large or too deeply nested") && !said.contains("budget") && !said.contains("Events"),
        "the limit in words, not the parser's internals: {said}"
    );

    for text in [
        "",
        "---",
        "~",
        "[]",
        "42",
        "survey: ~",
        "sections: 3",
        "\u{feff}survey: {}",
        "survey:\n  id: !!binary aGk=\n",
    ] {
        let compiled = quire::compile("odd.yaml", text);
        assert!(compiled.has_errors(), "{text:?} should be refused");
    }
}

/// The fuzzer: byte-level and YAML-aware mutations of a corpus (every spec in the
/// repository), spliced together, through the spec reader, the checker and (for those that
/// check clean) every backend short of the PDF; and random token strings through the
/// expression parser, whose printout must parse back to the same tree. No input may panic
/// or hang. A stable harness (cargo-fuzz needs a nightly toolchain):
/// `QUIRE_FUZZ_SECONDS=3600 cargo test --release --test suite robustness::fuzz -- --nocapture`
/// runs it for an hour (docs/ROBUSTNESS.md); the suite runs it for a few seconds.
#[test]
fn fuzz() {
    let seconds: u64 = std::env::var("QUIRE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for dir in ["tests/diagnostics", "examples", "tests/data", "questionnaires/concord"] {
        for e in std::fs::read_dir(crate::root().join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "yaml") {
                corpus.push(std::fs::read(e.path()).unwrap());
            }
        }
    }
    // Inputs the fuzzer once crashed on (tests/data/fuzz), replayed first.
    for e in std::fs::read_dir(crate::root().join("tests/data/fuzz"))
        .unwrap()
        .flatten()
    {
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        let compiled = quire::compile("fuzz.yaml", &text);
        let _ = quire::backend::diagnostics::render(&compiled.diagnostics, &compiled.sources, false);
    }
    let mut rng = Rng(std::env::var("QUIRE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0xf022));
    let (mut specs, mut clean, mut exprs, mut slowest) = (0u64, 0u64, 0u64, std::time::Duration::ZERO);
    while std::time::Instant::now() < deadline {
        // A spec: one corpus file, mutated 1–8 times.
        let mut bytes = corpus[rng.below(corpus.len())].clone();
        for _ in 0..=rng.below(8) {
            byte_mutation(&mut bytes, &corpus, &mut rng);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(|| {
            let compiled = quire::compile("fuzz.yaml", &text);
            let _ = quire::backend::diagnostics::render(&compiled.diagnostics, &compiled.sources, false);
            if let Some(model) = &compiled.model {
                let _ = quire::backend::codebook::render(model).unwrap();
                let _ = quire::backend::schema::render(model).unwrap();
                let _ = quire::backend::html::render(model, quire::backend::html::Edition::Production).unwrap();
                let _ = quire::backend::paper::render(model, quire::backend::paper::Paper::A4).unwrap();
                let cols = quire::data::columns(model);
                let _ = quire::data::testing::synthetic(model, 3, 1).len() + cols.len();
                true
            } else {
                false
            }
        });
        let took = started.elapsed();
        slowest = slowest.max(took);
        match outcome {
            Ok(ok) => clean += u64::from(ok),
            Err(_) => {
                let path = std::env::temp_dir().join(format!("quire-fuzz-crash-{specs}.yaml"));
                std::fs::write(&path, &bytes).unwrap();
                panic!("panicked on a spec, saved to {}", path.display());
            }
        }
        // A hang detector, not a speed claim (those live in benchmarks).
        assert!(took.as_secs() < 20, "a spec took {took:?}: {text:.200}");
        specs += 1;

        // An expression: random tokens of the grammar.
        let tokens = [
            "q",
            "a_b",
            "audience",
            "'yes'",
            "\"x\"",
            "1",
            "2.5",
            "-",
            "+",
            "*",
            "/",
            "(",
            ")",
            "[",
            "]",
            ",",
            "==",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "and",
            "or",
            "not",
            "in",
            "not in",
            "answered(",
            "count(",
            "selected(",
            "score(",
            "sum(",
            "sum_score(",
            "coalesce(",
            "if(",
            "any(",
            "count_where(",
            "today()",
            "years_between(",
            "matches(",
            "substr(",
            "mod(",
            "true",
            "false",
            "'",
            "é",
            " ",
        ];
        let expr: String = (0..1 + rng.below(24))
            .map(|_| tokens[rng.below(tokens.len())])
            .collect::<Vec<_>>()
            .join(" ");
        if let Ok(e) = quire::expr::parse(&expr) {
            let printed = e.to_string();
            let again =
                quire::expr::parse(&printed).unwrap_or_else(|err| panic!("{expr:?} printed as {printed:?}: {err:?}"));
            assert_eq!(e.sexp(), again.sexp(), "{expr:?} printed as {printed:?}");
            let _ = quire::eval::eval(&e, &quire::eval::AnswerMap::new("p"));
        }
        exprs += 1;
    }
    eprintln!(
        "fuzz: {specs} specs ({clean} checked clean and built), {exprs} expressions in {seconds} s; slowest spec {slowest:?}"
    );
    assert!(specs > 0 && exprs > 0);
}

/// One mutation of raw bytes: flip, insert, delete, duplicate, or splice in a piece of
/// another corpus file; or insert a YAML token.
fn byte_mutation(bytes: &mut Vec<u8>, corpus: &[Vec<u8>], rng: &mut Rng) {
    let len = bytes.len();
    let at = rng.below(len + 1);
    match rng.below(7) {
        0 if len > 0 => bytes[at.min(len - 1)] ^= 1 << rng.below(8),
        1 => bytes.insert(at, rng.next() as u8),
        2 if len > 0 => {
            let end = (at + 1 + rng.below(64)).min(len);
            bytes.drain(at.min(len)..end);
        }
        3 if len > 0 => {
            let end = (at + 1 + rng.below(256)).min(len);
            let piece = bytes[at.min(len)..end].to_vec();
            let to = rng.below(bytes.len() + 1);
            bytes.splice(to..to, piece);
        }
        4 => {
            let other = &corpus[rng.below(corpus.len())];
            if !other.is_empty() {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(512)).min(other.len());
                bytes.splice(at..at, other[from..end].iter().copied());
            }
        }
        _ => {
            let t = NOISE[rng.below(NOISE.len())].as_bytes();
            bytes.splice(at..at, t.iter().copied());
        }
    }
}

/// The seeds of each fuzz target: the repository's own inputs of that kind (the same
/// folders `scripts/fuzz` gives cargo-fuzz).
pub(crate) fn fuzz_seeds(target: &str) -> Vec<Vec<u8>> {
    let root = crate::root();
    let files = |dirs: &[&str], ext: &[&str]| -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for d in dirs {
            let Ok(entries) = std::fs::read_dir(root.join(d)) else {
                continue;
            };
            let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for p in paths {
                if p.is_file() && p.extension().is_some_and(|x| ext.iter().any(|e| x == *e)) {
                    let mut bytes = std::fs::read(&p).unwrap();
                    // Large files slow every mutation; their first part seeds as well.
                    bytes.truncate(64 * 1024);
                    out.push(bytes);
                }
            }
        }
        out
    };
    let workbooks = || -> Vec<Vec<u8>> {
        crate::clean_specs()
            .iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                let model = quire::compile(&p.display().to_string(), &text).model?;
                let files = quire::backend::xlsform::render(&model).ok()?;
                files.into_iter().next().map(|f| f.bytes)
            })
            .collect()
    };
    match target {
        "spec" => files(
            &[
                "tests/diagnostics",
                "examples",
                "tests/data",
                "questionnaires/concord",
                "tests/hostile/spec",
            ],
            &["yaml"],
        ),
        "data" => files(&["tests/data", "tests/hostile/data"], &["csv", "json"]),
        "xlsform" => workbooks(),
        // The survey sheets, cells written inline (the target's workbook has no shared strings).
        "xlsform_sheet" => workbooks()
            .iter()
            .filter_map(|wb| {
                let sheets = quire::backend::read::xlsx::read(wb).ok()?;
                let mut xml = String::from(
                    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
                );
                for (r, row) in sheets.get("survey")?.iter().enumerate() {
                    xml.push_str(&format!("<row r=\"{}\">", r + 1));
                    for (c, cell) in row.iter().enumerate().take(26).filter(|(_, c)| !c.is_empty()) {
                        let text = cell.replace('&', "&amp;").replace('<', "&lt;");
                        let col = (b'A' + c as u8) as char;
                        xml.push_str(&format!(
                            r#"<c r="{col}{}" t="inlineStr"><is><t>{text}</t></is></c>"#,
                            r + 1
                        ));
                    }
                    xml.push_str("</row>");
                }
                xml.push_str("</sheetData></worksheet>");
                Some(xml.into_bytes())
            })
            .collect(),
        "po" => files(&["questionnaires/concord/translations", "tests/hostile/po"], &["po"]),
        "lsp" => files(&["tests/hostile/lsp"], &["lsp"]),
        other => panic!("no fuzz target `{other}`"),
    }
}

/// Every fuzz target of `quire::fuzzing` (the ones cargo-fuzz runs, `scripts/fuzz`) for a
/// moment each, by mutating its seeds: no panic, no input over 20 s. A crash is saved to
/// the temporary folder. `QUIRE_FUZZ_TARGET_SECONDS` runs each longer.
#[test]
fn fuzz_targets() {
    let seconds: f64 = std::env::var("QUIRE_FUZZ_TARGET_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.5);
    let mut rng = Rng(0x5eed);
    let mut lines = Vec::new();
    for (name, target) in quire::fuzzing::TARGETS {
        let corpus = fuzz_seeds(name);
        assert!(!corpus.is_empty(), "no seeds for `{name}`");
        // Every seed as it is, then mutations until the time is up.
        for seed in &corpus {
            target(seed);
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds);
        let (mut n, mut slowest) = (0u64, std::time::Duration::ZERO);
        while std::time::Instant::now() < deadline {
            let mut bytes = corpus[rng.below(corpus.len())].clone();
            for _ in 0..=rng.below(8) {
                byte_mutation(&mut bytes, &corpus, &mut rng);
            }
            let started = std::time::Instant::now();
            if std::panic::catch_unwind(|| target(&bytes)).is_err() {
                let path = std::env::temp_dir().join(format!("quire-fuzz-{name}-crash-{n}"));
                std::fs::write(&path, &bytes).unwrap();
                panic!("the `{name}` target panicked; input saved to {}", path.display());
            }
            let took = started.elapsed();
            slowest = slowest.max(took);
            assert!(took.as_secs() < 20, "a `{name}` input took {took:?}");
            n += 1;
        }
        lines.push(format!("{name}: {n} inputs, slowest {slowest:?}"));
    }
    eprintln!("fuzz targets: {}", lines.join("; "));
}
