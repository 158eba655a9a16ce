//! cmdai's product layer: what the workbench does with the engine. Suggestions turn a request
//! into one shell command; discovery finds a model (catalog, Hub search, the advisor).
//!
//! Platform-free like the engine: the shells fetch and store, this crate builds requests and
//! reads answers.

pub mod discover;
pub mod suggest;
