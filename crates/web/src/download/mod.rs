//! Downloading a Hub file into the model store: chunk by chunk, resumable with `Range`, with
//! progress (bytes, speed, ETA), cancellable, and verified before the model is marked ready.

mod assemble;
mod meter;
pub use assemble::Assembler;
pub use meter::{Progress, RateMeter};

#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod local;
#[cfg(target_arch = "wasm32")]
pub use fetch::{download, resolve_hub_file, Cancel, HubFile};
#[cfg(target_arch = "wasm32")]
pub use local::import_file;

use cmdai_hub::HubError;

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("network error: {0} (the download resumes where it stopped)")]
    Network(String),
    #[error("download cancelled")]
    Cancelled,
    #[error("the Hub's answer was not understood: {0}")]
    BadResponse(String),
}
