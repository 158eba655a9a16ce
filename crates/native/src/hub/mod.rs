//! Models from the Hugging Face Hub: `--model` resolution (alias, `org/repo[:file]`, local path),
//! downloads with progress, resume and SHA-256 checks, and the shared Hugging Face cache
//! (`$HF_HUB_CACHE`, layout of `huggingface_hub`). The platform-free parts live in
//! `cmdai_hub`; this module adds files and HTTP.
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
pub use cmdai_hub::{format_size, Alias, HubError, ModelRef, ALIASES, DEFAULT_ALIAS};
pub use options::{HubOptions, ProgressMode};
pub use progress::{render as render_progress, stderr_progress, BarProgress, NoProgress, Progress, TextProgress};
/// Hub models matching `query`: at most `limit` results.
pub fn search_models(opts: &HubOptions, query: &str, limit: usize) -> Result<Vec<cmdai_workbench::discover::HubModel>, HubError> {
    client::Client::new(opts).search(query, limit)
}

/// `POST url` with a JSON body and a token; the answer's text, or the error its status means.
pub fn post_json(opts: &HubOptions, url: &str, token: &str, body: &serde_json::Value) -> Result<String, HubError> {
    client::Client::new(opts).post_json(url, token, body)
}

pub use resolve::{download, list_cached, remove, resolve_model, terminal_prompt, DownloadReport, DownloadStatus, Prompt};
