//! Decoder-only transformer models (Llama and Qwen2 families) on Burn.
//!
//! `llama.rs` and `qwen2.rs` describe what is particular to each architecture, `layers.rs`
//! holds the shared layers, `matrix.rs` the weight matrices (quantized or dense),
//! `gpu_quant/` the GPU's quantized matrices and their kernels, `few_rows.rs` the GPU kernels
//! for the few-row f32 products of decoding, `transformer.rs` the stack, `memory.rs` what a model needs on its device, `loader.rs` turns checkpoint tensors (GGUF or safetensors)
//! into it, `snapshot.rs` saves and restores KV caches.

mod config;
mod few_rows;
mod gpu_quant;
mod layers;
pub mod llama;
mod loader;
mod matrix;
mod memory;
pub mod qwen2;
pub mod safetensors;
mod snapshot;
mod transformer;

pub use config::{is_supported_architecture, ArchSpec, ModelConfig};
pub use gpu_quant::LanesPerRow;
pub use loader::{load_gguf, load_gguf_with, load_safetensors, LoadOptions, LoadProgress};
pub use matrix::DEFAULT_MAX_BINDING_BYTES;
pub use memory::{DoesNotFit, MemoryBudget, MemoryPlan, PLANNED_CONTEXT};
pub use snapshot::SnapshotError;
pub use transformer::{KvCache, Logits, Transformer};

use crate::gguf::GgufError;

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Reading the GGUF file failed.
    #[error(transparent)]
    Gguf(#[from] GgufError),
    /// Reading a safetensors file failed.
    #[error(transparent)]
    Safetensors(#[from] safetensors::SafetensorsError),
    /// The checkpoint's architecture is neither Llama nor Qwen2.
    #[error("architecture '{0}' is not supported (supported: llama, qwen2)")]
    UnsupportedArchitecture(String),
    /// A required hyper-parameter is absent from the GGUF metadata or `config.json`.
    #[error("the model metadata lacks '{0}'")]
    MissingMetadata(String),
    /// A weight the architecture needs is absent from the checkpoint.
    #[error("the checkpoint has no tensor '{0}'")]
    MissingTensor(String),
    /// The hyper-parameters are inconsistent, unsupported or malformed; also a forward pass over no tokens.
    #[error("invalid model configuration: {0}")]
    InvalidConfig(String),
    /// A weight's shape (outermost first) differs from the one the configuration implies.
    #[error("tensor '{name}' has shape {got:?}, expected {expected:?}")]
    ShapeMismatch {
        /// The tensor's name in the checkpoint.
        name: String,
        /// The shape the configuration implies.
        expected: Vec<usize>,
        /// The shape in the checkpoint.
        got: Vec<usize>,
    },
    /// A forward pass would run past the model's context length.
    #[error("the prompt and output need {needed} tokens but the model's context holds {limit}")]
    ContextOverflow {
        /// Positions the request needs (cached, new and to be generated).
        needed: usize,
        /// The model's context length.
        limit: usize,
    },
    /// A token id is not below the vocabulary size.
    #[error("token id {id} is outside the vocabulary ({vocab} tokens)")]
    TokenOutOfRange {
        /// The offending token id.
        id: u32,
        /// The vocabulary size.
        vocab: usize,
    },
    /// The model would not fit the memory its device grants; nothing was uploaded.
    #[error("{0}")]
    DoesNotFit(#[from] DoesNotFit),
    /// Reading results back from the device failed.
    #[error("reading results from the device failed: {0}")]
    Device(String),
}
