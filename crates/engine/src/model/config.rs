//! Hyper-parameters of a decoder-only model, read from GGUF metadata or a Hugging Face
//! `config.json`.

use serde_json::Value as Json;

use super::{llama, qwen2, ModelError};
use crate::gguf::Metadata;

/// What distinguishes one supported architecture from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchSpec {
    /// `general.architecture` in GGUF.
    pub gguf_name: &'static str,
    /// `model_type` in a Hugging Face `config.json`.
    pub hf_model_type: &'static str,
    /// Whether the Q, K and V projections carry biases.
    pub qkv_bias: bool,
    /// Whether GGUF files store Q/K rows with RoPE pairs interleaved (`x[2i]`, `x[2i+1]`)
    /// instead of the rotate-half layout (`x[i]`, `x[i + d/2]`) of the original checkpoint.
    pub gguf_interleaved_rope: bool,
}

const ARCHITECTURES: [ArchSpec; 2] = [llama::SPEC, qwen2::SPEC];

/// Whether GGUF files of this `general.architecture` load.
pub fn is_supported_architecture(gguf_name: &str) -> bool {
    ARCHITECTURES.iter().any(|a| a.gguf_name.eq_ignore_ascii_case(gguf_name))
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub arch: ArchSpec,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub n_layers: usize,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub head_dim: usize,
    pub ffn_size: usize,
    pub rms_eps: f64,
    pub rope_theta: f64,
    /// Per-pair divisors of the RoPE frequencies (Llama 3.1+ long-context scaling).
    pub rope_freq_factors: Option<Vec<f32>>,
    pub context_length: usize,
    pub tied_embeddings: bool,
}

impl ModelConfig {
    /// Reads `{arch}.*` keys; `vocab_size` and `tied_embeddings` come from the tensors.
    pub fn from_gguf(meta: &Metadata, vocab_size: usize, tied_embeddings: bool) -> Result<Self, ModelError> {
        let name = meta.get_str("general.architecture").ok_or_else(|| ModelError::MissingMetadata("general.architecture".into()))?;
        let arch = ARCHITECTURES
            .into_iter()
            .find(|a| a.gguf_name == name)
            .ok_or_else(|| ModelError::UnsupportedArchitecture(name.to_string()))?;
        let key = |k: &str| format!("{name}.{k}");
        let required = |k: &str| -> Result<usize, ModelError> {
            meta.get_u64(&key(k)).map(|v| v as usize).ok_or_else(|| ModelError::MissingMetadata(key(k)))
        };
        let hidden_size = required("embedding_length")?;
        let n_heads = required("attention.head_count")?;
        let n_kv_heads = meta.get_u64(&key("attention.head_count_kv")).map_or(n_heads, |v| v as usize);
        let head_dim = match meta.get_u64(&key("attention.key_length")) {
            Some(v) => v as usize,
            None if n_heads > 0 => hidden_size / n_heads,
            None => 0,
        };
        if let Some(kind) = meta.get_str(&key("rope.scaling.type")) {
            if kind != "none" {
                return Err(ModelError::InvalidConfig(format!("RoPE scaling '{kind}' is not supported yet")));
            }
        }
        let config = Self {
            arch,
            vocab_size,
            hidden_size,
            n_layers: required("block_count")?,
            n_heads,
            n_kv_heads,
            head_dim,
            ffn_size: required("feed_forward_length")?,
            rms_eps: meta
                .get_f64(&key("attention.layer_norm_rms_epsilon"))
                .ok_or_else(|| ModelError::MissingMetadata(key("attention.layer_norm_rms_epsilon")))?,
            rope_theta: meta.get_f64(&key("rope.freq_base")).unwrap_or(10_000.0),
            rope_freq_factors: None,
            context_length: required("context_length")?,
            tied_embeddings,
        };
        config.validate()?;
        Ok(config)
    }

    /// Reads a Hugging Face `config.json` (LlamaForCausalLM, Qwen2ForCausalLM).
    pub fn from_hf_json(json: &[u8]) -> Result<Self, ModelError> {
        let cfg: Json = serde_json::from_slice(json).map_err(|e| ModelError::InvalidConfig(format!("config.json: {e}")))?;
        let model_type = cfg["model_type"].as_str().ok_or_else(|| ModelError::MissingMetadata("model_type".into()))?;
        let arch = ARCHITECTURES
            .into_iter()
            .find(|a| a.hf_model_type == model_type)
            .ok_or_else(|| ModelError::UnsupportedArchitecture(model_type.to_string()))?;
        let required = |k: &str| cfg[k].as_u64().map(|v| v as usize).ok_or_else(|| ModelError::MissingMetadata(k.into()));
        let hidden_size = required("hidden_size")?;
        let n_heads = required("num_attention_heads")?;
        let head_dim = cfg["head_dim"].as_u64().map_or(hidden_size / n_heads.max(1), |v| v as usize);
        let rope_theta = cfg["rope_theta"].as_f64().unwrap_or(10_000.0);
        let config = Self {
            arch,
            vocab_size: required("vocab_size")?,
            hidden_size,
            n_layers: required("num_hidden_layers")?,
            n_heads,
            n_kv_heads: cfg["num_key_value_heads"].as_u64().map_or(n_heads, |v| v as usize),
            head_dim,
            ffn_size: required("intermediate_size")?,
            rms_eps: cfg["rms_norm_eps"].as_f64().unwrap_or(1e-6),
            rope_theta,
            rope_freq_factors: rope_scaling_factors(&cfg["rope_scaling"], head_dim, rope_theta)?,
            context_length: required("max_position_embeddings")?,
            tied_embeddings: cfg["tie_word_embeddings"].as_bool().unwrap_or(false),
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ModelError> {
        let bad = |msg: String| Err(ModelError::InvalidConfig(msg));
        if self.n_heads == 0 || self.n_kv_heads == 0 || self.n_heads % self.n_kv_heads != 0 {
            return bad(format!("{} attention heads cannot share {} KV heads", self.n_heads, self.n_kv_heads));
        }
        if self.head_dim == 0 || self.head_dim % 2 != 0 {
            return bad(format!("head dimension {} must be even and non-zero", self.head_dim));
        }
        if self.hidden_size == 0 || self.n_layers == 0 || self.vocab_size == 0 || self.ffn_size == 0 {
            return bad("zero-sized model dimension".into());
        }
        if self.context_length == 0 {
            return bad("context length is zero".into());
        }
        Ok(())
    }

    /// Parameter count of the transformer (embeddings counted once when tied).
    pub fn parameter_count(&self) -> u64 {
        let (h, f, v) = (self.hidden_size as u64, self.ffn_size as u64, self.vocab_size as u64);
        let q = h * (self.n_heads * self.head_dim) as u64;
        let kv = 2 * h * (self.n_kv_heads * self.head_dim) as u64;
        let bias = if self.arch.qkv_bias { ((self.n_heads + 2 * self.n_kv_heads) * self.head_dim) as u64 } else { 0 };
        let layer = 2 * q + kv + bias + 3 * h * f + 2 * h;
        let head = if self.tied_embeddings { 0 } else { v * h };
        v * h + self.n_layers as u64 * layer + h + head
    }

    /// Bytes of KV cache per token of context, in f32.
    pub fn kv_bytes_per_token(&self) -> u64 {
        (2 * self.n_layers * self.n_kv_heads * self.head_dim * 4) as u64
    }
}

/// Llama 3.1-style long-context scaling, as per-pair frequency divisors.
fn rope_scaling_factors(scaling: &Json, head_dim: usize, theta: f64) -> Result<Option<Vec<f32>>, ModelError> {
    if scaling.is_null() {
        return Ok(None);
    }
    let kind = scaling["rope_type"].as_str().or(scaling["type"].as_str()).unwrap_or("default");
    match kind {
        "default" => Ok(None),
        "llama3" => {
            let get = |k: &str, d: f64| scaling[k].as_f64().unwrap_or(d);
            let factor = get("factor", 8.0);
            let low = get("low_freq_factor", 1.0);
            let high = get("high_freq_factor", 4.0);
            let original = get("original_max_position_embeddings", 8192.0);
            let (low_wavelen, high_wavelen) = (original / low, original / high);
            let factors = (0..head_dim / 2)
                .map(|i| {
                    let freq = 1.0 / theta.powf(2.0 * i as f64 / head_dim as f64);
                    let wavelen = 2.0 * std::f64::consts::PI / freq;
                    if wavelen < high_wavelen {
                        1.0
                    } else if wavelen > low_wavelen {
                        factor as f32
                    } else {
                        let smooth = (original / wavelen - low) / (high - low);
                        (1.0 / ((1.0 - smooth) / factor + smooth)) as f32
                    }
                })
                .collect();
            Ok(Some(factors))
        }
        other => Err(ModelError::InvalidConfig(format!("RoPE scaling '{other}' is not supported yet"))),
    }
}
