//! Llama (Llama 2/3.x, TinyLlama, SmolLM2): no attention biases; llama.cpp's converter stores
//! Q/K rows in interleaved RoPE order, which the loader undoes.

use super::ArchSpec;

/// The Llama architecture (`llama` in GGUF and in `config.json`).
pub const SPEC: ArchSpec = ArchSpec { gguf_name: "llama", hf_model_type: "llama", qkv_bias: false, gguf_interleaved_rope: true };
