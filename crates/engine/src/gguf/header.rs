//! The GGUF header parser: a bounds-checked cursor over a prefix of the file.

use std::collections::{BTreeMap, HashMap};

use super::value::{Metadata, Value, ValueType};
use super::{GgufError, GgufFile, DEFAULT_ALIGNMENT, MAGIC};
use crate::quant::GgmlType;

/// ggml tensors have at most four dimensions.
const MAX_DIMS: u32 = 4;
/// Deeper nesting than this is corruption, not a real model.
const MAX_ARRAY_DEPTH: usize = 8;

/// One tensor's entry in a GGUF header: name, shape, type and where its data lies.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    pub name: String,
    /// Dimensions in ggml order: `dims[0]` is the contiguous one (a row's length).
    pub dims: Vec<u64>,
    /// The element type (block format) of the data.
    pub ty: GgmlType,
    /// Offset from the start of the data section.
    pub offset: u64,
    /// Number of elements: the product of `dims`.
    pub n_elements: u64,
    /// Size of the data in bytes.
    pub n_bytes: u64,
}

impl TensorInfo {
    /// Shape in row-major order (outermost first), as Burn and PyTorch write it.
    pub fn shape(&self) -> Vec<usize> {
        self.dims.iter().rev().map(|&d| d as usize).collect()
    }
}

pub(super) enum ParseError {
    /// The prefix ended before the header did; read more of the file.
    NeedMore,
    Gguf(GgufError),
}

impl From<GgufError> for ParseError {
    fn from(e: GgufError) -> Self {
        ParseError::Gguf(e)
    }
}

type Result<T> = std::result::Result<T, ParseError>;

fn corrupt(msg: impl Into<String>) -> ParseError {
    ParseError::Gguf(GgufError::Corrupt(msg.into()))
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    file_size: u64,
}

impl<'a> Cursor<'a> {
    fn holds_whole_file(&self) -> bool {
        self.buf.len() as u64 >= self.file_size
    }

    /// Bytes of the file after the cursor, whether or not they are in the buffer yet.
    fn remaining_in_file(&self) -> u64 {
        self.file_size.saturating_sub(self.pos as u64)
    }

    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining_in_file() {
            return Err(ParseError::Gguf(GgufError::Truncated(format!(
                "{what} needs {n} bytes at offset {} but the file has {} bytes",
                self.pos, self.file_size
            ))));
        }
        let end = self.pos + n as usize;
        if end > self.buf.len() {
            return Err(if self.holds_whole_file() {
                ParseError::Gguf(GgufError::Truncated(format!("{what} at offset {}", self.pos)))
            } else {
                ParseError::NeedMore
            });
        }
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N as u64, what)?);
        Ok(out)
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let len = self.u64(what)?;
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt(format!("{what} is not valid UTF-8")))
    }

    fn value(&mut self, ty: ValueType, depth: usize, what: &str) -> Result<Value> {
        Ok(match ty {
            ValueType::U8 => Value::U8(self.array::<1>(what)?[0]),
            ValueType::I8 => Value::I8(self.array::<1>(what)?[0] as i8),
            ValueType::U16 => Value::U16(u16::from_le_bytes(self.array(what)?)),
            ValueType::I16 => Value::I16(i16::from_le_bytes(self.array(what)?)),
            ValueType::U32 => Value::U32(self.u32(what)?),
            ValueType::I32 => Value::I32(i32::from_le_bytes(self.array(what)?)),
            ValueType::F32 => Value::F32(f32::from_le_bytes(self.array(what)?)),
            ValueType::U64 => Value::U64(self.u64(what)?),
            ValueType::I64 => Value::I64(i64::from_le_bytes(self.array(what)?)),
            ValueType::F64 => Value::F64(f64::from_le_bytes(self.array(what)?)),
            ValueType::Bool => match self.array::<1>(what)?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => return Err(corrupt(format!("{what}: bool value {b}"))),
            },
            ValueType::String => Value::String(self.string(what)?),
            ValueType::Array => {
                if depth >= MAX_ARRAY_DEPTH {
                    return Err(corrupt(format!("{what}: arrays nested deeper than {MAX_ARRAY_DEPTH}")));
                }
                let elem_id = self.u32(what)?;
                let elem = ValueType::from_id(elem_id).ok_or_else(|| corrupt(format!("{what}: unknown array element type {elem_id}")))?;
                let len = self.u64(what)?;
                // Every element takes at least one byte, so a length beyond the file is corrupt;
                // checking first keeps a forged length from reserving gigabytes.
                if len > self.remaining_in_file() / min_encoded_size(elem) {
                    return Err(ParseError::Gguf(GgufError::Truncated(format!(
                        "{what}: array of {len} elements does not fit in the file"
                    ))));
                }
                let mut items = Vec::with_capacity(len.min(1 << 20) as usize);
                for _ in 0..len {
                    items.push(self.value(elem, depth + 1, what)?);
                }
                Value::Array(items)
            }
        })
    }
}

fn min_encoded_size(ty: ValueType) -> u64 {
    match ty {
        ValueType::U8 | ValueType::I8 | ValueType::Bool => 1,
        ValueType::U16 | ValueType::I16 => 2,
        ValueType::U32 | ValueType::I32 | ValueType::F32 => 4,
        ValueType::U64 | ValueType::I64 | ValueType::F64 | ValueType::String => 8,
        ValueType::Array => 12,
    }
}

pub(super) fn parse(buf: &[u8], file_size: u64) -> Result<GgufFile> {
    let mut c = Cursor { buf, pos: 0, file_size };
    let magic = c.array::<4>("magic")?;
    if magic != MAGIC {
        return Err(GgufError::BadMagic(magic).into());
    }
    let version = c.u32("version")?;
    if version != 2 && version != 3 {
        return Err(GgufError::UnsupportedVersion(version).into());
    }
    let n_tensors = c.u64("tensor count")?;
    let n_kv = c.u64("metadata count")?;
    // A key/value pair takes at least 12 bytes and a tensor info at least 28.
    if n_kv > file_size / 12 || n_tensors > file_size / 28 {
        return Err(corrupt(format!("{n_tensors} tensors and {n_kv} metadata entries cannot fit in {file_size} bytes")));
    }

    let mut metadata = BTreeMap::new();
    for _ in 0..n_kv {
        let key = c.string("metadata key")?;
        let ty_id = c.u32("metadata type")?;
        let ty = ValueType::from_id(ty_id).ok_or_else(|| corrupt(format!("metadata '{key}' has unknown type {ty_id}")))?;
        let value = c.value(ty, 0, &key)?;
        if metadata.insert(key.clone(), value).is_some() {
            return Err(GgufError::DuplicateKey(key).into());
        }
    }
    let metadata = Metadata(metadata);

    let alignment = match metadata.get("general.alignment") {
        None => DEFAULT_ALIGNMENT,
        Some(v) => match v.as_u64() {
            Some(a) if a.is_power_of_two() => a,
            _ => return Err(corrupt(format!("general.alignment must be a power of two, got {v:?}"))),
        },
    };

    let mut tensors = Vec::with_capacity(n_tensors as usize);
    let mut by_name = HashMap::with_capacity(n_tensors as usize);
    for _ in 0..n_tensors {
        let info = tensor_info(&mut c)?;
        if by_name.insert(info.name.clone(), tensors.len()).is_some() {
            return Err(GgufError::DuplicateTensor(info.name).into());
        }
        tensors.push(info);
    }

    let data_offset = (c.pos as u64).div_ceil(alignment) * alignment;
    let data_size = file_size.saturating_sub(data_offset);
    for t in &tensors {
        if t.offset % alignment != 0 {
            return Err(corrupt(format!("tensor '{}' offset {} is not aligned to {alignment}", t.name, t.offset)));
        }
        let end = t.offset.checked_add(t.n_bytes);
        if end.is_none_or(|end| end > data_size) {
            return Err(GgufError::Truncated(format!(
                "tensor '{}' ({} bytes at data offset {}) runs past the end of the file",
                t.name, t.n_bytes, t.offset
            ))
            .into());
        }
    }

    Ok(GgufFile { version, metadata, tensors, alignment, data_offset, file_size, by_name })
}

fn tensor_info(c: &mut Cursor) -> Result<TensorInfo> {
    let name = c.string("tensor name")?;
    let n_dims = c.u32("tensor dimension count")?;
    if n_dims > MAX_DIMS {
        return Err(corrupt(format!("tensor '{name}' has {n_dims} dimensions (at most {MAX_DIMS})")));
    }
    let mut dims = Vec::with_capacity(n_dims as usize);
    for _ in 0..n_dims {
        dims.push(c.u64("tensor dimension")?);
    }
    let ty_id = c.u32("tensor type")?;
    let ty = GgmlType::from_id(ty_id).ok_or_else(|| GgufError::UnknownTensorType { name: name.clone(), id: ty_id })?;
    let offset = c.u64("tensor offset")?;

    let n_elements = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| corrupt(format!("tensor '{name}' dimensions {dims:?} overflow")))?;
    if dims.first().is_some_and(|&row| row % ty.block_len() as u64 != 0) {
        return Err(corrupt(format!(
            "tensor '{name}': row length {} is not a multiple of the {} block size {}",
            dims[0],
            ty.name(),
            ty.block_len()
        )));
    }
    let n_bytes = ty
        .bytes_for(n_elements)
        .ok_or_else(|| corrupt(format!("tensor '{name}' of {n_elements} {} elements has no valid byte size", ty.name())))?;
    Ok(TensorInfo { name, dims, ty, offset, n_elements, n_bytes })
}
