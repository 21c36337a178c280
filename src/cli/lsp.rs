//! `quire lsp`: the language server ([`quire::lsp`]) over standard input and output.

use super::{EXIT_OK, Failure, Outcome};

pub(super) fn run() -> Outcome {
    let mut input = std::io::BufReader::new(std::io::stdin().lock());
    match quire::lsp::serve(&mut input, &mut std::io::stdout().lock()) {
        EXIT_OK => Ok(()),
        code => Err(Failure::Status(code)),
    }
}
