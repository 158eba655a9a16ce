//! Hyper-parameters of a decoder-only model, read from GGUF metadata or a Hugging Face
//! `config.json`.

use serde::Deserialize;

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

/// The hyper-parameters a [`Transformer`](super::Transformer) is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    /// The architecture, with what is particular to it.
    pub arch: ArchSpec,
    /// Number of token ids: the rows of the embedding and of the output head.
    pub vocab_size: usize,
    /// Width of the residual stream (`embedding_length`, `hidden_size`).
    pub hidden_size: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Attention (query) heads per layer.
    pub n_heads: usize,
    /// Key/value heads per layer; a divisor of `n_heads`, fewer than it with grouped-query attention.
    pub n_kv_heads: usize,
    /// Dimension of one attention head, even; usually `hidden_size / n_heads`.
    pub head_dim: usize,
    /// Inner width of the feed-forward layers (`feed_forward_length`, `intermediate_size`).
    pub ffn_size: usize,
    /// Epsilon of the RMS norms.
    pub rms_eps: f64,
    /// Base of the RoPE frequencies (10000 when the checkpoint gives none).
    pub rope_theta: f64,
    /// Per-pair divisors of the RoPE frequencies (Llama 3.1+ long-context scaling).
    pub rope_freq_factors: Option<Vec<f32>>,
    /// The most positions (tokens) the model handles; prompt and output together may not exceed it.
    pub context_length: usize,
    /// Whether the output head reuses the token embedding matrix.
    pub tied_embeddings: bool,
}

impl ModelConfig {
    /// Reads `{arch}.*` keys; `vocab_size` and `tied_embeddings` come from the tensors.
    pub fn from_gguf(meta: &Metadata, vocab_size: usize, tied_embeddings: bool) -> Result<Self, ModelError> {
        let name = meta.get_str("general.architecture").ok_or_else(|| ModelError::MissingMetadata("general.architecture".into()))?;
        let arch =
            ARCHITECTURES.into_iter().find(|a| a.gguf_name == name).ok_or_else(|| ModelError::UnsupportedArchitecture(name.to_string()))?;
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

    /// Reads a Hugging Face `config.json` (LlamaForCausalLM, Qwen2ForCausalLM). A field of the
    /// wrong type is an error that names it; a missing required one is [`ModelError::MissingMetadata`].
    pub fn from_hf_json(json: &[u8]) -> Result<Self, ModelError> {
        let cfg = HfConfig::parse(json)?;
        let model_type = cfg.model_type.as_deref().ok_or_else(|| ModelError::MissingMetadata("model_type".into()))?;
        let arch = ARCHITECTURES
            .into_iter()
            .find(|a| a.hf_model_type == model_type)
            .ok_or_else(|| ModelError::UnsupportedArchitecture(model_type.to_string()))?;
        let required = |value: Option<usize>, name: &str| value.ok_or_else(|| ModelError::MissingMetadata(name.into()));
        let hidden_size = required(cfg.hidden_size, "hidden_size")?;
        let n_heads = required(cfg.num_attention_heads, "num_attention_heads")?;
        let head_dim = cfg.head_dim.unwrap_or(hidden_size / n_heads.max(1));
        let rope_theta = cfg.rope_theta.unwrap_or(10_000.0);
        let config = Self {
            arch,
            vocab_size: required(cfg.vocab_size, "vocab_size")?,
            hidden_size,
            n_layers: required(cfg.num_hidden_layers, "num_hidden_layers")?,
            n_heads,
            n_kv_heads: cfg.num_key_value_heads.unwrap_or(n_heads),
            head_dim,
            ffn_size: required(cfg.intermediate_size, "intermediate_size")?,
            rms_eps: cfg.rms_norm_eps.unwrap_or(1e-6),
            rope_theta,
            rope_freq_factors: match &cfg.rope_scaling {
                Some(scaling) => scaling.freq_factors(head_dim, rope_theta)?,
                None => None,
            },
            context_length: required(cfg.max_position_embeddings, "max_position_embeddings")?,
            tied_embeddings: cfg.tie_word_embeddings.unwrap_or(false),
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ModelError> {
        let bad = |msg: String| Err(ModelError::InvalidConfig(msg));
        if self.n_heads == 0 || self.n_kv_heads == 0 || !self.n_heads.is_multiple_of(self.n_kv_heads) {
            return bad(format!("{} attention heads cannot share {} KV heads", self.n_heads, self.n_kv_heads));
        }
        if self.head_dim == 0 || !self.head_dim.is_multiple_of(2) {
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

/// The fields of a Hugging Face `config.json` that the engine reads. Every field is optional
/// here so that a missing one is reported by name; present ones must have the right type.
#[derive(Debug, Deserialize)]
struct HfConfig {
    model_type: Option<String>,
    vocab_size: Option<usize>,
    hidden_size: Option<usize>,
    num_hidden_layers: Option<usize>,
    num_attention_heads: Option<usize>,
    num_key_value_heads: Option<usize>,
    head_dim: Option<usize>,
    intermediate_size: Option<usize>,
    rms_norm_eps: Option<f64>,
    rope_theta: Option<f64>,
    rope_scaling: Option<RopeScaling>,
    max_position_embeddings: Option<usize>,
    tie_word_embeddings: Option<bool>,
}

impl HfConfig {
    fn parse(json: &[u8]) -> Result<Self, ModelError> {
        let mut reader = serde_json::Deserializer::from_slice(json);
        serde_path_to_error::deserialize(&mut reader).map_err(|e| {
            let field = e.path().to_string();
            match field.as_str() {
                "." => ModelError::InvalidConfig(format!("config.json: {}", e.inner())),
                _ => ModelError::InvalidConfig(format!("config.json: field '{field}': {}", e.inner())),
            }
        })
    }
}

/// `rope_scaling` of a `config.json`.
#[derive(Debug, Deserialize)]
struct RopeScaling {
    rope_type: Option<String>,
    /// The older spelling of `rope_type`.
    #[serde(rename = "type")]
    kind: Option<String>,
    factor: Option<f64>,
    low_freq_factor: Option<f64>,
    high_freq_factor: Option<f64>,
    original_max_position_embeddings: Option<f64>,
}

impl RopeScaling {
    /// Llama 3.1-style long-context scaling, as per-pair frequency divisors.
    fn freq_factors(&self, head_dim: usize, theta: f64) -> Result<Option<Vec<f32>>, ModelError> {
        match self.rope_type.as_deref().or(self.kind.as_deref()).unwrap_or("default") {
            "default" => Ok(None),
            "llama3" => {
                let factor = self.factor.unwrap_or(8.0);
                let low = self.low_freq_factor.unwrap_or(1.0);
                let high = self.high_freq_factor.unwrap_or(4.0);
                let original = self.original_max_position_embeddings.unwrap_or(8192.0);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const QWEN2: &str = r#"{"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896,
        "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
        "intermediate_size": 4864, "rms_norm_eps": 1e-06, "rope_theta": 1000000,
        "max_position_embeddings": 32768, "tie_word_embeddings": true, "rope_scaling": null,
        "sliding_window": 32768, "torch_dtype": "bfloat16"}"#;

    #[test]
    fn reads_a_real_shaped_config() {
        let c = ModelConfig::from_hf_json(QWEN2.as_bytes()).unwrap();
        assert_eq!((c.arch.gguf_name, c.hidden_size, c.n_kv_heads, c.head_dim), ("qwen2", 896, 2, 64));
        assert_eq!((c.rope_theta, c.tied_embeddings, c.rope_freq_factors), (1e6, true, None));
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let json = QWEN2.replace(r#""hidden_size": 896"#, r#""hidden_size": "896""#);
        let err = ModelConfig::from_hf_json(json.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("'hidden_size'"), "{err}");
        let json = QWEN2.replace(r#""tie_word_embeddings": true"#, r#""tie_word_embeddings": "yes""#);
        let err = ModelConfig::from_hf_json(json.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("'tie_word_embeddings'"), "{err}");
        let json = QWEN2.replace(r#""rope_scaling": null"#, r#""rope_scaling": {"rope_type": "llama3", "factor": "8"}"#);
        let err = ModelConfig::from_hf_json(json.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("'rope_scaling.factor'"), "{err}");
    }

    #[test]
    fn missing_fields_and_bad_json() {
        let json = QWEN2.replace(r#""vocab_size": 151936,"#, "");
        assert!(matches!(ModelConfig::from_hf_json(json.as_bytes()), Err(ModelError::MissingMetadata(f)) if f == "vocab_size"));
        let json = QWEN2.replace(r#""model_type": "qwen2","#, "");
        assert!(matches!(ModelConfig::from_hf_json(json.as_bytes()), Err(ModelError::MissingMetadata(f)) if f == "model_type"));
        let json = QWEN2.replace("qwen2", "gpt2");
        assert!(matches!(ModelConfig::from_hf_json(json.as_bytes()), Err(ModelError::UnsupportedArchitecture(a)) if a == "gpt2"));
        assert!(matches!(ModelConfig::from_hf_json(b"[1, 2]"), Err(ModelError::InvalidConfig(_))));
        assert!(matches!(ModelConfig::from_hf_json(b"{\"model_type\": "), Err(ModelError::InvalidConfig(_))));
    }

    #[test]
    fn llama3_rope_scaling() {
        let json = QWEN2.replace("qwen2", "llama").replace(
            r#""rope_scaling": null"#,
            r#""rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}"#,
        );
        let factors = ModelConfig::from_hf_json(json.as_bytes()).unwrap().rope_freq_factors.unwrap();
        assert_eq!(factors.len(), 32);
        assert_eq!((factors[0], factors[31]), (1.0, 32.0));
        let json = QWEN2.replace(r#""rope_scaling": null"#, r#""rope_scaling": {"type": "yarn"}"#);
        assert!(matches!(ModelConfig::from_hf_json(json.as_bytes()), Err(ModelError::InvalidConfig(m)) if m.contains("yarn")));
    }
}
