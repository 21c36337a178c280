//! Readers, beside the writers they mirror: another platform's instrument in, a Quire spec
//! out. `quire import xlsform` is [`xlsform::import`]: [`xlsx`] unpacks the workbook under
//! limits, [`xpath`] translates its expressions, [`xlsform`] writes the spec and checks it.
//! (Data files from other platforms are read by the data layer, `quire_core::data::import`.)

use std::fmt;

pub mod xlsform;
pub mod xlsx;
pub mod xpath;

/// Why a workbook could not be read or turned into a spec, in the user's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What is wrong with the workbook.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error { message }
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error {
            message: message.to_string(),
        }
    }
}
