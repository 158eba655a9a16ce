//! Layers shared by the decoder-only architectures: RMSNorm, linear projections, rotary
//! position embedding, grouped-query attention with a KV cache, and the SwiGLU feed-forward.
//!
//! Activations of one sequence are `[seq, features]`; attention works per head on
//! `[heads, seq, head_dim]`. Batch size is one: the engine serves one user.

use burn::tensor::activation::{silu, softmax};
use burn::tensor::{Device, Tensor, TensorData};

use super::few_rows::batched_matmul;
use super::matrix::Matrix;

pub struct RmsNorm {
    pub weight: Tensor<1>,
    pub eps: f64,
}

impl RmsNorm {
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mean_square = x.clone().powi_scalar(2).mean_dim(1);
        let inv_rms = (mean_square + self.eps).sqrt().recip();
        x * inv_rms * self.weight.clone().unsqueeze::<2>()
    }
}

/// `y = x Wᵀ + b` with `W` stored `[out, in]`, the layout GGUF and safetensors both use.
pub struct Linear {
    pub weight: Matrix,
    pub bias: Option<Tensor<1>>,
}

impl Linear {
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = self.weight.matmul_transposed(x);
        match &self.bias {
            Some(b) => y + b.clone().unsqueeze::<2>(),
            None => y,
        }
    }
}

/// Rotary embedding in the rotate-half ("NeoX") layout: dimension `i` pairs with `i + d/2`.
/// Checkpoints whose Q/K rows use the interleaved layout are permuted at load instead
/// (see `loader`), so every architecture shares this one kernel.
pub struct Rope {
    /// Inverse frequency of each of the `head_dim / 2` pairs, scaling already applied.
    inv_freq: Vec<f32>,
}

impl Rope {
    pub fn new(head_dim: usize, theta: f64, freq_factors: Option<&[f32]>) -> Self {
        let half = head_dim / 2;
        let inv_freq = (0..half)
            .map(|i| {
                let f = 1.0 / theta.powf(2.0 * i as f64 / head_dim as f64);
                let factor = freq_factors.and_then(|ff| ff.get(i)).copied().unwrap_or(1.0) as f64;
                (f / factor) as f32
            })
            .collect();
        Self { inv_freq }
    }

    /// Cosine and sine tables `[seq, head_dim / 2]` for positions `start..start + seq`.
    pub fn tables(&self, start: usize, seq: usize, device: &Device) -> (Tensor<3>, Tensor<3>) {
        let half = self.inv_freq.len();
        let mut cos = Vec::with_capacity(seq * half);
        let mut sin = Vec::with_capacity(seq * half);
        for pos in start..start + seq {
            for &f in &self.inv_freq {
                // Angles in f64: positions times frequencies lose precision in f32 at long context.
                let angle = pos as f64 * f as f64;
                cos.push(angle.cos() as f32);
                sin.push(angle.sin() as f32);
            }
        }
        let cos = Tensor::<3>::from_data(TensorData::new(cos, [1, seq, half]), device);
        let sin = Tensor::<3>::from_data(TensorData::new(sin, [1, seq, half]), device);
        (cos, sin)
    }

    /// Rotates `x: [heads, seq, head_dim]`.
    pub fn apply(x: Tensor<3>, cos: &Tensor<3>, sin: &Tensor<3>) -> Tensor<3> {
        let [heads, seq, head_dim] = x.dims();
        let half = head_dim / 2;
        let x1 = x.clone().slice([0..heads, 0..seq, 0..half]);
        let x2 = x.slice([0..heads, 0..seq, half..head_dim]);
        let rotated_1 = x1.clone() * cos.clone() - x2.clone() * sin.clone();
        let rotated_2 = x2 * cos.clone() + x1 * sin.clone();
        Tensor::cat(vec![rotated_1, rotated_2], 2)
    }
}

/// Keys and values of the positions seen so far, per layer: `[kv_heads, len, head_dim]`.
/// Cloning is cheap (tensors are shared) and appending never changes a clone.
#[derive(Default, Clone)]
pub struct LayerCache {
    pub(super) kv: Option<(Tensor<3>, Tensor<3>)>,
}

impl LayerCache {
    fn append(&mut self, k: Tensor<3>, v: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let (k, v) = match self.kv.take() {
            Some((ck, cv)) => (Tensor::cat(vec![ck, k], 1), Tensor::cat(vec![cv, v], 1)),
            None => (k, v),
        };
        self.kv = Some((k.clone(), v.clone()));
        (k, v)
    }
}

pub struct Attention {
    pub q: Linear,
    pub k: Linear,
    pub v: Linear,
    pub o: Linear,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub head_dim: usize,
}

impl Attention {
    /// `x: [seq, hidden]` at absolute positions `start..start + seq`.
    /// `mask` is the additive causal mask `[seq, start + seq]`, absent for a single token.
    pub fn forward(&self, x: Tensor<2>, rope: (&Tensor<3>, &Tensor<3>), mask: Option<&Tensor<2>>, cache: &mut LayerCache) -> Tensor<2> {
        let [seq, _] = x.dims();
        let (h, kvh, hd) = (self.n_heads, self.n_kv_heads, self.head_dim);
        let heads = |t: Tensor<2>, n: usize| t.reshape([seq, n, hd]).swap_dims(0, 1);

        let q = Rope::apply(heads(self.q.forward(x.clone()), h), rope.0, rope.1);
        let k = Rope::apply(heads(self.k.forward(x.clone()), kvh), rope.0, rope.1);
        let v = heads(self.v.forward(x), kvh);
        let (k, v) = cache.append(k, v);

        // Grouped-query attention without copying keys: the `group` query heads that share a
        // KV head are stacked along the sequence axis, `[kv_heads, group * seq, head_dim]`.
        let group = h / kvh;
        let q = q.reshape([kvh, group * seq, hd]);
        let scores = batched_matmul(q, k.swap_dims(1, 2)) * (1.0 / (hd as f64).sqrt());
        let scores = match mask {
            Some(mask) => {
                let mask = mask.clone().repeat_dim(0, group).unsqueeze::<3>();
                scores + mask
            }
            None => scores,
        };
        let out = batched_matmul(softmax(scores, 2), v); // [kv_heads, group * seq, head_dim]
        let out = out.reshape([h, seq, hd]).swap_dims(0, 1).reshape([seq, h * hd]);
        self.o.forward(out)
    }
}

/// The causal mask `[seq, start + seq]`: query `i` (at `start + i`) sees keys `0..=start + i`.
pub fn causal_mask(start: usize, seq: usize, device: &Device) -> Tensor<2> {
    let total = start + seq;
    let mut mask = vec![0f32; seq * total];
    for i in 0..seq {
        for j in start + i + 1..total {
            mask[i * total + j] = f32::NEG_INFINITY;
        }
    }
    Tensor::from_data(TensorData::new(mask, [seq, total]), device)
}

pub struct FeedForward {
    pub gate: Linear,
    pub up: Linear,
    pub down: Linear,
}

impl FeedForward {
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.down.forward(silu(self.gate.forward(x.clone())) * self.up.forward(x))
    }
}

pub struct Block {
    pub attn_norm: RmsNorm,
    pub attn: Attention,
    pub ffn_norm: RmsNorm,
    pub ffn: FeedForward,
}

impl Block {
    /// The block's weight matrices.
    pub fn matrices(&self) -> [&Matrix; 7] {
        let (a, f) = (&self.attn, &self.ffn);
        [&a.q.weight, &a.k.weight, &a.v.weight, &a.o.weight, &f.gate.weight, &f.up.weight, &f.down.weight]
    }

    pub fn forward(&self, x: Tensor<2>, rope: (&Tensor<3>, &Tensor<3>), mask: Option<&Tensor<2>>, cache: &mut LayerCache) -> Tensor<2> {
        let x = x.clone() + self.attn.forward(self.attn_norm.forward(x), rope, mask, cache);
        x.clone() + self.ffn.forward(self.ffn_norm.forward(x))
    }
}
