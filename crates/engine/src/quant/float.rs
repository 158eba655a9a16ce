//! Unquantized float tensors: F32, F16, BF16 (all little-endian in GGUF).

/// Copies bit patterns, so NaN payloads survive untouched.
pub(super) fn f32_le(data: &[u8], out: &mut [f32]) {
    let (words, _) = data.as_chunks::<4>();
    for (w, y) in words.iter().zip(out.iter_mut()) {
        *y = f32::from_le_bytes(*w);
    }
}

/// f16 -> f32 widening is exact. Done with integer ops and one multiply instead of
/// `half::f16::to_f32` per element, so the loop vectorizes
/// (about twice as fast on x86-64 as per-element `half` calls).
pub(super) fn f16_le(data: &[u8], out: &mut [f32]) {
    let (halves, _) = data.as_chunks::<2>();
    for (h, y) in halves.iter().zip(out.iter_mut()) {
        *y = f16_bits_to_f32(u16::from_le_bytes(*h));
    }
}

/// Moves the f16 exponent and mantissa into an f32's low bits and rescales by 2^112 (the
/// exponent bias difference); the product is exact for normals and subnormals alike. Inf and
/// NaN get the f32 all-ones exponent; NaNs come out quiet with their payload, as F16C does.
#[inline(always)]
pub(crate) fn f16_bits_to_f32(h: u16) -> f32 {
    const REBIAS: f32 = f32::from_bits((127 + 112) << 23); // 2^112
    let sign = u32::from(h & 0x8000) << 16;
    let magnitude = u32::from(h & 0x7FFF) << 13;
    let bits = if magnitude > 0x7C00 << 13 {
        magnitude | 0x7FC0_0000
    } else if magnitude == 0x7C00 << 13 {
        0x7F80_0000
    } else {
        (f32::from_bits(magnitude) * REBIAS).to_bits()
    };
    f32::from_bits(sign | bits)
}

/// bf16 is the top half of an f32, so widening is a shift.
pub(super) fn bf16_le(data: &[u8], out: &mut [f32]) {
    let (halves, _) = data.as_chunks::<2>();
    for (h, y) in halves.iter().zip(out.iter_mut()) {
        *y = f32::from_bits(u32::from(u16::from_le_bytes(*h)) << 16);
    }
}
