//! 4-bit float (E2M1) microscaling types: MXFP4 (gpt-oss) and NVFP4.
//!
//! Both store E2M1 codes; ggml decodes them through a table of the code values doubled
//! (so they are integers) and halves the block scale to compensate.

use super::for_blocks;

pub(crate) const QK_MXFP4: usize = 32;
pub(crate) const MXFP4_BYTES: usize = 1 + QK_MXFP4 / 2;
pub(crate) const QK_NVFP4: usize = 64;
const NVFP4_SUB: usize = 16;
pub(crate) const NVFP4_BYTES: usize = QK_NVFP4 / NVFP4_SUB + QK_NVFP4 / 2;

/// E2M1 values times two, indexed by the 4-bit code (`kvalues_mxfp4` in ggml).
const E2M1_X2: [f32; 16] = [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 0.0, -1.0, -2.0, -3.0, -4.0, -6.0, -8.0, -12.0];

/// Half of the E8M0 scale 2^(e - 127), built from bits so it is exact (ggml_e8m0_to_fp32_half).
/// e = 0 and 1 land in f32's subnormal range.
pub(crate) const E8M0_HALF: [f32; 256] = {
    let mut t = [0f32; 256];
    let mut e = 0;
    while e < 256 {
        let bits = if e < 2 { 0x0020_0000u32 << e } else { (e as u32 - 1) << 23 };
        t[e] = f32::from_bits(bits);
        e += 1;
    }
    t
};

/// Half of an unsigned E4M3 scale (bias 7). Like gguf-py, the top bit is ignored, and 0 and
/// the NaN code 0x7F decode to zero.
pub(crate) const UE4M3_HALF: [f32; 256] = {
    let mut t = [0f32; 256];
    let mut x = 0;
    while x < 256 {
        let exp = (x >> 3) & 0x0F;
        let man = (x & 0x07) as f32;
        let raw = if exp == 0 {
            man * (1.0 / 512.0)
        } else {
            // 2^(exp - 7), exact: exp is 1..=15.
            (1.0 + man / 8.0) * f32::from_bits(((exp as u32) + 127 - 7) << 23)
        };
        t[x] = if x == 0 || x == 0x7F { 0.0 } else { raw * 0.5 };
        x += 1;
    }
    t
};

/// One run of packed codes: element `j` in the low nibble of `qs[j]`, `j + n/2` in the high one.
#[inline(always)]
fn decode_codes(d: f32, qs: &[u8], y: &mut [f32]) {
    let (lo, hi) = y.split_at_mut(qs.len());
    for ((&q, l), h) in qs.iter().zip(lo).zip(hi) {
        *l = d * E2M1_X2[usize::from(q & 0x0F)];
        *h = d * E2M1_X2[usize::from(q >> 4)];
    }
}

/// Layout: e: u8 (E8M0 exponent) | qs: [u8; 16].
pub(super) fn mxfp4(data: &[u8], out: &mut [f32]) {
    for_blocks::<MXFP4_BYTES, QK_MXFP4, _>(data, out, |b, y| {
        decode_codes(E8M0_HALF[usize::from(b[0])], &b[1..], y);
    });
}

/// Layout: d: [u8; 4] (UE4M3, one per 16 elements) | qs: [u8; 32] (8 bytes per 16 elements).
pub(super) fn nvfp4(data: &[u8], out: &mut [f32]) {
    for_blocks::<NVFP4_BYTES, QK_NVFP4, _>(data, out, |b, y| {
        let (scales, qs) = b.split_at(QK_NVFP4 / NVFP4_SUB);
        let (subs, _) = y.as_chunks_mut::<NVFP4_SUB>();
        let (codes, _) = qs.as_chunks::<{ NVFP4_SUB / 2 }>();
        for ((&s, q), ys) in scales.iter().zip(codes).zip(subs) {
            decode_codes(UE4M3_HALF[usize::from(s)], q, ys);
        }
    });
}
