//! Dot products of unpacked weight groups with 8-bit activations.
//!
//! For a group `w = s·q + m` and activations `x = d·p`, each 16-value half contributes
//! `s·d·Σ q·p + m·(d·Σ p)`: the inner sum is integer math (byte multiplies, 32 per AVX2
//! instruction), the second term is precomputed per activation block. This is what lets the
//! decode kernel keep pace with memory instead of converting every weight to f32.

use super::q8::Q8Block;
use super::unpack::{Group, Signedness};

/// `Σ w·x` over `groups.len()` groups of 32 values.
#[inline]
pub(crate) fn dot(groups: &[Group], x: &[Q8Block], signedness: Signedness) -> f32 {
    debug_assert_eq!(groups.len(), x.len());
    #[cfg(target_arch = "x86_64")]
    if super::x86::detected() {
        // SAFETY: the features these functions are compiled for were just detected.
        return unsafe {
            match signedness {
                Signedness::Unsigned => avx2::dot::<false>(groups, x),
                Signedness::Signed => avx2::dot::<true>(groups, x),
            }
        };
    }
    match signedness {
        Signedness::Unsigned => dot_portable::<false>(groups, x),
        Signedness::Signed => dot_portable::<true>(groups, x),
    }
}

/// Plain Rust: exact integer sums per half, then the same float combination as the SIMD path.
fn dot_portable<const SIGNED: bool>(groups: &[Group], x: &[Q8Block]) -> f32 {
    let mut sum = 0f32;
    for (g, b) in groups.iter().zip(x) {
        for h in 0..2 {
            let range = 16 * h..16 * h + 16;
            let int: i32 = g.q[range.clone()]
                .iter()
                .zip(&b.qs[range])
                .map(|(&q, &p)| {
                    let q = if SIGNED { i32::from(q as i8) } else { i32::from(q) };
                    q * i32::from(p)
                })
                .sum();
            sum += g.scale[h] * b.d * int as f32 + g.offset[h] * b.half_sums[h];
        }
    }
    sum
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Group, Q8Block};
    use crate::quant::x86::{hsum, load};
    use std::arch::x86_64::*;

    /// `maddubs` multiplies unsigned by signed bytes and adds pairs into i16: with weights
    /// below 64 (or the sign trick for signed weights) no pair can saturate. `madd` with ones
    /// then leaves eight i32, lanes 0..4 from values 0..16 and 4..8 from 16..32, which meet
    /// a vector holding each half's scale.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dot<const SIGNED: bool>(groups: &[Group], x: &[Q8Block]) -> f32 {
        let ones = _mm256_set1_epi16(1);
        let mut acc = _mm256_setzero_ps();
        let mut offsets = 0f32;
        for (g, b) in groups.iter().zip(x) {
            // SAFETY: both arrays are 32 bytes.
            let (q, p) = unsafe { (load(g.q.as_ptr()), load(b.qs.as_ptr())) };
            let pairs =
                if SIGNED { _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(p, q)) } else { _mm256_maddubs_epi16(q, p) };
            let ints = _mm256_madd_epi16(pairs, ones);
            let scales = _mm256_set_m128(_mm_set1_ps(g.scale[1] * b.d), _mm_set1_ps(g.scale[0] * b.d));
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ints), scales, acc);
            offsets += g.offset[0] * b.half_sums[0] + g.offset[1] * b.half_sums[1];
        }
        hsum(acc) + offsets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(q: impl Fn(usize) -> u8, scale: [f32; 2], offset: [f32; 2]) -> Group {
        Group { q: std::array::from_fn(q), scale, offset }
    }

    fn block(p: impl Fn(usize) -> i8, d: f32) -> Q8Block {
        let qs: [i8; 32] = std::array::from_fn(p);
        let half = |r: std::ops::Range<usize>| d * qs[r].iter().map(|&v| v as f32).sum::<f32>();
        Q8Block { qs, d, half_sums: [half(0..16), half(16..32)], sum_f16: half(0..32) }
    }

    /// Straight from the definition, in f64.
    fn reference(groups: &[Group], x: &[Q8Block], signed: bool) -> f64 {
        let mut s = 0f64;
        for (g, b) in groups.iter().zip(x) {
            for i in 0..32 {
                let q = if signed { g.q[i] as i8 as f64 } else { g.q[i] as f64 };
                let w = g.scale[i / 16] as f64 * q + g.offset[i / 16] as f64;
                s += w * (b.d as f64 * b.qs[i] as f64);
            }
        }
        s
    }

    #[test]
    fn matches_the_definition_at_the_extremes_of_every_range() {
        // Largest unsigned quants (6 bits) against ±127, and signed -128 against -127: the
        // cases where a byte-pair sum could saturate.
        let cases = [
            (group(|i| 63 - (i % 2) as u8, [0.5, -0.25], [-16.0, 8.0]), block(|i| if i % 3 == 0 { -127 } else { 127 }, 0.01), false),
            (group(|i| (i * 7 % 16) as u8, [1.0, 1.0], [0.5, 0.5]), block(|i| (i as i8) * 4 - 60, 0.1), false),
            (
                group(|i| if i % 2 == 0 { 0x80 } else { 0x7F }, [0.1, 0.2], [0.0, 0.0]),
                block(|i| if i < 16 { -127 } else { 127 }, 0.5),
                true,
            ),
        ];
        for (g, b, signed) in cases {
            let groups = [g, g, g];
            let x = [b, b, b];
            let s = if signed { Signedness::Signed } else { Signedness::Unsigned };
            let want = reference(&groups, &x, signed);
            for got in [
                dot(&groups, &x, s) as f64,
                if signed { dot_portable::<true>(&groups, &x) } else { dot_portable::<false>(&groups, &x) } as f64,
            ] {
                assert!((got - want).abs() <= 1e-4 * (1.0 + want.abs()), "{got} vs {want}");
            }
        }
    }
}
