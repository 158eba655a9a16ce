//! Qwen2 (Qwen2, Qwen2.5, Qwen2.5-Coder): biases on Q, K and V; RoPE in the rotate-half
//! layout in GGUF as in the original checkpoints.

use super::ArchSpec;

/// The Qwen2 architecture (`qwen2` in GGUF and in `config.json`).
pub const SPEC: ArchSpec = ArchSpec { gguf_name: "qwen2", hf_model_type: "qwen2", qkv_bias: true, gguf_interleaved_rope: false };
