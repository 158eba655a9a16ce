//! Small Llama and Qwen2 models with random weights, written as GGUF (F32 or Q8_0) and as a
//! Hugging Face checkpoint (config.json + safetensors) from the same numbers, so model tests
//! run without downloading anything. Random weights make ties rare and differences loud.

use serde_json::json;

use crate::gguf_writer::{f32_bytes, q8_0_bytes, tensor_type, GgufWriter};
use crate::safetensors_writer::{hf_tensor_name, safetensors_bytes, to_interleaved};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// No QKV bias; GGUF stores Q/K rows with RoPE pairs interleaved.
    Llama,
    /// QKV bias; GGUF keeps the original row order.
    Qwen2,
}

/// How the GGUF stores the weight matrices (norms and biases are always F32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightType {
    F32,
    Q8_0,
}

/// The shape of a random model; [`RandomModel::tiny`] is a 2-layer one.
#[derive(Debug, Clone)]
pub struct RandomModel {
    pub arch: Arch,
    pub vocab: usize,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub ffn: usize,
    pub context: usize,
    pub tied_embeddings: bool,
    pub seed: u64,
}

/// One tensor in the original (Hugging Face, rotate-half) layout, under its GGUF name, with
/// its shape outermost first.
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl RandomModel {
    /// Two layers, grouped-query attention (4 heads sharing 2 KV heads), untied output head.
    pub fn tiny(arch: Arch) -> Self {
        Self { arch, vocab: 256, hidden: 64, layers: 2, heads: 4, kv_heads: 2, ffn: 128, context: 96, tied_embeddings: false, seed: 7 }
    }

    pub fn head_dim(&self) -> usize {
        self.hidden / self.heads
    }

    fn arch_name(&self) -> &'static str {
        match self.arch {
            Arch::Llama => "llama",
            Arch::Qwen2 => "qwen2",
        }
    }

    /// Every tensor, in the order a checkpoint lists them.
    pub fn tensors(&self) -> Vec<NamedTensor> {
        let mut rng = SplitMix(self.seed);
        let (h, kv) = (self.hidden, self.kv_heads * self.head_dim());
        let mut out = Vec::new();
        let mut matrix = |name: String, rows: usize, cols: usize, rng: &mut SplitMix| {
            // Variance 1/cols keeps activations of order one through the stack.
            let scale = (3.0 / cols as f32).sqrt();
            out.push(NamedTensor { name, shape: vec![rows, cols], values: rng.uniform(rows * cols, scale) });
        };
        matrix("token_embd.weight".into(), self.vocab, h, &mut rng);
        let mut vectors = Vec::new();
        for i in 0..self.layers {
            let name = |part: &str| format!("blk.{i}.{part}");
            matrix(name("attn_q.weight"), h, h, &mut rng);
            matrix(name("attn_k.weight"), kv, h, &mut rng);
            matrix(name("attn_v.weight"), kv, h, &mut rng);
            matrix(name("attn_output.weight"), h, h, &mut rng);
            matrix(name("ffn_gate.weight"), self.ffn, h, &mut rng);
            matrix(name("ffn_up.weight"), self.ffn, h, &mut rng);
            matrix(name("ffn_down.weight"), h, self.ffn, &mut rng);
            vectors.push((name("attn_norm.weight"), h, 1.0, 0.2));
            vectors.push((name("ffn_norm.weight"), h, 1.0, 0.2));
            if self.arch == Arch::Qwen2 {
                vectors.push((name("attn_q.bias"), h, 0.0, 0.5));
                vectors.push((name("attn_k.bias"), kv, 0.0, 0.5));
                vectors.push((name("attn_v.bias"), kv, 0.0, 0.5));
            }
        }
        vectors.push(("output_norm.weight".into(), h, 1.0, 0.2));
        if !self.tied_embeddings {
            matrix("output.weight".into(), self.vocab, h, &mut rng);
        }
        for (name, len, center, spread) in vectors {
            let values = rng.uniform(len, spread).into_iter().map(|v| center + v).collect();
            out.push(NamedTensor { name, shape: vec![len], values });
        }
        out
    }

    /// The model as llama.cpp's converter writes it: Llama Q/K rows interleaved, matrices in
    /// `weights`, no tokenizer (the engine's model loader does not need one).
    pub fn gguf(&self, weights: WeightType) -> Vec<u8> {
        let arch = self.arch_name();
        let key = |k: &str| format!("{arch}.{k}");
        let mut w = GgufWriter::new(3)
            .kv_str("general.architecture", arch)
            .kv_u32(&key("context_length"), self.context as u32)
            .kv_u32(&key("embedding_length"), self.hidden as u32)
            .kv_u32(&key("block_count"), self.layers as u32)
            .kv_u32(&key("feed_forward_length"), self.ffn as u32)
            .kv_u32(&key("attention.head_count"), self.heads as u32)
            .kv_u32(&key("attention.head_count_kv"), self.kv_heads as u32)
            .kv_f32(&key("attention.layer_norm_rms_epsilon"), 1e-5)
            .kv_f32(&key("rope.freq_base"), 10_000.0);
        for t in self.tensors() {
            let mut values = t.values;
            let interleave = self.arch == Arch::Llama && (t.name.contains("attn_q.") || t.name.contains("attn_k."));
            if interleave {
                values = to_interleaved(&values, t.shape.get(1).copied().unwrap_or(1), self.head_dim());
            }
            let dims: Vec<u64> = t.shape.iter().rev().map(|&d| d as u64).collect();
            w = match (weights, t.shape.len()) {
                (WeightType::Q8_0, 2) => w.tensor(&t.name, &dims, tensor_type::Q8_0, q8_0_bytes(&values)),
                _ => w.tensor(&t.name, &dims, tensor_type::F32, f32_bytes(&values)),
            };
        }
        w.bytes()
    }

    /// `(config.json, model.safetensors)` of the same weights in the Hugging Face layout.
    pub fn hf_checkpoint(&self) -> (Vec<u8>, Vec<u8>) {
        let config = json!({
            "model_type": self.arch_name(),
            "vocab_size": self.vocab,
            "hidden_size": self.hidden,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads,
            "intermediate_size": self.ffn,
            "rms_norm_eps": 1e-5,
            "rope_theta": 10_000.0,
            "max_position_embeddings": self.context,
            "tie_word_embeddings": self.tied_embeddings,
        });
        let tensors: Vec<_> = self.tensors().into_iter().map(|t| (hf_tensor_name(&t.name), t.shape, t.values)).collect();
        (serde_json::to_vec(&config).unwrap(), safetensors_bytes(&tensors, false))
    }
}

/// A small deterministic generator (SplitMix64): the same model on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` values uniform in `[-scale, scale)`.
    fn uniform(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| ((self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale).collect()
    }
}
