//! A reader for `.safetensors` files: an 8-byte header length, a JSON header, raw data.

use std::collections::HashMap;

use half::{bf16, f16};
use serde::Deserialize;

use crate::source::{ByteSource, SourceError};

/// Headers past this size are corruption, not a model (real ones are well under 1 MB).
const MAX_HEADER_BYTES: u64 = 100 << 20;

/// Why a safetensors file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SafetensorsError {
    /// The header is too long, not valid JSON, or inconsistent with the file.
    #[error("safetensors header: {0}")]
    Header(String),
    /// A tensor (first field) has a dtype (second field) that cannot be converted to f32.
    #[error("tensor '{0}' has dtype {1}, only F32, F16 and BF16 can be loaded")]
    UnsupportedDtype(String, String),
    /// Reading the underlying bytes failed.
    #[error(transparent)]
    Source(#[from] SourceError),
}

#[derive(Debug, Clone, Deserialize)]
struct RawInfo {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// One tensor's entry in a safetensors header.
#[derive(Debug, Clone)]
pub struct TensorEntry {
    /// Element type as safetensors names it: `F32`, `F16`, `BF16`, ...
    pub dtype: String,
    /// Shape, outermost first.
    pub shape: Vec<usize>,
    /// Absolute byte range in the file.
    pub start: u64,
    /// End of the byte range in the file (exclusive).
    pub end: u64,
}

/// A parsed safetensors header: where each tensor's bytes lie.
#[derive(Debug, Clone)]
pub struct SafetensorsFile {
    /// Tensor entries by name (the `__metadata__` entry left out).
    pub tensors: HashMap<String, TensorEntry>,
}

impl SafetensorsFile {
    /// Reads and checks the header: each tensor's byte range must lie in the file and match its shape and dtype.
    pub async fn read<S: ByteSource + ?Sized>(source: &S) -> Result<Self, SafetensorsError> {
        let size = source.size();
        let mut len = [0u8; 8];
        source.read_at(0, &mut len).await?;
        let header_len = u64::from_le_bytes(len);
        if header_len > MAX_HEADER_BYTES || 8 + header_len > size {
            return Err(SafetensorsError::Header(format!("header length {header_len} does not fit a {size}-byte file")));
        }
        let mut header = vec![0u8; header_len as usize];
        source.read_at(8, &mut header).await?;
        let raw: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&header).map_err(|e| SafetensorsError::Header(e.to_string()))?;
        let data_start = 8 + header_len;
        let mut tensors = HashMap::new();
        for (name, value) in raw {
            if name == "__metadata__" {
                continue;
            }
            let info: RawInfo = serde_json::from_value(value).map_err(|e| SafetensorsError::Header(format!("tensor '{name}': {e}")))?;
            let [begin, end] = info.data_offsets;
            let elems = info.shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d as u64));
            let width = dtype_width(&info.dtype);
            let consistent = begin <= end
                && data_start.checked_add(end).is_some_and(|e| e <= size)
                && match (elems, width) {
                    (Some(n), Some(w)) => n.checked_mul(w) == Some(end - begin),
                    _ => width.is_none(),
                };
            if !consistent {
                return Err(SafetensorsError::Header(format!("tensor '{name}' has inconsistent offsets or shape")));
            }
            tensors.insert(name, TensorEntry { dtype: info.dtype, shape: info.shape, start: data_start + begin, end: data_start + end });
        }
        Ok(Self { tensors })
    }

    /// One tensor converted to f32, row-major.
    pub async fn tensor_f32<S: ByteSource + ?Sized>(
        &self,
        source: &S,
        name: &str,
    ) -> Result<Option<(Vec<usize>, Vec<f32>)>, SafetensorsError> {
        let Some(entry) = self.tensors.get(name) else { return Ok(None) };
        let mut bytes = vec![0u8; (entry.end - entry.start) as usize];
        source.read_at(entry.start, &mut bytes).await?;
        let data = match entry.dtype.as_str() {
            "F32" => bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            "F16" => bytes.chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            "BF16" => bytes.chunks_exact(2).map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            other => return Err(SafetensorsError::UnsupportedDtype(name.to_string(), other.to_string())),
        };
        Ok(Some((entry.shape.clone(), data)))
    }
}

fn dtype_width(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F64" | "I64" | "U64" => 8,
        "F32" | "I32" | "U32" => 4,
        "F16" | "BF16" | "I16" | "U16" => 2,
        "I8" | "U8" | "BOOL" | "F8_E4M3" | "F8_E5M2" => 1,
        _ => return None,
    })
}
