//! The decoder stack: embedding, blocks, final norm and the output head.

use burn::tensor::{Device, Tensor};

use super::layers::{causal_mask, Block, LayerCache, RmsNorm, Rope};
use super::matrix::Matrix;
use super::{ModelConfig, ModelError};

/// A loaded decoder-only model, ready to run forward passes on its device.
pub struct Transformer {
    /// The hyper-parameters the model was built from.
    pub config: ModelConfig,
    pub(super) embedding: Matrix,
    pub(super) blocks: Vec<Block>,
    pub(super) norm: RmsNorm,
    /// `[vocab, hidden]`; the embedding itself when the model ties them.
    pub(super) output: Matrix,
    pub(super) rope: Rope,
    pub(super) device: Device,
}

/// Keys and values of every position processed so far. A clone shares the positions so far
/// and grows independently: one prefix, several continuations.
#[derive(Clone)]
pub struct KvCache {
    pub(super) layers: Vec<LayerCache>,
    pub(super) len: usize,
}

impl KvCache {
    /// Number of positions already in the cache.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no positions have been processed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Which positions to compute logits for: the output head is the biggest matmul of a
/// forward pass, so prefill computes it for the last position only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logits {
    /// Only the last position: all that sampling the next token needs.
    Last,
    /// Every position passed in, e.g. to score a whole text.
    All,
}

impl Transformer {
    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Bytes the weight matrices occupy on the model's device (the tied output head once).
    /// Norms, biases and the KV cache are not included.
    pub fn weight_bytes(&self) -> usize {
        let head = if self.config.tied_embeddings { 0 } else { self.output.weight_bytes() };
        self.embedding.weight_bytes() + self.block_weight_bytes() + head
    }

    /// Bytes of weights one decoding step reads: every block's matrices and the output head
    /// (of the embedding, one row). Times tokens per second, the bandwidth decoding reaches.
    pub fn weight_bytes_per_token(&self) -> usize {
        self.block_weight_bytes() + self.output.weight_bytes()
    }

    fn block_weight_bytes(&self) -> usize {
        self.blocks.iter().flat_map(|b| b.matrices()).map(|m| m.weight_bytes()).sum()
    }

    /// An empty cache, to start a new sequence.
    pub fn new_cache(&self) -> KvCache {
        KvCache { layers: (0..self.config.n_layers).map(|_| LayerCache::default()).collect(), len: 0 }
    }

    /// Runs `tokens` at the positions following those in `cache` and appends them to it.
    /// Returns logits `[positions, vocab]` for the positions `which` asks for.
    pub fn forward(&self, tokens: &[u32], cache: &mut KvCache, which: Logits) -> Result<Tensor<2>, ModelError> {
        let start = cache.len;
        let seq = tokens.len();
        let vocab = self.config.vocab_size;
        if seq == 0 {
            return Err(ModelError::InvalidConfig("forward pass over no tokens".into()));
        }
        if start + seq > self.config.context_length {
            return Err(ModelError::ContextOverflow { needed: start + seq, limit: self.config.context_length });
        }
        if let Some(&id) = tokens.iter().find(|&&id| id as usize >= vocab) {
            return Err(ModelError::TokenOutOfRange { id, vocab });
        }

        let mut x = self.embedding.rows(tokens, &self.device);

        let rope = self.rope.tables(start, seq, &self.device);
        let mask = (seq > 1).then(|| causal_mask(start, seq, &self.device));
        for (block, layer_cache) in self.blocks.iter().zip(cache.layers.iter_mut()) {
            x = block.forward(x, (&rope.0, &rope.1), mask.as_ref(), layer_cache);
        }
        cache.len += seq;

        let x = match which {
            Logits::Last => x.slice([seq - 1..seq, 0..self.config.hidden_size]),
            Logits::All => x,
        };
        Ok(self.output.matmul_transposed(self.norm.forward(x)))
    }
}
