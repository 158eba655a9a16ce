//! k-quants: 256-element super-blocks split into sub-blocks that each carry a small integer
//! scale (and for Q2_K/Q4_K/Q5_K a min) relative to the super-block's f16 `d` / `dmin`.
//!
//! Every decoder first widens the sub-block scale into an f32 (`d * sc`) and only then
//! multiplies by the quant, matching ggml's rounding exactly. Loops work one sub-block at a
//! time on fixed-length slices so the inner loop has no bounds checks and vectorizes.

use super::{f16_at, for_blocks, QK_K};

pub(crate) const Q2K_BYTES: usize = QK_K / 16 + QK_K / 4 + 2 + 2;
pub(crate) const Q3K_BYTES: usize = QK_K / 8 + QK_K / 4 + 12 + 2;
pub(crate) const Q4K_BYTES: usize = 2 + 2 + 12 + QK_K / 2;
pub(crate) const Q5K_BYTES: usize = 2 + 2 + 12 + QK_K / 8 + QK_K / 2;
pub(crate) const Q6K_BYTES: usize = QK_K / 2 + QK_K / 4 + QK_K / 16 + 2;
pub(crate) const Q8K_BYTES: usize = 4 + QK_K + 2 * (QK_K / 16);

/// Where a 16-element sub-block's 2-bit quants live in Q2_K/Q3_K's `qs`: each 32-byte half of
/// `qs` covers 128 elements, four 2-bit planes (shift 0, 2, 4, 6) of 32 elements each.
#[inline(always)]
fn two_bit_plane(sb: usize) -> (usize, u32) {
    let half = sb / 8; // which 32-byte half of qs
    let plane = (sb / 2) % 4; // which 2-bit plane in it
    let offset = half * 32 + (sb % 2) * 16;
    (offset, 2 * plane as u32)
}

/// Layout: scales: [u8; 16] (low nibble scale, high nibble min) | qs: [u8; 64] | d | dmin.
/// `y = (d*sc) * q - dmin*m` per 16-element sub-block.
pub(super) fn q2_k(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q2K_BYTES, QK_K, _>(data, out, |b, y| {
        let (scales, rest) = b.split_at(16);
        let (qs, rest) = rest.split_at(64);
        let d = f16_at(rest, 0);
        let dmin = f16_at(rest, 2);
        let (subs, _) = y.as_chunks_mut::<16>();
        for (sb, (ys, &sc)) in subs.iter_mut().zip(scales).enumerate() {
            let dl = d * f32::from(sc & 0x0F);
            let ml = dmin * f32::from(sc >> 4);
            let (offset, shift) = two_bit_plane(sb);
            for (v, &q) in ys.iter_mut().zip(&qs[offset..offset + 16]) {
                *v = dl * f32::from((q >> shift) & 3) - ml;
            }
        }
    });
}

/// Q3_K's sixteen 6-bit scales: low nibbles in bytes 0..8 (two per byte), high 2-bit pairs
/// in bytes 8..12 (four per byte).
#[inline(always)]
pub(super) fn q3_k_scale(scales: &[u8], k: usize) -> i8 {
    let low = (scales[k % 8] >> (4 * (k / 8))) & 0x0F;
    let high = (scales[8 + k % 4] >> (2 * (k / 4))) & 0x03;
    (low | (high << 4)) as i8 - 32
}

/// Layout: hmask: [u8; 32] | qs: [u8; 64] | scales: [u8; 12] | d.
/// `q` is a 2-bit value minus 4 where the hmask bit is *clear*; `y = (d*sc) * q`.
pub(super) fn q3_k(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q3K_BYTES, QK_K, _>(data, out, |b, y| {
        let (hmask, rest) = b.split_at(32);
        let (qs, rest) = rest.split_at(64);
        let (scales, rest) = rest.split_at(12);
        let d = f16_at(rest, 0);
        let (subs, _) = y.as_chunks_mut::<16>();
        for (sb, ys) in subs.iter_mut().enumerate() {
            let dl = d * f32::from(q3_k_scale(scales, sb));
            let (offset, shift) = two_bit_plane(sb);
            // Element e of the block reads bit e/32 of hmask[e % 32].
            let hbit = (sb / 2) as u32;
            let hm_off = (sb % 2) * 16;
            let quants = qs[offset..offset + 16].iter().zip(&hmask[hm_off..hm_off + 16]);
            for (v, (&q, &h)) in ys.iter_mut().zip(quants) {
                let low = ((q >> shift) & 3) as i8;
                let minus4 = if (h >> hbit) & 1 == 0 { 4 } else { 0 };
                *v = dl * f32::from(low - minus4);
            }
        }
    });
}

/// Q4_K/Q5_K pack eight 6-bit scales and eight 6-bit mins into 12 bytes: sub-blocks 0..4 in
/// the low 6 bits of bytes 0..4 (scales) and 4..8 (mins); sub-blocks 4..8 in the nibbles of
/// bytes 8..12 plus the top two bits of bytes 0..8.
///
/// Done on little-endian words: each shift moves bits within a byte's lane, and the masks
/// drop whatever a neighbouring byte shifted in.
#[inline(always)]
pub(super) fn k4_scales_mins(s: &[u8]) -> ([u8; 8], [u8; 8]) {
    const LOW6: u32 = 0x3F3F_3F3F;
    const LOW4: u32 = 0x0F0F_0F0F;
    const BITS_4_5: u32 = 0x3030_3030;
    let word = |i: usize| u32::from_le_bytes([s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]]);
    let (w0, w1, w2) = (word(0), word(1), word(2));
    let scales_4_8 = (w2 & LOW4) | ((w0 >> 2) & BITS_4_5);
    let mins_4_8 = ((w2 >> 4) & LOW4) | ((w1 >> 2) & BITS_4_5);
    let join = |low: u32, high: u32| (u64::from(low) | (u64::from(high) << 32)).to_le_bytes();
    (join(w0 & LOW6, scales_4_8), join(w1 & LOW6, mins_4_8))
}

/// Layout: d | dmin | scales: [u8; 12] | qs: [u8; 128].
/// Each 32-byte run of `qs` holds two 32-element sub-blocks: low nibbles, then high nibbles.
/// `y = (d*sc) * q - dmin*m`.
pub(super) fn q4_k(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q4K_BYTES, QK_K, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        let dmin = f16_at(b, 2);
        let (sc, mn) = k4_scales_mins(&b[4..16]);
        let (runs, _) = b[16..].as_chunks::<32>();
        let (pairs, _) = y.as_chunks_mut::<64>();
        for (i, (q, ys)) in runs.iter().zip(pairs).enumerate() {
            let (d1, m1) = (d * f32::from(sc[2 * i]), dmin * f32::from(mn[2 * i]));
            let (d2, m2) = (d * f32::from(sc[2 * i + 1]), dmin * f32::from(mn[2 * i + 1]));
            let (lo, hi) = ys.split_at_mut(32);
            for ((&q, l), h) in q.iter().zip(lo).zip(hi) {
                *l = d1 * f32::from(q & 0x0F) - m1;
                *h = d2 * f32::from(q >> 4) - m2;
            }
        }
    });
}

/// Layout: d | dmin | scales: [u8; 12] | qh: [u8; 32] | qs: [u8; 128].
/// As Q4_K, plus a fifth bit: bit `sb` of `qh[j]` for element `j` of sub-block `sb`.
pub(super) fn q5_k(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q5K_BYTES, QK_K, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        let dmin = f16_at(b, 2);
        let (sc, mn) = k4_scales_mins(&b[4..16]);
        let qh = &b[16..48];
        let (runs, _) = b[48..].as_chunks::<32>();
        let (pairs, _) = y.as_chunks_mut::<64>();
        for (i, (q, ys)) in runs.iter().zip(pairs).enumerate() {
            let (d1, m1) = (d * f32::from(sc[2 * i]), dmin * f32::from(mn[2 * i]));
            let (d2, m2) = (d * f32::from(sc[2 * i + 1]), dmin * f32::from(mn[2 * i + 1]));
            let (b1, b2) = (2 * i as u32, 2 * i as u32 + 1);
            let (lo, hi) = ys.split_at_mut(32);
            for (((&q, &h), l), hv) in q.iter().zip(qh).zip(lo).zip(hi) {
                let q1 = (q & 0x0F) | (((h >> b1) & 1) << 4);
                let q2 = (q >> 4) | (((h >> b2) & 1) << 4);
                *l = d1 * f32::from(q1) - m1;
                *hv = d2 * f32::from(q2) - m2;
            }
        }
    });
}

/// Layout: ql: [u8; 128] | qh: [u8; 64] | scales: [i8; 16] | d.
/// Each 128-element half uses 64 bytes of `ql` (low nibbles for elements 0..64, high nibbles
/// for 64..128) and 32 bytes of `qh` (four 2-bit planes of 32 elements).
/// `y = (d*sc) * (q - 32)`.
pub(super) fn q6_k(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q6K_BYTES, QK_K, _>(data, out, |b, y| {
        let (ql, rest) = b.split_at(128);
        let (qh, rest) = rest.split_at(64);
        let (scales, rest) = rest.split_at(16);
        let d = f16_at(rest, 0);
        let (subs, _) = y.as_chunks_mut::<16>();
        for (sb, (ys, &sc)) in subs.iter_mut().zip(scales).enumerate() {
            let dl = d * f32::from(sc as i8);
            let (half, r) = (sb / 8, (sb % 8) * 16); // r: offset inside the 128-element half
            let ql_off = half * 64 + r % 64;
            let ql_shift = 4 * (r / 64) as u32;
            let qh_off = half * 32 + r % 32;
            let qh_shift = 2 * (r / 32) as u32;
            let quants = ql[ql_off..ql_off + 16].iter().zip(&qh[qh_off..qh_off + 16]);
            for (v, (&l, &h)) in ys.iter_mut().zip(quants) {
                let q = ((l >> ql_shift) & 0x0F) | (((h >> qh_shift) & 3) << 4);
                *v = dl * f32::from(q as i8 - 32);
            }
        }
    });
}

/// Layout: d: f32 | qs: [i8; 256] | bsums: [i16; 16] (bsums only speed up dot products).
/// `y = d * q`.
pub(super) fn q8_k(data: &[u8], out: &mut [f32]) {
    for_blocks::<Q8K_BYTES, QK_K, _>(data, out, |b, y| {
        let d = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        for (v, &q) in y.iter_mut().zip(&b[4..4 + QK_K]) {
            *v = d * f32::from(q as i8);
        }
    });
}
