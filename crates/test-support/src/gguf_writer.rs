//! Writes GGUF files byte by byte: well-formed ones for model tests, and through the raw
//! [`GgufWriter::kv`] and [`GgufWriter::tensor`] corrupt ones for the reader's tests.

/// GGUF metadata value type ids.
pub mod value_type {
    pub const U32: u32 = 4;
    pub const I32: u32 = 5;
    pub const F32: u32 = 6;
    pub const BOOL: u32 = 7;
    pub const STRING: u32 = 8;
    pub const ARRAY: u32 = 9;
}

/// GGML tensor type ids this writer produces data for.
pub mod tensor_type {
    pub const F32: u32 = 0;
    pub const Q8_0: u32 = 8;
}

/// A GGUF file being assembled; [`GgufWriter::bytes`] lays it out.
pub struct GgufWriter {
    pub version: u32,
    /// Alignment of tensor data; set `general.alignment` to match when it is not 32.
    pub alignment: u64,
    kv: Vec<(String, Vec<u8>)>,
    tensors: Vec<(String, Vec<u64>, u32, Vec<u8>)>,
}

/// A GGUF string: u64 length, then the bytes.
pub fn gguf_string(s: &str) -> Vec<u8> {
    let mut out = (s.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(s.as_bytes());
    out
}

/// Little-endian f32 values, the layout of an F32 tensor.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Q8_0 blocks of `values` (32 at a time: an f16 scale, then 32 signed bytes), as llama.cpp
/// quantizes them. `values.len()` must be a multiple of 32.
pub fn q8_0_bytes(values: &[f32]) -> Vec<u8> {
    assert_eq!(values.len() % 32, 0, "Q8_0 rows are whole blocks of 32");
    let mut out = Vec::with_capacity(values.len() / 32 * 34);
    for block in values.chunks_exact(32) {
        let amax = block.iter().fold(0f32, |m, x| m.max(x.abs()));
        let d = amax / 127.0;
        let inv = if d == 0.0 { 0.0 } else { 1.0 / d };
        out.extend(half::f16::from_f32(d).to_le_bytes());
        out.extend(block.iter().map(|x| (x * inv).round() as i8 as u8));
    }
    out
}

impl GgufWriter {
    pub fn new(version: u32) -> Self {
        Self { version, alignment: 32, kv: vec![], tensors: vec![] }
    }

    /// A raw entry: `value` is the encoded value of type id `ty`.
    pub fn kv(mut self, key: &str, ty: u32, value: &[u8]) -> Self {
        let mut typed = ty.to_le_bytes().to_vec();
        typed.extend_from_slice(value);
        self.kv.push((key.into(), typed));
        self
    }

    pub fn kv_str(self, key: &str, value: &str) -> Self {
        self.kv(key, value_type::STRING, &gguf_string(value))
    }

    pub fn kv_u32(self, key: &str, value: u32) -> Self {
        self.kv(key, value_type::U32, &value.to_le_bytes())
    }

    pub fn kv_f32(self, key: &str, value: f32) -> Self {
        self.kv(key, value_type::F32, &value.to_le_bytes())
    }

    pub fn kv_str_array(self, key: &str, values: &[&str]) -> Self {
        let mut encoded = value_type::STRING.to_le_bytes().to_vec();
        encoded.extend((values.len() as u64).to_le_bytes());
        values.iter().for_each(|v| encoded.extend(gguf_string(v)));
        self.kv(key, value_type::ARRAY, &encoded)
    }

    pub fn kv_i32_array(self, key: &str, values: &[i32]) -> Self {
        let mut encoded = value_type::I32.to_le_bytes().to_vec();
        encoded.extend((values.len() as u64).to_le_bytes());
        values.iter().for_each(|v| encoded.extend(v.to_le_bytes()));
        self.kv(key, value_type::ARRAY, &encoded)
    }

    /// A tensor of type id `ty`; `dims` innermost first, as GGUF stores them.
    pub fn tensor(mut self, name: &str, dims: &[u64], ty: u32, data: Vec<u8>) -> Self {
        self.tensors.push((name.into(), dims.to_vec(), ty, data));
        self
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend(self.version.to_le_bytes());
        out.extend((self.tensors.len() as u64).to_le_bytes());
        out.extend((self.kv.len() as u64).to_le_bytes());
        for (k, v) in &self.kv {
            out.extend(gguf_string(k));
            out.extend(v);
        }
        let mut offset = 0u64;
        let mut offsets = vec![];
        for (name, dims, ty, data) in &self.tensors {
            out.extend(gguf_string(name));
            out.extend((dims.len() as u32).to_le_bytes());
            for d in dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(ty.to_le_bytes());
            out.extend(offset.to_le_bytes());
            offsets.push(offset);
            offset = (offset + data.len() as u64).div_ceil(self.alignment) * self.alignment;
        }
        while !(out.len() as u64).is_multiple_of(self.alignment) {
            out.push(0);
        }
        let data_start = out.len();
        for ((_, _, _, data), off) in self.tensors.iter().zip(offsets) {
            out.resize(data_start + off as usize, 0);
            out.extend(data);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q8_0_blocks_round_trip_within_half_a_step() {
        let values: Vec<f32> = (0..64).map(|i| (i as f32 - 20.0) * 0.37).collect();
        let bytes = q8_0_bytes(&values);
        assert_eq!(bytes.len(), 2 * 34);
        for (block, chunk) in bytes.chunks_exact(34).zip(values.chunks_exact(32)) {
            let d = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
            for (q, x) in block[2..].iter().zip(chunk) {
                assert!((*q as i8 as f32 * d - x).abs() <= d * 0.5 + 1e-3);
            }
        }
    }
}
