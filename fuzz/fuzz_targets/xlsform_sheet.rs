//! `quire::fuzzing::xlsform_sheet` under libFuzzer (`scripts/fuzz xlsform_sheet`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire::fuzzing::xlsform_sheet(data));
