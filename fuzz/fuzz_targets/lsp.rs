//! `quire::fuzzing::lsp` under libFuzzer (`scripts/fuzz lsp`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire::fuzzing::lsp(data));
