//! Ternary (BitNet-style) types TQ1_0 and TQ2_0: every weight is -d, 0 or +d.

use super::{f16_at, for_blocks, QK_K};

/// 5 trits per byte for the first 240 elements, then 4 per byte for the last 16.
pub(crate) const TQ1_0_BYTES: usize = (QK_K - 4 * QK_K / 64) / 5 + QK_K / 64 + 2;
pub(crate) const TQ2_0_BYTES: usize = QK_K / 4 + 2;

/// Extracts trit `n` of a base-3 fixed-point byte: multiplying by 3^n (wrapping) rotates that
/// trit to the top, and `* 3 >> 8` reads it out. Returns it as -1, 0 or +1.
#[inline(always)]
fn trit(byte: u8, pow3: u8) -> f32 {
    let rotated = byte.wrapping_mul(pow3);
    f32::from(((u16::from(rotated) * 3) >> 8) as i8 - 1)
}

const POW3: [u8; 5] = [1, 3, 9, 27, 81];

/// Layout: qs: [u8; 48] | qh: [u8; 4] | d: f16.
/// `qs[0..32]` gives elements 0..160 (trit n of byte j -> element 32n + j), `qs[32..48]`
/// gives 160..240 (16n + j), and `qh` gives 240..256 (4n + j, four trits per byte).
pub(super) fn tq1_0(data: &[u8], out: &mut [f32]) {
    for_blocks::<TQ1_0_BYTES, QK_K, _>(data, out, |b, y| {
        let d = f16_at(b, 52);
        let (y0, rest) = y.split_at_mut(160);
        let (y1, y2) = rest.split_at_mut(80);
        let runs: [(&[u8], &mut [f32], usize); 3] = [(&b[0..32], y0, 5), (&b[32..48], y1, 5), (&b[48..52], y2, 4)];
        for (bytes, ys, trits) in runs {
            for (&p, row) in POW3[..trits].iter().zip(ys.chunks_exact_mut(bytes.len())) {
                for (v, &q) in row.iter_mut().zip(bytes) {
                    *v = d * trit(q, p);
                }
            }
        }
    });
}

/// Layout: qs: [u8; 64] | d: f16. Each 32-byte half of `qs` holds four 2-bit planes of 32
/// elements (shift 0, 2, 4, 6); `y = d * (q - 1)`.
pub(super) fn tq2_0(data: &[u8], out: &mut [f32]) {
    for_blocks::<TQ2_0_BYTES, QK_K, _>(data, out, |b, y| {
        let d = f16_at(b, 64);
        let (halves, _) = b[..64].as_chunks::<32>();
        let (planes, _) = y.as_chunks_mut::<32>();
        for (i, ys) in planes.iter_mut().enumerate() {
            let qs = &halves[i / 4];
            let shift = 2 * (i % 4) as u32;
            for (v, &q) in ys.iter_mut().zip(qs) {
                *v = d * f32::from(((q >> shift) & 3) as i8 - 1);
            }
        }
    });
}
