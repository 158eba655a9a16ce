//! Decoder-only transformer models (Llama and Qwen2 families) on Burn.
//!
//! `llama.rs` and `qwen2.rs` describe what is particular to each architecture, `layers.rs`
//! holds the shared layers, `matrix.rs` the weight matrices (dense on a GPU, quantized on the
//! CPU), `few_rows.rs` the GPU kernels for
//! the few-row products of decoding, `transformer.rs` the stack, `loader.rs` turns checkpoint tensors (GGUF or safetensors)
//! into it, `snapshot.rs` saves and restores KV caches.

mod config;
mod layers;
pub mod llama;
mod loader;
mod matrix;
pub mod qwen2;
pub mod safetensors;
mod snapshot;
mod few_rows;
mod transformer;

pub use config::{is_supported_architecture, ArchSpec, ModelConfig};
pub use loader::{load_gguf, load_safetensors, LoadProgress};
pub use snapshot::SnapshotError;
pub use transformer::{KvCache, Logits, Transformer};

use crate::gguf::GgufError;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Gguf(#[from] GgufError),
    #[error(transparent)]
    Safetensors(#[from] safetensors::SafetensorsError),
    #[error("architecture '{0}' is not supported (supported: llama, qwen2)")]
    UnsupportedArchitecture(String),
    #[error("the model metadata lacks '{0}'")]
    MissingMetadata(String),
    #[error("the checkpoint has no tensor '{0}'")]
    MissingTensor(String),
    #[error("invalid model configuration: {0}")]
    InvalidConfig(String),
    #[error("tensor '{name}' has shape {got:?}, expected {expected:?}")]
    ShapeMismatch { name: String, expected: Vec<usize>, got: Vec<usize> },
    #[error("the prompt and output need {needed} tokens but the model's context holds {limit}")]
    ContextOverflow { needed: usize, limit: usize },
    #[error("token id {id} is outside the vocabulary ({vocab} tokens)")]
    TokenOutOfRange { id: u32, vocab: usize },
    #[error("reading results from the device failed: {0}")]
    Device(String),
}
