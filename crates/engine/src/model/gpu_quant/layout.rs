//! How GGUF blocks are laid out in GPU memory: the file's own blocks, each padded to whole
//! 32-bit words so a shader reads them as `array<u32>`.
//!
//! Kept as in the file, bit for bit, except where a block's size is not a multiple of four
//! bytes: there the leading f16 scale of the legacy formats is widened to an f32 in the two
//! bytes of padding (Q4_0, Q5_0, Q8_0: no f16 decoding in the shader, same size), and the
//! trailing f16 of Q3_K and Q6_K gets two zero bytes after it. At most 1.12× the file's bytes
//! (Q4_0: 20 bytes for 18).
//!
//! The types with no kernel of their own are transcoded, exactly, to 8-bit blocks: every value
//! of IQ4_NL, IQ4_XS (codebook entries), TQ1_0, TQ2_0 (ternary) and MXFP4 (E2M1 codes) is a
//! small integer times one scale per 32 elements, which is the padded Q8_0 layout; NVFP4 has a
//! scale per 16 elements, hence `Q8Halves`. Larger than the file, far smaller than f32.

use crate::quant::{f16_bits_to_f32, GgmlType, E8M0_HALF, IQ4_KVALUES, UE4M3_HALF};

/// Elements the kernels decode at a time: one legacy block, an eighth of a k-quant block.
pub const CHUNK: usize = 32;

/// A block layout the GPU kernels decode (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockFormat {
    /// `d: f32 | qs: [u8; 16]` (d widened from f16).
    Q4_0,
    /// As in GGUF: `d: f16 | m: f16 | qs: [u8; 16]`.
    Q4_1,
    /// `d: f32 | qh: u32 | qs: [u8; 16]` (d widened from f16).
    Q5_0,
    /// As in GGUF: `d: f16 | m: f16 | qh: u32 | qs: [u8; 16]`.
    Q5_1,
    /// `d: f32 | qs: [i8; 32]` (d widened from f16); IQ4_NL, IQ4_XS, TQ1_0, TQ2_0 and MXFP4
    /// are transcoded to it.
    Q8_0,
    /// `d0: f32 | d1: f32 | qs: [i8; 32]`, `d0` scaling elements 0..16 and `d1` 16..32: NVFP4
    /// transcoded.
    Q8Halves,
    /// As in GGUF (84 bytes).
    Q2K,
    /// As in GGUF, then two zero bytes (112).
    Q3K,
    /// As in GGUF (144 bytes).
    Q4K,
    /// As in GGUF (176 bytes).
    Q5K,
    /// As in GGUF, then two zero bytes (212).
    Q6K,
    /// 32 halves (16 words) per block.
    F16,
    /// 32 bfloat16 values (16 words) per block.
    BF16,
}

impl BlockFormat {
    /// The layout a GGUF tensor of type `ty` and `cols` columns takes on the GPU, if any.
    pub fn for_tensor(ty: GgmlType, cols: usize) -> Option<Self> {
        use GgmlType as T;
        let format = match ty {
            T::Q4_0 => Self::Q4_0,
            T::Q4_1 => Self::Q4_1,
            T::Q5_0 => Self::Q5_0,
            T::Q5_1 => Self::Q5_1,
            T::Q8_0 | T::IQ4NL | T::IQ4XS | T::TQ1_0 | T::TQ2_0 | T::MXFP4 => Self::Q8_0,
            T::NVFP4 => Self::Q8Halves,
            T::Q2K => Self::Q2K,
            T::Q3K => Self::Q3K,
            T::Q4K => Self::Q4K,
            T::Q5K => Self::Q5K,
            T::Q6K => Self::Q6K,
            T::F16 => Self::F16,
            T::BF16 => Self::BF16,
            _ => return None,
        };
        // Rows are whole blocks of the source type and whole chunks of the kernels.
        (cols > 0 && cols.is_multiple_of(ty.block_len()) && cols.is_multiple_of(format.block_len())).then_some(format)
    }

    /// Elements per block.
    pub const fn block_len(self) -> usize {
        match self {
            Self::Q2K | Self::Q3K | Self::Q4K | Self::Q5K | Self::Q6K => 256,
            _ => CHUNK,
        }
    }

    /// 32-bit words per block.
    pub const fn block_words(self) -> usize {
        match self {
            Self::Q4_0 | Self::Q4_1 => 5,
            Self::Q5_0 | Self::Q5_1 => 6,
            Self::Q8_0 => 9,
            Self::Q8Halves => 10,
            Self::Q2K => 21,
            Self::Q3K => 28,
            Self::Q4K => 36,
            Self::Q5K => 44,
            Self::Q6K => 53,
            Self::F16 | Self::BF16 => 16,
        }
    }

    /// Words of one row of `cols` elements.
    pub fn row_words(self, cols: usize) -> usize {
        cols / self.block_len() * self.block_words()
    }
}

/// Appends the device words of `src` (whole rows of GGUF blocks of type `ty`) to `out`.
/// `format` must be `BlockFormat::for_tensor(ty, ..)`.
pub fn repack(ty: GgmlType, format: BlockFormat, src: &[u8], out: &mut Vec<u32>) {
    let elements = src.len() / ty.block_bytes() * ty.block_len();
    out.reserve(elements / format.block_len() * format.block_words());
    let mut push_bytes = |bytes: &[u8]| {
        let (words, tail) = bytes.as_chunks::<4>();
        out.extend(words.iter().map(|w| u32::from_le_bytes(*w)));
        if !tail.is_empty() {
            let mut last = [0u8; 4];
            last[..tail.len()].copy_from_slice(tail);
            out.push(u32::from_le_bytes(last));
        }
    };
    let f16_at = |b: &[u8], i: usize| f16_bits_to_f32(u16::from_le_bytes([b[i], b[i + 1]]));
    match ty {
        // Widen the leading f16 scale into the padding; the rest is already word-aligned.
        GgmlType::Q4_0 | GgmlType::Q5_0 | GgmlType::Q8_0 => {
            for block in src.chunks_exact(ty.block_bytes()) {
                push_bytes(&f16_at(block, 0).to_bits().to_le_bytes());
                push_bytes(&block[2..]);
            }
        }
        GgmlType::IQ4NL => {
            for block in src.chunks_exact(ty.block_bytes()) {
                push_q8_0(f16_at(block, 0), &block[2..], &mut push_bytes);
            }
        }
        GgmlType::IQ4XS => {
            for block in src.chunks_exact(ty.block_bytes()) {
                let d = f16_at(block, 0);
                let scales_high = u16::from_le_bytes([block[2], block[3]]);
                for (group, qs) in block[8..].chunks_exact(16).enumerate() {
                    let low = (block[4 + group / 2] >> (4 * (group % 2))) & 0x0F;
                    let high = ((scales_high >> (2 * group)) & 0x03) as u8;
                    // The same product the CPU decoder forms, so the values are identical.
                    let scale = d * f32::from((low | (high << 4)) as i8 - 32);
                    push_q8_0(scale, qs, &mut push_bytes);
                }
            }
        }
        GgmlType::TQ1_0 | GgmlType::TQ2_0 | GgmlType::MXFP4 | GgmlType::NVFP4 => {
            let mut values = vec![0f32; ty.block_len()];
            for block in src.chunks_exact(ty.block_bytes()) {
                transcode_block(ty, format, block, &mut values, &mut push_bytes);
            }
        }
        // Every other format keeps its bytes; blocks are padded to whole words.
        _ => {
            let block_bytes = ty.block_bytes() * format.block_len() / ty.block_len();
            src.chunks_exact(block_bytes).for_each(&mut push_bytes);
        }
    }
}

/// One 32-element IQ4 group (nibbles indexing the codebook) as a padded Q8_0 block.
fn push_q8_0(scale: f32, nibbles: &[u8], push_bytes: &mut impl FnMut(&[u8])) {
    let mut block = [0u8; 36];
    block[..4].copy_from_slice(&scale.to_bits().to_le_bytes());
    for (j, &q) in nibbles.iter().enumerate() {
        block[4 + j] = IQ4_KVALUES[usize::from(q & 0x0F)] as u8;
        block[4 + 16 + j] = IQ4_KVALUES[usize::from(q >> 4)] as u8;
    }
    push_bytes(&block);
}

/// One block of a type whose values are small integers times a scale per 16 elements, as 8-bit
/// blocks of `format` (`Q8_0`, or `Q8Halves` where the halves of a chunk differ in scale). The
/// CPU decoder gives the values, each the product `scale * integer`, so `value / scale` is that
/// integer exactly and the GPU forms the same product again.
fn transcode_block(ty: GgmlType, format: BlockFormat, block: &[u8], values: &mut [f32], push_bytes: &mut impl FnMut(&[u8])) {
    crate::quant::dequantize(ty, block, values).expect("one whole block");
    let f16_at = |i: usize| f16_bits_to_f32(u16::from_le_bytes([block[i], block[i + 1]]));
    let scale_of_half = |half: usize| match ty {
        GgmlType::TQ1_0 => f16_at(52),
        GgmlType::TQ2_0 => f16_at(64),
        GgmlType::MXFP4 => E8M0_HALF[usize::from(block[0])],
        GgmlType::NVFP4 => UE4M3_HALF[usize::from(block[half])],
        _ => unreachable!("{ty} is not transcoded"),
    };
    for (c, chunk) in values.chunks_exact(CHUNK).enumerate() {
        let scales = [scale_of_half(2 * c), scale_of_half(2 * c + 1)];
        let mut out = [0u8; 40];
        let quants_at = if format == BlockFormat::Q8Halves { 8 } else { 4 };
        out[..4].copy_from_slice(&scales[0].to_bits().to_le_bytes());
        out[4..8].copy_from_slice(&scales[1].to_bits().to_le_bytes());
        for (i, &v) in chunk.iter().enumerate() {
            let scale = scales[i / 16];
            let q = if scale == 0.0 || !scale.is_finite() { 0.0 } else { (v / scale).round() };
            out[quants_at + i] = q as i8 as u8;
        }
        push_bytes(&out[..quants_at + CHUNK]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_type_repacks_to_whole_blocks_within_twelve_percent() {
        let cols = 512;
        for ty in GgmlType::ALL {
            let Some(format) = BlockFormat::for_tensor(ty, cols) else { continue };
            let src = vec![0u8; ty.bytes_for(cols as u64 * 3).unwrap() as usize];
            let mut out = Vec::new();
            repack(ty, format, &src, &mut out);
            assert_eq!(out.len(), 3 * format.row_words(cols), "{ty}");
            let growth = (out.len() * 4) as f64 / src.len() as f64;
            // Transcoded types become 8-bit, still under a third of f32; every format kept as
            // stored grows ≤ 1.12×.
            if matches!(ty, GgmlType::IQ4NL | GgmlType::IQ4XS | GgmlType::TQ1_0 | GgmlType::TQ2_0 | GgmlType::MXFP4 | GgmlType::NVFP4) {
                assert!(out.len() <= 3 * cols * 10 / 32, "{ty} takes {} words for {} elements", out.len(), 3 * cols);
            } else {
                assert!(growth <= 1.12, "{ty} grows {growth:.3}×");
            }
        }
    }

    #[test]
    fn rows_must_be_whole_chunks() {
        assert_eq!(BlockFormat::for_tensor(GgmlType::F16, 48), None);
        assert_eq!(BlockFormat::for_tensor(GgmlType::F16, 64), Some(BlockFormat::F16));
        assert_eq!(BlockFormat::for_tensor(GgmlType::F32, 64), None);
        assert_eq!(BlockFormat::for_tensor(GgmlType::TQ2_0, 128), None, "not whole TQ2_0 blocks");
        assert_eq!(BlockFormat::for_tensor(GgmlType::NVFP4, 96), None, "not whole NVFP4 blocks");
        assert_eq!(BlockFormat::for_tensor(GgmlType::NVFP4, 128), Some(BlockFormat::Q8Halves));
    }
}
