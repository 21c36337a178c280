//! Spanned YAML nodes in, the spec as the designer wrote it out: typed, every field spanned.
//!
//! Nothing is resolved here (that is `check`); this layer only insists on the shape, and
//! reports every unknown key, missing key and wrong type at once. The same types generate
//! the JSON Schema editors use for completion (`quire spec-schema`).
//!
//! The module's parts: `types.rs` (the spec as written), `read.rs` (the node tree into
//! those types, [`read()`]) and `schema.rs` (the JSON Schema of the format, [`json_schema`]).

mod read;
mod schema;
mod types;

pub use read::{Printable, read, read_with};
pub use schema::json_schema;
pub use types::*;
