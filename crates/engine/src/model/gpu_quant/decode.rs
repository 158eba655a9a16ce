//! Decoding one 32-element chunk of a block (laid out as `layout` describes) inside a kernel.
//!
//! A chunk decodes to its 32 quants (small integers as f32; the values themselves for F16 and
//! BF16) and an affine map per 16-element half: element `i` is `scale * q_i - offset` with the
//! half's `(scale, offset)`. A dot product then costs one multiply-add per weight, the map
//! being applied once per half: `scale * Σ q_i x_i - offset * Σ x_i`. Scales are formed as the
//! CPU decoders in `crate::quant` form them (`d * sc`), so dequantized values agree with
//! theirs (exactly, but for Q6_K's last bit). Blocks are read as little-endian `u32` words;
//! `base` is the block's first word, `chunk` which 32 elements of a 256-element block.

use cubecl::prelude::*;

use super::layout::BlockFormat;

/// Byte `i` (0..4) of a little-endian word.
#[cube]
fn byte_of(word: u32, i: u32) -> u32 {
    (word >> (i * 8)) & 0xFF
}

/// Byte `i` of the block starting at word `base`.
#[cube]
fn block_byte(w: &Tensor<u32>, base: usize, i: usize) -> u32 {
    byte_of(w[base + i / 4], (i % 4) as u32)
}

/// An f16 (the low 16 bits of `h`) widened exactly: exponent and mantissa moved into an f32's
/// low bits, then rescaled by 2^112. No shader-f16 needed (SwiftShader and many browsers lack it).
#[cube]
fn half_to_f32(h: u32) -> f32 {
    let magnitude = f32::reinterpret((h & 0x7FFF) << 13) * f32::reinterpret(0x7780_0000u32);
    let mut value = magnitude;
    if (h & 0x8000) != 0 {
        value = -magnitude;
    }
    value
}

/// A byte read as a signed 8-bit integer.
#[cube]
fn signed_byte(b: u32) -> f32 {
    f32::cast_from(b) - f32::cast_from((b >> 7) * 256)
}

/// The affine maps of a chunk's two halves: `(scale, offset)` of elements 0..16, then 16..32.
pub type Halves = (f32, f32, f32, f32);

/// Whether a format's offsets can be non-zero (so dot products need `Σ x_i`).
pub fn has_offset(format: BlockFormat) -> bool {
    !matches!(format, BlockFormat::Q8_0 | BlockFormat::Q8Halves | BlockFormat::Q3K | BlockFormat::F16 | BlockFormat::BF16)
}

/// Writes the 32 quants of chunk `chunk` of the block at word `base` into `vals`; returns
/// their affine maps.
#[cube]
pub fn decode_chunk(w: &Tensor<u32>, base: usize, chunk: u32, vals: &mut Array<f32>, #[comptime] format: BlockFormat) -> Halves {
    match comptime![format] {
        BlockFormat::Q4_0 => q4_0(w, base, vals),
        BlockFormat::Q4_1 => q4_1(w, base, vals),
        BlockFormat::Q5_0 => q5_0(w, base, vals),
        BlockFormat::Q5_1 => q5_1(w, base, vals),
        BlockFormat::Q8_0 => q8_0(w, base, vals),
        BlockFormat::Q8Halves => q8_halves(w, base, vals),
        BlockFormat::Q2K => q2_k(w, base, chunk, vals),
        BlockFormat::Q3K => q3_k(w, base, chunk, vals),
        BlockFormat::Q4K => q4_k(w, base, chunk, vals),
        BlockFormat::Q5K => q5_k(w, base, chunk, vals),
        BlockFormat::Q6K => q6_k(w, base, chunk, vals),
        BlockFormat::F16 => f16(w, base, vals),
        BlockFormat::BF16 => bf16(w, base, vals),
    }
}

/// The 16 low nibbles of four words into `vals[0..16]`, the high ones into `vals[16..32]`.
#[cube]
fn nibbles(w: &Tensor<u32>, first: usize, vals: &mut Array<f32>) {
    #[unroll]
    for i in 0..4usize {
        let word = w[first + i];
        #[unroll]
        for k in 0..4usize {
            let q = byte_of(word, k as u32);
            vals[4 * i + k] = f32::cast_from(q & 0xF);
            vals[16 + 4 * i + k] = f32::cast_from(q >> 4);
        }
    }
}

/// `d: f32 | qs`: element `j` in the low nibble of byte `j`, `j + 16` in its high nibble;
/// `y = d * (q - 8)`.
#[cube]
fn q4_0(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    let d = f32::reinterpret(w[base]);
    nibbles(w, base + 1, vals);
    (d, d * 8.0, d, d * 8.0)
}

/// `d: f16 | m: f16 | qs`; `y = d*q + m`.
#[cube]
fn q4_1(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    let dm = w[base];
    let d = half_to_f32(dm & 0xFFFF);
    let m = half_to_f32(dm >> 16);
    nibbles(w, base + 1, vals);
    (d, -m, d, -m)
}

/// Five-bit quants: nibbles from the four words at `first`, fifth bits from `qh` (bit `j`
/// for element `j`).
#[cube]
fn five_bits(w: &Tensor<u32>, qh: u32, first: usize, vals: &mut Array<f32>) {
    #[unroll]
    for i in 0..4usize {
        let word = w[first + i];
        #[unroll]
        for k in 0..4usize {
            let j = (4 * i + k) as u32;
            let q = byte_of(word, k as u32);
            vals[4 * i + k] = f32::cast_from((q & 0xF) | (((qh >> j) & 1) << 4));
            vals[16 + 4 * i + k] = f32::cast_from((q >> 4) | (((qh >> (j + 16)) & 1) << 4));
        }
    }
}

/// `d: f32 | qh | qs`; `y = d * (q - 16)`.
#[cube]
fn q5_0(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    let d = f32::reinterpret(w[base]);
    five_bits(w, w[base + 1], base + 2, vals);
    (d, d * 16.0, d, d * 16.0)
}

/// `d: f16 | m: f16 | qh | qs`; `y = d*q + m`.
#[cube]
fn q5_1(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    let dm = w[base];
    let d = half_to_f32(dm & 0xFFFF);
    let m = half_to_f32(dm >> 16);
    five_bits(w, w[base + 1], base + 2, vals);
    (d, -m, d, -m)
}

/// The 32 signed bytes of the eight words at `first`.
#[cube]
fn signed_bytes(w: &Tensor<u32>, first: usize, vals: &mut Array<f32>) {
    #[unroll]
    for i in 0..8usize {
        let word = w[first + i];
        #[unroll]
        for k in 0..4usize {
            vals[4 * i + k] = signed_byte(byte_of(word, k as u32));
        }
    }
}

/// `d: f32 | qs: [i8; 32]`.
#[cube]
fn q8_0(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    let d = f32::reinterpret(w[base]);
    signed_bytes(w, base + 1, vals);
    (d, 0.0, d, 0.0)
}

/// `d0: f32 | d1: f32 | qs: [i8; 32]`, one scale per half.
#[cube]
fn q8_halves(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    signed_bytes(w, base + 2, vals);
    (f32::reinterpret(w[base]), 0.0, f32::reinterpret(w[base + 1]), 0.0)
}

/// `scales: [u8; 16] | qs: [u8; 64] | d: f16 | dmin: f16`. Chunk `c` reads 2-bit plane `c % 4`
/// of the 32 bytes of `qs` half `c / 4`; its two 16-element sub-blocks have their own scale
/// (low nibble) and min (high nibble).
#[cube]
fn q2_k(w: &Tensor<u32>, base: usize, c: u32, vals: &mut Array<f32>) -> Halves {
    let dd = w[base + 20];
    let d = half_to_f32(dd & 0xFFFF);
    let dmin = half_to_f32(dd >> 16);
    let half = (c / 4) as usize;
    let shift = 2 * (c % 4);
    #[unroll]
    for s in 0..2usize {
        #[unroll]
        for i in 0..4usize {
            let word = w[base + 4 + 8 * half + 4 * s + i];
            #[unroll]
            for k in 0..4usize {
                vals[16 * s + 4 * i + k] = f32::cast_from((byte_of(word, k as u32) >> shift) & 3);
            }
        }
    }
    let sc0 = block_byte(w, base, 2 * c as usize);
    let sc1 = block_byte(w, base, 2 * c as usize + 1);
    (d * f32::cast_from(sc0 & 0xF), dmin * f32::cast_from(sc0 >> 4), d * f32::cast_from(sc1 & 0xF), dmin * f32::cast_from(sc1 >> 4))
}

/// `hmask: [u8; 32] | qs: [u8; 64] | scales: [u8; 12] | d: f16`. As Q2_K for the low two
/// bits; bit `c` of `hmask[l]` clear subtracts 4; sixteen 6-bit scales biased by 32.
#[cube]
fn q3_k(w: &Tensor<u32>, base: usize, c: u32, vals: &mut Array<f32>) -> Halves {
    let d = half_to_f32(w[base + 27] & 0xFFFF);
    let half = (c / 4) as usize;
    let shift = 2 * (c % 4);
    #[unroll]
    for s in 0..2usize {
        #[unroll]
        for i in 0..4usize {
            let quants = w[base + 8 + 8 * half + 4 * s + i];
            let hmask = w[base + 4 * s + i];
            #[unroll]
            for k in 0..4usize {
                let q = (byte_of(quants, k as u32) >> shift) & 3;
                let h = (byte_of(hmask, k as u32) >> c) & 1;
                vals[16 * s + 4 * i + k] = f32::cast_from(q) - 4.0 + 4.0 * f32::cast_from(h);
            }
        }
    }
    (d * q3_k_scale(w, base, 2 * c), 0.0, d * q3_k_scale(w, base, 2 * c + 1), 0.0)
}

/// Q3_K's 6-bit scale of 16-element sub-block `sub`, minus its bias of 32.
#[cube]
fn q3_k_scale(w: &Tensor<u32>, base: usize, sub: u32) -> f32 {
    let low = (block_byte(w, base, 96 + (sub % 8) as usize) >> (4 * (sub / 8))) & 0xF;
    let high = (block_byte(w, base, 104 + (sub % 4) as usize) >> (2 * (sub / 4))) & 3;
    f32::cast_from(low | (high << 4)) - 32.0
}

/// Q4_K/Q5_K's 6-bit scale and min of sub-block `c` from the 12 bytes at byte 4 of the block.
#[cube]
fn k4_scale_min(w: &Tensor<u32>, base: usize, c: u32) -> (u32, u32) {
    let j = c as usize;
    let mut scale = block_byte(w, base, 4 + j) & 63;
    let mut min = block_byte(w, base, 8 + j) & 63;
    if c >= 4 {
        let packed = block_byte(w, base, 8 + j);
        scale = (packed & 0xF) | ((block_byte(w, base, j) >> 6) << 4);
        min = (packed >> 4) | ((block_byte(w, base, 4 + j) >> 6) << 4);
    }
    (scale, min)
}

/// Chunk `c`'s `(d·scale, dmin·min)` in a Q4_K or Q5_K block (`d`, `dmin` in the first word).
#[cube]
fn k4_affine(w: &Tensor<u32>, base: usize, c: u32) -> (f32, f32) {
    let dd = w[base];
    let (scale, min) = k4_scale_min(w, base, c);
    (half_to_f32(dd & 0xFFFF) * f32::cast_from(scale), half_to_f32(dd >> 16) * f32::cast_from(min))
}

/// `d: f16 | dmin: f16 | scales: [u8; 12] | qs: [u8; 128]`: chunk `c` is the low (even `c`)
/// or high nibbles of the 32 bytes of `qs` at `32 * (c / 2)`; `y = (d*sc)*q - dmin*m`.
#[cube]
fn q4_k(w: &Tensor<u32>, base: usize, c: u32, vals: &mut Array<f32>) -> Halves {
    let (dl, ml) = k4_affine(w, base, c);
    let shift = 4 * (c % 2);
    let first = base + 4 + 8 * (c / 2) as usize;
    #[unroll]
    for i in 0..8usize {
        let word = w[first + i];
        #[unroll]
        for k in 0..4usize {
            vals[4 * i + k] = f32::cast_from((byte_of(word, k as u32) >> shift) & 0xF);
        }
    }
    (dl, ml, dl, ml)
}

/// Q4_K plus `qh: [u8; 32]` before `qs`: bit `c` of `qh[l]` is element `l`'s fifth bit.
#[cube]
fn q5_k(w: &Tensor<u32>, base: usize, c: u32, vals: &mut Array<f32>) -> Halves {
    let (dl, ml) = k4_affine(w, base, c);
    let shift = 4 * (c % 2);
    let first = base + 12 + 8 * (c / 2) as usize;
    #[unroll]
    for i in 0..8usize {
        let quants = w[first + i];
        let highs = w[base + 4 + i];
        #[unroll]
        for k in 0..4usize {
            let q = ((byte_of(quants, k as u32) >> shift) & 0xF) | (((byte_of(highs, k as u32) >> c) & 1) << 4);
            vals[4 * i + k] = f32::cast_from(q);
        }
    }
    (dl, ml, dl, ml)
}

/// `ql: [u8; 128] | qh: [u8; 64] | scales: [i8; 16] | d: f16`. Chunk `c` is in 128-element
/// half `c / 4`: low four bits from nibble `(c % 4) / 2` of `ql` (bytes `32 * (c % 2)` on),
/// high two from bit pair `c % 4` of `qh`; `y = (d*sc) * (q - 32)` per 16 elements.
#[cube]
fn q6_k(w: &Tensor<u32>, base: usize, c: u32, vals: &mut Array<f32>) -> Halves {
    let d = half_to_f32(w[base + 52] & 0xFFFF);
    let half = (c / 4) as usize;
    let low_shift = 4 * ((c % 4) / 2);
    let high_shift = 2 * (c % 4);
    #[unroll]
    for s in 0..2usize {
        #[unroll]
        for i in 0..4usize {
            let lows = w[base + 16 * half + 8 * (c % 2) as usize + 4 * s + i];
            let highs = w[base + 32 + 8 * half + 4 * s + i];
            #[unroll]
            for k in 0..4usize {
                let q = ((byte_of(lows, k as u32) >> low_shift) & 0xF) | (((byte_of(highs, k as u32) >> high_shift) & 3) << 4);
                vals[16 * s + 4 * i + k] = f32::cast_from(q);
            }
        }
    }
    let dl0 = d * signed_byte(block_byte(w, base, 192 + 2 * c as usize));
    let dl1 = d * signed_byte(block_byte(w, base, 193 + 2 * c as usize));
    (dl0, dl0 * 32.0, dl1, dl1 * 32.0)
}

/// 32 halves, two to a word (the first in the low half).
#[cube]
fn f16(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    #[unroll]
    for i in 0..16usize {
        let word = w[base + i];
        vals[2 * i] = half_to_f32(word & 0xFFFF);
        vals[2 * i + 1] = half_to_f32(word >> 16);
    }
    (f32::new(1.0), f32::new(0.0), f32::new(1.0), f32::new(0.0))
}

/// 32 bfloat16 values: the top halves of f32s.
#[cube]
fn bf16(w: &Tensor<u32>, base: usize, vals: &mut Array<f32>) -> Halves {
    #[unroll]
    for i in 0..16usize {
        let word = w[base + i];
        vals[2 * i] = f32::reinterpret(word << 16);
        vals[2 * i + 1] = f32::reinterpret(word & 0xFFFF_0000);
    }
    (f32::new(1.0), f32::new(0.0), f32::new(1.0), f32::new(0.0))
}
