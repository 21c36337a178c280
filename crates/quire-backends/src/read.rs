//! Readers, beside the writers they mirror: another platform's instrument in, a Quire spec
//! out. `quire import xlsform` is [`xlsform::import`]: [`xlsx`] unpacks the workbook under
//! limits, [`xpath`] translates its expressions, [`xlsform`] writes the spec and checks it.
//! (Data files from other platforms are read by the data layer, `quire_core::data::import`.)

pub mod xlsform;
pub mod xlsx;
pub mod xpath;

/// Why a workbook could not be read or turned into a spec, in the user's terms: the
/// core's one error type for what is not a mistake in a spec.
pub use quire_core::Error;
