//! A [`KvCache`] as bytes, so a prompt prefix processed once (a system prompt with few-shot
//! examples) can be stored by the shell and reused by later runs instead of recomputed.
//!
//! Layout (little-endian): magic `CMKV`, version u32, layers u32, kv_heads u32, head_dim u32,
//! len u32, then per layer the keys and the values as f32 `[kv_heads, len, head_dim]`.

use burn::tensor::{Tensor, TensorData};

use super::layers::LayerCache;
use super::transformer::{KvCache, Transformer};
use super::ModelError;

const MAGIC: &[u8; 4] = b"CMKV";
const VERSION: u32 = 1;
const HEADER_BYTES: usize = 4 + 5 * 4;

/// Why [`Transformer::load_cache`] rejected a KV-cache snapshot.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    /// The bytes do not start with the magic `CMKV` (or are shorter than a header).
    #[error("not a cmdai KV-cache snapshot")]
    BadMagic,
    /// The snapshot's format version is not one this build reads.
    #[error("KV-cache snapshot version {0} is not supported")]
    Version(u32),
    /// The snapshot's layers, KV heads or head dimension differ from the model's, or it is longer than its context.
    #[error("the KV-cache snapshot was made for another model shape")]
    WrongModel,
    /// The byte count differs from the one the header implies.
    #[error("the KV-cache snapshot is {got} bytes, expected {expected}")]
    Length {
        /// Bytes the header implies.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
}

impl Transformer {
    /// Serializes `cache` (reads it back from the device).
    pub async fn save_cache(&self, cache: &KvCache) -> Result<Vec<u8>, ModelError> {
        let c = &self.config;
        let mut out = Vec::with_capacity(HEADER_BYTES + cache.len * c.kv_bytes_per_token() as usize);
        out.extend_from_slice(MAGIC);
        for v in [VERSION, c.n_layers as u32, c.n_kv_heads as u32, c.head_dim as u32, cache.len as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for layer in &cache.layers {
            let Some((k, v)) = &layer.kv else { continue };
            for t in [k, v] {
                let data = t.clone().into_data_async().await.map_err(|e| ModelError::Device(format!("{e:?}")))?;
                let values = data.try_to_vec::<f32>().map_err(|e| ModelError::Device(format!("{e:?}")))?;
                out.extend(values.iter().flat_map(|x| x.to_le_bytes()));
            }
        }
        Ok(out)
    }

    /// Rebuilds a cache saved by [`Transformer::save_cache`] for this model's shape.
    pub fn load_cache(&self, bytes: &[u8]) -> Result<KvCache, SnapshotError> {
        let c = &self.config;
        if bytes.len() < HEADER_BYTES || &bytes[..4] != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let field = |i: usize| u32::from_le_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap()) as usize;
        if field(0) != VERSION as usize {
            return Err(SnapshotError::Version(field(0) as u32));
        }
        if (field(1), field(2), field(3)) != (c.n_layers, c.n_kv_heads, c.head_dim) {
            return Err(SnapshotError::WrongModel);
        }
        let len = field(4);
        if len > c.context_length {
            return Err(SnapshotError::WrongModel);
        }
        let per_tensor = c.n_kv_heads * len * c.head_dim;
        let expected = HEADER_BYTES + c.n_layers * 2 * per_tensor * 4;
        if bytes.len() != expected {
            return Err(SnapshotError::Length { expected, got: bytes.len() });
        }
        let mut cache = self.new_cache();
        if len == 0 {
            return Ok(cache);
        }
        let shape = [c.n_kv_heads, len, c.head_dim];
        let mut tensors = bytes[HEADER_BYTES..].chunks_exact(per_tensor * 4).map(|chunk| {
            let values: Vec<f32> = chunk.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
            Tensor::<3>::from_data(TensorData::new(values, shape), &self.device)
        });
        for layer in &mut cache.layers {
            let (k, v) = (tensors.next().unwrap(), tensors.next().unwrap());
            *layer = LayerCache { kv: Some((k, v)) };
        }
        cache.len = len;
        Ok(cache)
    }
}
