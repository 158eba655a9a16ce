//! Fused x86 kernels for the 32-value formats (Q4_0, Q4_1, Q5_0, Q8_0) dotted with 8-bit
//! activation blocks ([`super::q8`]).
//!
//! One block is one 256-bit vector of quants: the byte products are summed in integers and
//! meet `d_w · d_x` in one float multiply-add per block; offsets (Q4_0's −8, Q5_0's −16,
//! Q4_1's `m`) meet the activation sums. Other CPUs and wasm take the general unpacked-group
//! path ([`super::unpack`]), which computes the same sums.

use super::q8::Q8Block;
use super::GgmlType;

/// `Σ w·x` for one weight row (whole blocks) and its activations.
pub(crate) type RowDot = fn(&[u8], &[Q8Block]) -> f32;

/// The fused kernel for `ty` on this CPU, if there is one.
pub(crate) fn kernel(ty: GgmlType) -> Option<RowDot> {
    #[cfg(target_arch = "x86_64")]
    {
        if super::x86::detected() {
            // SAFETY (of calling them): the features the kernels need were just detected.
            return match ty {
                GgmlType::Q4_0 => Some(|w, x| unsafe { avx2::q4_0(w, x) }),
                GgmlType::Q4_1 => Some(|w, x| unsafe { avx2::q4_1(w, x) }),
                GgmlType::Q5_0 => Some(|w, x| unsafe { avx2::q5_0(w, x) }),
                GgmlType::Q8_0 => Some(|w, x| unsafe { avx2::q8_0(w, x) }),
                _ => None,
            };
        }
    }
    let _ = ty;
    None
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Q8Block;
    use crate::quant::legacy::{Q4_0_BYTES, Q4_1_BYTES, Q5_0_BYTES, Q8_0_BYTES};
    use crate::quant::x86::{f16_at, hsum, load, prefetch_ahead};
    use std::arch::x86_64::*;

    /// Sixteen packed nibble bytes as 32 values: low nibbles first, then high nibbles.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn nibbles(p: *const u8) -> __m256i {
        // SAFETY: callers pass the 16 quant bytes of a checked block.
        let packed = unsafe { _mm_loadu_si128(p.cast()) };
        let both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
        _mm256_and_si256(both, _mm256_set1_epi8(0x0F))
    }

    /// Σ q·p over one block as 8 i32 lanes; `q` unsigned below 32.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn products(q: __m256i, xb: &Q8Block) -> __m256 {
        // SAFETY: `qs` is 32 bytes.
        let p = unsafe { load(xb.qs.as_ptr()) };
        _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(q, p), _mm256_set1_epi16(1)))
    }

    /// The 32 fifth bits of a Q5 block (little-endian u32, bit `i` for value `i`) as 0x10 bytes.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn fifth_bits(qh: u32) -> __m256i {
        // Byte i takes byte i/8 of qh, then keeps bit i%8 of it.
        let spread = _mm256_shuffle_epi8(
            _mm256_set1_epi32(qh as i32),
            _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3),
        );
        let bit = _mm256_set1_epi64x(i64::from_le_bytes([1, 2, 4, 8, 16, 32, 64, 128]));
        let set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
        _mm256_and_si256(set, _mm256_set1_epi8(0x10))
    }

    /// Shared loop: `block` gives each block's quants, scale and offset (`w = scale·q + offset`).
    /// `PER_BLOCK_SUM` takes the activation sum the way llama.cpp's Q8_1 stores it, for the
    /// formats whose offset is a stored `m` (see [`Q8Block::sum_f16`]).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn row<const B: usize, const PER_BLOCK_SUM: bool>(w: &[u8], x: &[Q8Block], block: impl Fn(&[u8; B]) -> (__m256i, f32, f32)) -> f32 {
        let mut acc = _mm256_setzero_ps();
        let mut offsets = 0f32;
        let (blocks, _) = w.as_chunks::<B>();
        for (b, xb) in blocks.iter().zip(x) {
            prefetch_ahead(b);
            let (q, scale, offset) = block(b);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(scale * xb.d), products(q, xb), acc);
            let sum = if PER_BLOCK_SUM { xb.sum_f16 } else { xb.half_sums[0] + xb.half_sums[1] };
            offsets += offset * sum;
        }
        hsum(acc) + offsets
    }

    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn q4_0(w: &[u8], x: &[Q8Block]) -> f32 {
        row::<Q4_0_BYTES, false>(w, x, |b| {
            let d = f16_at(b, 0);
            (nibbles(b[2..].as_ptr()), d, -8.0 * d)
        })
    }

    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn q4_1(w: &[u8], x: &[Q8Block]) -> f32 {
        row::<Q4_1_BYTES, true>(w, x, |b| (nibbles(b[4..].as_ptr()), f16_at(b, 0), f16_at(b, 2)))
    }

    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn q5_0(w: &[u8], x: &[Q8Block]) -> f32 {
        row::<Q5_0_BYTES, false>(w, x, |b| {
            let d = f16_at(b, 0);
            let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
            (_mm256_or_si256(nibbles(b[6..].as_ptr()), fifth_bits(qh)), d, -16.0 * d)
        })
    }

    /// Signed weights: `maddubs` needs an unsigned operand, so multiply |w| by p·sign(w).
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn q8_0(w: &[u8], x: &[Q8Block]) -> f32 {
        let mut acc = _mm256_setzero_ps();
        let (blocks, _) = w.as_chunks::<Q8_0_BYTES>();
        for (b, xb) in blocks.iter().zip(x) {
            prefetch_ahead(b);
            // SAFETY: bytes 2..34 of the 34-byte block, and the 32 activation bytes.
            let (q, p) = unsafe { (load(b.as_ptr().add(2)), load(xb.qs.as_ptr())) };
            let pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(p, q));
            let sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(f16_at(b, 0) * xb.d), sums, acc);
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
        for ty in [GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q8_0] {
            match kernel(ty) {
                Some(row_dot) => check_fused_row(ty, 7 * 32, crate::quant::q8::quantize_into, row_dot),
                None => eprintln!("no fused {ty} kernel on this CPU"),
            }
        }
    }
}
