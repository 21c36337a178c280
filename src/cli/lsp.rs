//! `quire lsp`: the language server ([`quire::lsp`]) over standard input and output.

pub fn run() -> u8 {
    let mut input = std::io::BufReader::new(std::io::stdin().lock());
    quire::lsp::serve(&mut input, &mut std::io::stdout().lock())
}
