//! Builds a [`Transformer`] from checkpoint tensors, one tensor at a time: each is read,
//! dequantized to f32 on the host, uploaded to the device and dropped before the next.
//!
//! Tensors are named as in GGUF (`blk.0.attn_q.weight`); safetensors names are mapped to those.

use burn::tensor::{Device, Tensor, TensorData};

use super::layers::{Attention, Block, FeedForward, Linear, RmsNorm, Rope, RowSharded};
use super::safetensors::SafetensorsFile;
use super::transformer::Transformer;
use super::{ModelConfig, ModelError};
use crate::gguf::GgufFile;
use crate::source::ByteSource;

#[derive(Debug, Clone, Copy)]
pub struct LoadProgress {
    pub loaded: usize,
    pub total: usize,
}

struct HostTensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

/// Where tensors come from, by GGUF name.
trait Checkpoint {
    async fn get(&self, name: &str) -> Result<Option<HostTensor>, ModelError>;
}

struct Gguf<'a, S: ?Sized> {
    file: &'a GgufFile,
    source: &'a S,
}

impl<S: ByteSource + ?Sized> Checkpoint for Gguf<'_, S> {
    async fn get(&self, name: &str) -> Result<Option<HostTensor>, ModelError> {
        let Some(info) = self.file.tensor(name) else { return Ok(None) };
        let data = self.file.tensor_f32(self.source, info).await?;
        Ok(Some(HostTensor { shape: info.shape(), data }))
    }
}

struct Safetensors<'a, S> {
    shards: &'a [(SafetensorsFile, S)],
}

impl<S: ByteSource> Checkpoint for Safetensors<'_, S> {
    async fn get(&self, name: &str) -> Result<Option<HostTensor>, ModelError> {
        let hf_name = hf_tensor_name(name);
        for (file, source) in self.shards {
            if let Some((shape, data)) = file.tensor_f32(source, &hf_name).await? {
                return Ok(Some(HostTensor { shape, data }));
            }
        }
        Ok(None)
    }
}

/// The Hugging Face name of a GGUF tensor name.
fn hf_tensor_name(gguf: &str) -> String {
    let global = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
    ];
    if let Some((_, hf)) = global.iter().find(|(g, _)| *g == gguf) {
        return hf.to_string();
    }
    let Some(rest) = gguf.strip_prefix("blk.") else { return gguf.to_string() };
    let Some((layer, part)) = rest.split_once('.') else { return gguf.to_string() };
    let parts = [
        ("attn_norm", "input_layernorm"),
        ("attn_q", "self_attn.q_proj"),
        ("attn_k", "self_attn.k_proj"),
        ("attn_v", "self_attn.v_proj"),
        ("attn_output", "self_attn.o_proj"),
        ("ffn_norm", "post_attention_layernorm"),
        ("ffn_gate", "mlp.gate_proj"),
        ("ffn_up", "mlp.up_proj"),
        ("ffn_down", "mlp.down_proj"),
    ];
    let (module, suffix) = part.split_once('.').unwrap_or((part, ""));
    match parts.iter().find(|(g, _)| *g == module) {
        Some((_, hf)) => format!("model.layers.{layer}.{hf}.{suffix}"),
        None => gguf.to_string(),
    }
}

/// Loads a Llama or Qwen2 model from a parsed GGUF file.
pub async fn load_gguf<S: ByteSource + ?Sized>(
    file: &GgufFile,
    source: &S,
    device: &Device,
    progress: impl FnMut(LoadProgress),
) -> Result<Transformer, ModelError> {
    let embedding = file.require_tensor("token_embd.weight")?;
    let vocab_size = embedding.shape().first().copied().unwrap_or(0);
    let tied = file.tensor("output.weight").is_none();
    let mut config = ModelConfig::from_gguf(&file.metadata, vocab_size, tied)?;
    let checkpoint = Gguf { file, source };
    if let Some(factors) = checkpoint.get("rope_freqs.weight").await? {
        config.rope_freq_factors = Some(factors.data);
    }
    let interleaved = config.arch.gguf_interleaved_rope;
    build(config, &checkpoint, interleaved, device, progress).await
}

/// Loads a Llama or Qwen2 model from `config.json` and its safetensors shards.
pub async fn load_safetensors<S: ByteSource>(
    config_json: &[u8],
    shards: &[(SafetensorsFile, S)],
    device: &Device,
    progress: impl FnMut(LoadProgress),
) -> Result<Transformer, ModelError> {
    let config = ModelConfig::from_hf_json(config_json)?;
    build(config, &Safetensors { shards }, false, device, progress).await
}

async fn build<C: Checkpoint>(
    config: ModelConfig,
    checkpoint: &C,
    interleaved_rope: bool,
    device: &Device,
    mut progress: impl FnMut(LoadProgress),
) -> Result<Transformer, ModelError> {
    let c = &config;
    let (h, q_out, kv_out) = (c.hidden_size, c.n_heads * c.head_dim, c.n_kv_heads * c.head_dim);
    let total = 2 + c.n_layers + usize::from(!c.tied_embeddings);
    let mut loaded = 0;
    let mut step = |progress: &mut dyn FnMut(LoadProgress)| {
        loaded += 1;
        progress(LoadProgress { loaded, total });
    };

    let loader = Loader { checkpoint, device };
    let embedding = loader.sharded("token_embd.weight", [c.vocab_size, h]).await?;
    step(&mut progress);

    let mut blocks = Vec::with_capacity(c.n_layers);
    for i in 0..c.n_layers {
        let name = |part: &str| format!("blk.{i}.{part}");
        // GGUF Llama checkpoints interleave RoPE pairs within each head; permuting Q and K rows
        // (the same way for both) back to rotate-half order leaves every q·k unchanged.
        let rope_rows = interleaved_rope.then_some(c.head_dim);
        let attn = Attention {
            q: loader.linear(&name("attn_q"), [q_out, h], c.arch.qkv_bias, rope_rows).await?,
            k: loader.linear(&name("attn_k"), [kv_out, h], c.arch.qkv_bias, rope_rows).await?,
            v: loader.linear(&name("attn_v"), [kv_out, h], c.arch.qkv_bias, None).await?,
            o: loader.linear(&name("attn_output"), [h, q_out], false, None).await?,
            n_heads: c.n_heads,
            n_kv_heads: c.n_kv_heads,
            head_dim: c.head_dim,
        };
        let ffn = FeedForward {
            gate: loader.linear(&name("ffn_gate"), [c.ffn_size, h], false, None).await?,
            up: loader.linear(&name("ffn_up"), [c.ffn_size, h], false, None).await?,
            down: loader.linear(&name("ffn_down"), [h, c.ffn_size], false, None).await?,
        };
        blocks.push(Block {
            attn_norm: loader.norm(&name("attn_norm.weight"), h, c.rms_eps).await?,
            attn,
            ffn_norm: loader.norm(&name("ffn_norm.weight"), h, c.rms_eps).await?,
            ffn,
        });
        step(&mut progress);
    }

    let norm = loader.norm("output_norm.weight", h, c.rms_eps).await?;
    step(&mut progress);
    let output = if c.tied_embeddings {
        embedding.clone()
    } else {
        let out = loader.sharded("output.weight", [c.vocab_size, h]).await?;
        step(&mut progress);
        out
    };

    Ok(Transformer {
        rope: Rope::new(c.head_dim, c.rope_theta, c.rope_freq_factors.as_deref()),
        config,
        embedding,
        blocks,
        norm,
        output,
        device: device.clone(),
    })
}

struct Loader<'a, C> {
    checkpoint: &'a C,
    device: &'a Device,
}

impl<C: Checkpoint> Loader<'_, C> {
    async fn host(&self, name: &str, expected: &[usize]) -> Result<HostTensor, ModelError> {
        let t = self
            .checkpoint
            .get(name)
            .await?
            .ok_or_else(|| ModelError::MissingTensor(name.to_string()))?;
        if t.shape != expected {
            return Err(ModelError::ShapeMismatch { name: name.into(), expected: expected.to_vec(), got: t.shape });
        }
        Ok(t)
    }

    /// A `[rows, cols]` matrix; `rope_head_dim` undoes interleaved RoPE row order per head.
    async fn matrix(&self, name: &str, shape: [usize; 2], rope_head_dim: Option<usize>) -> Result<Tensor<2>, ModelError> {
        let mut t = self.host(name, &shape).await?;
        if let Some(hd) = rope_head_dim {
            t.data = deinterleave_rows(&t.data, shape[1], hd);
        }
        Ok(Tensor::from_data(TensorData::new(t.data, shape), self.device))
    }

    async fn sharded(&self, name: &str, shape: [usize; 2]) -> Result<RowSharded, ModelError> {
        let t = self.host(name, &shape).await?;
        Ok(RowSharded::new(t.data, shape[0], shape[1], self.device))
    }

    async fn linear(&self, base: &str, shape: [usize; 2], bias: bool, rope_head_dim: Option<usize>) -> Result<Linear, ModelError> {
        let weight = self.matrix(&format!("{base}.weight"), shape, rope_head_dim).await?;
        let bias = if bias {
            let mut b = self.host(&format!("{base}.bias"), &[shape[0]]).await?;
            if let Some(hd) = rope_head_dim {
                b.data = deinterleave_rows(&b.data, 1, hd);
            }
            Some(Tensor::from_data(TensorData::new(b.data, [shape[0]]), self.device))
        } else {
            None
        };
        Ok(Linear { weight, bias })
    }

    async fn norm(&self, name: &str, size: usize, eps: f64) -> Result<RmsNorm, ModelError> {
        let t = self.host(name, &[size]).await?;
        Ok(RmsNorm { weight: Tensor::from_data(TensorData::new(t.data, [size]), self.device), eps })
    }
}

/// Within each block of `head_dim` rows, moves rows `0, 2, 4, …` to the first half and
/// `1, 3, 5, …` to the second: interleaved RoPE pairs become rotate-half pairs.
fn deinterleave_rows(data: &[f32], cols: usize, head_dim: usize) -> Vec<f32> {
    let mut out = vec![0f32; data.len()];
    let half = head_dim / 2;
    let head_len = head_dim * cols;
    for (src_head, dst_head) in data.chunks_exact(head_len).zip(out.chunks_exact_mut(head_len)) {
        for (r, row) in src_head.chunks_exact(cols).enumerate() {
            let dst = if r % 2 == 0 { r / 2 } else { half + r / 2 };
            dst_head[dst * cols..(dst + 1) * cols].copy_from_slice(row);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deinterleave_moves_even_rows_first() {
        // Two heads of dimension 4, one column: rows 0..8.
        let rows: Vec<f32> = (0..8).map(|r| r as f32).collect();
        assert_eq!(deinterleave_rows(&rows, 1, 4), vec![0., 2., 1., 3., 4., 6., 5., 7.]);
    }

    #[test]
    fn hf_names() {
        assert_eq!(hf_tensor_name("blk.3.attn_q.bias"), "model.layers.3.self_attn.q_proj.bias");
        assert_eq!(hf_tensor_name("blk.10.ffn_down.weight"), "model.layers.10.mlp.down_proj.weight");
        assert_eq!(hf_tensor_name("output.weight"), "lm_head.weight");
    }
}
