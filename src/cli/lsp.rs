//! `quire lsp`: the language server ([`quire::lsp`]) over standard input and output.

use std::io::BufReader;

use quire::lsp::{Flow, Incoming, Server};

pub fn run() -> u8 {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = std::io::stdout().lock();
    let mut server = Server::new();
    loop {
        let replies = match quire::lsp::read_message(&mut input) {
            Err(_) | Ok(Incoming::End) => return server.exit_code(),
            Ok(Incoming::Invalid(error)) => {
                if quire::lsp::write_json(&mut output, &error).is_err() {
                    return server.exit_code();
                }
                continue;
            }
            Ok(Incoming::Message(m)) => {
                let (replies, flow) = server.handle(m);
                if let Flow::Exit(code) = flow {
                    return code;
                }
                replies
            }
        };
        for r in &replies {
            if quire::lsp::write_message(&mut output, r).is_err() {
                // The editor is gone.
                return server.exit_code();
            }
        }
    }
}
