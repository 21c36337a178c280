//! `quire::fuzzing::po` under libFuzzer (`scripts/fuzz po`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire::fuzzing::po(data));
