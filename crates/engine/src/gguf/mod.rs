//! GGUF reader (versions 2 and 3).
//!
//! The header (metadata and tensor infos) is parsed from a prefix of the file that grows until
//! it holds the whole header; tensor data is then read one tensor at a time, so a model file
//! never has to sit in memory whole. Every size and offset is checked against the file size
//! before anything is allocated: a corrupt file gets a [`GgufError`], never a panic.

mod header;
mod value;

use std::collections::HashMap;

pub use header::TensorInfo;
pub use value::{Metadata, Value, ValueType};

use crate::quant::{self, BlockBytes, GgmlType, QuantError};
use crate::source::{ByteSource, SourceError};

/// The four bytes every GGUF file starts with.
pub const MAGIC: [u8; 4] = *b"GGUF";
/// Alignment of the tensor data in bytes when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u64 = 32;

/// Why a GGUF file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// The file does not start with `GGUF`; holds the four bytes it starts with.
    #[error("not a GGUF file (magic bytes are {0:02x?}, expected \"GGUF\")")]
    BadMagic([u8; 4]),
    /// The header's version is neither 2 nor 3.
    #[error("GGUF version {0} is not supported (only versions 2 and 3)")]
    UnsupportedVersion(u32),
    /// The file ends before its header or a tensor's data does.
    #[error("the file is truncated: {0}")]
    Truncated(String),
    /// A header field is impossible (a count, size, offset, alignment or value type); the message says which.
    #[error("corrupt GGUF header: {0}")]
    Corrupt(String),
    /// A tensor's ggml type id is unknown or belongs to a retired layout.
    #[error("tensor '{name}' has unknown ggml type id {id}")]
    UnknownTensorType {
        /// The tensor's name.
        name: String,
        /// The type id found in the header.
        id: u32,
    },
    /// Two tensor infos share a name.
    #[error("tensor '{0}' appears more than once")]
    DuplicateTensor(String),
    /// Two metadata entries share a key.
    #[error("metadata key '{0}' appears more than once")]
    DuplicateKey(String),
    /// A tensor the caller requires is not in the file.
    #[error("no tensor named '{0}' in the model file")]
    MissingTensor(String),
    /// A tensor's data could not be dequantized.
    #[error("tensor '{name}': {source}")]
    Dequantize {
        /// The tensor's name.
        name: String,
        /// What was wrong with its data.
        source: QuantError,
    },
    /// Reading the underlying bytes failed.
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// A parsed GGUF header plus where each tensor's bytes live.
#[derive(Debug, Clone)]
pub struct GgufFile {
    /// GGUF format version: 2 or 3.
    pub version: u32,
    /// The header's key/value pairs.
    pub metadata: Metadata,
    /// Tensors in file order.
    pub tensors: Vec<TensorInfo>,
    /// Alignment of the tensor data in bytes (`general.alignment`, default 32); a power of two.
    pub alignment: u64,
    /// Absolute offset of the tensor data section.
    pub data_offset: u64,
    /// Size of the whole file in bytes.
    pub file_size: u64,
    by_name: HashMap<String, usize>,
}

impl GgufFile {
    /// Reads and validates the header. Reads a growing prefix: headers with big vocabularies
    /// run to several MB, but most of a file is tensor data that is not touched here.
    pub async fn read<S: ByteSource + ?Sized>(source: &S) -> Result<Self, GgufError> {
        let size = source.size();
        let mut prefix_len = size.min(1 << 20);
        loop {
            let mut prefix = vec![0u8; prefix_len as usize];
            source.read_at(0, &mut prefix).await?;
            match header::parse(&prefix, size) {
                Err(header::ParseError::NeedMore) => prefix_len = size.min(prefix_len * 4),
                Err(header::ParseError::Gguf(e)) => return Err(e),
                Ok(file) => return Ok(file),
            }
        }
    }

    /// Parses a header from bytes that hold the whole file (or at least its whole header,
    /// with `file_size` the real size).
    pub fn parse(bytes: &[u8], file_size: u64) -> Result<Self, GgufError> {
        match header::parse(bytes, file_size) {
            Err(header::ParseError::NeedMore) => Err(GgufError::Truncated("the header does not fit in the given bytes".into())),
            Err(header::ParseError::Gguf(e)) => Err(e),
            Ok(file) => Ok(file),
        }
    }

    /// The tensor named `name`, if the file has one.
    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.by_name.get(name).map(|&i| &self.tensors[i])
    }

    /// The tensor named `name`, or [`GgufError::MissingTensor`].
    pub fn require_tensor(&self, name: &str) -> Result<&TensorInfo, GgufError> {
        self.tensor(name).ok_or_else(|| GgufError::MissingTensor(name.to_string()))
    }

    /// The architecture named by `general.architecture`.
    pub fn architecture(&self) -> Option<&str> {
        self.metadata.get_str("general.architecture")
    }

    /// The raw bytes of one tensor.
    pub async fn tensor_bytes<S: ByteSource + ?Sized>(&self, source: &S, info: &TensorInfo) -> Result<Vec<u8>, GgufError> {
        let mut bytes = vec![0u8; info.n_bytes as usize];
        source.read_at(self.data_offset + info.offset, &mut bytes).await?;
        Ok(bytes)
    }

    /// One tensor's raw bytes, borrowed from the source's memory where it shares it.
    pub async fn tensor_blocks<S: ByteSource + ?Sized>(&self, source: &S, info: &TensorInfo) -> Result<BlockBytes, GgufError> {
        if let Some(memory) = source.shared() {
            let start = self.data_offset + info.offset;
            let size = (*memory).as_ref().len() as u64;
            let range = usize::try_from(start)
                .ok()
                .zip(usize::try_from(info.n_bytes).ok())
                .and_then(|(start, len)| Some(start..start.checked_add(len)?))
                .filter(|r| r.end as u64 <= size)
                .ok_or(SourceError::OutOfBounds { offset: start, len: info.n_bytes, size })?;
            return Ok(BlockBytes::Shared { memory, range });
        }
        Ok(BlockBytes::Owned(self.tensor_bytes(source, info).await?))
    }

    /// One tensor dequantized to f32, in GGUF element order (dims[0] fastest).
    pub async fn tensor_f32<S: ByteSource + ?Sized>(&self, source: &S, info: &TensorInfo) -> Result<Vec<f32>, GgufError> {
        let bytes = self.tensor_bytes(source, info).await?;
        let mut out = vec![0f32; info.n_elements as usize];
        quant::dequantize(info.ty, &bytes, &mut out).map_err(|source| GgufError::Dequantize { name: info.name.clone(), source })?;
        Ok(out)
    }

    /// Number of elements of each tensor type, for summaries such as `model-info`.
    pub fn type_mix(&self) -> Vec<(GgmlType, u64)> {
        let mut mix: Vec<(GgmlType, u64)> = Vec::new();
        for t in &self.tensors {
            match mix.iter_mut().find(|(ty, _)| *ty == t.ty) {
                Some((_, n)) => *n += t.n_elements,
                None => mix.push((t.ty, t.n_elements)),
            }
        }
        mix.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
        mix
    }

    /// Total number of elements over all tensors.
    pub fn parameter_count(&self) -> u64 {
        self.tensors.iter().map(|t| t.n_elements).sum()
    }
}
