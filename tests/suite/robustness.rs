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
            let _ = quire::diagnostic::render(&compiled.diagnostics, &compiled.sources, false);
            let _ = quire::diagnostic::to_json(&compiled.diagnostics, &compiled.sources);
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
