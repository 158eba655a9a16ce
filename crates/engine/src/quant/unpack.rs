//! Weight blocks unpacked into 32-value groups of small integers for integer dot products.
//!
//! Every format that [`super::int_dot`] handles decodes as `w = scale * q + offset`, with
//! `q` a small integer and `scale`/`offset` constant over 16 values. A [`Group`] holds 32
//! such `q` (one byte each, ready for SIMD byte multiplies) and the scale and offset of each
//! 16-value half. `scale` and `offset` are computed the way the f32 decoders compute them
//! (`d * sc` first), so the only new rounding comes from quantizing the activations.

use super::k_quants::{k4_scales_mins, q3_k_scale, Q2K_BYTES, Q3K_BYTES, Q4K_BYTES, Q5K_BYTES, Q6K_BYTES};
use super::legacy::{high_bits, Q4_0_BYTES, Q4_1_BYTES, Q5_0_BYTES, Q5_1_BYTES, Q8_0_BYTES};
use super::{f16_at, for_blocks, GgmlType, QK_K};

/// Values per group: one 8-bit activation block.
pub(crate) const GROUP_LEN: usize = super::q8::Q8_LEN;

/// 32 weights as `scale[h] * q[i] + offset[h]`, `h` the 16-value half of `i`. `q` is
/// unsigned except for [`Signedness::Signed`] formats, whose bytes are `i8`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub(crate) struct Group {
    pub q: [u8; GROUP_LEN],
    pub scale: [f32; 2],
    pub offset: [f32; 2],
}

/// How the bytes of [`Group::q`] are to be read. Only Q8_0 needs signed bytes; every other
/// format's quants are non-negative once its offset is split off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signedness {
    Unsigned,
    Signed,
}

/// Unpacks whole blocks (`bytes`) into one group per 32 values (`out`).
pub(crate) type Unpack = fn(&[u8], &mut [Group]);

/// The unpacker for a weight type. `None` for types without an integer form (floats, IQ and
/// ternary formats).
pub(crate) fn unpacker(ty: GgmlType) -> Option<(Unpack, Signedness)> {
    use GgmlType::*;
    use Signedness::*;
    Some(match ty {
        Q4_0 => (q4_0 as Unpack, Unsigned),
        Q4_1 => (q4_1, Unsigned),
        Q5_0 => (q5_0, Unsigned),
        Q5_1 => (q5_1, Unsigned),
        Q8_0 => (q8_0, Signed),
        Q2K => (q2_k, Unsigned),
        Q3K => (q3_k, Unsigned),
        Q4K => (q4_k, Unsigned),
        Q5K => (q5_k, Unsigned),
        Q6K => (q6_k, Unsigned),
        _ => return None,
    })
}

/// One scale and offset for all 32 values.
#[inline(always)]
fn whole(g: &mut Group, scale: f32, offset: f32) {
    g.scale = [scale, scale];
    g.offset = [offset, offset];
}

/// Low nibbles are values 0..16, high nibbles 16..32 (all 32-value formats).
#[inline(always)]
fn split_nibbles(qs: &[u8], q: &mut [u8; GROUP_LEN]) {
    let (lo, hi) = q.split_at_mut(16);
    for ((&b, l), h) in qs.iter().zip(lo).zip(hi) {
        *l = b & 0x0F;
        *h = b >> 4;
    }
}

/// Adds Q5's fifth bits (little-endian `qh`, bit `i` for value `i`) as 0x10.
#[inline(always)]
fn add_fifth_bits(qh: [u8; 4], q: &mut [u8; GROUP_LEN]) {
    for (v, bit) in q.iter_mut().zip(high_bits(qh)) {
        *v |= bit;
    }
}

fn q4_0(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q4_0_BYTES, 1, _>(data, out, |b, [g]| {
        let d = f16_at(b, 0);
        split_nibbles(&b[2..], &mut g.q);
        whole(g, d, -8.0 * d);
    });
}

fn q4_1(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q4_1_BYTES, 1, _>(data, out, |b, [g]| {
        split_nibbles(&b[4..], &mut g.q);
        whole(g, f16_at(b, 0), f16_at(b, 2));
    });
}

fn q5_0(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q5_0_BYTES, 1, _>(data, out, |b, [g]| {
        let d = f16_at(b, 0);
        split_nibbles(&b[6..], &mut g.q);
        add_fifth_bits([b[2], b[3], b[4], b[5]], &mut g.q);
        whole(g, d, -16.0 * d);
    });
}

fn q5_1(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q5_1_BYTES, 1, _>(data, out, |b, [g]| {
        split_nibbles(&b[8..], &mut g.q);
        add_fifth_bits([b[4], b[5], b[6], b[7]], &mut g.q);
        whole(g, f16_at(b, 0), f16_at(b, 2));
    });
}

fn q8_0(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q8_0_BYTES, 1, _>(data, out, |b, [g]| {
        g.q.copy_from_slice(&b[2..]);
        whole(g, f16_at(b, 0), 0.0);
    });
}

const K_GROUPS: usize = QK_K / GROUP_LEN;

/// Q2_K/Q3_K: group `g` is the 2-bit plane `g % 4` of the 32-byte half `g / 4` of `qs`.
#[inline(always)]
fn two_bit_group(qs: &[u8], g: usize, q: &mut [u8; GROUP_LEN]) {
    let shift = 2 * (g % 4);
    let run = &qs[(g / 4) * 32..(g / 4) * 32 + 32];
    for (v, &b) in q.iter_mut().zip(run) {
        *v = (b >> shift) & 3;
    }
}

fn q2_k(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q2K_BYTES, K_GROUPS, _>(data, out, |b, groups| {
        let (scales, rest) = b.split_at(16);
        let (qs, rest) = rest.split_at(64);
        let (d, dmin) = (f16_at(rest, 0), f16_at(rest, 2));
        for (i, g) in groups.iter_mut().enumerate() {
            two_bit_group(qs, i, &mut g.q);
            for h in 0..2 {
                let sc = scales[2 * i + h];
                g.scale[h] = d * f32::from(sc & 0x0F);
                g.offset[h] = -(dmin * f32::from(sc >> 4));
            }
        }
    });
}

fn q3_k(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q3K_BYTES, K_GROUPS, _>(data, out, |b, groups| {
        let (hmask, rest) = b.split_at(32);
        let (qs, rest) = rest.split_at(64);
        let (scales, rest) = rest.split_at(12);
        let d = f16_at(rest, 0);
        for (i, g) in groups.iter_mut().enumerate() {
            two_bit_group(qs, i, &mut g.q);
            // Stored q is `low - 4` where the hmask bit is clear: `low + 4·bit` is q + 4.
            for (v, &h) in g.q.iter_mut().zip(hmask) {
                *v += ((h >> i) & 1) << 2;
            }
            for h in 0..2 {
                let scale = d * f32::from(q3_k_scale(scales, 2 * i + h));
                g.scale[h] = scale;
                g.offset[h] = -4.0 * scale;
            }
        }
    });
}

/// Q4_K/Q5_K: run `i` of 32 bytes holds groups `2i` (low nibbles) and `2i + 1` (high).
fn q4_k(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q4K_BYTES, K_GROUPS, _>(data, out, |b, groups| {
        let (d, dmin) = (f16_at(b, 0), f16_at(b, 2));
        let (sc, mn) = k4_scales_mins(&b[4..16]);
        let (runs, _) = b[16..].as_chunks::<32>();
        let (pairs, _) = groups.as_chunks_mut::<2>();
        for (i, (run, [lo, hi])) in runs.iter().zip(pairs).enumerate() {
            for ((&v, l), h) in run.iter().zip(&mut lo.q).zip(&mut hi.q) {
                *l = v & 0x0F;
                *h = v >> 4;
            }
            whole(lo, d * f32::from(sc[2 * i]), -(dmin * f32::from(mn[2 * i])));
            whole(hi, d * f32::from(sc[2 * i + 1]), -(dmin * f32::from(mn[2 * i + 1])));
        }
    });
}

fn q5_k(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q5K_BYTES, K_GROUPS, _>(data, out, |b, groups| {
        let (d, dmin) = (f16_at(b, 0), f16_at(b, 2));
        let (sc, mn) = k4_scales_mins(&b[4..16]);
        let qh = &b[16..48];
        let (runs, _) = b[48..].as_chunks::<32>();
        let (pairs, _) = groups.as_chunks_mut::<2>();
        for (i, (run, [lo, hi])) in runs.iter().zip(pairs).enumerate() {
            let (b1, b2) = (2 * i, 2 * i + 1);
            for (((&v, &h), l), hv) in run.iter().zip(qh).zip(&mut lo.q).zip(&mut hi.q) {
                *l = (v & 0x0F) | (((h >> b1) & 1) << 4);
                *hv = (v >> 4) | (((h >> b2) & 1) << 4);
            }
            whole(lo, d * f32::from(sc[b1]), -(dmin * f32::from(mn[b1])));
            whole(hi, d * f32::from(sc[b2]), -(dmin * f32::from(mn[b2])));
        }
    });
}

/// Q6_K: group `g` reads nibbles `4·(g%4 / 2)` of `ql[64·(g/4) + 32·(g%2)..]` and 2-bit
/// plane `g % 4` of `qh[32·(g/4)..]`; stored q is `q6 - 32`.
fn q6_k(data: &[u8], out: &mut [Group]) {
    for_blocks::<Q6K_BYTES, K_GROUPS, _>(data, out, |b, groups| {
        let (ql, rest) = b.split_at(128);
        let (qh, rest) = rest.split_at(64);
        let (scales, rest) = rest.split_at(16);
        let d = f16_at(rest, 0);
        for (i, g) in groups.iter_mut().enumerate() {
            let (half, quarter) = (i / 4, i % 4);
            let ql_off = half * 64 + (quarter % 2) * 32;
            let ql_shift = 4 * (quarter / 2);
            let qh_off = half * 32;
            let qh_shift = 2 * quarter;
            let lows = &ql[ql_off..ql_off + 32];
            let highs = &qh[qh_off..qh_off + 32];
            for ((v, &l), &h) in g.q.iter_mut().zip(lows).zip(highs) {
                *v = ((l >> ql_shift) & 0x0F) | (((h >> qh_shift) & 3) << 4);
            }
            for h in 0..2 {
                let scale = d * f32::from(scales[2 * i + h] as i8);
                g.scale[h] = scale;
                g.offset[h] = -32.0 * scale;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::dequantize;
    use crate::quant::tests::random_blocks;

    #[test]
    fn groups_decode_to_the_f32_decoders_values() {
        use GgmlType::*;
        for ty in [Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2K, Q3K, Q4K, Q5K, Q6K] {
            let (unpack, signedness) = unpacker(ty).unwrap();
            let elements = 2 * QK_K;
            let data = random_blocks(ty, elements, 11);
            let mut want = vec![0f32; elements];
            dequantize(ty, &data, &mut want).unwrap();
            let mut groups = vec![Group::default(); elements / GROUP_LEN];
            unpack(&data, &mut groups);
            for (i, &w) in want.iter().enumerate() {
                let g = &groups[i / GROUP_LEN];
                let (j, h) = (i % GROUP_LEN, i % GROUP_LEN / 16);
                let q = match signedness {
                    Signedness::Signed => f32::from(g.q[j] as i8),
                    Signedness::Unsigned => f32::from(g.q[j]),
                };
                let got = g.scale[h] * q + g.offset[h];
                assert!((got - w).abs() <= 1e-5 * (1.0 + w.abs()), "{ty} value {i}: {got} vs {w}");
            }
        }
        assert!(unpacker(IQ4NL).is_none() && unpacker(F16).is_none());
    }
}
