//! Matrix products straight from GGUF blocks on the CPU.
//!
//! Decoding one token reads every weight once, so on the CPU its speed is the memory
//! bandwidth divided by the bytes per weight: f32 copies of Q4_K weights are 7× the bytes.
//! [`QuantMatrix`] keeps the file's blocks and multiplies from them directly, the way
//! llama.cpp's CPU backend does:
//!
//! - formats with an integer form (the legacy and k-quants) round the activations to 8 bits
//!   and use integer dot products: fused per-format kernels where the CPU has them
//!   ([`super::k_dot`]), otherwise weights unpacked chunk by chunk into small integers
//!   ([`super::unpack`], [`super::int_dot`]). Every batch size takes the same path, so a
//!   prompt continued from a cached prefix sees the numbers the whole prompt would;
//! - other formats are dequantized right before use: chunk by chunk for a few activation
//!   rows, or a tile of rows at a time multiplied by the `gemm` crate for many.
use super::q8::{self, Q8_LEN};
use super::unpack::{self, Group, Signedness, Unpack};
use super::{dequantize, GgmlType, QuantError};
use super::{int_dot, k_dot, legacy_dot, QK_K};
use crate::source::SharedMemory;
use std::ops::Range;

/// Elements decoded per step of the chunked kernels: a multiple of every block length that
/// fits L1 comfortably next to the activations.
const CHUNK: usize = 256;

/// At this many activation rows and above, work shared across rows wins: the tile + gemm
/// path over dot products for float formats, and unpacking each chunk once over the fused
/// 32-value kernels (which extract every block again for each row).
const GEMM_MIN_ROWS: usize = 8;

/// Bytes of f32 weights per prefill tile: big enough to amortize a gemm call, small enough
/// to stay in L2.
const TILE_BYTES: usize = 256 << 10;

/// The bytes of a matrix's blocks: its own, or a range of memory shared with the model file.
#[derive(Clone)]
pub enum BlockBytes {
    /// Bytes the matrix owns.
    Owned(Vec<u8>),
    /// A byte range of memory shared with the source, such as a memory-mapped model file.
    Shared {
        /// The whole shared memory, kept alive for as long as the matrix.
        memory: SharedMemory,
        /// Where the matrix's bytes lie in `memory`.
        range: Range<usize>,
    },
}

impl BlockBytes {
    /// The bytes themselves.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            BlockBytes::Owned(v) => v,
            BlockBytes::Shared { memory, range } => &(**memory).as_ref()[range.clone()],
        }
    }
}

impl From<Vec<u8>> for BlockBytes {
    fn from(bytes: Vec<u8>) -> Self {
        BlockBytes::Owned(bytes)
    }
}

/// A `[rows, cols]` matrix in one of the GGML block formats, rows stored one after another.
pub struct QuantMatrix {
    ty: GgmlType,
    rows: usize,
    cols: usize,
    row_bytes: usize,
    data: BlockBytes,
}

impl std::fmt::Debug for QuantMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QuantMatrix({} [{}, {}])", self.ty, self.rows, self.cols)
    }
}

impl QuantMatrix {
    /// Whether matrices of type `ty` can be kept quantized (every type [`dequantize`] decodes).
    pub fn supports(ty: GgmlType) -> bool {
        ty.can_dequantize()
    }

    /// Wraps `data`, which must hold exactly `rows` rows of `cols` elements of type `ty`.
    pub fn new(ty: GgmlType, rows: usize, cols: usize, data: impl Into<BlockBytes>) -> Result<Self, QuantError> {
        let data = data.into();
        if !Self::supports(ty) {
            return Err(QuantError::Unsupported(ty));
        }
        let block_len = ty.block_len();
        if !cols.is_multiple_of(block_len) {
            return Err(QuantError::NotBlockMultiple { ty, elements: cols, block_len });
        }
        let row_bytes = cols / block_len * ty.block_bytes();
        let expected = row_bytes.checked_mul(rows);
        let actual = data.as_slice().len();
        if expected != Some(actual) {
            return Err(QuantError::BadLength {
                ty,
                elements: rows.saturating_mul(cols),
                expected: expected.unwrap_or(usize::MAX),
                actual,
            });
        }
        Ok(Self { ty, rows, cols, row_bytes, data })
    }

    /// The block format of the weights.
    pub fn ty(&self) -> GgmlType {
        self.ty
    }

    /// Number of rows: the outputs of [`matmul_transposed`](Self::matmul_transposed).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (elements per row), a multiple of the type's block length.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Bytes of blocks, for memory accounting.
    pub fn byte_len(&self) -> usize {
        self.rows * self.row_bytes
    }

    /// The blocks of every row, rows one after another.
    pub fn bytes(&self) -> &[u8] {
        self.data.as_slice()
    }

    fn row_data(&self, r: usize) -> &[u8] {
        &self.data.as_slice()[r * self.row_bytes..(r + 1) * self.row_bytes]
    }

    /// Reorders rows: row `i` of the result is row `source(i)` of `self` (into bytes of its own).
    pub fn permute_rows(&mut self, source: impl Fn(usize) -> usize) {
        let mut data = Vec::with_capacity(self.byte_len());
        for i in 0..self.rows {
            data.extend_from_slice(self.row_data(source(i)));
        }
        self.data = BlockBytes::Owned(data);
    }

    /// Dequantizes row `r` into `out` (`cols` elements).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        self.decode(self.row_data(r), out);
    }

    /// Decodes whole blocks; lengths were checked in [`QuantMatrix::new`].
    fn decode(&self, bytes: &[u8], out: &mut [f32]) {
        dequantize(self.ty, bytes, out).expect("block-aligned slices of a checked matrix");
    }

    /// `out = x Wᵀ`: `x` is `[n, cols]`, `out` is `[n, rows]`, both row-major.
    pub fn matmul_transposed(&self, x: &[f32], n: usize, out: &mut [f32]) {
        assert_eq!(x.len(), n * self.cols, "activations are not [n, cols]");
        assert_eq!(out.len(), n * self.rows, "output is not [n, rows]");
        // Integer kernels serve every batch size where they exist: a prompt processed in one
        // go and the same prompt continued from a cached prefix must see the same numbers
        // (up to summation order).
        let legacy_fused = legacy_dot::kernel(self.ty).filter(|_| n < GEMM_MIN_ROWS);
        if let Some(row_dot) = k_dot::kernel(self.ty) {
            self.matmul_fused(k_dot::quantize_into, QK_K, row_dot, x, n, out);
        } else if let Some(row_dot) = legacy_fused {
            self.matmul_fused(q8::quantize_into, Q8_LEN, row_dot, x, n, out);
        } else if let Some((unpack, signedness)) = unpack::unpacker(self.ty) {
            self.matmul_int(unpack, signedness, x, n, out);
        } else if n >= GEMM_MIN_ROWS {
            self.matmul_tiled(x, n, out);
        } else {
            self.matmul_dot(x, n, out);
        }
    }

    /// Formats with a fused kernel on this CPU: a whole weight row at a time (a few KiB, so
    /// it stays in L1 for every activation row). `quantize` turns activations into blocks of
    /// `block_len` values, the form `row_dot` takes.
    fn matmul_fused<A: Sync>(
        &self,
        quantize: fn(&[f32], &mut Vec<A>),
        block_len: usize,
        row_dot: fn(&[u8], &[A]) -> f32,
        x: &[f32],
        n: usize,
        out: &mut [f32],
    ) {
        let row_blocks = self.cols / block_len;
        let mut xq = Vec::with_capacity(n * row_blocks);
        quantize(x, &mut xq);
        let mut out_t = vec![0f32; self.rows * n];
        parallel_rows(&mut out_t, n, |r, sums| {
            let row = self.row_data(r);
            for (t, sum) in sums.iter_mut().enumerate() {
                *sum = row_dot(row, &xq[t * row_blocks..(t + 1) * row_blocks]);
            }
        });
        transpose_into(&out_t, self.rows, n, out);
    }

    /// Other formats with an integer form: activations are quantized to 8 bits once, then
    /// each chunk of a weight row is unpacked to small integers and dotted with every
    /// activation row while it is hot.
    fn matmul_int(&self, unpack: Unpack, signedness: Signedness, x: &[f32], n: usize, out: &mut [f32]) {
        let mut xq = Vec::with_capacity(n * self.cols / Q8_LEN);
        q8::quantize_into(x, &mut xq);
        let row_groups = self.cols / Q8_LEN;
        let chunk = CHUNK.max(self.ty.block_len());
        let chunk_bytes = chunk / self.ty.block_len() * self.ty.block_bytes();
        let mut out_t = vec![0f32; self.rows * n];
        parallel_rows(&mut out_t, n, |r, sums| {
            let mut buf = [Group::default(); CHUNK / Q8_LEN];
            let mut first = 0;
            for bytes in self.row_data(r).chunks(chunk_bytes) {
                let count = bytes.len() / self.ty.block_bytes() * self.ty.block_len() / Q8_LEN;
                let groups = &mut buf[..count];
                unpack(bytes, groups);
                for (t, sum) in sums.iter_mut().enumerate() {
                    let start = t * row_groups + first;
                    *sum += int_dot::dot(groups, &xq[start..start + count], signedness);
                }
                first += count;
            }
        });
        transpose_into(&out_t, self.rows, n, out);
    }

    /// Few activation rows, other formats: rows in parallel, each dotted chunk by chunk with
    /// the `n` activation rows.
    fn matmul_dot(&self, x: &[f32], n: usize, out: &mut [f32]) {
        // Results land transposed (`[rows, n]`) so each task owns a contiguous slice.
        let mut out_t = vec![0f32; self.rows * n];
        let chunk = CHUNK.max(self.ty.block_len());
        let chunk_bytes = chunk / self.ty.block_len() * self.ty.block_bytes();
        parallel_rows(&mut out_t, n, |r, sums| {
            let mut buf = [0f32; CHUNK];
            let row = self.row_data(r);
            let mut col = 0;
            for bytes in row.chunks(chunk_bytes) {
                let len = bytes.len() / self.ty.block_bytes() * self.ty.block_len();
                let w = &mut buf[..len];
                self.decode(bytes, w);
                for (t, sum) in sums.iter_mut().enumerate() {
                    *sum += dot(w, &x[t * self.cols + col..t * self.cols + col + len]);
                }
                col += len;
            }
        });
        transpose_into(&out_t, self.rows, n, out);
    }

    /// Many activation rows, other formats: tiles of rows are dequantized once and multiplied
    /// with all activations.
    fn matmul_tiled(&self, x: &[f32], n: usize, out: &mut [f32]) {
        let tile_rows = (TILE_BYTES / 4 / self.cols).clamp(1, self.rows);
        let mut out_t = vec![0f32; self.rows * n];
        parallel_tiles(&mut out_t, tile_rows * n, |tile, sums| {
            let first = tile * tile_rows;
            let count = sums.len() / n;
            let mut w = vec![0f32; count * self.cols];
            for (i, dst) in w.chunks_exact_mut(self.cols).enumerate() {
                self.dequantize_row(first + i, dst);
            }
            // sums[i, t] = Σ_k w[i, k] · x[t, k]: w is [count, cols], xᵀ is [cols, n].
            // SAFETY: every pointer covers the extent its dims and strides describe.
            unsafe {
                gemm::gemm(
                    count,
                    n,
                    self.cols,
                    sums.as_mut_ptr(),
                    1,
                    n as isize,
                    false,
                    w.as_ptr(),
                    1,
                    self.cols as isize,
                    x.as_ptr(),
                    self.cols as isize,
                    1,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                );
            }
        });
        transpose_into(&out_t, self.rows, n, out);
    }
}

/// Σ a·b, with fused multiply-adds on CPUs that have them (checked once per call, which is
/// a cached load) so the binary still runs on any x86-64.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the features this function is compiled for were just detected.
        return unsafe { dot_avx2_fma(a, b) };
    }
    dot_lanes::<false>(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_avx2_fma(a: &[f32], b: &[f32]) -> f32 {
    dot_lanes::<true>(a, b)
}

/// Independent accumulators let the loop vectorize; `FUSED` uses `mul_add`, which is one
/// instruction with FMA and a slow library call without it.
#[inline(always)]
fn dot_lanes<const FUSED: bool>(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut acc = [0f32; LANES];
    let (a_chunks, a_tail) = a.as_chunks::<LANES>();
    let (b_chunks, b_tail) = b.as_chunks::<LANES>();
    for (ca, cb) in a_chunks.iter().zip(b_chunks) {
        for i in 0..LANES {
            acc[i] = if FUSED { ca[i].mul_add(cb[i], acc[i]) } else { acc[i] + ca[i] * cb[i] };
        }
    }
    let tail: f32 = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// `out[c, r] = src[r, c]` for `src: [rows, cols]`.
fn transpose_into(src: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    if cols == 1 {
        out.copy_from_slice(src);
        return;
    }
    for (r, row) in src.chunks_exact(cols).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            out[c * rows + r] = v;
        }
    }
}

/// Runs `f(row, sums)` for every row of `out: [rows, n]`, in parallel where threads exist.
fn parallel_rows(out: &mut [f32], n: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(n).enumerate().with_min_len(16).for_each(|(r, sums)| f(r, sums));
    }
    #[cfg(target_arch = "wasm32")]
    out.chunks_mut(n).enumerate().for_each(|(r, sums)| f(r, sums));
}

/// Runs `f(tile, slice)` for every `tile_len`-element tile of `out`, in parallel where
/// threads exist.
fn parallel_tiles(out: &mut [f32], tile_len: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(tile_len).enumerate().for_each(|(t, tile)| f(t, tile));
    }
    #[cfg(target_arch = "wasm32")]
    out.chunks_mut(tile_len).enumerate().for_each(|(t, tile)| f(t, tile));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::tests::{exact_activations, random_blocks};

    fn matrix(ty: GgmlType, rows: usize, cols: usize) -> QuantMatrix {
        QuantMatrix::new(ty, rows, cols, random_blocks(ty, rows * cols, 7)).unwrap()
    }

    fn reference(m: &QuantMatrix, x: &[f32], n: usize) -> Vec<f32> {
        let mut w = vec![0f32; m.cols];
        let mut out = vec![0f32; n * m.rows];
        for r in 0..m.rows {
            m.dequantize_row(r, &mut w);
            for t in 0..n {
                let xt = &x[t * m.cols..(t + 1) * m.cols];
                out[t * m.rows + r] = w.iter().zip(xt).map(|(a, b)| (*a as f64 * *b as f64) as f32).sum();
            }
        }
        out
    }

    /// Activations that 8-bit quantization keeps exact, so every path must match the f32
    /// reference up to summation order.
    fn check(ty: GgmlType, rows: usize, cols: usize, n: usize) {
        let m = matrix(ty, rows, cols);
        let x = exact_activations(n * cols, 3);
        let mut out = vec![0f32; n * rows];
        m.matmul_transposed(&x, n, &mut out);
        let want = reference(&m, &x, n);
        for (i, (a, b)) in out.iter().zip(&want).enumerate() {
            assert!((a - b).abs() <= 1e-3 * (1.0 + b.abs()), "{ty} n={n} at {i}: {a} vs {b}");
        }
    }

    #[test]
    fn matches_dequantized_reference_for_decode_and_prefill() {
        use GgmlType::*;
        for ty in [Q2K, Q3K, Q4K, Q5K, Q6K, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4NL, F16] {
            // 768 columns: three k-quant super-blocks, not a multiple of CHUNK for 32-blocks.
            for n in [1, 3, GEMM_MIN_ROWS, 19] {
                check(ty, 37, 768, n);
            }
        }
        check(GgmlType::Q8_0, 5, 96, 2); // a row shorter than one chunk
    }

    #[test]
    fn permute_rows_moves_whole_rows() {
        let mut m = matrix(GgmlType::Q8_0, 4, 64);
        let mut before = vec![vec![0f32; 64]; 4];
        for (r, row) in before.iter_mut().enumerate() {
            m.dequantize_row(r, row);
        }
        m.permute_rows(|i| [2, 0, 3, 1][i]);
        let mut row = vec![0f32; 64];
        m.dequantize_row(0, &mut row);
        assert_eq!(row, before[2]);
        m.dequantize_row(3, &mut row);
        assert_eq!(row, before[1]);
    }

    #[test]
    fn rejects_wrong_lengths_and_unaligned_rows() {
        assert!(QuantMatrix::new(GgmlType::Q4K, 2, 256, vec![0; 10]).is_err());
        assert!(QuantMatrix::new(GgmlType::Q4K, 2, 100, vec![]).is_err());
        assert!(QuantMatrix::new(GgmlType::IQ2XXS, 1, 256, vec![0; 66]).is_err());
    }
}
