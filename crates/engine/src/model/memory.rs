//! What a model will occupy on its device, worked out from the GGUF header before any tensor is
//! read, and the check against what the device grants. A GPU that runs out of memory half-way
//! through an upload loses its device (in a browser: the page's WebGPU) and the user learns
//! nothing; a model that cannot fit is refused up front, with the numbers.

use std::fmt;

use super::gpu_quant::{gpu_weight_bytes, tile_rows};
use super::{LoadOptions, ModelConfig};
use crate::gguf::GgufFile;
use crate::quant::{GgmlType, QuantMatrix};

/// The context the KV-cache figure assumes unless told otherwise (capped at the model's own).
pub const PLANNED_CONTEXT: usize = 4096;

/// Prompt tokens one prefill pass is assumed to run at once, for the working-memory figure.
const PLANNED_PREFILL: usize = 512;

/// Bytes a model needs on one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryPlan {
    /// Weights as the loader lays them out: GGUF blocks (padded to whole words on a GPU), f32
    /// for vectors and float matrices.
    pub weights: u64,
    /// The f32 KV cache at `context_tokens`.
    pub kv_cache: u64,
    /// An estimate of the working memory of a prefill pass: activations, attention scores,
    /// logits, and on a GPU the largest f32 tile a block's quantized product dequantizes.
    pub scratch: u64,
    /// The context the KV cache was sized for.
    pub context_tokens: usize,
}

impl MemoryPlan {
    /// The plan for `file` loaded with `options` onto a GPU (`on_gpu`) or the CPU, with a KV
    /// cache of `context_tokens` (capped at the model's context length).
    pub fn for_gguf(file: &GgufFile, config: &ModelConfig, on_gpu: bool, options: &LoadOptions, context_tokens: usize) -> Self {
        let blocks_on_device = !on_gpu || !options.f32_weights;
        let mut weights = 0;
        let mut largest_tile = 0;
        for t in &file.tensors {
            weights += match t.shape()[..] {
                [rows, cols] if t.ty != GgmlType::F32 && QuantMatrix::supports(t.ty) && blocks_on_device => {
                    if on_gpu {
                        // Prefill multiplies a block's matrices as f32 tiles kept under the binding
                        // limit (the embedding is gathered, the head sees only the last position).
                        if t.name.starts_with("blk.") {
                            let tile_rows = tile_rows(options.max_binding_bytes, rows, cols);
                            largest_tile = largest_tile.max((tile_rows * cols * 4) as u64);
                        }
                        gpu_weight_bytes(t.ty, rows, cols) as u64
                    } else {
                        t.n_bytes
                    }
                }
                _ => t.n_elements * 4,
            };
        }
        let context_tokens = context_tokens.min(config.context_length);
        Self {
            weights,
            kv_cache: config.kv_bytes_per_token() * context_tokens as u64,
            scratch: prefill_activation_bytes(config, PLANNED_PREFILL.min(context_tokens)) + largest_tile,
            context_tokens,
        }
    }

    /// Everything together.
    pub fn total(&self) -> u64 {
        self.weights + self.kv_cache + self.scratch
    }

    /// `Err` with both figures when the plan exceeds `budget`.
    pub fn check(&self, budget: MemoryBudget) -> Result<(), DoesNotFit> {
        if self.total() <= budget.bytes {
            return Ok(());
        }
        Err(DoesNotFit { plan: *self, budget })
    }
}

/// The tensors alive at once in a prefill pass of `tokens` tokens, in f32: the residual stream
/// and norm output, Q/K/V, attention scores of every head, the attention output, gate, up and
/// their product, and one row of logits.
fn prefill_activation_bytes(c: &ModelConfig, tokens: usize) -> u64 {
    let (q, kv) = (c.n_heads * c.head_dim, c.n_kv_heads * c.head_dim);
    let per_token = 3 * c.hidden_size + 2 * q + 2 * kv + 3 * c.ffn_size + c.n_heads * tokens;
    ((tokens * per_token + c.vocab_size) * 4) as u64
}

/// How much memory a device grants a model, and where that figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget {
    /// Bytes the model may occupy.
    pub bytes: u64,
    /// Where the figure comes from, for the message: "the GPU's memory budget (Vulkan)".
    pub source: &'static str,
}

impl fmt::Display for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", size(self.bytes), self.source)
    }
}

/// A model that would not fit its device's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoesNotFit {
    /// What the model needs.
    pub plan: MemoryPlan,
    /// What the device grants.
    pub budget: MemoryBudget,
}

impl fmt::Display for DoesNotFit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.plan;
        write!(
            f,
            "the model needs about {} on this device (weights {}, KV cache {} for {} tokens, working memory {}), \
             more than the {} available",
            size(p.total()),
            size(p.weights),
            size(p.kv_cache),
            p.context_tokens,
            size(p.scratch),
            self.budget
        )
    }
}

/// `1.50 GiB`, `93.8 MiB`, `12.0 KiB`.
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= f64::from(1u32 << 30) {
        format!("{:.2} GiB", b / f64::from(1u32 << 30))
    } else if b >= f64::from(1u32 << 20) {
        format!("{:.1} MiB", b / f64::from(1u32 << 20))
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

impl std::error::Error for DoesNotFit {}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(total: u64) -> MemoryPlan {
        MemoryPlan { weights: total - 30, kv_cache: 20, scratch: 10, context_tokens: 4096 }
    }

    #[test]
    fn a_plan_fits_up_to_the_last_byte() {
        let budget = MemoryBudget { bytes: 1000, source: "a test" };
        assert!(plan(1000).check(budget).is_ok());
        let refused = plan(1001).check(budget).unwrap_err();
        assert_eq!(refused.plan.total(), 1001);
    }

    #[test]
    fn the_refusal_names_every_part_and_the_source() {
        let refused = DoesNotFit {
            plan: MemoryPlan { weights: 3 << 29, kv_cache: 1 << 28, scratch: 1 << 27, context_tokens: 2048 },
            budget: MemoryBudget { bytes: 1 << 30, source: "half of this device's 2 GiB" },
        };
        let text = refused.to_string();
        let parts = [
            "1.88 GiB",
            "weights 1.50 GiB",
            "KV cache 256.0 MiB for 2048 tokens",
            "working memory 128.0 MiB",
            "1.00 GiB (half of this device's 2 GiB) available",
        ];
        for part in parts {
            assert!(text.contains(part), "{text:?} lacks {part:?}");
        }
    }
}
