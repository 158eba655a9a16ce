//! cmdai's engine: reads GGUF models, tokenizes, runs Qwen2/Llama models with Burn, generates.
//!
//! Platform-free: no filesystem, network or browser calls. Bytes arrive through [`source::ByteSource`].
#![warn(missing_docs)]

pub mod backend;
pub mod chat;
pub mod fingerprint;
pub mod generate;
pub mod gguf;
pub mod model;
pub mod quant;
pub mod source;
pub mod tokenizer;
