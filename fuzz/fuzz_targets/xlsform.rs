//! `quire::fuzzing::xlsform` under libFuzzer (`scripts/fuzz xlsform`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire::fuzzing::xlsform(data));
