//! Fused x86 kernels for the two formats of Q4_K_M models: Q4_K and Q6_K rows dotted with
//! activations quantized per 256-value super-block.
//!
//! With one activation scale per super-block the sub-block scales stay integers: each
//! sub-block's byte products are multiplied by its 6- or 8-bit scale inside the integer
//! accumulator, and only one float multiply-add per super-block remains. The offsets
//! (Q4_K's mins, Q6_K's -32) meet precomputed sums of 16 activations. This is the layout
//! llama.cpp's CPU backend uses; where these kernels do not apply (other formats, other
//! CPUs, wasm) [`super::unpack`] and [`super::int_dot`] do the same job more generally.

use super::{GgmlType, QK_K};

/// 256 activations as `d * qs[i]`, with the sum of each 16 quants.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct Q8KBlock {
    pub qs: [i8; QK_K],
    pub d: f32,
    pub sums: [i16; QK_K / 16],
}

/// Quantizes `x` (a multiple of 256 values) into `out`.
pub(crate) fn quantize_into(x: &[f32], out: &mut Vec<Q8KBlock>) {
    debug_assert!(x.len().is_multiple_of(QK_K));
    let (runs, _) = x.as_chunks::<QK_K>();
    out.extend(runs.iter().map(|run| {
        let amax = run.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
        let mut qs = [0i8; QK_K];
        for (q, v) in qs.iter_mut().zip(run) {
            *q = (v * inv).round_ties_even() as i8;
        }
        let mut sums = [0i16; QK_K / 16];
        for (s, sixteen) in sums.iter_mut().zip(qs.chunks_exact(16)) {
            *s = sixteen.iter().map(|&q| i16::from(q)).sum();
        }
        Q8KBlock { qs, d, sums }
    }));
}

/// `Σ w·x` for one weight row (whole blocks) and its activations.
pub(crate) type RowDot = fn(&[u8], &[Q8KBlock]) -> f32;

/// The fused kernel for `ty` on this CPU, if there is one.
pub(crate) fn kernel(ty: GgmlType) -> Option<RowDot> {
    #[cfg(target_arch = "x86_64")]
    {
        if super::x86::detected() {
            // SAFETY (of calling them): the features the kernels need were just detected.
            return match ty {
                GgmlType::Q4K => Some(|w, x| unsafe { avx2::q4_k(w, x) }),
                GgmlType::Q6K => Some(|w, x| unsafe { avx2::q6_k(w, x) }),
                _ => None,
            };
        }
    }
    let _ = ty;
    None
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;
    use crate::quant::k_quants::{k4_scales_mins, Q4K_BYTES, Q6K_BYTES};
    use crate::quant::x86::{f16_at, hsum, load, prefetch_ahead};
    use std::arch::x86_64::*;

    /// Q4_K: `w = d·sc·q − dmin·m` per 32-value sub-block; run `i` of `qs` holds sub-blocks
    /// `2i` (low nibbles) and `2i + 1` (high nibbles). Byte products stay below
    /// 2·15·127, so `maddubs` cannot saturate.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn q4_k(w: &[u8], x: &[Q8KBlock]) -> f32 {
        let nibble = _mm256_set1_epi8(0x0F);
        let mut acc = _mm256_setzero_ps();
        let (blocks, _) = w.as_chunks::<Q4K_BYTES>();
        for (b, xb) in blocks.iter().zip(x) {
            prefetch_ahead(b);
            let (sc, mn) = k4_scales_mins(&b[4..16]);
            // m_j · (sum of sub-block j's activations) in lane j: each min meets the sums of
            // its two 16-value halves.
            let mins = _mm_cvtepu8_epi16(_mm_set_epi64x(0, i64::from_le_bytes(mn)));
            let mins = _mm256_set_m128i(_mm_unpackhi_epi16(mins, mins), _mm_unpacklo_epi16(mins, mins));
            // SAFETY: `sums` is 16 i16, 32 bytes.
            let min_sums = _mm256_madd_epi16(mins, unsafe { load(xb.sums.as_ptr()) });
            let mut sum = _mm256_setzero_si256();
            for i in 0..4 {
                // SAFETY: run i is bytes 16 + 32i .. 48 + 32i of the 144-byte block, and
                // activations 64i .. 64i + 64 lie in the 256-value block.
                let (q, x_lo, x_hi) =
                    unsafe { (load(b.as_ptr().add(16 + 32 * i)), load(xb.qs.as_ptr().add(64 * i)), load(xb.qs.as_ptr().add(64 * i + 32))) };
                let lo = _mm256_maddubs_epi16(_mm256_and_si256(q, nibble), x_lo);
                let hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), nibble), x_hi);
                let lo = _mm256_madd_epi16(lo, _mm256_set1_epi16(i16::from(sc[2 * i])));
                let hi = _mm256_madd_epi16(hi, _mm256_set1_epi16(i16::from(sc[2 * i + 1])));
                sum = _mm256_add_epi32(sum, _mm256_add_epi32(lo, hi));
            }
            let d = _mm256_set1_ps(f16_at(b, 0) * xb.d);
            let dmin = _mm256_set1_ps(f16_at(b, 2) * xb.d);
            acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sum), acc);
            acc = _mm256_fnmadd_ps(dmin, _mm256_cvtepi32_ps(min_sums), acc);
        }
        hsum(acc)
    }

    /// Q6_K: `w = d·sc·(q − 32)` per 16-value sub-block. Each 128-value half reads 64 bytes
    /// of `ql` (low nibbles: quarters 0 and 1, high nibbles: 2 and 3) and 32 bytes of `qh`
    /// (2-bit plane `k` for quarter `k`). Byte products stay below 2·63·127.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn q6_k(w: &[u8], x: &[Q8KBlock]) -> f32 {
        let nibble = _mm256_set1_epi8(0x0F);
        let two_bits = _mm256_set1_epi8(0x03);
        let mut acc = _mm256_setzero_ps();
        let (blocks, _) = w.as_chunks::<Q6K_BYTES>();
        for (b, xb) in blocks.iter().zip(x) {
            prefetch_ahead(b);
            // Layout: ql: [u8; 128] | qh: [u8; 64] | scales: [i8; 16] | d.
            let scales: [i16; 16] = std::array::from_fn(|k| i16::from(b[192 + k] as i8));
            // The −32 of every quant, applied once through the activation sums.
            let bias: i32 = scales.iter().zip(&xb.sums).map(|(&s, &p)| i32::from(s) * i32::from(p)).sum();
            let mut sum = _mm256_setzero_si256();
            for half in 0..2 {
                // SAFETY: ql (bytes 0..128) and qh (128..192): each half reads 64 and 32.
                let (l0, l1, h) = unsafe {
                    (load(b.as_ptr().add(64 * half)), load(b.as_ptr().add(64 * half + 32)), load(b.as_ptr().add(128 + 32 * half)))
                };
                let high = |bits: __m256i| _mm256_slli_epi16(_mm256_and_si256(bits, two_bits), 4);
                let quarters = [
                    _mm256_or_si256(_mm256_and_si256(l0, nibble), high(h)),
                    _mm256_or_si256(_mm256_and_si256(l1, nibble), high(_mm256_srli_epi16(h, 2))),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), nibble), high(_mm256_srli_epi16(h, 4))),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), nibble), high(_mm256_srli_epi16(h, 6))),
                ];
                for (k, q) in quarters.into_iter().enumerate() {
                    let g = 4 * half + k;
                    // SAFETY: g < 8, so 32g + 32 <= 256.
                    let products = _mm256_maddubs_epi16(q, unsafe { load(xb.qs.as_ptr().add(32 * g)) });
                    let scale = _mm256_set_m128i(_mm_set1_epi16(scales[2 * g + 1]), _mm_set1_epi16(scales[2 * g]));
                    sum = _mm256_add_epi32(sum, _mm256_madd_epi16(products, scale));
                }
            }
            let total = _mm256_sub_epi32(sum, _mm256_setr_epi32(32 * bias, 0, 0, 0, 0, 0, 0, 0));
            let d = _mm256_set1_ps(f16_at(b, 208) * xb.d);
            acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(total), acc);
        }
        hsum(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::tests::check_fused_row;

    #[test]
    fn fused_rows_match_the_dequantized_dot() {
        for ty in [GgmlType::Q4K, GgmlType::Q6K] {
            match kernel(ty) {
                Some(row_dot) => check_fused_row(ty, 3 * QK_K, quantize_into, row_dot),
                None => eprintln!("no fused {ty} kernel on this CPU"),
            }
        }
    }
}
