//! `quire::fuzzing::spec` under libFuzzer (`scripts/fuzz spec`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire::fuzzing::spec(data));
