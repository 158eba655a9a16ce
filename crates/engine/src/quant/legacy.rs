//! The original 32-element block formats: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0.
//!
//! All pack element `j` of a block in the low nibble of `qs[j]` and element `j + 16` in the high
//! nibble (Q8_0 stores whole bytes). The `_1` variants add an f16 offset `m`: `y = d*q + m`
//! (two roundings, as in ggml: no fused multiply-add).

use super::{f16_at, for_blocks};

pub(crate) const QK: usize = 32;
const HALF: usize = QK / 2;

pub(crate) const Q4_0_BYTES: usize = 2 + HALF;
pub(crate) const Q4_1_BYTES: usize = 2 + 2 + HALF;
pub(crate) const Q5_0_BYTES: usize = 2 + 4 + HALF;
pub(crate) const Q5_1_BYTES: usize = 2 + 2 + 4 + HALF;
pub(crate) const Q8_0_BYTES: usize = 2 + QK;

/// Layout: d: f16 | qs: [u8; 16]. `y = d * (q - 8)`.
pub(super) fn q4_0(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q4_0_BYTES, QK, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        let (lo, hi) = y.split_at_mut(HALF);
        for ((&q, l), h) in b[2..].iter().zip(lo).zip(hi) {
            *l = d * f32::from((q & 0x0F) as i8 - 8);
            *h = d * f32::from((q >> 4) as i8 - 8);
        }
    });
}

/// Layout: d: f16 | m: f16 | qs: [u8; 16]. `y = d*q + m`.
pub(super) fn q4_1(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q4_1_BYTES, QK, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        let m = f16_at(b, 2);
        let (lo, hi) = y.split_at_mut(HALF);
        for ((&q, l), h) in b[4..].iter().zip(lo).zip(hi) {
            *l = d * f32::from(q & 0x0F) + m;
            *h = d * f32::from(q >> 4) + m;
        }
    });
}

/// For each byte value, its eight bits spread out as 0 or 0x10, ready to OR onto a nibble.
const SPREAD_BITS: [[u8; 8]; 256] = {
    let mut t = [[0u8; 8]; 256];
    let mut v = 0;
    while v < 256 {
        let mut i = 0;
        while i < 8 {
            t[v][i] = (((v >> i) & 1) << 4) as u8;
            i += 1;
        }
        v += 1;
    }
    t
};

/// Fifth bits of a Q5 block (bit `j` of the little-endian `qh` belongs to element `j`),
/// unpacked with a table so the per-element loop is a plain OR and vectorizes.
#[inline(always)]
pub(super) fn high_bits(qh: [u8; 4]) -> [u8; QK] {
    let mut out = [0u8; QK];
    for (dst, &byte) in out.chunks_exact_mut(8).zip(&qh) {
        dst.copy_from_slice(&SPREAD_BITS[usize::from(byte)]);
    }
    out
}

/// Layout: d: f16 | qh: u32 | qs: [u8; 16]. `y = d * (q - 16)`.
pub(super) fn q5_0(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q5_0_BYTES, QK, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        let qh = high_bits([b[2], b[3], b[4], b[5]]);
        let (qh_lo, qh_hi) = qh.split_at(HALF);
        let (lo, hi) = y.split_at_mut(HALF);
        let bits = qh_lo.iter().zip(qh_hi);
        for (((&q, (&hl, &hh)), l), h) in b[6..].iter().zip(bits).zip(lo).zip(hi) {
            *l = d * f32::from(((q & 0x0F) | hl) as i8 - 16);
            *h = d * f32::from(((q >> 4) | hh) as i8 - 16);
        }
    });
}

/// Layout: d: f16 | m: f16 | qh: u32 | qs: [u8; 16]. `y = d*q + m`.
pub(super) fn q5_1(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q5_1_BYTES, QK, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        let m = f16_at(b, 2);
        let qh = high_bits([b[4], b[5], b[6], b[7]]);
        let (qh_lo, qh_hi) = qh.split_at(HALF);
        let (lo, hi) = y.split_at_mut(HALF);
        let bits = qh_lo.iter().zip(qh_hi);
        for (((&q, (&hl, &hh)), l), h) in b[8..].iter().zip(bits).zip(lo).zip(hi) {
            *l = d * f32::from((q & 0x0F) | hl) + m;
            *h = d * f32::from((q >> 4) | hh) + m;
        }
    });
}

/// Layout: d: f16 | qs: [i8; 32]. `y = d * q`.
pub(super) fn q8_0(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q8_0_BYTES, QK, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        for (&q, v) in b[2..].iter().zip(y.iter_mut()) {
            *v = d * f32::from(q as i8);
        }
    });
}
