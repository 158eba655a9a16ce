//! GGML tensor types and dequantization.
//!
//! GGUF stores each tensor as a run of fixed-size blocks; this module knows every block layout
//! llama.cpp defines (for sizing) and decodes the common ones to `f32`. The decoders reproduce
//! the reference dequantizers bit for bit: each one multiplies and adds in the same order as
//! llama.cpp / gguf-py, so golden vectors can be compared with `f32::to_bits`.
//!
//! Everything here is single-threaded and allocation-free; a caller that wants parallelism can
//! split a tensor on block boundaries (see [`GgmlType::block_len`]) and call [`dequantize`] on
//! each piece.

use std::fmt;

mod float;
mod fp4;
mod int_dot;
mod iq;
mod k_dot;
mod k_quants;
mod legacy;
mod legacy_dot;
mod matmul;
mod q8;
mod ternary;
mod unpack;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use matmul::{BlockBytes, QuantMatrix};
// For the GPU block layouts (model::gpu_quant), which repack and transcode GGUF blocks.
pub(crate) use float::f16_bits_to_f32;
pub(crate) use fp4::{E8M0_HALF, UE4M3_HALF};
pub(crate) use iq::KVALUES as IQ4_KVALUES;

#[cfg(test)]
mod tests;

/// GGML tensor element types as numbered in GGUF (`enum ggml_type` in llama.cpp's `ggml.h`).
///
/// Ids 4, 5 and 31..=33, 36..=38 belonged to layouts llama.cpp has since removed; they are not
/// representable here, so [`GgmlType::from_id`] rejects them.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GgmlType {
    /// 32-bit IEEE float.
    F32,
    /// 16-bit IEEE half float.
    F16,
    /// 4-bit, blocks of 32 with an f16 scale (4.5 bits per weight).
    Q4_0,
    /// 4-bit, blocks of 32 with an f16 scale and minimum (5 bits per weight).
    Q4_1,
    /// 5-bit, blocks of 32 with an f16 scale (5.5 bits per weight).
    Q5_0,
    /// 5-bit, blocks of 32 with an f16 scale and minimum (6 bits per weight).
    Q5_1,
    /// 8-bit, blocks of 32 with an f16 scale (8.5 bits per weight).
    Q8_0,
    /// 8-bit, blocks of 32 with an f16 scale and sum; a matmul scratch format, not decoded here.
    Q8_1,
    /// 2-bit k-quant, 256-element super-blocks (2.625 bits per weight).
    Q2K,
    /// 3-bit k-quant, 256-element super-blocks (3.4375 bits per weight).
    Q3K,
    /// 4-bit k-quant, 256-element super-blocks (4.5 bits per weight).
    Q4K,
    /// 5-bit k-quant, 256-element super-blocks (5.5 bits per weight).
    Q5K,
    /// 6-bit k-quant, 256-element super-blocks (6.5625 bits per weight).
    Q6K,
    /// 8-bit k-quant with an f32 scale and block sums; the activation format of k-quant dot products.
    Q8K,
    /// 2-bit i-quant (2.0625 bits per weight); sized, not decoded here.
    IQ2XXS,
    /// 2-bit i-quant (2.3125 bits per weight); sized, not decoded here.
    IQ2XS,
    /// 3-bit i-quant (3.0625 bits per weight); sized, not decoded here.
    IQ3XXS,
    /// 1-bit i-quant (1.5625 bits per weight); sized, not decoded here.
    IQ1S,
    /// 4-bit non-linear codebook, blocks of 32 with an f16 scale (4.5 bits per weight).
    IQ4NL,
    /// 3-bit i-quant (3.4375 bits per weight); sized, not decoded here.
    IQ3S,
    /// 2-bit i-quant (2.5625 bits per weight); sized, not decoded here.
    IQ2S,
    /// 4-bit non-linear codebook, 256-element super-blocks with 6-bit scales (4.25 bits per weight).
    IQ4XS,
    /// Signed 8-bit integer; not decoded here.
    I8,
    /// Signed 16-bit integer; not decoded here.
    I16,
    /// Signed 32-bit integer; not decoded here.
    I32,
    /// Signed 64-bit integer; not decoded here.
    I64,
    /// 64-bit IEEE float; not decoded here.
    F64,
    /// 1-bit i-quant (1.75 bits per weight); sized, not decoded here.
    IQ1M,
    /// bfloat16: the upper half of an f32.
    BF16,
    /// Ternary (-d, 0 or +d), five trits to a byte (1.6875 bits per weight).
    TQ1_0,
    /// Ternary (-d, 0 or +d), two bits per weight plus an f16 scale (2.0625 bits per weight).
    TQ2_0,
    /// 4-bit float (E2M1), blocks of 32 with an E8M0 scale (4.25 bits per weight).
    MXFP4,
    /// 4-bit float (E2M1), blocks of 64 with a UE4M3 scale per 16 elements (4.5 bits per weight).
    NVFP4,
    /// 1-bit, blocks of 128 in 18 bytes (1.125 bits per weight); sized, not decoded here.
    Q1_0,
}

/// Per-type constants, kept in one table so ids, names and sizes cannot drift apart.
struct Traits {
    id: u32,
    name: &'static str,
    block_len: usize,
    block_bytes: usize,
}

const fn traits(id: u32, name: &'static str, block_len: usize, block_bytes: usize) -> Traits {
    Traits { id, name, block_len, block_bytes }
}

/// Elements in a k-quant / i-quant super-block.
pub(crate) const QK_K: usize = 256;

impl GgmlType {
    /// Every type, in id order.
    pub const ALL: [GgmlType; 34] = [
        Self::F32,
        Self::F16,
        Self::Q4_0,
        Self::Q4_1,
        Self::Q5_0,
        Self::Q5_1,
        Self::Q8_0,
        Self::Q8_1,
        Self::Q2K,
        Self::Q3K,
        Self::Q4K,
        Self::Q5K,
        Self::Q6K,
        Self::Q8K,
        Self::IQ2XXS,
        Self::IQ2XS,
        Self::IQ3XXS,
        Self::IQ1S,
        Self::IQ4NL,
        Self::IQ3S,
        Self::IQ2S,
        Self::IQ4XS,
        Self::I8,
        Self::I16,
        Self::I32,
        Self::I64,
        Self::F64,
        Self::IQ1M,
        Self::BF16,
        Self::TQ1_0,
        Self::TQ2_0,
        Self::MXFP4,
        Self::NVFP4,
        Self::Q1_0,
    ];

    const fn traits(self) -> Traits {
        use GgmlType::*;
        // Sizes of the types this module decodes come from the decoders' own constants, so a
        // layout and its table entry are defined once.
        match self {
            F32 => traits(0, "F32", 1, 4),
            F16 => traits(1, "F16", 1, 2),
            Q4_0 => traits(2, "Q4_0", legacy::QK, legacy::Q4_0_BYTES),
            Q4_1 => traits(3, "Q4_1", legacy::QK, legacy::Q4_1_BYTES),
            Q5_0 => traits(6, "Q5_0", legacy::QK, legacy::Q5_0_BYTES),
            Q5_1 => traits(7, "Q5_1", legacy::QK, legacy::Q5_1_BYTES),
            Q8_0 => traits(8, "Q8_0", legacy::QK, legacy::Q8_0_BYTES),
            // ggml's block_q8_1 is two f16 (d, sum) + 32 i8 = 36 bytes. gguf-py's table still says
            // 40 (an older f32 layout); Q8_1 is a matmul scratch format never written to files.
            Q8_1 => traits(9, "Q8_1", 32, 2 + 2 + 32),
            Q2K => traits(10, "Q2_K", QK_K, k_quants::Q2K_BYTES),
            Q3K => traits(11, "Q3_K", QK_K, k_quants::Q3K_BYTES),
            Q4K => traits(12, "Q4_K", QK_K, k_quants::Q4K_BYTES),
            Q5K => traits(13, "Q5_K", QK_K, k_quants::Q5K_BYTES),
            Q6K => traits(14, "Q6_K", QK_K, k_quants::Q6K_BYTES),
            Q8K => traits(15, "Q8_K", QK_K, k_quants::Q8K_BYTES),
            IQ2XXS => traits(16, "IQ2_XXS", QK_K, 2 + QK_K / 4),
            IQ2XS => traits(17, "IQ2_XS", QK_K, 2 + QK_K / 4 + QK_K / 32),
            IQ3XXS => traits(18, "IQ3_XXS", QK_K, 2 + QK_K / 4 + QK_K / 8),
            IQ1S => traits(19, "IQ1_S", QK_K, 2 + QK_K / 8 + QK_K / 16),
            IQ4NL => traits(20, "IQ4_NL", iq::QK4_NL, iq::IQ4NL_BYTES),
            IQ3S => traits(21, "IQ3_S", QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4),
            IQ2S => traits(22, "IQ2_S", QK_K, 2 + QK_K / 4 + QK_K / 16),
            IQ4XS => traits(23, "IQ4_XS", QK_K, iq::IQ4XS_BYTES),
            I8 => traits(24, "I8", 1, 1),
            I16 => traits(25, "I16", 1, 2),
            I32 => traits(26, "I32", 1, 4),
            I64 => traits(27, "I64", 1, 8),
            F64 => traits(28, "F64", 1, 8),
            IQ1M => traits(29, "IQ1_M", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32),
            BF16 => traits(30, "BF16", 1, 2),
            TQ1_0 => traits(34, "TQ1_0", QK_K, ternary::TQ1_0_BYTES),
            TQ2_0 => traits(35, "TQ2_0", QK_K, ternary::TQ2_0_BYTES),
            MXFP4 => traits(39, "MXFP4", fp4::QK_MXFP4, fp4::MXFP4_BYTES),
            NVFP4 => traits(40, "NVFP4", fp4::QK_NVFP4, fp4::NVFP4_BYTES),
            Q1_0 => traits(41, "Q1_0", 128, 2 + 128 / 8),
        }
    }

    /// The type with GGUF id `id`, or `None` for ids that are unknown or retired.
    pub fn from_id(id: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.id() == id)
    }

    /// The GGUF id (`ggml_type` value).
    pub fn id(self) -> u32 {
        self.traits().id
    }

    /// The name gguf-py and llama.cpp's tools print: `"F32"`, `"Q4_K"`, `"IQ4_NL"`, ...
    pub fn name(self) -> &'static str {
        self.traits().name
    }

    /// Elements per block (1 for the plain float and integer types).
    pub fn block_len(self) -> usize {
        self.traits().block_len
    }

    /// Bytes per block.
    pub fn block_bytes(self) -> usize {
        self.traits().block_bytes
    }

    /// Whether [`dequantize`] decodes this type.
    pub fn can_dequantize(self) -> bool {
        use GgmlType::*;
        matches!(
            self,
            F32 | F16
                | BF16
                | Q4_0
                | Q4_1
                | Q5_0
                | Q5_1
                | Q8_0
                | Q2K
                | Q3K
                | Q4K
                | Q5K
                | Q6K
                | Q8K
                | IQ4NL
                | IQ4XS
                | TQ1_0
                | TQ2_0
                | MXFP4
                | NVFP4
        )
    }

    /// Bytes for `n` elements; `None` if `n` is not a multiple of [`block_len`](Self::block_len)
    /// or the size overflows `u64`.
    pub fn bytes_for(self, n: u64) -> Option<u64> {
        let t = self.traits();
        let block_len = t.block_len as u64;
        if !n.is_multiple_of(block_len) {
            return None;
        }
        (n / block_len).checked_mul(t.block_bytes as u64)
    }
}

impl fmt::Display for GgmlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why GGML blocks could not be decoded or wrapped as a matrix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantError {
    /// The type has no decoder here (see [`GgmlType::can_dequantize`]).
    #[error("dequantizing {0} tensors is not supported")]
    Unsupported(GgmlType),
    /// An element count is not a whole number of blocks.
    #[error("{ty}: {elements} elements is not a whole number of {block_len}-element blocks")]
    NotBlockMultiple {
        /// The block format.
        ty: GgmlType,
        /// The element count asked for.
        elements: usize,
        /// Elements per block of `ty`.
        block_len: usize,
    },
    /// The data is not the size the element count needs.
    #[error("{ty}: {elements} elements need {expected} bytes, got {actual}")]
    BadLength {
        /// The block format.
        ty: GgmlType,
        /// Elements the data should hold.
        elements: usize,
        /// Bytes those elements take.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
}

/// Dequantizes `data` (exactly `ty.bytes_for(out.len())` bytes) into `out`.
///
/// `out.len()` must be a multiple of `ty.block_len()`. Nothing is written on error.
pub fn dequantize(ty: GgmlType, data: &[u8], out: &mut [f32]) -> Result<(), QuantError> {
    if !ty.can_dequantize() {
        return Err(QuantError::Unsupported(ty));
    }
    let elements = out.len();
    let block_len = ty.block_len();
    if !elements.is_multiple_of(block_len) {
        return Err(QuantError::NotBlockMultiple { ty, elements, block_len });
    }
    // Overflow here would need an `out` larger than memory; report it as a mismatch anyway.
    let expected = (elements / block_len).checked_mul(ty.block_bytes());
    if expected != Some(data.len()) {
        return Err(QuantError::BadLength { ty, elements, expected: expected.unwrap_or(usize::MAX), actual: data.len() });
    }

    use GgmlType::*;
    match ty {
        F32 => float::f32_le(data, out),
        F16 => float::f16_le(data, out),
        BF16 => float::bf16_le(data, out),
        Q4_0 => legacy::q4_0(data, out),
        Q4_1 => legacy::q4_1(data, out),
        Q5_0 => legacy::q5_0(data, out),
        Q5_1 => legacy::q5_1(data, out),
        Q8_0 => legacy::q8_0(data, out),
        Q2K => k_quants::q2_k(data, out),
        Q3K => k_quants::q3_k(data, out),
        Q4K => k_quants::q4_k(data, out),
        Q5K => k_quants::q5_k(data, out),
        Q6K => k_quants::q6_k(data, out),
        Q8K => k_quants::q8_k(data, out),
        IQ4NL => iq::iq4_nl(data, out),
        IQ4XS => iq::iq4_xs(data, out),
        TQ1_0 => ternary::tq1_0(data, out),
        TQ2_0 => ternary::tq2_0(data, out),
        MXFP4 => fp4::mxfp4(data, out),
        NVFP4 => fp4::nvfp4(data, out),
        Q8_1 | IQ2XXS | IQ2XS | IQ3XXS | IQ1S | IQ3S | IQ2S | I8 | I16 | I32 | I64 | F64 | IQ1M | Q1_0 => {
            return Err(QuantError::Unsupported(ty))
        }
    }
    Ok(())
}

/// Runs `f` over each `B`-byte block of `data` and the matching `N`-element slot of `out`
/// (decoded values, or [`unpack`]'s integer groups).
///
/// Fixed-size arrays let the compiler drop bounds checks inside the block decoders. Callers
/// have already checked that `data` and `out` hold the same number of whole blocks.
#[inline(always)]
fn for_blocks<const B: usize, const N: usize, T>(data: &[u8], out: &mut [T], mut f: impl FnMut(&[u8; B], &mut [T; N])) {
    let (blocks, _) = data.as_chunks::<B>();
    let (slots, _) = out.as_chunks_mut::<N>();
    for (block, slot) in blocks.iter().zip(slots) {
        f(block, slot);
    }
}

/// Little-endian f16 at `b[i..i + 2]`, widened exactly to f32.
#[inline(always)]
fn f16_at(b: &[u8], i: usize) -> f32 {
    float::f16_bits_to_f32(u16::from_le_bytes([b[i], b[i + 1]]))
}
