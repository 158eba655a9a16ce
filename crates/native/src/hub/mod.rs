//! Models from the Hugging Face Hub: `--model` resolution (alias, `org/repo[:file]`, local path),
//! downloads with progress, resume and SHA-256 checks, and the shared Hugging Face cache
//! (`$HF_HUB_CACHE`, layout of `huggingface_hub`). The platform-free parts live in
//! `cmdai_engine::hub`; this module adds files and HTTP.
//!
//! Entry points: [`resolve_model`] (what `--model` loads; cache first, no network when cached),
//! [`download`] (`download-model`), [`list_cached`] (`models`), [`remove`] (`models rm`), all
//! configured by [`HubOptions::from_env`].

mod cache;
mod client;
mod download;
mod options;
mod progress;
mod resolve;

pub use cache::{CachedModel, HubCache};
pub use cmdai_engine::hub::{format_size, Alias, HubError, ModelRef, ALIASES, DEFAULT_ALIAS};
pub use options::{HubOptions, ProgressMode};
pub use progress::{render as render_progress, stderr_progress, NoProgress, Progress, TextProgress};
pub use resolve::{download, list_cached, remove, resolve_model, terminal_prompt, DownloadReport, DownloadStatus, Prompt};
