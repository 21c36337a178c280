//! `quire::fuzzing::data` under libFuzzer (`scripts/fuzz data`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire::fuzzing::data(data));
