//! Non-linear 4-bit i-quants: IQ4_NL and IQ4_XS.
//!
//! Both map each nibble through a fixed 16-entry codebook instead of using it as a linear
//! integer. (The grid-based IQ1/IQ2/IQ3 types need large lattice tables and are not decoded.)

use super::{f16_at, for_blocks, QK_K};

pub(crate) const QK4_NL: usize = 32;
pub(crate) const IQ4NL_BYTES: usize = 2 + QK4_NL / 2;
pub(crate) const IQ4XS_BYTES: usize = 2 + 2 + QK_K / 64 + QK_K / 2;

/// The IQ4 codebook (`kvalues_iq4nl` in ggml): denser near zero, where most weights sit.
pub(crate) const KVALUES: [i8; 16] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/// The codebook widened to f32 once, so the inner loops are a table lookup and a multiply.
const KVALUES_F32: [f32; 16] = {
    let mut t = [0f32; 16];
    let mut i = 0;
    while i < 16 {
        t[i] = KVALUES[i] as f32;
        i += 1;
    }
    t
};

/// One 32-element group: element `j` in the low nibble of `qs[j]`, `j + 16` in the high one.
#[inline(always)]
fn decode_group(dl: f32, qs: &[u8], y: &mut [f32]) {
    let (lo, hi) = y.split_at_mut(16);
    for ((&q, l), h) in qs.iter().zip(lo).zip(hi) {
        *l = dl * KVALUES_F32[usize::from(q & 0x0F)];
        *h = dl * KVALUES_F32[usize::from(q >> 4)];
    }
}

/// Layout: d: f16 | qs: [u8; 16]. `y = d * kvalues[q]`.
pub(super) fn iq4_nl(data: &[u8], out: &mut [f32]) {
    for_blocks::<IQ4NL_BYTES, QK4_NL, _>(data, out, |b, y| {
        decode_group(f16_at(b, 0), &b[2..], y);
    });
}

/// Layout: d: f16 | scales_h: u16 | scales_l: [u8; 4] | qs: [u8; 128].
/// Eight 32-element groups, each with a 6-bit scale (low nibble from `scales_l`, high two
/// bits from `scales_h`) biased by 32. `y = (d * (sc - 32)) * kvalues[q]`.
pub(super) fn iq4_xs(data: &[u8], out: &mut [f32]) {
    for_blocks::<IQ4XS_BYTES, QK_K, _>(data, out, |b, y| {
        let d = f16_at(b, 0);
        let scales_h = u16::from_le_bytes([b[2], b[3]]);
        let scales_l = &b[4..8];
        let (groups, _) = b[8..].as_chunks::<16>();
        let (ys, _) = y.as_chunks_mut::<32>();
        for (ib, (qs, y)) in groups.iter().zip(ys).enumerate() {
            let low = (scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0F;
            let high = ((scales_h >> (2 * ib)) & 0x03) as u8;
            let sc = (low | (high << 4)) as i8 - 32;
            decode_group(d * f32::from(sc), qs, y);
        }
    });
}
