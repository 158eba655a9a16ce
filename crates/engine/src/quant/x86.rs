//! Small AVX2 helpers shared by the fused kernels ([`super::k_dot`], [`super::legacy_dot`]).

use std::arch::x86_64::*;

/// Bytes ahead of the current block that the kernels prefetch: the hardware prefetcher alone
/// leaves a core at about half of its streaming bandwidth with this much work per byte.
const PREFETCH_BYTES: usize = 4096;

/// Whether this CPU runs the fused kernels (AVX2 with FMA and F16C: x86-64-v3).
pub(super) fn detected() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("f16c")
}

/// Little-endian f16 at `b[i..i + 2]`, widened (exactly) by the F16C instruction.
#[target_feature(enable = "avx2,f16c")]
#[inline]
pub(super) fn f16_at(b: &[u8], i: usize) -> f32 {
    let bits = i32::from(u16::from_le_bytes([b[i], b[i + 1]]));
    _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(bits)))
}

/// 32 bytes from `p`. `lddqu` rather than `loadu`: the same instruction on current CPUs, but
/// std implements `loadu` with a `copy_nonoverlapping` whose debug-build overlap check halves
/// the kernels' speed in the (optimized, debug-asserted) dev profile.
///
/// # Safety
/// `p` must point to 32 readable bytes (callers index fixed-size blocks by constants).
#[inline(always)]
pub(super) unsafe fn load<T>(p: *const T) -> __m256i {
    // SAFETY: the caller guarantees 32 readable bytes; lddqu needs no alignment.
    unsafe { _mm256_lddqu_si256(p.cast()) }
}

/// Asks for the weights [`PREFETCH_BYTES`] ahead of `block`, past the row's end too: rows
/// are stored one after another, and a prefetch never faults.
#[inline(always)]
pub(super) fn prefetch_ahead<const N: usize>(block: &[u8; N]) {
    let ahead = block.as_ptr().wrapping_add(PREFETCH_BYTES);
    for line in 0..N.div_ceil(64) {
        // SAFETY: prefetching is a hint; any address is allowed.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(64 * line).cast()) };
    }
}

/// The sum of the eight lanes.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn hsum(v: __m256) -> f32 {
    let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
    _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps(pair, pair, 1)))
}
