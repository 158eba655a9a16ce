//! The model store: model files kept in IndexedDB as fixed-size chunks next to a record of
//! how many are there. A record only becomes `Ready` after every chunk is stored and the
//! file's SHA-256 matched, so a half-downloaded or damaged file is never loaded.

mod record;
pub use record::{spans, ChunkSpan, ModelRecord, ModelState, CHUNK_SIZE};

#[cfg(target_arch = "wasm32")]
mod idb;
#[cfg(target_arch = "wasm32")]
mod models;
#[cfg(target_arch = "wasm32")]
mod quota;
#[cfg(target_arch = "wasm32")]
pub use models::ModelStore;
#[cfg(target_arch = "wasm32")]
pub use quota::{estimate, request_persistence, StorageEstimate};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error("browser storage is unavailable: {0}")]
    Unavailable(String),
    #[error("browser storage is full: free some space (delete a model) or allow this site more storage, then resume")]
    Full,
    #[error("{0}")]
    Browser(String),
    #[error("model {0} is not in the store")]
    Missing(String),
    #[error("stored data of {0} is damaged; delete it and download again")]
    Corrupt(String),
}
