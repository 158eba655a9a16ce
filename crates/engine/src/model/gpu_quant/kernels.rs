//! The kernels over quantized blocks and the Burn backend extension that launches them.
//!
//! - `quant_matmul_few`: `x Wᵀ` for up to [`MAX_FEW_ROWS`] activation rows, what every decoding
//!   step is made of. A workgroup of [`THREADS`] owns several output rows; the `lanes` threads
//!   of each row split its chunks, decode each chunk once in registers for all activation rows,
//!   and sum their partial products through shared memory (the browser has no subgroups).
//!   GPUs want 32 lanes per row (reads side by side, enough threads in flight); CPU-emulated
//!   ones (lavapipe, SwiftShader) run a workgroup as loops over 8-wide SIMD, where 8 lanes per
//!   row measured fastest (1 lane: 2.3-3.5× slower, 32: 1.6-1.8×) ([`LanesPerRow`]).
//! - `dequantize_rows`: a range of rows to f32, one thread per chunk: prefill multiplies such a
//!   tile with Burn's tiled matmul, then drops it (Burn's pool hands the buffer to the next one).
//! - `gather_rows`: rows picked by id to f32: the embedding lookup.

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{backend_extension, Backend};
use burn::tensor::{DType, Shape};
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::CubeBackend;
use cubecl::prelude::{CubeCount, CubeDim};

use super::super::few_rows::cube_count;
use super::layout::{BlockFormat, CHUNK};

/// Most activation rows `quant_matmul_few` takes; more go through dequantized tiles.
pub const MAX_FEW_ROWS: usize = 8;
/// Threads per workgroup of `quant_matmul_few`.
const THREADS: usize = 128;

/// Threads splitting one output row of `quant_matmul_few`: 32 on GPUs, 8 on CPU-emulated ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LanesPerRow(pub usize);

impl LanesPerRow {
    /// For hardware GPUs.
    pub const GPU: Self = Self(32);
    /// For CPU-emulated adapters.
    pub const EMULATED: Self = Self(8);
}
/// Threads per workgroup of the dequantizing kernels.
const CUBE_SIZE: usize = 64;

#[backend_extension(Cube, Fusion)]
pub trait QuantOps: Backend {
    /// `[n, cols] × [rows, cols]ᵀ → [n, rows]` with `W` in `blocks`, for `n ≤ MAX_FEW_ROWS`.
    #[fusion(dtype = x, shape = Shape::new([x[0], *rows]))]
    fn quant_matmul_few(
        x: FloatTensor<Self>,
        blocks: IntTensor<Self>,
        rows: usize,
        lanes: LanesPerRow,
        format: BlockFormat,
    ) -> FloatTensor<Self>;

    /// Rows `first..first + rows` of the `[_, cols]` matrix in `blocks`, as f32.
    #[fusion(dtype = DType::F32, shape = Shape::new([*rows, *cols]))]
    fn quant_dequantize(blocks: IntTensor<Self>, first: usize, rows: usize, cols: usize, format: BlockFormat) -> FloatTensor<Self>;

    /// The rows `ids` (u32) of the `[_, cols]` matrix in `blocks`, in order, as f32.
    #[fusion(dtype = DType::F32, shape = Shape::new([ids[0], *cols]))]
    fn quant_gather(blocks: IntTensor<Self>, ids: IntTensor<Self>, cols: usize, format: BlockFormat) -> FloatTensor<Self>;
}

/// An f32 `[rows, cols]` output beside `blocks`, and a grid of one thread per chunk of it.
fn chunk_grid(blocks: &IntTensor<CubeBackend>, rows: usize, cols: usize) -> (FloatTensor<CubeBackend>, CubeCount, CubeDim) {
    let out = empty_device_dtype(blocks.client.clone(), blocks.device.clone(), Shape::new([rows, cols]), DType::F32);
    let chunks = rows * cols / CHUNK;
    (out, cube_count(chunks.div_ceil(CUBE_SIZE)), CubeDim::new_1d(CUBE_SIZE as u32))
}

impl QuantOps for CubeBackend {
    fn quant_matmul_few(
        x: FloatTensor<Self>,
        blocks: IntTensor<Self>,
        rows: usize,
        lanes: LanesPerRow,
        format: BlockFormat,
    ) -> FloatTensor<Self> {
        let x = burn_cubecl::kernel::into_contiguous(x);
        let n = x.meta.shape()[0];
        assert!(n <= MAX_FEW_ROWS, "quant_matmul_few takes at most {MAX_FEW_ROWS} rows, got {n}");
        let out = empty_device_dtype(x.client.clone(), x.device.clone(), Shape::new([n, rows]), DType::F32);
        let lanes = lanes.0;
        assert!(lanes.is_power_of_two() && lanes <= 32 && (lanes == 1 || lanes >= n), "{lanes} lanes per row for {n} rows");
        let dim = CubeDim::new_2d(lanes as u32, (THREADS / lanes) as u32);
        // Safety: threads past `rows` only write their (zero) partial sums to shared memory;
        // blocks are read at offsets below `rows * row_words`, the buffer's length.
        unsafe {
            kernel::quant_matmul_few::launch_unchecked(
                &out.client,
                cube_count(rows.div_ceil(THREADS / lanes)),
                dim,
                x.into_tensor_arg(),
                blocks.into_tensor_arg(),
                out.clone().into_tensor_arg(),
                n,
                lanes,
                format,
            );
        }
        out
    }

    fn quant_dequantize(blocks: IntTensor<Self>, first: usize, rows: usize, cols: usize, format: BlockFormat) -> FloatTensor<Self> {
        let (out, count, dim) = chunk_grid(&blocks, rows, cols);
        // Safety: threads past the last chunk stop; the rest read rows `first..first + rows`.
        unsafe {
            kernel::dequantize_rows::launch_unchecked(
                &out.client,
                count,
                dim,
                blocks.into_tensor_arg(),
                out.clone().into_tensor_arg(),
                first as u32,
                format,
            );
        }
        out
    }

    fn quant_gather(blocks: IntTensor<Self>, ids: IntTensor<Self>, cols: usize, format: BlockFormat) -> FloatTensor<Self> {
        let n = ids.meta.shape()[0];
        let (out, count, dim) = chunk_grid(&blocks, n, cols);
        // Safety: as `dequantize_rows`; ids are checked against the matrix by the caller.
        unsafe {
            kernel::gather_rows::launch_unchecked(
                &out.client,
                count,
                dim,
                blocks.into_tensor_arg(),
                ids.into_tensor_arg(),
                out.clone().into_tensor_arg(),
                format,
            );
        }
        out
    }
}

mod kernel {
    use cubecl::prelude::*;

    use super::super::decode::{decode_chunk, has_offset};
    use super::super::layout::{BlockFormat, CHUNK};
    use super::THREADS;

    /// Elements sharing one affine map (see `decode`).
    const HALF: usize = CHUNK / 2;

    /// The first word of the block holding chunk `chunk` of row `row`, and the chunk's index in it.
    #[cube]
    fn chunk_at(row: usize, chunk: usize, chunks_per_row: usize, #[comptime] format: BlockFormat) -> (usize, u32) {
        let per_block = comptime!(format.block_len() / CHUNK);
        let words = comptime!(format.block_words());
        let base = (row * (chunks_per_row / per_block) + chunk / per_block) * words;
        (base, (chunk % per_block) as u32)
    }

    /// `n` (the activation rows) is known when compiling: the partial sums stay in registers.
    #[cube(launch_unchecked)]
    pub fn quant_matmul_few(
        x: &Tensor<f32>,
        w: &Tensor<u32>,
        out: &mut Tensor<f32>,
        #[comptime] n: usize,
        #[comptime] lanes: usize,
        #[comptime] format: BlockFormat,
    ) {
        let rows_per_cube = comptime!(THREADS / lanes);
        let cols = x.shape(1);
        let rows = out.shape(1);
        let lane = UNIT_POS_X as usize;
        let local_row = UNIT_POS_Y as usize;
        let row = (CUBE_POS_Y * CUBE_COUNT_X + CUBE_POS_X) as usize * rows_per_cube + local_row;
        let chunks = cols / CHUNK;

        let mut acc = Array::<f32>::new(n);
        #[unroll]
        for t in 0..n {
            acc[t] = f32::new(0.0);
        }
        let mut vals = Array::<f32>::new(CHUNK);
        if row < rows {
            let mut chunk = lane;
            while chunk < chunks {
                let (base, sub) = chunk_at(row, chunk, chunks, format);
                let (scale0, offset0, scale1, offset1) = decode_chunk(w, base, sub, &mut vals, format);
                #[unroll]
                for t in 0..n {
                    // Per half: scale * Σ q x - offset * Σ x.
                    let from = t * cols + chunk * CHUNK;
                    let mut qx0 = f32::new(0.0);
                    let mut qx1 = f32::new(0.0);
                    let mut x0 = f32::new(0.0);
                    let mut x1 = f32::new(0.0);
                    #[unroll]
                    for i in 0..HALF {
                        let (a, b) = (x[from + i], x[from + HALF + i]);
                        qx0 += vals[i] * a;
                        qx1 += vals[HALF + i] * b;
                        if comptime!(has_offset(format)) {
                            x0 += a;
                            x1 += b;
                        }
                    }
                    acc[t] += scale0 * qx0 + scale1 * qx1;
                    if comptime!(has_offset(format)) {
                        acc[t] -= offset0 * x0 + offset1 * x1;
                    }
                }
                chunk += lanes;
            }
        }

        if comptime!(lanes == 1) {
            if row < rows {
                #[unroll]
                for t in 0..n {
                    out[t * rows + row] = acc[t];
                }
            }
        } else {
            // Partial sums of every lane, then one lane per activation row adds its row's up.
            let mut partial = Shared::<[f32]>::new_slice(THREADS * n);
            #[unroll]
            for t in 0..n {
                partial[(local_row * n + t) * lanes + lane] = acc[t];
            }
            sync_cube();
            if row < rows && lane < n {
                let from = (local_row * n + lane) * lanes;
                let mut total = f32::new(0.0);
                #[unroll]
                for l in 0..lanes {
                    total += partial[from + l];
                }
                out[lane * rows + row] = total;
            }
        }
    }

    /// Writes chunk `chunk` of source row `row` to output row `out_row`.
    #[cube]
    fn write_chunk(w: &Tensor<u32>, row: usize, out_row: usize, chunk: usize, out: &mut Tensor<f32>, #[comptime] format: BlockFormat) {
        let cols = out.shape(1);
        let (base, sub) = chunk_at(row, chunk, cols / CHUNK, format);
        let mut vals = Array::<f32>::new(CHUNK);
        let (scale0, offset0, scale1, offset1) = decode_chunk(w, base, sub, &mut vals, format);
        let from = out_row * cols + chunk * CHUNK;
        #[unroll]
        for i in 0..HALF {
            out[from + i] = scale0 * vals[i] - offset0;
            out[from + HALF + i] = scale1 * vals[HALF + i] - offset1;
        }
    }

    #[cube(launch_unchecked)]
    pub fn dequantize_rows(w: &Tensor<u32>, out: &mut Tensor<f32>, first: u32, #[comptime] format: BlockFormat) {
        let chunks = out.shape(1) / CHUNK;
        let id = ABSOLUTE_POS;
        if id >= out.shape(0) * chunks {
            terminate!();
        }
        let out_row = id / chunks;
        write_chunk(w, first as usize + out_row, out_row, id % chunks, out, format);
    }

    #[cube(launch_unchecked)]
    pub fn gather_rows(w: &Tensor<u32>, ids: &Tensor<u32>, out: &mut Tensor<f32>, #[comptime] format: BlockFormat) {
        let chunks = out.shape(1) / CHUNK;
        let id = ABSOLUTE_POS;
        if id >= out.shape(0) * chunks {
            terminate!();
        }
        let out_row = id / chunks;
        write_chunk(w, ids[out_row] as usize, out_row, id % chunks, out, format);
    }
}
