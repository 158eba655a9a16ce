//! Activations quantized to 8 bits, so quantized weights can be dotted with integer math.
//!
//! Each run of 32 values gets its own scale (`x ≈ d * q`, `q` in -127..=127, `d` an f16 value
//! as in llama.cpp's Q8_0 blocks); the per-half sums let weight formats with an offset
//! (`w = s*q + m`) add `m * Σx` without touching the values again.

/// Values per activation block: the smallest block length of the weight formats.
pub(crate) const Q8_LEN: usize = 32;

/// 32 activations as `d * qs[i]`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub(crate) struct Q8Block {
    pub qs: [i8; Q8_LEN],
    pub d: f32,
    /// `d * Σ qs` over elements 0..16 and 16..32: the dequantized sums of each half.
    pub half_sums: [f32; 2],
    /// The whole block's sum as llama.cpp's Q8_1 `s` holds it (unrounded scale, f16 result),
    /// for the formats with an offset per block (Q4_1, Q5_1).
    pub sum_f16: f32,
}

/// Quantizes `x` (a multiple of 32 values) into `out`, one block per 32 values.
pub(crate) fn quantize_into(x: &[f32], out: &mut Vec<Q8Block>) {
    debug_assert!(x.len().is_multiple_of(Q8_LEN));
    let (runs, _) = x.as_chunks::<Q8_LEN>();
    out.extend(runs.iter().map(quantize_block));
}

fn quantize_block(x: &[f32; Q8_LEN]) -> Q8Block {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let exact = amax / 127.0;
    let inv = if exact > 0.0 { 1.0 / exact } else { 0.0 };
    let mut qs = [0i8; Q8_LEN];
    for (q, v) in qs.iter_mut().zip(x) {
        // |v * inv| <= 127 by construction; NaN activations become 0 rather than UB.
        *q = (v * inv).round_ties_even() as i8;
    }
    // llama.cpp stores this scale as f16 (its Q8_0/Q8_1 blocks); rounding it the same way
    // keeps our logits within its own noise rather than merely close to the exact product.
    let d = half::f16::from_f32(exact).to_f32();
    let int_sum = |h: &[i8]| h.iter().map(|&q| i32::from(q)).sum::<i32>() as f32;
    let half_sums = [d * int_sum(&qs[..16]), d * int_sum(&qs[16..])];
    let sum_f16 = half::f16::from_f32(exact * int_sum(&qs)).to_f32();
    Q8Block { qs, d, half_sums, sum_f16 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_within_half_a_step() {
        let x: Vec<f32> = (0..64).map(|i| ((i * 37 % 29) as f32 - 14.0) / 3.0).collect();
        let mut blocks = Vec::new();
        quantize_into(&x, &mut blocks);
        assert_eq!(blocks.len(), 2);
        for (b, run) in blocks.iter().zip(x.chunks(32)) {
            for (&q, &v) in b.qs.iter().zip(run) {
                // Half a step, plus the f16 rounding of the scale (2⁻¹¹ relative).
                assert!((b.d * f32::from(q) - v).abs() <= b.d / 2.0 + v.abs() / 2048.0 + 1e-6);
            }
            let sum: f32 = run[..16].iter().sum();
            assert!((b.half_sums[0] - sum).abs() <= 16.0 * b.d);
            assert_eq!(b.d, half::f16::from_f32(b.d).to_f32(), "the scale is an f16 value");
        }
    }

    #[test]
    fn zero_and_non_finite_runs_quantize_to_zero() {
        let mut blocks = Vec::new();
        quantize_into(&[0.0; 32], &mut blocks);
        assert_eq!(blocks[0].qs, [0; 32]);
        assert_eq!(blocks[0].d, 0.0);
        let mut nan = [1.0f32; 32];
        nan[3] = f32::NAN;
        quantize_into(&nan, &mut blocks);
        assert!(blocks[1].qs.iter().all(|&q| q == 127 || q == 0));
    }
}
