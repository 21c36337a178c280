//! Quire's collection server (`quire serve`): the compiled questionnaire in, stored responses
//! out. [`api`] is the HTTP layer (forms, response API, resume codes, admin, health),
//! [`store`] the database (SQLite or PostgreSQL, migrations in `migrations/`), [`openapi`]
//! the API's description, [`preview`] the designer's live preview (`quire preview`). What a record must be comes from the compiler's own
//! `quire_core::data::verify`, so the server refuses exactly what `quire check-data` reports.
//! [`listen`] holds connections to their time limits; [`logging`] writes log lines without
//! ever holding up a request.

pub mod api;
pub mod listen;
pub mod logging;
pub mod openapi;
pub mod preview;
pub mod store;
