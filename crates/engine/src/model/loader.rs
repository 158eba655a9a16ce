//! Builds a [`Transformer`] from checkpoint tensors, one tensor at a time: each is read,
//! turned into its layer's form and dropped before the next.
//!
//! Quantized weight matrices keep their GGUF blocks on both devices: [`QuantMatrix`] on the
//! CPU, [`DeviceQuantMatrix`] on a GPU; a quarter to an eighth of the memory of f32 copies and
//! of the bytes each decoded token has to stream through. Float tensors are f32.
//!
//! Tensors are named as in GGUF (`blk.0.attn_q.weight`); safetensors names are mapped to those.

use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};

use super::gpu_quant::{DeviceQuantMatrix, LanesPerRow};
use super::layers::{Attention, Block, FeedForward, Linear, RmsNorm, Rope};
use super::matrix::{Matrix, RowSharded, DEFAULT_MAX_BINDING_BYTES};
use super::memory::{MemoryBudget, MemoryPlan, PLANNED_CONTEXT};
use super::safetensors::SafetensorsFile;
use super::transformer::Transformer;
use super::{ModelConfig, ModelError};
use crate::gguf::{GgufError, GgufFile};
use crate::quant::{BlockBytes, GgmlType, QuantMatrix};
use crate::source::ByteSource;

/// How a model is laid out on its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// The largest buffer one dense weight matrix may occupy on the device; larger ones are
    /// split by rows (see [`RowSharded`]).
    pub max_binding_bytes: usize,
    /// On a GPU, dequantize every matrix to f32 at load instead of keeping its blocks: the
    /// layout before the quantized kernels, kept so benchmarks can measure against it.
    pub f32_weights: bool,
    /// Threads splitting each output row of the quantized decoding products (see
    /// [`LanesPerRow`]): 32 on GPUs, 8 on CPU-emulated adapters.
    pub lanes_per_row: LanesPerRow,
    /// What the device grants: a GGUF model whose [`MemoryPlan`] (at [`PLANNED_CONTEXT`]
    /// tokens) exceeds it is refused before anything is uploaded. `None`: not known, no check.
    pub memory_budget: Option<MemoryBudget>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { max_binding_bytes: DEFAULT_MAX_BINDING_BYTES, f32_weights: false, lanes_per_row: LanesPerRow::GPU, memory_budget: None }
    }
}

/// How far a load has come, in groups of tensors (embedding, each block, the final norm, the head).
#[derive(Debug, Clone, Copy)]
pub struct LoadProgress {
    /// Groups loaded so far.
    pub loaded: usize,
    /// Groups in the whole model: embedding, each block and the final norm, plus the head when it is not tied.
    pub total: usize,
}

/// A tensor on the host, shape outermost first.
struct HostTensor {
    shape: Vec<usize>,
    data: HostData,
}

enum HostData {
    F32(Vec<f32>),
    /// GGUF blocks of a matrix, rows contiguous.
    Blocks {
        ty: GgmlType,
        bytes: BlockBytes,
    },
}

impl HostTensor {
    fn into_f32(self, name: &str) -> Result<Vec<f32>, ModelError> {
        match self.data {
            HostData::F32(v) => Ok(v),
            HostData::Blocks { ty, bytes } => {
                let mut out = vec![0f32; self.shape.iter().product()];
                crate::quant::dequantize(ty, bytes.as_slice(), &mut out)
                    .map_err(|source| GgufError::Dequantize { name: name.to_string(), source })?;
                Ok(out)
            }
        }
    }
}

/// Where tensors come from, by GGUF name. `blocks` asks for a quantized tensor's raw blocks
/// instead of f32 (sources without blocks ignore it).
trait Checkpoint {
    async fn get(&self, name: &str, blocks: bool) -> Result<Option<HostTensor>, ModelError>;
}

struct Gguf<'a, S: ?Sized> {
    file: &'a GgufFile,
    source: &'a S,
}

impl<S: ByteSource + ?Sized> Checkpoint for Gguf<'_, S> {
    async fn get(&self, name: &str, blocks: bool) -> Result<Option<HostTensor>, ModelError> {
        let Some(info) = self.file.tensor(name) else { return Ok(None) };
        let data = if blocks && info.ty != GgmlType::F32 && QuantMatrix::supports(info.ty) {
            HostData::Blocks { ty: info.ty, bytes: self.file.tensor_blocks(self.source, info).await? }
        } else {
            HostData::F32(self.file.tensor_f32(self.source, info).await?)
        };
        Ok(Some(HostTensor { shape: info.shape(), data }))
    }
}

struct Safetensors<'a, S> {
    shards: &'a [(SafetensorsFile, S)],
}

impl<S: ByteSource> Checkpoint for Safetensors<'_, S> {
    async fn get(&self, name: &str, _blocks: bool) -> Result<Option<HostTensor>, ModelError> {
        let hf_name = hf_tensor_name(name);
        for (file, source) in self.shards {
            if let Some((shape, data)) = file.tensor_f32(source, &hf_name).await? {
                return Ok(Some(HostTensor { shape, data: HostData::F32(data) }));
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
    load_gguf_with(file, source, device, LoadOptions::default(), progress).await
}

/// [`load_gguf`] with explicit [`LoadOptions`].
pub async fn load_gguf_with<S: ByteSource + ?Sized>(
    file: &GgufFile,
    source: &S,
    device: &Device,
    options: LoadOptions,
    progress: impl FnMut(LoadProgress),
) -> Result<Transformer, ModelError> {
    let embedding = file.require_tensor("token_embd.weight")?;
    let vocab_size = embedding.shape().first().copied().unwrap_or(0);
    let tied = file.tensor("output.weight").is_none();
    let mut config = ModelConfig::from_gguf(&file.metadata, vocab_size, tied)?;
    if let Some(budget) = options.memory_budget {
        let on_gpu = *device != Device::flex();
        MemoryPlan::for_gguf(file, &config, on_gpu, &options, PLANNED_CONTEXT).check(budget)?;
    }
    let checkpoint = Gguf { file, source };
    if let Some(factors) = checkpoint.get("rope_freqs.weight", false).await? {
        config.rope_freq_factors = Some(factors.into_f32("rope_freqs.weight")?);
    }
    let interleaved = config.arch.gguf_interleaved_rope;
    build(config, &checkpoint, interleaved, device, options, progress).await
}

/// Loads a Llama or Qwen2 model from `config.json` and its safetensors shards.
pub async fn load_safetensors<S: ByteSource>(
    config_json: &[u8],
    shards: &[(SafetensorsFile, S)],
    device: &Device,
    progress: impl FnMut(LoadProgress),
) -> Result<Transformer, ModelError> {
    let config = ModelConfig::from_hf_json(config_json)?;
    build(config, &Safetensors { shards }, false, device, LoadOptions::default(), progress).await
}

async fn build<C: Checkpoint>(
    config: ModelConfig,
    checkpoint: &C,
    interleaved_rope: bool,
    device: &Device,
    options: LoadOptions,
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

    let loader = Loader { checkpoint, device, options };
    let embedding = loader.matrix("token_embd.weight", [c.vocab_size, h], None).await?;
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
        let out = loader.matrix("output.weight", [c.vocab_size, h], None).await?;
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
    options: LoadOptions,
}

impl<C: Checkpoint> Loader<'_, C> {
    async fn host(&self, name: &str, expected: &[usize], blocks: bool) -> Result<HostTensor, ModelError> {
        let t = self.checkpoint.get(name, blocks).await?.ok_or_else(|| ModelError::MissingTensor(name.to_string()))?;
        if t.shape != expected {
            return Err(ModelError::ShapeMismatch { name: name.into(), expected: expected.to_vec(), got: t.shape });
        }
        Ok(t)
    }

    async fn vector(&self, name: &str, len: usize) -> Result<Vec<f32>, ModelError> {
        self.host(name, &[len], false).await?.into_f32(name)
    }

    /// A `[rows, cols]` matrix; `rope_head_dim` undoes interleaved RoPE row order per head.
    async fn matrix(&self, name: &str, shape: [usize; 2], rope_head_dim: Option<usize>) -> Result<Matrix, ModelError> {
        let t = self.host(name, &shape, true).await?;
        let [rows, cols] = shape;
        if let HostData::Blocks { ty, bytes } = t.data {
            let dequantize_error = |source| GgufError::Dequantize { name: name.to_string(), source };
            let mut q = QuantMatrix::new(ty, rows, cols, bytes).map_err(dequantize_error)?;
            if let Some(hd) = rope_head_dim {
                q.permute_rows(|i| deinterleaved_source_row(i, hd));
            }
            // Flex is the CPU backend.
            if *self.device == Device::flex() {
                return Ok(Matrix::Quantized(Arc::new(q)));
            }
            let upload = || DeviceQuantMatrix::upload(&q, self.device, self.options.max_binding_bytes, self.options.lanes_per_row);
            if let Some(m) = (!self.options.f32_weights).then(upload).flatten() {
                return Ok(Matrix::DeviceQuantized(m));
            }
            let mut data = vec![0f32; rows * cols];
            crate::quant::dequantize(ty, q.bytes(), &mut data).map_err(dequantize_error)?;
            return Ok(Matrix::Dense(RowSharded::new(data, rows, cols, self.device, self.options.max_binding_bytes)));
        }
        let mut data = t.into_f32(name)?;
        if let Some(hd) = rope_head_dim {
            data = deinterleave_rows(&data, cols, hd);
        }
        Ok(Matrix::Dense(RowSharded::new(data, rows, cols, self.device, self.options.max_binding_bytes)))
    }

    async fn linear(&self, base: &str, shape: [usize; 2], bias: bool, rope_head_dim: Option<usize>) -> Result<Linear, ModelError> {
        let weight = self.matrix(&format!("{base}.weight"), shape, rope_head_dim).await?;
        let bias = if bias {
            let mut b = self.vector(&format!("{base}.bias"), shape[0]).await?;
            if let Some(hd) = rope_head_dim {
                b = deinterleave_rows(&b, 1, hd);
            }
            Some(Tensor::from_data(TensorData::new(b, [shape[0]]), self.device))
        } else {
            None
        };
        Ok(Linear { weight, bias })
    }

    async fn norm(&self, name: &str, size: usize, eps: f64) -> Result<RmsNorm, ModelError> {
        let weight = self.vector(name, size).await?;
        Ok(RmsNorm { weight: Tensor::from_data(TensorData::new(weight, [size]), self.device), eps })
    }
}

/// The source row of row `i` after de-interleaving: within each block of `head_dim` rows,
/// rows `0, 2, 4, …` move to the first half and `1, 3, 5, …` to the second, so interleaved
/// RoPE pairs become rotate-half pairs.
fn deinterleaved_source_row(i: usize, head_dim: usize) -> usize {
    let (head, r) = (i / head_dim, i % head_dim);
    let half = head_dim / 2;
    let src = if r < half { 2 * r } else { 2 * (r - half) + 1 };
    head * head_dim + src
}

/// [`deinterleaved_source_row`] applied to the rows of a dense `[rows, cols]` matrix.
fn deinterleave_rows(data: &[f32], cols: usize, head_dim: usize) -> Vec<f32> {
    let rows = data.len() / cols;
    (0..rows)
        .flat_map(|i| {
            let src = deinterleaved_source_row(i, head_dim);
            data[src * cols..(src + 1) * cols].iter().copied()
        })
        .collect()
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
